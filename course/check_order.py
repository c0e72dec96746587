"""Check that a student working on chapter k never meets a failure of an earlier chapter.

    python course/check_order.py [--unit]

A student on chapter k has written the blanks of chapters 1 .. k-1 and not yet those of
chapters k .. 8. For every chapter j that a package blank follows, this writes a student tree
in which exactly the blanks of the chapters after j are empty and runs the tests of chapter j
there (notebooks included; ``--unit`` leaves the notebooks out): the most a test of chapter j
ever has to do without. Every failure it prints is a place where an earlier chapter needs a later chapter's
code (for example a chapter-1 notebook that calls ``triangle_network``, which needs chapter
2's blanks). Exit status 1 if there is any.

It takes a few minutes with the notebooks, two runs at a time; ``make test`` runs the
``--unit`` version (``tests/test_course.py``).
"""
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import grade  # noqa: E402
import make_student as ms  # noqa: E402


def check(chapter, unit=False, ignore=()):
    """The tests of ``chapter`` with the blanks of every later chapter empty (``ignore``:
    test files left out, relative to the tree).

    Returns (the later chapters, blanked ids, outcomes by nodeid) or raises RuntimeError."""
    later = list(ms.CHAPTERS[ms.CHAPTERS.index(chapter) + 1:])
    with tempfile.TemporaryDirectory() as tmp:
        tree = os.path.join(tmp, "tree")
        _, blank = ms.write_tree(tree, only=later)
        marks = chapter if not unit else f"{chapter} and not notebook"
        outcomes, problem = grade.run_pytest(tree, marks, ignore=ignore)
    if problem:
        raise RuntimeError(f"pytest did not finish in {chapter}'s tree: {problem}")
    return later, blank, outcomes


def chapters_to_check(regions=None):
    """The chapters after which a package blank still follows (a notebook's blanks stop only
    their own notebook, so only the package's blanks can reach an earlier chapter)."""
    regions = ms.scan() if regions is None else regions
    last = max((r.chapter for r in regions if r.cell is None), default=ms.CHAPTERS[0])
    return [ch for ch in ms.CHAPTERS if ch < last]


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    unit = "--unit" in args
    chapters = chapters_to_check()
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda ch: check(ch, unit), chapters))
    problems = 0
    for chapter, (later, blank, outcomes) in zip(chapters, results):
        failing = {n: o for n, o in outcomes.items() if o["outcome"] in ("failed", "error")}
        passed = sum(o["outcome"] == "passed" for o in outcomes.values())
        print(f"blanks of {later[0]}..{later[-1]} empty ({len(blank)}): tests of {chapter}"
              f"{' (unit tests only)' if unit else ''}: {passed} passed, {len(failing)} failed")
        for nodeid, o in failing.items():
            print(f"  FAILED {nodeid}: {o['message']}")
        problems += len(failing)
    print("no earlier chapter needs a later one" if not problems else
          f"{problems} test(s) of an earlier chapter need a later chapter's blanks")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
