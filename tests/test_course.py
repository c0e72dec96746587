"""The course edition is honest: every solution region is well formed, the student tree with
the solutions kept is the reference itself, every package blank makes its own chapter's unit
tests fail, every notebook blank stops its notebook, and the grader tells done from not done.

These tests build student trees in temporary folders (``course/make_student.py``) and run
pytest and ``course/grade.py`` in them as separate processes.
"""
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.house

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "course"))
sys.path.insert(0, os.path.join(ROOT, "tutorials"))
import check_order  # noqa: E402
import make_student as ms  # noqa: E402
from run import run_notebook  # noqa: E402

# The package blanks the course asks for (more may be added; none may disappear unnoticed).
EXPECTED_PACKAGE_BLANKS = {
    "ch01": {"zero_crossings", "merge_equal_slopes"},
    "ch02": {"tent_from_relus", "theorem31_ratios", "matrix_entries", "hidden_matrix"},
    "ch03": {"dense_backward", "relu_backward", "mse_backward", "adam_step", "mlp_backward"},
    "ch04": {"entries_backward", "entries_to_ratios_backward", "offset_backward",
             "cumprod_backward", "theorem31_backward"},
    "ch05": {"constrained_loss_and_grads", "project_params"},
}


def _regions():
    try:
        return ms.scan()
    except ms.RegionError:
        return []          # test_every_region_is_well_formed reports the problem


REGIONS = _regions()
PACKAGE_BLANKS = [r for r in REGIONS if r.cell is None]


def _env(tree):
    env = dict(os.environ, PYTHONPATH=tree, PYTHONDONTWRITEBYTECODE="1", MPLBACKEND="Agg")
    env.pop("PYTEST_ADDOPTS", None)
    return env


def _without_markers(lines):
    return [line for line in lines
            if not (ms.BEGIN.match(line.rstrip("\r\n")) or ms.END.match(line.rstrip("\r\n")))]


# --- (a) the regions are well formed and point to a section that exists -------------------

def test_every_region_is_well_formed_and_points_to_a_section():
    regions = ms.scan()                    # raises RegionError listing every problem
    for r in regions:
        path = os.path.join(ROOT, r.notebook)
        assert os.path.isfile(path), f"{r.where}: region '{r.id}' names {r.notebook}, which is missing"
        number = os.path.basename(r.notebook)[:2]
        assert r.chapter == f"ch{number}", (
            f"{r.where}: region '{r.id}' is {r.chapter} but points to chapter {number}'s notebook")
        headings = [line for cell in ms.read_notebook(path)["cells"]
                    if cell["cell_type"] == "markdown"
                    for line in "".join(cell["source"]).splitlines()]
        assert any(re.match(rf"## {r.section}\. ", h) for h in headings), (
            f"{r.where}: region '{r.id}' points to section {r.section} of {r.notebook}, "
            f"which has no heading '## {r.section}. ...'")


def test_the_package_blanks_of_the_course_are_all_marked():
    have = {}
    for r in PACKAGE_BLANKS:
        have.setdefault(r.chapter, set()).add(r.id)
    for chapter, ids in EXPECTED_PACKAGE_BLANKS.items():
        missing = ids - have.get(chapter, set())
        assert not missing, f"{chapter}: package blanks no longer marked: {sorted(missing)}"


def test_only_and_except_take_ids_and_chapters():
    ids = {r.id for r in REGIONS}
    ch03 = {r.id for r in REGIONS if r.chapter == "ch03"}
    assert ms.select(REGIONS) == ids
    assert ms.select(REGIONS, only=["ch03"]) == ch03
    assert ms.select(REGIONS, only=["ch03", "hidden_matrix"]) == ch03 | {"hidden_matrix"}
    assert ms.select(REGIONS, exclude=["ch03"]) == ids - ch03
    assert ms.select(REGIONS, only=["ch03"], exclude=["adam_step"]) == ch03 - {"adam_step"}
    assert ms.select(REGIONS, keep_solutions=True) == set()
    with pytest.raises(ms.RegionError, match="do not combine"):
        ms.select(REGIONS, only=["ch03"], keep_solutions=True)


def test_the_tables_of_what_each_chapter_asks_are_up_to_date():
    blocks = ms.table_blocks()
    names = [os.path.relpath(path, ROOT) for path, _ in blocks]
    assert os.path.join("course", "student_README.md") in names, names
    table = ms.blanks_table(ms.scan())
    for path, text in blocks:
        assert ms.with_table(text, table) == text, (
            f"{os.path.relpath(path, ROOT)}: the table of blanks is out of date; run "
            "python course/make_student.py --write-tables")


# --- the tool refuses what it cannot write honestly ---------------------------------------

NB = "tutorials/01_intro.ipynb"
HEAD = f"| {NB}, section 1"


def _notebook(cells):
    return {"cells": [{"cell_type": kind, "metadata": {}, "source": src,
                       **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                      for kind, src in cells],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _source_tree(root, module="def f():\n    return 1\n", cells=None):
    """A small source tree with everything make_student copies."""
    files = {"minregion/__init__.py": "", "minregion/mod.py": module,
             "tests/test_mod.py": "def test_nothing():\n    pass\n",
             "tests/test_course.py": "", "docs/SPEC.md": "spec\n",
             "pyproject.toml": "", "requirements.txt": "numpy\n", "LICENSE": "MIT\n",
             "tutorials/run.py": "", "course/grade.py": "", "course/student_README.md": "readme\n",
             "course/student.mk": "test:\n"}
    for rel, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
        with open(os.path.join(root, rel), "w") as fh:
            fh.write(text)
    cells = cells or [("markdown", "# Chapter 1\n\n## 1. Intro"), ("code", "x = 1\n")]
    with open(os.path.join(root, NB), "w") as fh:
        json.dump(_notebook(cells), fh)
    return str(root)


@pytest.mark.parametrize("module, message", [
    (f"def f():\n    # BEGIN SOLUTION ch01 f1: write f {HEAD}\n    return 1\n", "never closed"),
    (f"def f():\n    # BEGIN SOLUTION ch01 f1: a {HEAD}\n    # BEGIN SOLUTION ch01 f2: b {HEAD}\n"
     "    return 1\n    # END SOLUTION\n", "cannot nest"),
    (f"def f():\n    # BEGIN SOLUTION ch01 f1: a {HEAD}\n    return 1\n    # END SOLUTION\n\n\n"
     f"def g():\n    # BEGIN SOLUTION ch01 f1: b {HEAD}\n    return 2\n    # END SOLUTION\n",
     "already used"),
    (f"def f(x):\n    # BEGIN SOLUTION ch01 f1: a {HEAD}\n    if x:\n    # END SOLUTION\n"
     "        return 1\n    return 0\n", "would not be valid Python"),
    (f"# BEGIN SOLUTION ch01 f1: a {HEAD}\nX = 1\n# END SOLUTION\n", "not inside a function"),
    ("def f():\n    # BEGIN SOLUTION ch1 f1: a\n    return 1\n    # END SOLUTION\n",
     "malformed marker"),
    ("def f():\n    return 1\n    # END SOLUTION\n", "without a BEGIN"),
    (f"def f():\n    # BEGIN SOLUTION ch01 f1: a {HEAD}\n    return 1\n# END SOLUTION\n",
     "indented differently"),
    (f"def f():\n    # BEGIN SOLUTION ch01 f1: a {HEAD}\n    # END SOLUTION\n    return 1\n",
     "is empty"),
])
def test_bad_regions_are_refused(tmp_path, module, message):
    root = _source_tree(tmp_path / "src", module=module)
    with pytest.raises(ms.RegionError, match=message):
        ms.write_tree(str(tmp_path / "out"), root=root)
    assert not os.path.exists(tmp_path / "out"), "nothing is written when a region is refused"


def test_a_notebook_region_must_sit_at_the_top_level_of_its_cell(tmp_path):
    cells = [("markdown", "## 1. Intro"),
             ("code", f"for i in range(2):\n    # BEGIN SOLUTION ch01 ex01_1: a {HEAD}\n"
                      "    y = i\n    # END SOLUTION\n")]
    root = _source_tree(tmp_path / "src", cells=cells)
    with pytest.raises(ms.RegionError, match="not at the top level"):
        ms.scan(root)


def test_destinations_that_would_overwrite_something_are_refused(tmp_path, capsys):
    root = _source_tree(tmp_path / "src")
    with pytest.raises(ms.RegionError, match="inside the sources' minregion/"):
        ms.write_tree(os.path.join(root, "minregion", "student"), root=root)
    with pytest.raises(ms.RegionError, match="holds the sources"):
        ms.write_tree(root, root=root, force=True)
    busy = tmp_path / "busy"
    (busy / ".venv").mkdir(parents=True)
    (busy / ".venv" / "kept").write_text("")
    with pytest.raises(ms.RegionError, match="not empty"):
        ms.write_tree(str(busy), root=root)
    ms.write_tree(str(busy), root=root, force=True)
    assert (busy / ".venv" / "kept").exists() and (busy / "minregion" / "mod.py").exists()
    assert ms.main([str(busy), "--only", "nothing_like_this"]) == 2
    assert "no region has this id" in capsys.readouterr().err


def test_notebook_regions_are_blanked_and_prose_answers_dropped(tmp_path):
    """A notebook blank stops the student's notebook at the region; the check after it
    grades whatever the student writes; with the solutions kept the notebook runs."""
    cells = [("markdown", "## 1. Intro"),
             ("code", f"# BEGIN SOLUTION ch01 ex01_1: set answer to 6 * 7 {HEAD}\n"
                      "answer = 6 * 7\n# END SOLUTION\nprint(f'answer = {answer}, expected 42')\n"
                      "assert answer == 42\n"),
             ("markdown", "## Solutions"),
             ("markdown", "<!-- SOLUTION -->\nThe answer is 42.")]
    root = _source_tree(tmp_path / "src", cells=cells)
    ms.write_tree(str(tmp_path / "student"), root=root)
    ms.write_tree(str(tmp_path / "solution"), root=root, keep_solutions=True)
    student = ms.read_notebook(str(tmp_path / "student" / NB))
    assert [c["cell_type"] for c in student["cells"]] == ["markdown", "code", "markdown"]
    code = "".join(student["cells"][1]["source"])
    assert code.startswith('raise NotImplementedError("ch01 ex01_1: set answer to 6 * 7; see '
                           f'{NB}, section 1")\nprint(')
    with pytest.raises(RuntimeError, match=r"NotImplementedError: ch01 ex01_1: set answer"):
        run_notebook(str(tmp_path / "student" / NB))
    solution = ms.read_notebook(str(tmp_path / "solution" / NB))
    assert len(solution["cells"]) == 4 and "BEGIN" not in json.dumps(solution)
    assert "answer = 42, expected 42" in run_notebook(str(tmp_path / "solution" / NB))


# --- (b) the solutions kept are the reference, line for line ----------------------------

@pytest.fixture(scope="module")
def solution_tree(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("solution") / "tree")
    ms.write_tree(path, keep_solutions=True)
    return path


@pytest.fixture(scope="module")
def student_tree(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("student") / "tree")
    ms.write_tree(path)
    return path


def _files(folder):
    out = set()
    for base, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in ms.SKIPPED]
        out |= {os.path.relpath(os.path.join(base, f), folder) for f in files
                if not f.endswith(".pyc")}
    return out


def test_keeping_the_solutions_reproduces_the_reference(solution_tree):
    for rel in ms.package_files():
        with open(os.path.join(ROOT, rel), "rb") as fh:
            ref = fh.read()
        with open(os.path.join(solution_tree, rel), "rb") as fh:
            got = fh.read()
        if rel.endswith(".py"):
            ref = "".join(_without_markers(ref.decode().splitlines(keepends=True))).encode()
        assert got == ref, f"{rel} differs from the reference (marker lines aside)"
    assert _files(os.path.join(solution_tree, "minregion")) == \
        {os.path.relpath(p, "minregion") for p in ms.package_files()}
    for rel in ms.notebook_files():
        ref = ms.read_notebook(os.path.join(ROOT, rel))
        for cell in ref["cells"]:
            if cell["cell_type"] == "code":
                cell["source"] = "".join(_without_markers(
                    "".join(cell["source"]).splitlines(keepends=True))).splitlines(keepends=True)
        assert ms.read_notebook(os.path.join(solution_tree, rel)) == ref, rel
    tests = _files(os.path.join(ROOT, "tests")) - set(ms.COURSE_TESTS)
    assert _files(os.path.join(solution_tree, "tests")) == tests
    for rel in tests:
        with open(os.path.join(ROOT, "tests", rel), "rb") as a, \
                open(os.path.join(solution_tree, "tests", rel), "rb") as b:
            assert a.read() == b.read(), f"tests/{rel}"
    for src, dst in ms.COPIED.items():
        a, b = os.path.join(ROOT, src), os.path.join(solution_tree, dst)
        if os.path.isdir(a):
            assert _files(a) == _files(b), src
            pairs = [(os.path.join(a, f), os.path.join(b, f)) for f in _files(a)]
        else:
            pairs = [(a, b)]
        for x, y in pairs:
            with open(x, "rb") as fx, open(y, "rb") as fy:
                assert fx.read() == fy.read(), f"{y} differs from {x}"


def test_the_student_tree_has_every_blank_and_no_solution(student_tree):
    text = {}
    for rel in _files(student_tree):
        if rel.endswith((".py", ".ipynb")):
            with open(os.path.join(student_tree, rel), encoding="utf-8") as fh:
                text[rel] = fh.read()
    for rel, body in text.items():
        assert not ms.LOOKS_LIKE_MARKER.search(body), f"{rel} still holds a solution marker"
        assert ms.SOLUTION_CELL not in body, f"{rel} still holds a prose answer"
        if rel.endswith(".py"):
            compile(body, rel, "exec")
    for r in REGIONS:
        if r.cell is None:
            assert text[r.path].count(r.raise_line().strip()) == 1, r.id
        else:
            assert json.dumps(r.message())[1:-1] in text[r.path], r.id


# --- (c) every package blank makes its chapter's unit tests fail --------------------------

def _run_chapter(tree, chapter):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-m", f"{chapter} and not notebook", "-x", "-q",
         "-p", "no:cacheprovider", "--tb=line"],
        cwd=tree, env=_env(tree), capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def one_blank_runs(solution_tree, tmp_path_factory):
    """For every package blank: its chapter's unit tests in a tree where only it is empty.

    Two solution trees, one file swapped at a time, two runs at once."""
    second = str(tmp_path_factory.mktemp("solution2") / "tree")
    ms.write_tree(second, keep_solutions=True)
    trees = [solution_tree, second]

    def work(k):
        out = {}
        for r in PACKAGE_BLANKS[k::2]:
            path = os.path.join(trees[k], r.path)
            with open(path, encoding="utf-8") as fh:
                kept = fh.read()
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(ms.render_package_file(r.path, REGIONS, {r.id}))
            try:
                out[r.id] = _run_chapter(trees[k], r.chapter)
            finally:
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(kept)
        return out

    with ThreadPoolExecutor(2) as pool:
        results = {}
        for part in pool.map(work, range(2)):
            results.update(part)
    return results


@pytest.mark.parametrize("region", PACKAGE_BLANKS, ids=[r.id for r in PACKAGE_BLANKS])
def test_each_package_blank_fails_its_own_chapters_unit_tests(one_blank_runs, region):
    run = one_blank_runs[region.id]
    said = run.stdout + run.stderr
    assert run.returncode == 1, (f"{region.id}: pytest -m '{region.chapter} and not notebook' "
                                 f"exited {run.returncode} with only this blank empty:\n{said[-2000:]}")
    assert f"NotImplementedError: {region.chapter} {region.id}:" in said, (
        f"{region.id}: the chapter's unit tests failed, but not at this blank:\n{said[-2000:]}")


def test_a_later_chapters_blanks_never_break_an_earlier_chapters_unit_tests():
    """A student on chapter k has not written the blanks of chapters k .. 7 yet: the unit
    tests of chapters 1 .. k-1 must pass all the same (course/check_order.py also runs the
    notebooks, which takes minutes)."""
    chapters = sorted({r.chapter for r in REGIONS} - {"ch01"})
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda ch: check_order.check(ch, unit=True), chapters))
    for earlier, later, _, outcomes in results:
        failing = [f"{n}: {o['message']}" for n, o in outcomes.items()
                   if o["outcome"] in ("failed", "error")]
        assert not failing, (f"with the blanks of {later[0]}..{later[-1]} empty, unit tests of "
                             f"{earlier[0]}..{earlier[-1]} fail:\n" + "\n".join(failing))
        assert sum(o["outcome"] == "passed" for o in outcomes.values()) > 0


# --- (d) every notebook blank stops its notebook -------------------------------------------

def test_every_notebook_with_blanks_stops_at_its_first_blank(tmp_path):
    """The student's notebook (package solutions in place) stops at a NotImplementedError."""
    by_notebook = {}
    for r in REGIONS:
        if r.cell is not None:
            by_notebook.setdefault(r.path, []).append(r)
    for rel, regions in sorted(by_notebook.items()):
        path = tmp_path / os.path.basename(rel)
        path.write_text(ms.render_notebook(rel, REGIONS, {r.id for r in regions}, False),
                        encoding="utf-8")
        first = min(regions, key=lambda r: (r.cell, r.start))
        with pytest.raises(RuntimeError, match=f"NotImplementedError: {first.chapter} {first.id}:"):
            run_notebook(str(path))


# --- (e) the grader ------------------------------------------------------------------------

def _grade(tree, chapter):
    run = subprocess.run([sys.executable, os.path.join("course", "grade.py"), chapter],
                         cwd=tree, env=_env(tree), capture_output=True, text=True, timeout=600)
    rows = [line.split("|") for line in run.stdout.splitlines()
            if line.split("|")[0].strip() == chapter]
    assert len(rows) == 1, run.stdout
    return run, [cell.strip() for cell in rows[0]]


def test_grade_tells_a_blank_chapter_from_a_solved_one(student_tree, solution_tree):
    blanks = sum(r.chapter == "ch03" for r in REGIONS)
    run, row = _grade(student_tree, "ch03")
    assert run.returncode == 1, run.stdout
    assert row[1] == str(blanks) and int(row[3]) > 0, run.stdout
    assert "FAILED tests/test_layers.py::" in run.stdout
    assert "NotImplementedError: ch03 dense_backward: compute dx, dW and db" in run.stdout
    run, row = _grade(solution_tree, "ch03")
    assert run.returncode == 0, run.stdout
    assert row[1] == "0" and int(row[2]) > 0 and row[3] == "0", run.stdout
