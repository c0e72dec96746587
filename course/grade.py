"""Grade the course chapter by chapter: blanks left, tests passed, tests failed.

    python course/grade.py [ch03 ...] [--verbose]

For each chapter ch01..ch08 (or those named), this counts the blanks still left, the
``raise NotImplementedError("chNN ...")`` lines in ``minregion/**/*.py`` and in the notebooks,
runs the chapter's tests (``pytest -m chNN``, every chapter in one quiet run, notebooks
included), and prints one table::

    chapter | blanks left | tests passed | failed

then one line for every failing test, with the first line of its failure message. The exit
status is 0 only when no blank is left and no test fails.

It needs nothing but numpy, matplotlib and pytest. The same file is the pytest plugin that
collects the outcomes (``-p grade``), so nothing else has to be installed.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CHAPTERS = tuple(f"ch{k:02d}" for k in range(1, 9))
BLANK = re.compile(r'raise NotImplementedError\("(ch0[1-8]) ')
REPORT_ENV = "MINREGION_GRADE_REPORT"


# --- counting the blanks ---------------------------------------------------------------

def count_blanks(root=ROOT):
    """{chapter: [where, ...]} for every blank still in the package and the notebooks."""
    found = {ch: [] for ch in CHAPTERS}
    package = os.path.join(root, "minregion")
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for f in sorted(files):
            if f.endswith(".py"):
                path = os.path.join(folder, f)
                with open(path, encoding="utf-8") as fh:
                    for n, line in enumerate(fh, 1):
                        for ch in BLANK.findall(line):
                            found[ch].append(f"{os.path.relpath(path, root)}:{n}")
    tutorials = os.path.join(root, "tutorials")
    for f in sorted(os.listdir(tutorials)) if os.path.isdir(tutorials) else []:
        if f.endswith(".ipynb"):
            with open(os.path.join(tutorials, f), encoding="utf-8") as fh:
                nb = json.load(fh)
            code = [c for c in nb["cells"] if c["cell_type"] == "code"]
            for k, cell in enumerate(code, 1):
                for ch in BLANK.findall("".join(cell["source"])):
                    found[ch].append(f"tutorials/{f}, code cell {k}")
    return found


# --- the pytest plugin (loaded in the pytest process with -p grade) -----------------------

_outcomes = {}      # nodeid -> {"chapters": [...], "outcome": ..., "message": ...}


def _first_line(report):
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if crash is None:          # a collection error: the last "E   ..." line says why
        errs = [line[1:].strip() for line in lines if line.startswith("E ")]
        lines = errs[-1:] or lines[-1:]
    if len(lines) > 1 and lines[0].endswith(":") and not lines[1].startswith("---"):
        return f"{lines[0]} {lines[1]}"
    return lines[0] if lines else "(no message)"


def pytest_runtest_logreport(report):
    entry = _outcomes.setdefault(report.nodeid, {
        "chapters": sorted(k for k in report.keywords if re.fullmatch(r"ch0[1-8]", k)),
        "outcome": "passed", "message": ""})
    if report.failed and entry["outcome"] != "failed":
        entry["outcome"] = "failed"
        entry["message"] = _first_line(report)
    elif report.skipped and entry["outcome"] == "passed":
        entry["outcome"] = "skipped"


def pytest_collectreport(report):
    if report.failed:
        path = report.nodeid or "(collection)"
        try:
            with open(os.path.join(ROOT, path.split("::")[0]), encoding="utf-8") as fh:
                chapters = sorted(set(re.findall(r"ch0[1-8]", fh.read())))
        except OSError:
            chapters = []
        _outcomes[path] = {"chapters": chapters or list(CHAPTERS), "outcome": "error",
                           "message": "could not be collected: " + _first_line(report)}


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get(REPORT_ENV)
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(_outcomes, fh)


# --- running and reporting ---------------------------------------------------------------

def run_tests(chapters, root=ROOT, verbose=False):
    """Run ``pytest -m "chA or chB ..."`` once; return (outcomes by nodeid, pytest's output)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "outcomes.json")
        env = dict(os.environ, MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
        env[REPORT_ENV] = report
        env["PYTHONPATH"] = os.pathsep.join([HERE, root] + [p for p in [env.get("PYTHONPATH")] if p])
        cmd = [sys.executable, "-m", "pytest", "-m", " or ".join(chapters), "-p", "grade",
               "-p", "no:cacheprovider", "-q", "--tb=short", "--continue-on-collection-errors"]
        run = subprocess.run(cmd, cwd=root, env=env, text=True,
                             stdout=None if verbose else subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        if not os.path.exists(report):
            return None, run.stdout or ""
        with open(report, encoding="utf-8") as fh:
            return json.load(fh), run.stdout or ""


def table(chapters, blanks, outcomes):
    """The table lines and whether everything is done."""
    rows = [("chapter", "blanks left", "tests passed", "failed")]
    done = True
    for ch in chapters:
        mine = [o for o in outcomes.values() if ch in o["chapters"]]
        passed = sum(o["outcome"] == "passed" for o in mine)
        failed = sum(o["outcome"] in ("failed", "error") for o in mine)
        left = len(blanks[ch])
        done = done and failed == 0 and left == 0
        rows.append((ch, str(left), str(passed), str(failed)))
    widths = [max(len(r[k]) for r in rows) for k in range(4)]
    lines = [" | ".join(cell.ljust(w) if k == 0 else cell.rjust(w)
                        for k, (cell, w) in enumerate(zip(row, widths))) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return lines, done


def main(argv=None):
    args = list(sys.argv[1:] if argv is None else argv)
    verbose = "--verbose" in args or "-v" in args
    names = [a for a in args if a not in ("--verbose", "-v")]
    if any(a in ("-h", "--help") for a in names):
        print(__doc__)
        return 0
    chapters = [n if n.startswith("ch") else f"ch{int(n):02d}" for n in names
                if re.fullmatch(r"ch0[1-8]|0?[1-8]", n)] or list(CHAPTERS)
    unknown = [n for n in names if not re.fullmatch(r"ch0[1-8]|0?[1-8]", n)]
    if unknown:
        print(f"grade: unknown chapter(s) {', '.join(unknown)}; use ch01 .. ch08", file=sys.stderr)
        return 2
    blanks = count_blanks()
    outcomes, output = run_tests(chapters, verbose=verbose)
    if outcomes is None:
        print(output)
        print("grade: pytest stopped before reporting any test (its output is above)")
        return 2
    lines, done = table(chapters, blanks, outcomes)
    print("\n".join(lines))
    failing = [(nodeid, o) for nodeid, o in outcomes.items()
               if o["outcome"] in ("failed", "error") and set(o["chapters"]) & set(chapters)]
    failing.sort(key=lambda item: min(item[1]["chapters"]))    # chapter by chapter, in run order
    if failing:
        print()
    for nodeid, o in failing:
        print(f"FAILED {nodeid}: {o['message']}")
    todo = [ch for ch in chapters if blanks[ch]]
    if todo:
        print()
        for ch in todo:
            print(f"{ch} blanks left: " + "; ".join(blanks[ch]))
    print()
    print("all chapters graded pass" if done else
          "not yet: write the blanks and make every test pass (pytest -m chNN runs one chapter)")
    return 0 if done else 1


if __name__ == "__main__":
    sys.exit(main())
