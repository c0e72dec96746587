"""Execute every chapter's notebook into HTML, with an index page (``make html``).

    python course/build_html.py [--out html] [NUMBER ...]

Runs ``jupyter nbconvert --to html --execute`` from inside ``tutorials/`` (so that relative
paths work as in Jupyter), figures embedded in the pages, then writes ``OUT/index.html``
listing the chapters with their one-line descriptions. Needs ``nbconvert`` and ``ipykernel``
(``make html`` installs both into ``.venv`` on first use).
"""
import argparse
import html
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TUTORIALS = os.path.join(ROOT, "tutorials")


def chapters():
    return sorted(f for f in os.listdir(TUTORIALS) if f.endswith(".ipynb") and f[:2].isdigit())


def _plain(markdown):
    """Markdown of one paragraph as plain text (emphasis, code marks and links dropped)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"[*`$]", "", text).replace("\\dots", "...")
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text)
    return " ".join(text.split())


def describe(path):
    """(title, one line) of a notebook: its ``# `` heading and the first sentence of what it
    teaches (the paragraph after the heading)."""
    with open(path, encoding="utf-8") as fh:
        nb = json.load(fh)
    first = "".join(nb["cells"][0]["source"]) if nb["cells"] else ""
    lines = first.splitlines()
    title = next((l[2:].strip() for l in lines if l.startswith("# ")), os.path.basename(path))
    paragraphs = [p for p in "\n".join(l for l in lines if not l.startswith("#")).split("\n\n")
                  if p.strip()]
    text = _plain(paragraphs[0]) if paragraphs else ""
    text = re.sub(r"^What this notebook teaches\.\s*", "", text)
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0] if text else ""
    return _plain(title), sentence


def jupyter():
    here = os.path.join(os.path.dirname(sys.executable), "jupyter")
    return [here] if os.path.exists(here) else [sys.executable, "-m", "jupyter"]


def index_page(entries):
    items = "\n".join(
        f'  <li><a href="{html.escape(page)}">{html.escape(title)}</a><br>'
        f"<span>{html.escape(line)}</span></li>" for page, title, line in entries)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>minregion: the chapters</title>
<style>
body {{ font-family: sans-serif; max-width: 46em; margin: 2em auto; line-height: 1.45; }}
li {{ margin-bottom: 1em; }} span {{ color: #444; }}
</style>
</head>
<body>
<h1>minregion: the chapters</h1>
<p>Each page is a tutorial notebook of minregion, executed from top to bottom, with its
printed checks and figures.</p>
<ol>
{items}
</ol>
</body>
</html>
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="chapter numbers (default: all)")
    parser.add_argument("--out", default=os.path.join(ROOT, "html"))
    args = parser.parse_args(argv)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    env = dict(os.environ, MPLBACKEND="module://matplotlib_inline.backend_inline")
    names = [n for n in chapters() if not args.only or any(n.startswith(o.zfill(2))
                                                            for o in args.only)]
    for name in names:
        start = time.perf_counter()
        cmd = jupyter() + ["nbconvert", "--to", "html", "--execute", "--output-dir", out,
                           "--ExecutePreprocessor.timeout=900", name]
        run = subprocess.run(cmd, cwd=TUTORIALS, env=env, capture_output=True, text=True)
        if run.returncode != 0:
            print(run.stdout[-3000:] + run.stderr[-3000:])
            print(f"html: {name} failed to execute (its output is above)")
            return 1
        print(f"{name} -> {os.path.join(out, name[:-6] + '.html')} "
              f"({time.perf_counter() - start:.0f} s)")
    entries = [(n[:-6] + ".html",) + describe(os.path.join(TUTORIALS, n)) for n in chapters()
               if os.path.exists(os.path.join(out, n[:-6] + ".html"))]
    with open(os.path.join(out, "index.html"), "w", encoding="utf-8") as fh:
        fh.write(index_page(entries))
    print(f"index: {os.path.join(out, 'index.html')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
