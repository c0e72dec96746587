"""Check that a student working on chapter k never meets a failure of an earlier chapter.

    python course/check_order.py [--unit]

A student on chapter k has written the blanks of chapters 1 .. k-1 and not yet those of
chapters k .. 7. For every k that has blanks, this writes a student tree in which exactly the
blanks of chapters k .. 7 are empty and runs the tests of chapters 1 .. k-1 there (notebooks
included; ``--unit`` leaves the notebooks out). Every failure it prints is a place where an
earlier chapter needs a later chapter's code (for example a chapter-1 notebook that calls
``triangle_network``, which needs chapter 2's blanks). Exit status 1 if there is any.

It takes a few minutes (the notebooks of chapters 1 .. k-1 run once for every k), two runs
at a time; ``make test`` runs the ``--unit`` version (``tests/test_course.py``).
"""
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import grade  # noqa: E402
import make_student as ms  # noqa: E402


def check(chapter, unit=False):
    """Blanks of ``chapter`` .. ch08 empty, tests of the chapters before it.

    Returns (later chapters, blanked ids, outcomes by nodeid) or raises RuntimeError.
    """
    k = ms.CHAPTERS.index(chapter)
    earlier, later = list(ms.CHAPTERS[:k]), list(ms.CHAPTERS[k:])
    with tempfile.TemporaryDirectory() as tmp:
        tree = os.path.join(tmp, "tree")
        _, blank = ms.write_tree(tree, only=later)
        marks = earlier if not unit else [f"({' or '.join(earlier)}) and not notebook"]
        outcomes, output = grade.run_tests(marks, root=tree)
    if outcomes is None:
        raise RuntimeError(f"pytest reported nothing:\n{output}")
    return earlier, later, blank, outcomes


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    unit = "--unit" in args
    chapters = sorted({r.chapter for r in ms.scan()} - {ms.CHAPTERS[0]})
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda ch: check(ch, unit), chapters))
    problems = 0
    for earlier, later, blank, outcomes in results:
        failing = {n: o for n, o in outcomes.items() if o["outcome"] in ("failed", "error")}
        passed = sum(o["outcome"] == "passed" for o in outcomes.values())
        print(f"blanks of {later[0]}..{later[-1]} empty ({len(blank)}): tests of "
              f"{earlier[0]}..{earlier[-1]}{' (unit tests only)' if unit else ''}: "
              f"{passed} passed, {len(failing)} failed")
        for nodeid, o in failing.items():
            print(f"  FAILED {nodeid}: {o['message']}")
        problems += len(failing)
    print("no earlier chapter needs a later one" if not problems else
          f"{problems} test(s) of an earlier chapter need a later chapter's blanks")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
