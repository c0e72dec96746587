"""The chapters as web pages (``make html``): the student edition, or the answer key on request.

    python course/build_html.py [--out html]            # html/student/: for the students
    python course/build_html.py --key [--out html] [N]  # html/answer-key/: for the lecturers

**The student edition** (the default) goes to ``OUT/student/``: every chapter's notebook as
``make student`` writes it (each solution region replaced by the student's blank, each prose
answer by an answer cell, no answers file), rendered without running it (a student edition
stops at its first blank; the checks and figures appear when the student runs it), with an
index page, previous / next links and the chapter's learning objectives (from
``course/SYLLABUS.md``) at the top of every page. Before anything is written, every page is
searched for a solution marker, a line of a solution region or a sentence of a prose answer:
a page that holds one stops the build (:func:`leaks`).

**The answer key** (``--key``, ``make html KEY=1``) goes to ``OUT/answer-key/``: the
reference edition, every solution and prose answer in it, executed from top to bottom with
its printed checks and figures, with a banner on every page saying it is the answer key. Do
not publish that folder; publish ``OUT/student/``.

Each folder is written through ``minregion.reproduce.outputs`` (only files this command wrote
there before are overwritten; all pages appear at once). Needs ``nbconvert`` (and
``ipykernel`` for the key), which ``make html`` installs into ``.venv`` on first use.
"""
import argparse
import html
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TUTORIALS = os.path.join(ROOT, "tutorials")
SYLLABUS = os.path.join(HERE, "SYLLABUS.md")
STUDENT, KEY = "student", "answer-key"
sys.path.insert(0, HERE)
sys.path.insert(0, ROOT)
import make_student as ms  # noqa: E402

KEY_BANNER = ("ANSWER KEY: the reference edition, with every solution and every answer. "
              "For lecturers only; publish the student edition (html/student/) instead.")
STUDENT_NOTE = ("Student edition. The code cells are not run on this page: open the notebook "
                "in Jupyter, write each blank (a line <code>raise NotImplementedError(...)</code>) "
                "and run it to see the checks and figures.")


# --- what goes on the pages ------------------------------------------------------------------

def objectives(path=SYLLABUS):
    """{chapter: (title, [objective, ...])} from the syllabus's ``### chNN · title`` sections
    (bullets ``- ...`` that may go on over indented lines)."""
    out, current = {}, None
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            head = re.match(r"^### (ch0[1-8]) · (.+?)\s*$", line)
            if head:
                current = head.group(1)
                out[current] = (head.group(2), [])
            elif line.startswith("#"):
                current = None
            elif current and line.startswith("- "):
                out[current][1].append(line[2:].strip())
            elif current and line.startswith("  ") and out[current][1]:
                out[current][1][-1] += " " + line.strip()
    return out


def inline(markdown):
    """One line of Markdown as HTML: code marks kept, ``$...$`` left to MathJax, emphasis
    marks dropped."""
    parts = re.split(r"`([^`]*)`", markdown)
    return "".join(f"<code>{html.escape(p)}</code>" if k % 2 else
                   html.escape(p.replace("*", ""), quote=False) for k, p in enumerate(parts))


MATHJAX = """<script type="text/x-mathjax-config">
MathJax.Hub.Config({tex2jax: {inlineMath: [['$', '$']], processEscapes: true}});
</script>
<script src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/latest.js?config=TeX-AMS_CHTML-full,Safe"></script>"""


def chapter_of(name):
    return f"ch{name[:2]}"


def title_of(notebook):
    """The ``# `` heading of a notebook's first cell, as plain text."""
    first = "".join(notebook["cells"][0]["source"]) if notebook["cells"] else ""
    line = next((l[2:].strip() for l in first.splitlines() if l.startswith("# ")), "")
    return re.sub(r"[*`$]", "", line)


def header(name, names, goals, banner=None, note=None):
    """The top of a chapter's page: a banner, previous / index / next, the objectives."""
    k = names.index(name)
    prev = f'<a href="{names[k - 1][:-6]}.html">&larr; previous</a>' if k else ""
    nxt = f'<a href="{names[k + 1][:-6]}.html">next &rarr;</a>' if k + 1 < len(names) else ""
    nav = (f'<nav style="display:flex;justify-content:space-between;margin:0.5em 0">'
           f'<span>{prev}</span><a href="index.html">all chapters</a><span>{nxt}</span></nav>')
    title, items = goals.get(chapter_of(name), ("", []))
    listed = "".join(f"<li>{inline(i)}</li>" for i in items)
    box = (f'<div style="border:1px solid #888;padding:0.4em 1em;margin:0.5em 0">'
           f"<strong>After this chapter you can</strong><ul>{listed}</ul></div>" if items else "")
    top = (f'<div style="background:#b00020;color:#fff;padding:0.6em 1em;font-weight:bold">'
           f"{html.escape(banner)}</div>" if banner else "")
    remark = f'<p style="color:#444">{note}</p>' if note else ""
    return (f'<div style="max-width:60em;margin:0 auto;font-family:sans-serif">{top}{nav}'
            f"{remark}{box}</div>")


def with_header(page, top, title):
    """The nbconvert page with ``top`` right after ``<body>``, its title set."""
    page = re.sub(r"<title>.*?</title>", f"<title>{html.escape(title)}</title>", page, count=1,
                  flags=re.S)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + top, page, count=1)


def index_page(entries, goals, banner=None, intro=""):
    """entries: (page, title, chapter) in order."""
    items = []
    for page, title, chapter in entries:
        goal = "".join(f"<li>{inline(i)}</li>" for i in goals.get(chapter, ("", []))[1])
        items.append(f'  <li><a href="{html.escape(page)}">{html.escape(title)}</a>'
                     f"<ul>{goal}</ul></li>")
    top = (f'<p style="background:#b00020;color:#fff;padding:0.6em 1em;font-weight:bold">'
           f"{html.escape(banner)}</p>" if banner else "")
    heading = "minregion: the answer key" if banner else "minregion: the chapters"
    body = "\n".join(items)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{heading}</title>
<style>
body {{ font-family: sans-serif; max-width: 46em; margin: 2em auto; line-height: 1.45; }}
ol > li {{ margin-bottom: 1em; }} ul {{ color: #333; }}
</style>
{MATHJAX}
</head>
<body>
{top}
<h1>{heading}</h1>
<p>{intro}</p>
<ol>
{body}
</ol>
</body>
</html>
"""


# --- the student edition, and the search for answers in it -------------------------------------

def student_notebooks(root=ROOT):
    """{file name: notebook text} of the student edition: every region blank, prose answers
    replaced by answer cells (what ``make student`` writes, without an answers file)."""
    regions = ms.scan(root)
    blank = ms.select(regions)
    return {os.path.basename(rel): ms.render_notebook(rel, regions, blank, False, root)
            for rel in ms.notebook_files(root)}


def _plain(text, page=False):
    """Text as a reader sees it (of a page: tags dropped, entities read), marks and spaces
    evened out."""
    if page:
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return " ".join(re.sub(r"[*`$\\{}_^]", " ", text).split())


def secrets(root=ROOT):
    """{file name: [text]}: what must not be on a student's page: each solution region's
    lines (of 25 characters or more, that the student edition does not show anyway) and each
    line of a prose answer (of 30 characters or more)."""
    regions = ms.scan(root)
    shown = student_notebooks(root)
    out = {}
    for rel in ms.notebook_files(root):
        name = os.path.basename(rel)
        seen = _plain("\n".join("".join(c["source"])
                                for c in json.loads(shown[name])["cells"]))
        cells = ms.read_notebook(os.path.join(root, rel))["cells"]
        found = []
        for r in regions:
            if r.path == rel:
                for line in r.body("".join(cells[r.cell]["source"]).splitlines(keepends=True)):
                    text = _plain(line.split("#")[0])
                    if len(text) >= 25 and text not in seen:
                        found.append(text)
        for line in ms.notebook_answers(rel, root).splitlines():
            text = _plain(re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line))
            if len(text) >= 30 and not line.startswith("#") and text not in seen:
                found.append(text)
        out[name] = found
    return out


def leaks(text, hidden, page=True):
    """What of a solution or an answer a page shows (``page``: HTML, else a notebook's JSON):
    the markers, and every text of ``hidden`` (see :func:`secrets`) found in it."""
    raw = text if page else "\n".join("".join(c["source"]) for c in json.loads(text)["cells"])
    found = [m for m in ("BEGIN SOLUTION", "END SOLUTION", ms.SOLUTION_CELL) if m in raw]
    seen = _plain(raw, page)
    return found + [h for h in hidden if h in seen]


# --- building ---------------------------------------------------------------------------------

def jupyter():
    here = os.path.join(os.path.dirname(sys.executable), "jupyter")
    return [here] if os.path.exists(here) else [sys.executable, "-m", "jupyter"]


def student_pages(root=ROOT):
    """{page name: HTML} of the student edition, the index included. Raises RuntimeError
    naming the page and what it shows when a page shows a solution or an answer."""
    import nbformat
    from nbconvert import HTMLExporter
    notebooks, hidden, goals = student_notebooks(root), secrets(root), objectives()
    names = sorted(notebooks)
    pages, entries = {}, []
    for name in names:
        nb = nbformat.reads(notebooks[name], as_version=4)
        title = title_of(nb)
        body, _ = HTMLExporter().from_notebook_node(nb)
        page = with_header(body, header(name, names, goals, note=STUDENT_NOTE), title)
        shown = leaks(page, hidden[name]) + leaks(notebooks[name], hidden[name], page=False)
        if shown:
            raise RuntimeError(f"html: the student page of {name} would show a solution or "
                               f"an answer: {shown[0]!r}; nothing was written")
        pages[name[:-6] + ".html"] = page
        entries.append((name[:-6] + ".html", title, chapter_of(name)))
    pages["index.html"] = index_page(
        entries, goals, intro="The chapters of the course, student edition: each page is a "
        "notebook to run and complete in Jupyter. Under each chapter, what you can do after it.")
    return pages


def key_pages(names, stage):
    """Execute the reference notebooks ``names`` into ``stage`` and add the banner, the
    links and the objectives. Returns the pages written, or None when one failed."""
    goals = objectives()
    everything = sorted(n for n in os.listdir(TUTORIALS) if n.endswith(".ipynb") and
                        n[:2].isdigit())
    env = dict(os.environ, MPLBACKEND="module://matplotlib_inline.backend_inline")
    entries = []
    for name in names:
        start = time.perf_counter()
        cmd = jupyter() + ["nbconvert", "--to", "html", "--execute", "--output-dir", stage,
                           "--ExecutePreprocessor.timeout=900", name]
        run = subprocess.run(cmd, cwd=TUTORIALS, env=env, capture_output=True, text=True)
        if run.returncode != 0:
            print(run.stdout[-3000:] + run.stderr[-3000:])
            print(f"html: {name} failed to execute (its output is above)")
            return None
        page = os.path.join(stage, name[:-6] + ".html")
        with open(page, encoding="utf-8") as fh:
            text = fh.read()
        with open(os.path.join(TUTORIALS, name), encoding="utf-8") as fh:
            title = title_of(json.load(fh))
        with open(page, "w", encoding="utf-8") as fh:
            fh.write(with_header(text, header(name, everything, goals, banner=KEY_BANNER),
                                 f"ANSWER KEY: {title}"))
        entries.append((name[:-6] + ".html", title, chapter_of(name)))
        print(f"{name} executed ({time.perf_counter() - start:.0f} s)")
    with open(os.path.join(stage, "index.html"), "w", encoding="utf-8") as fh:
        fh.write(index_page(entries, goals, banner=KEY_BANNER,
                            intro="The reference edition, executed, with every solution."))
    return sorted(os.listdir(stage))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="with --key: chapter numbers (default: all)")
    parser.add_argument("--out", default=os.path.join(ROOT, "html"),
                        help="the folder that gets student/ (and answer-key/ with --key)")
    parser.add_argument("--key", action="store_true",
                        help="the answer key (the reference, executed) into OUT/answer-key/")
    args = parser.parse_args(argv)
    if args.only and not args.key:
        parser.error("chapter numbers go with --key only (the student edition is built whole)")
    from minregion.reproduce.outputs import Output, OutputError
    folder = os.path.join(args.out, KEY if args.key else STUDENT)
    if args.key:
        names = [n for n in sorted(os.listdir(TUTORIALS)) if n.endswith(".ipynb") and
                 n[:2].isdigit() and (not args.only or any(n.startswith(o.zfill(2))
                                                            for o in args.only))]
        if not names:
            parser.error(f"no chapter numbered {', '.join(args.only)} (1 to 8)")
        planned = [n[:-6] + ".html" for n in names] + ["index.html"]
    else:
        try:
            pages = student_pages()
        except RuntimeError as err:
            print(err)
            return 1
        planned = sorted(pages)
    output = Output(folder, "html")
    try:
        output.prepare(planned)
    except OutputError as err:
        print(f"html: {err}")
        return 2
    with output.staging() as stage:
        if args.key:
            if key_pages(names, stage) is None:
                output.abandon()
                return 1
        else:
            for name, text in pages.items():
                with open(os.path.join(stage, name), "w", encoding="utf-8") as fh:
                    fh.write(text)
        done = output.publish()
    for note in output.notes:
        print(note)
    where = os.path.join(done.beside or folder, "index.html")
    what = ("the ANSWER KEY (do not publish it)" if args.key else
            "the student edition (no solutions, no answers): publish this folder")
    print(f"html: {len(planned) - 1} chapter pages and an index, {what}: {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
