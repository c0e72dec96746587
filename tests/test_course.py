"""The course edition is honest: every solution region is well formed, the student tree with
the solutions kept is the reference itself, every package blank and every typical bug in it
fails its own chapter's unit tests while equivalent rewrites pass, every notebook blank stops
its notebook, ``make student`` touches nothing but its destination, and the graders (the
student's ``course/grade.py``, the lecturer's ``course/grade_class.py``) tell done from not
done, within their time limits, from the student's solution regions alone.

These tests build trees in temporary folders (``course/make_student.py``) and run pytest,
``course/grade.py`` and ``course/grade_class.py`` there as separate processes.
"""
import ast
import csv
import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.house

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
COURSE = os.path.join(ROOT, "course")
sys.path.insert(0, COURSE)
sys.path.insert(0, os.path.join(ROOT, "tutorials"))
import bug_plugin  # noqa: E402
import build_html  # noqa: E402
import capstone  # noqa: E402
import check_order  # noqa: E402
import grade  # noqa: E402
import grade_class  # noqa: E402
import make_student as ms  # noqa: E402
import typical_bugs as tb  # noqa: E402
from run import run_notebook  # noqa: E402

# The package blanks the course asks for (more may be added; none may disappear unnoticed).
EXPECTED_PACKAGE_BLANKS = {
    "ch01": {"zero_crossings", "merge_equal_slopes"},
    "ch02": {"tent_from_relus", "theorem31_ratios", "matrix_entries", "hidden_matrix"},
    "ch03": {"dense_backward", "relu_backward", "mse_backward", "adam_step", "mlp_backward"},
    "ch04": {"entries_backward", "entries_to_ratios_backward", "offset_backward",
             "cumprod_backward", "theorem31_backward"},
    "ch05": {"constrained_loss_and_grads", "project_params"},
    "ch07": {"difference_backward"},
    "ch08": {"curvature_knots", "spline_floor", "mirror_bound"},
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


def _without_markers(lines, path="source"):
    """The lines of a source with its solution markers (and their continuation lines) left
    out."""
    regions, errors = ms.find_regions(lines, path)
    assert not errors, errors
    drop = {k for r in regions for k in list(range(r.start, r.start + r.head)) + [r.end]}
    return [line for k, line in enumerate(lines) if k not in drop]


def filled_tree(dest, changes=None, root=ROOT):
    """A student's tree in which every region is written as the reference writes it, between
    the student's markers, except ``changes``: {id: the student's lines, or None (blank)}."""
    changes = changes or {}
    regions = ms.scan(root)
    ms.write_tree(dest, root=root)
    blank = {i for i, v in changes.items() if v is None}

    def written(r, lines):
        return grade.your_code(r.indent, r.chapter, r.id, changes.get(r.id) or r.body(lines))

    for rel in ms.package_files(root):
        if rel.endswith(".py") and any(r.path == rel for r in regions):
            lines = ms.read_lines(os.path.join(root, rel))
            replace = {r.id: written(r, lines) for r in regions
                       if r.path == rel and r.id not in blank}
            with open(os.path.join(dest, rel), "w", encoding="utf-8") as fh:
                fh.write(ms.render_package_file(rel, regions, blank, root, replace))
    for rel in ms.notebook_files(root):
        cells = ms.read_notebook(os.path.join(root, rel))["cells"]
        replace = {r.id: written(r, "".join(cells[r.cell]["source"]).splitlines(keepends=True))
                   for r in regions if r.path == rel and r.id not in blank}
        with open(os.path.join(dest, rel), "w", encoding="utf-8") as fh:
            fh.write(ms.render_notebook(rel, regions, blank, False, root, replace))
    return dest


# --- (a) the regions are well formed and point to a section that exists -------------------

def test_every_region_is_well_formed_and_points_to_a_section():
    regions = ms.scan()                    # raises RegionError listing every problem
    for r in regions:
        path = os.path.join(ROOT, r.notebook)
        assert os.path.isfile(path), f"{r.where}: region '{r.id}' names {r.notebook}, which is missing"
        assert r.chapter == f"ch{os.path.basename(r.notebook)[:2]}", r.where
        headings = [line for cell in ms.read_notebook(path)["cells"]
                    if cell["cell_type"] == "markdown"
                    for line in "".join(cell["source"]).splitlines()]
        assert any(re.match(rf"## {r.section}\. ", h) for h in headings), (
            f"{r.where}: region '{r.id}' points to section {r.section} of {r.notebook}, "
            f"which has no heading '## {r.section}. ...'")


def test_every_marker_line_fits_in_100_characters():
    """The description goes on over '#   ' lines rather than running off the screen."""
    long = []
    for r in REGIONS:
        if r.cell is None:
            lines = ms.read_lines(os.path.join(ROOT, r.path))
        else:
            cell = ms.read_notebook(os.path.join(ROOT, r.path))["cells"][r.cell]
            lines = "".join(cell["source"]).splitlines(keepends=True)
        long += [f"{r.where}: {len(lines[k].rstrip())} characters"
                 for k in list(range(r.start, r.start + r.head)) + [r.end]
                 if len(lines[k].rstrip()) > 100]
    assert not long, "marker lines over 100 characters:\n" + "\n".join(long)


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
HEAD = "(section 1):"


def _notebook(cells):
    return {"cells": [{"cell_type": kind, "metadata": {}, "source": src,
                       **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                      for kind, src in cells],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _write_files(root, files):
    for rel, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
        with open(os.path.join(root, rel), "w", encoding="utf-8") as fh:
            fh.write(text)


def _source_tree(root, module="def f():\n    return 1\n", cells=None, tests=None, real=False):
    """A small source tree with everything make_student copies; ``real``: with the course's
    own grader, pytest settings and conftest, so that it can be graded."""
    files = {"minregion/__init__.py": "", "minregion/mod.py": module,
             "tests/test_mod.py": tests or "def test_nothing():\n    pass\n",
             "tests/test_course.py": "", "docs/SPEC.md": "spec\n",
             "pyproject.toml": "", "requirements.txt": "numpy\n", "LICENSE": "MIT\n",
             "tutorials/run.py": "", "course/student_README.md": "readme\n",
             "course/student.mk": "test:\n"}
    for name in ("grade.py", "grade_plugin.py", "grade_notebook.py", "capstone.py",
                 "capstone_reference.json"):
        files[f"course/{name}"] = ""
    if real:
        for rel in ("pyproject.toml", "tests/conftest.py", "course/grade.py",
                    "course/grade_plugin.py", "course/grade_notebook.py"):
            with open(os.path.join(ROOT, rel), encoding="utf-8") as fh:
                files[rel] = fh.read()
    _write_files(root, files)
    cells = cells or [("markdown", "# Chapter 1\n\n## 1. Intro"), ("code", "x = 1\n")]
    with open(os.path.join(root, NB), "w") as fh:
        json.dump(_notebook(cells), fh)
    return str(root)


@pytest.mark.parametrize("module, message", [
    (f"def f():\n    # BEGIN SOLUTION ch01 f1 {HEAD} write f\n    return 1\n", "never closed"),
    (f"def f():\n    # BEGIN SOLUTION ch01 f1 {HEAD} a\n    # BEGIN SOLUTION ch01 f2 {HEAD} b\n"
     "    return 1\n    # END SOLUTION\n", "cannot nest"),
    (f"def f():\n    # BEGIN SOLUTION ch01 f1 {HEAD} a\n    return 1\n    # END SOLUTION\n\n\n"
     f"def g():\n    # BEGIN SOLUTION ch01 f1 {HEAD} b\n    return 2\n    # END SOLUTION\n",
     "already used"),
    (f"def f(x):\n    # BEGIN SOLUTION ch01 f1 {HEAD} a\n    if x:\n    # END SOLUTION\n"
     "        return 1\n    return 0\n", "would not be valid Python"),
    (f"# BEGIN SOLUTION ch01 f1 {HEAD} a\nX = 1\n# END SOLUTION\n", "not inside a function"),
    ("def f():\n    # BEGIN SOLUTION ch1 f1: a\n    return 1\n    # END SOLUTION\n",
     "malformed marker"),
    ("def f():\n    # BEGIN SOLUTION ch01 f1: a | tutorials/01_intro.ipynb, section 1\n"
     "    return 1\n    # END SOLUTION\n", "malformed marker"),
    ("def f():\n    return 1\n    # END SOLUTION\n", "without a BEGIN"),
    (f"def f():\n    # BEGIN SOLUTION ch01 f1 {HEAD} a\n    return 1\n# END SOLUTION\n",
     "indented differently"),
    (f"def f():\n    # BEGIN SOLUTION ch01 f1 {HEAD} a\n    # END SOLUTION\n    return 1\n",
     "is empty"),
    (f"def f():\n    # BEGIN SOLUTION ch02 f1 {HEAD} a\n    return 1\n    # END SOLUTION\n",
     "needs exactly one notebook"),
    ("def f():\n    # BEGIN YOUR CODE ch01 f1\n    return 1\n    # END YOUR CODE\n",
     "student-edition marker"),
])
def test_bad_regions_are_refused(tmp_path, module, message):
    root = _source_tree(tmp_path / "src", module=module)
    with pytest.raises(ms.RegionError, match=message):
        ms.write_tree(str(tmp_path / "out"), root=root)
    assert not os.path.exists(tmp_path / "out"), "nothing is written when a region is refused"


def test_the_description_goes_on_over_continuation_lines(tmp_path):
    module = (f"def f():\n    # BEGIN SOLUTION ch01 f1 {HEAD} return one,\n"
              "    #   as an int\n    #   (not a float)\n    return 1\n    # END SOLUTION\n")
    root = _source_tree(tmp_path / "src", module=module)
    [r] = ms.scan(root)
    assert (r.what, r.notebook, r.section, r.head) == (
        "return one, as an int (not a float)", NB, 1, 3)
    assert r.message() == f"ch01 f1: return one, as an int (not a float); see {NB}, section 1"
    ms.write_tree(str(tmp_path / "solution"), root=root, keep_solutions=True)
    assert (tmp_path / "solution" / "minregion" / "mod.py").read_text() == \
        "def f():\n    return 1\n"


def test_a_notebook_region_must_sit_at_the_top_level_of_its_cell(tmp_path):
    cells = [("markdown", "## 1. Intro"),
             ("code", f"for i in range(2):\n    # BEGIN SOLUTION ch01 ex01_1 {HEAD} a\n"
                      "    y = i\n    # END SOLUTION\n")]
    root = _source_tree(tmp_path / "src", cells=cells)
    with pytest.raises(ms.RegionError, match="not at the top level"):
        ms.scan(root)


def test_editors_backups_and_files_the_package_does_not_read_stay_out_of_the_edition(tmp_path):
    module = f"def f():\n    # BEGIN SOLUTION ch01 f1 {HEAD} a\n    return 1\n    # END SOLUTION\n"
    leftovers = ["minregion/mod.py~", "minregion/.mod.py.swp", "minregion/.#mod.py",
                 "minregion/mod.py.orig", "minregion/mod.py.bak", "minregion/notes.txt",
                 "minregion/data/old.json~", "tests/test_mod.py~", "docs/SPEC.md.orig"]
    root = _source_tree(tmp_path / "src", module=module)
    _write_files(root, {**{rel: module for rel in leftovers},
                        "minregion/data/numbers.json": "{}\n"})
    files, _, _ = ms.edition_files(root)
    assert "minregion/mod.py" in files and "minregion/data/numbers.json" in files
    assert not set(leftovers) & set(files), sorted(set(leftovers) & set(files))


@pytest.mark.parametrize("rel, text", [
    ("minregion/data/numbers.json", '{"note": "# BEGIN SOLUTION ch01 f1"}\n'),
    ("tests/helpers.txt", "#   end solution\n"),
    ("docs/notes.md", "<!-- SOLUTION -->\nthe answer\n"),
    ("course/grade.py", "# BEGIN SOLUTION ch01 f1 (section 1): a\n"),
])
def test_a_file_copied_as_it_is_that_holds_a_solution_marker_is_refused(tmp_path, rel, text):
    root = _source_tree(tmp_path / "src")
    _write_files(root, {rel: text})
    with pytest.raises(ms.RegionError, match=re.escape(rel)):
        ms.write_tree(str(tmp_path / "out"), root=root)
    assert not os.path.exists(tmp_path / "out")


# --- make student touches nothing but its destination ------------------------------------

def _contents(folder):
    out = {}
    for base, _, files in os.walk(folder):
        for f in files:
            with open(os.path.join(base, f), "rb") as fh:
                out[os.path.relpath(os.path.join(base, f), folder)] = fh.read()
    return out


def test_a_destination_that_is_contains_or_sits_above_the_sources_is_refused(tmp_path, capsys):
    root = _source_tree(tmp_path / "src")
    before = _contents(root)
    for dest, message in ((root, "is the sources' folder"), (str(tmp_path), "contains the"),
                          (os.sep, "contains the"),
                          (os.path.join(root, "minregion", "student"), "inside the sources' "
                                                                       "minregion/")):
        with pytest.raises(ms.RegionError, match=message):
            ms.write_tree(dest, root=root, force=True)
    link = tmp_path / "link"
    link.symlink_to(root)                          # real paths are compared, not names
    with pytest.raises(ms.RegionError, match="is the sources' folder"):
        ms.write_tree(str(link), root=root, force=True)
    assert _contents(root) == before
    busy = tmp_path / "busy"
    (busy / ".venv").mkdir(parents=True)
    (busy / ".venv" / "kept").write_text("")
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(ms.RegionError, match="not empty"):
        ms.write_tree(str(busy), root=root)
    ms.write_tree(str(busy), root=root, force=True)   # it overwrites nothing there
    assert (busy / ".venv" / "kept").exists() and (busy / "notes.txt").read_text() == "mine"
    assert (busy / "minregion" / "mod.py").exists()
    assert ms.main([str(busy), "--only", "nothing_like_this"]) == 2
    assert "no region has this id" in capsys.readouterr().err


def test_force_follows_no_symbolic_link(tmp_path):
    """DIR/minregion linked to the sources' minregion/, or one file linked elsewhere: refused,
    and nothing changes on either side of the link."""
    root = _source_tree(tmp_path / "src")
    dest = tmp_path / "student"
    ms.write_tree(str(dest), root=root)
    before = _contents(root)
    shutil.rmtree(dest / "minregion")
    (dest / "minregion").symlink_to(os.path.join(root, "minregion"))
    with pytest.raises(ms.RegionError, match=r"minregion is a symbolic link .*not follow links"):
        ms.write_tree(str(dest), root=root, force=True)
    assert _contents(root) == before
    (dest / "minregion").unlink()
    ms.write_tree(str(dest / "again"), root=root)
    shutil.move(str(dest / "again" / "minregion"), str(dest / "minregion"))
    other = tmp_path / "elsewhere.txt"
    other.write_text("not make_student's")
    (dest / "LICENSE").unlink()
    (dest / "LICENSE").symlink_to(other)
    with pytest.raises(ms.RegionError, match="LICENSE is a symbolic link"):
        ms.write_tree(str(dest), root=root, force=True)
    assert other.read_text() == "not make_student's" and _contents(root) == before


def test_force_overwrites_only_its_own_files_and_names_them_first(tmp_path):
    root = _source_tree(tmp_path / "src")
    (tmp_path / "src" / "minregion" / "old.py").write_text("X = 1\n")
    dest = tmp_path / "student"
    ms.write_tree(str(dest), root=root)
    (tmp_path / "src" / "minregion" / "old.py").unlink()          # gone from the new edition
    (tmp_path / "src" / "course" / "student_README.md").write_text("readme, new\n")
    (dest / "minregion" / "mine.py").write_text("the student's own module\n")
    (dest / ".venv").mkdir()
    said = []
    ms.write_tree(str(dest), root=root, force=True, say=said.append)
    assert said and said[0].startswith("--force: overwriting in ")
    for name in ("README.md", "Makefile", "LICENSE", "minregion/ (", "tests/ (", "course/ ("):
        assert name in said[0], said
    assert "removing the earlier edition's minregion/ (1 files)" in said[1], said
    assert (dest / "README.md").read_text() == "readme, new\n"
    assert (dest / "minregion" / "mine.py").exists() and (dest / ".venv").is_dir()
    assert not (dest / "minregion" / "old.py").exists()
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "README.md").write_text("someone else's")
    with pytest.raises(ms.RegionError, match=r"did not write there \(README.md"):
        ms.write_tree(str(stranger), root=root, force=True)
    assert (stranger / "README.md").read_text() == "someone else's"


def test_force_keeps_a_file_changed_since_it_was_written(tmp_path):
    """A student's work in a file of the edition is not the tool's any more: --force names
    it and writes nothing; moved away, the rest is rewritten."""
    root = _source_tree(tmp_path / "src")
    dest = tmp_path / "student"
    ms.write_tree(str(dest), root=root)
    (dest / "README.md").write_text("the student's notes")
    before = _contents(str(dest))
    with pytest.raises(ms.RegionError, match=r"not as make_student wrote them "
                                             r"\(README.md\)"):
        ms.write_tree(str(dest), root=root, force=True)
    assert _contents(str(dest)) == before
    (dest / "README.md").rename(tmp_path / "notes.md")
    ms.write_tree(str(dest), root=root, force=True)
    assert (dest / "README.md").read_text() == "readme\n"
    assert (tmp_path / "notes.md").read_text() == "the student's notes"


def test_force_removes_nothing_outside_dir_whatever_the_record_says(tmp_path):
    """The record is a file anyone can edit: names in it that leave DIR (``..``, a root,
    an empty part) are not the tool's, and a name without a fingerprint proves nothing."""
    root = _source_tree(tmp_path / "src")
    dest = tmp_path / "student"
    ms.write_tree(str(dest), root=root)
    outside = tmp_path / "victim.txt"
    outside.write_text("not make_student's")
    (dest / "mine.txt").write_text("the student's")
    record = dest / "course" / "edition.json"
    manifest = json.loads(record.read_text())
    manifest["files"] += ["../victim.txt", str(outside), "course//x", "./LICENSE", "mine.txt"]
    record.write_text(json.dumps(manifest))
    with pytest.raises(ms.RegionError, match=r"not as make_student wrote them "
                                             r"\(mine.txt\)"):
        ms.write_tree(str(dest), root=root, force=True)
    assert outside.read_text() == "not make_student's"
    assert (dest / "mine.txt").read_text() == "the student's"
    del manifest["sha256"]                      # a record of an earlier make_student
    record.write_text(json.dumps(manifest))
    with pytest.raises(ms.RegionError, match=r"not as make_student wrote them "
                                             r"\(.gitignore, LICENSE, Makefile.*older"):
        ms.write_tree(str(dest), root=root, force=True)
    assert outside.read_text() == "not make_student's"


def test_a_failed_removal_is_an_error(tmp_path, monkeypatch):
    root = _source_tree(tmp_path / "src")
    (tmp_path / "src" / "minregion" / "old.py").write_text("X = 1\n")
    dest = tmp_path / "student"
    ms.write_tree(str(dest), root=root)
    (tmp_path / "src" / "minregion" / "old.py").unlink()

    def refuse(path):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(ms.os, "remove", refuse)
    with pytest.raises(ms.RegionError, match="could not write into .*Permission denied"):
        ms.write_tree(str(dest), root=root, force=True)


# --- notebooks: blanks, answer cells, answers on request ------------------------------------

def test_notebook_regions_are_blanked_and_prose_answers_held_back(tmp_path):
    """A notebook blank stops the student's notebook at the region; the check after it
    grades whatever the student writes; a prose answer becomes an answer cell, and the
    answers reach the student only when the lecturer says so."""
    cells = [("markdown", "## 1. Intro"),
             ("code", f"# BEGIN SOLUTION ch01 ex01_1 {HEAD} set answer to 6 * 7\n"
                      "answer = 6 * 7\n# END SOLUTION\nprint(f'answer = {answer}, expected 42')\n"
                      "assert answer == 42\n"),
             ("markdown", "## Solutions"),
             ("markdown", "<!-- SOLUTION -->\n**Exercise 1.** The answer is 42.\n\n"
                          "**Exercise 2.** Because."),
             ("markdown", "<!-- SOLUTION -->\n1. First.\n2. Second.")]
    root = _source_tree(tmp_path / "src", cells=cells)
    ms.write_tree(str(tmp_path / "student"), root=root)
    ms.write_tree(str(tmp_path / "solution"), root=root, keep_solutions=True)
    student = ms.read_notebook(str(tmp_path / "student" / NB))
    texts = ["".join(c["source"]) for c in student["cells"]]
    assert texts[1].startswith(
        f'# BEGIN YOUR CODE ch01 ex01_1\nraise NotImplementedError("ch01 ex01_1: set answer to '
        f'6 * 7; see {NB}, section 1")\n# END YOUR CODE\nprint(')
    assert texts[3] == ("<!-- ANSWER -->\n\n**Exercise 1.** *Your answer:*\n\n"
                        "**Exercise 2.** *Your answer:*")
    assert texts[4] == "<!-- ANSWER -->\n\n1. *Your answer:*\n\n2. *Your answer:*"
    assert "42" not in "".join(texts[2:]) and not (tmp_path / "student" / "answers").exists()
    with pytest.raises(RuntimeError, match=r"NotImplementedError: ch01 ex01_1: set answer"):
        run_notebook(str(tmp_path / "student" / NB))
    solution = ms.read_notebook(str(tmp_path / "solution" / NB))
    assert len(solution["cells"]) == 5 and "BEGIN" not in json.dumps(solution)
    assert "answer = 42, expected 42" in run_notebook(str(tmp_path / "solution" / NB))

    ms.write_tree(str(tmp_path / "with"), root=root, answers={"ch01"})
    answers = (tmp_path / "with" / "answers" / "ch01.md").read_text()
    assert "**Exercise 1.** The answer is 42." in answers and "1. First." in answers
    assert ms.release_answers(str(tmp_path / "student"), {"ch01"}, root=root) == \
        ["answers/ch01.md"]
    assert (tmp_path / "student" / "answers" / "ch01.md").read_text() == answers
    edition = json.loads((tmp_path / "student" / "course" / "edition.json").read_text())
    assert "answers/ch01.md" in edition["files"] and edition["answers"] == ["ch01"]
    (tmp_path / "other").mkdir()
    with pytest.raises(ms.RegionError, match="holds no student edition"):
        ms.release_answers(str(tmp_path / "other"), {"ch01"}, root=root)


def test_every_chapter_with_written_questions_has_an_answers_file_and_answer_cells():
    for chapter, [rel] in sorted(ms.chapter_notebooks().items()):
        cells = ms.read_notebook(os.path.join(ROOT, rel))["cells"]
        solutions = [c for c in cells if c["cell_type"] == "markdown" and
                     "".join(c["source"]).lstrip().startswith(ms.SOLUTION_CELL)]
        if not solutions:
            continue
        text = ms.answers_file(chapter, rel)
        assert text and all("".join(c["source"]).split(ms.SOLUTION_CELL, 1)[1].strip() in text
                            for c in solutions), rel
        student = json.loads(ms.render_notebook(rel, REGIONS, set(), False))
        prompts = sum("".join(c["source"]).count("*Your answer:*") for c in student["cells"])
        assert prompts >= 1 and ms.SOLUTION_CELL not in json.dumps(student), rel


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
        if rel in ms.REFERENCE_ONLY:
            continue
        with open(os.path.join(ROOT, rel), "rb") as fh:
            ref = fh.read()
        with open(os.path.join(solution_tree, rel), "rb") as fh:
            got = fh.read()
        if rel.endswith(".py"):
            ref = "".join(_without_markers(ref.decode().splitlines(keepends=True), rel)).encode()
        assert got == ref, f"{rel} differs from the reference (marker lines aside)"
    assert _files(os.path.join(solution_tree, "minregion")) == \
        {os.path.relpath(p, "minregion") for p in ms.package_files()
         if p not in ms.REFERENCE_ONLY}
    for rel in ms.notebook_files():
        ref = ms.read_notebook(os.path.join(ROOT, rel))
        for cell in ref["cells"]:
            if cell["cell_type"] == "code":
                cell["source"] = "".join(_without_markers(
                    "".join(cell["source"]).splitlines(keepends=True))).splitlines(keepends=True)
        assert ms.read_notebook(os.path.join(solution_tree, rel)) == ref, rel
    tests = _files(os.path.join(ROOT, "tests")) - set(ms.COURSE_TESTS) - {
        os.path.relpath(rel, "tests") for rel in ms.REFERENCE_ONLY if rel.startswith("tests/")}
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


# Lines of a solution (of 25 characters or more, spaces evened out) that the student edition
# shows elsewhere on purpose: the exercise's own instructions or check, an idiom taught
# before, or a building block the student is meant to call (raw_loss_and_grads: the network,
# the MSE and their backward passes, which the student wrote in chapter 3). Any other line of
# a solution found in any file of the edition is a leak.
SHOWN_ON_PURPOSE = {
    "constrained_loss_and_grads": {"out, caches = mlp_forward(layers, X)",
                                   "loss, mcache = mse_forward(out[..., 0, :], Y)"},
    "nb05_step": {"out, caches = mlp_forward(layers, X)"},
    "ex02_7": {"with warnings.catch_warnings(record=True) as caught:",
               'warnings.simplefilter("always")'},
    "ex07_2": {'target2 = nonconvex_target("sin(2 pi x)")'},
    "nb08_knots": {"xs = np.linspace(lo, hi, grid)",
                   "f2 = np.abs(np.gradient(np.gradient(f(xs), xs, edge_order=2), xs, "
                   "edge_order=2))"},
    "nb08_mirror": {"u, w = np.polynomial.legendre.leggauss(400)"},
}


def _solution_lines(region):
    """The code lines of a region's solution, of 25 characters or more, spaces evened out."""
    path = os.path.join(ROOT, region.path)
    lines = ms.read_lines(path) if region.cell is None else \
        "".join(ms.read_notebook(path)["cells"][region.cell]["source"]).splitlines(keepends=True)
    code = [" ".join(line.split("#")[0].split()) for line in region.body(lines)]
    return {line for line in code if len(line) >= 25}


def _as_read(rel, data):
    """The text of a file of the edition as a reader sees it: a notebook's cells, any other
    file's bytes (not UTF-8: decoded with replacements), spaces evened out."""
    text = data.decode("utf-8", errors="replace")
    if rel.endswith(".ipynb"):
        text = "\n".join("".join(c["source"]) for c in json.loads(text)["cells"])
    return " ".join(text.split())


def test_the_student_tree_has_every_blank_and_no_solution(student_tree):
    every = {}
    for rel in _files(student_tree):             # every file, whatever its kind
        with open(os.path.join(student_tree, rel), "rb") as fh:
            every[rel] = fh.read()
    for rel, data in every.items():
        assert not ms.holds_a_marker(data), f"{rel} holds a solution marker or a prose answer"
    seen = {rel: _as_read(rel, data) for rel, data in every.items()}
    for r in REGIONS:
        for line in sorted(_solution_lines(r) - SHOWN_ON_PURPOSE.get(r.id, set())):
            shown = [rel for rel, body in seen.items() if line in body]
            assert not shown, f"{r.id}: a line of its solution is in {shown}: {line!r}"
    text = {rel: every[rel].decode("utf-8") for rel in every
            if rel.endswith((".py", ".ipynb")) and rel.startswith(("minregion", "tutorials",
                                                                   "tests"))}
    for rel, body in text.items():
        if rel.endswith(".py"):
            compile(body, rel, "exec")
    for r in REGIONS:
        if r.cell is None:
            assert text[r.path].count("".join(r.blank_lines())) == 1, r.id
        else:
            cells = ["".join(c["source"]) for c in json.loads(text[r.path])["cells"]]
            assert sum("".join(r.blank_lines()) in c for c in cells) == 1, r.id
    found = grade.read_tree(student_tree)
    assert {f.id for f in found.regions.values() if f.state == "blank"} == \
        {r.id for r in REGIONS}, "the grader counts every blank of a fresh student tree"


def test_the_student_tree_leaves_the_fast_step_out_and_its_tables_run_the_readable_step(
        student_tree):
    assert ms.REFERENCE_ONLY and all(os.path.exists(os.path.join(ROOT, rel))
                                     for rel in ms.REFERENCE_ONLY)
    assert not _files(student_tree) & set(ms.REFERENCE_ONLY)
    code = ("from minregion.reproduce.experiments import resolve_step\n"
            "print(resolve_step(None))\n"
            "try:\n    resolve_step('fast')\nexcept ValueError as e:\n    print('refused', e)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=student_tree, env=_env(student_tree),
                         capture_output=True, text=True, timeout=120)
    assert out.stdout.splitlines()[0] == "readable", out.stdout + out.stderr
    assert "refused step='fast'" in out.stdout


def test_a_notebook_saved_in_jupyter_fails_no_chapter_test_of_the_edition(student_tree):
    """Saving a notebook with its outputs, or switching %autoreload on, is how a student
    works: the rules of the committed notebooks are the repository's own (house), and the
    edition leaves their file out; no test of a chapter reads a notebook's outputs."""
    assert "tests/test_notebooks_committed.py" in ms.REFERENCE_ONLY
    chapters = " or ".join(ms.CHAPTERS)
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                          "-p", "no:cacheprovider", "-m", chapters], cwd=student_tree,
                         env=_env(student_tree), capture_output=True, text=True, timeout=300)
    ids = [line for line in out.stdout.splitlines() if "::" in line]
    assert ids, out.stdout[-2000:] + out.stderr[-2000:]
    assert not [i for i in ids if "committed" in i or "autoreload" in i], ids


# --- (c) every package blank and its typical bugs fail its chapter; rewrites pass ---------

@pytest.fixture(scope="module")
def bug_runs(tmp_path_factory):
    """Every package blank, typical bug and rewrite (course/typical_bugs.py), run against its
    chapter's unit tests: two pytest processes (``-p bug_plugin``), chapters alternating."""
    tmp = tmp_path_factory.mktemp("bugs")
    chapters = sorted({r.chapter for r in PACKAGE_BLANKS})

    def run(k):
        mine = chapters[k::2]
        settings, report = tmp / f"settings{k}.json", tmp / f"report{k}.json"
        settings.write_text(json.dumps({"report": str(report), "variants": bug_plugin.variants(
            REGIONS, ROOT, {r.id for r in PACKAGE_BLANKS if r.chapter in mine})}))
        env = dict(_env(ROOT), MINREGION_BUGS=str(settings),
                   PYTHONPATH=os.pathsep.join([COURSE, ROOT]))
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider",
             "-p", "bug_plugin", "-m", f"({' or '.join(mine)}) and not notebook"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        assert report.exists(), done.stdout[-3000:] + done.stderr[-3000:]
        return json.loads(report.read_text())

    with ThreadPoolExecutor(2) as pool:
        results = {}
        for part in pool.map(run, range(min(2, len(chapters)))):
            results.update(part)
    return results


@pytest.mark.parametrize("region", PACKAGE_BLANKS, ids=[r.id for r in PACKAGE_BLANKS])
def test_each_package_blank_and_its_typical_bugs_fail_and_its_rewrites_pass(bug_runs, region):
    mine = {k.split(" | ", 1)[1]: v for k, v in bug_runs.items()
            if k.startswith(region.id + " | ")}
    blank = mine["blank | blank"]
    assert blank["failed"] and f"NotImplementedError: {region.chapter} {region.id}:" in \
        blank["first"], f"{region.id}: its blank does not fail its chapter's unit tests at " \
                        f"itself: {blank}"
    bugs = {k: v for k, v in mine.items() if k.startswith("bug | ")}
    rewrites = {k: v for k, v in mine.items() if k.startswith("rewrite | ")}
    assert len(bugs) >= 3 and rewrites, \
        f"{region.id}: course/typical_bugs.py keeps {len(bugs)} bugs and {len(rewrites)} " \
        "rewrites of it (at least 3 and 1)"
    escaped = [k for k, v in bugs.items() if not v["failed"]]
    assert not escaped, f"{region.id}: bugs that pass every unit test of {region.chapter}: " \
                        f"{escaped}"
    rejected = {k: v["first"] for k, v in rewrites.items() if v["failed"] or v["passed"] == 0}
    assert not rejected, f"{region.id}: rewrites rejected (or never tested): {rejected}"


def test_the_typical_bugs_name_only_package_blanks():
    ids = {r.id for r in PACKAGE_BLANKS}
    assert set(tb.BUGS) <= ids and set(tb.REWRITES) <= ids, \
        sorted((set(tb.BUGS) | set(tb.REWRITES)) - ids)


NOTEBOOK_VARIANTS = [(r, kind, name, v) for r in REGIONS if r.cell is not None
                     for kind, table in (("bug", tb.NOTEBOOK_BUGS), ("rewrite", tb.NOTEBOOK_REWRITES))
                     for name, v in table.get(r.id, {}).items()]


def exercise_plan(region, code, root=ROOT):
    """The grader's plan for one notebook exercise written as ``code``: the code cells of its
    notebook up to its check (the code cells after it up to the next text cell or the next
    exercise), the reference in every other exercise and as every exercise's fallback."""
    cells = ms.read_notebook(os.path.join(root, region.path))["cells"]
    mine = [r for r in REGIONS if r.path == region.path]
    plan = []
    for c, cell in enumerate(cells):
        here = [r for r in mine if r.cell == c]
        if c > region.cell and (here or cell["cell_type"] != "code"):
            break
        if cell["cell_type"] != "code":
            continue
        lines = "".join(cell["source"]).splitlines(keepends=True)
        reference = "".join(ms.render(lines, here))
        replace = {region.id: code} if region in here else {}
        plan.append({"source": "".join(ms.render(lines, here, replace=replace)),
                     "regions": [r.id for r in here], "blank": [], "fallback": reference})
    return {"notebook": os.path.join(root, region.path), "cells": plan}


@pytest.mark.parametrize("region, kind, name, variant", NOTEBOOK_VARIANTS,
                         ids=[f"{r.id}-{k}-{n}" for r, k, n, _ in NOTEBOOK_VARIANTS])
def test_each_notebook_typical_bug_fails_its_exercise_and_its_rewrites_pass(region, kind, name,
                                                                            variant):
    cells = ms.read_notebook(os.path.join(ROOT, region.path))["cells"]
    lines = "".join(cells[region.cell]["source"]).splitlines(keepends=True)
    code = tb.variant_lines(region.body(lines), variant, region.indent)
    results, problem = grade.run_notebook(ROOT, exercise_plan(region, code))
    outcome, message = results.get(region.id, ("missing", problem))
    if kind == "bug":
        assert outcome == "failed", f"{region.id}: the bug '{name}' passes its exercise's check"
    else:
        assert outcome == "passed", f"{region.id}: the rewrite '{name}' is rejected: {message}"


def test_the_notebook_typical_bugs_name_notebook_exercises_with_bugs_and_rewrites():
    ids = {r.id for r in REGIONS if r.cell is not None}
    assert set(tb.NOTEBOOK_BUGS) <= ids and set(tb.NOTEBOOK_REWRITES) <= ids, \
        sorted((set(tb.NOTEBOOK_BUGS) | set(tb.NOTEBOOK_REWRITES)) - ids)
    assert set(tb.NOTEBOOK_BUGS) == set(tb.NOTEBOOK_REWRITES), \
        "every exercise with typical bugs has a rewrite too (a check that rejects all fails)"


# tests of the command line's plumbing (usage errors, jobs, stops, writes), which run
# Tables 1-3 only: no later chapter's code; left out of the check below for time (half of
# it), which test_the_plumbing_tests_left_out_run_no_later_chapters_table holds to be so
PLUMBING = "tests/test_cli.py"


def test_a_later_chapters_blanks_never_break_an_earlier_chapters_unit_tests():
    """A student on chapter k has not written the blanks of chapters k .. 8 yet: the unit
    tests of chapters 1 .. k-1 must pass all the same (course/check_order.py also runs the
    notebooks, and the plumbing tests, which takes minutes)."""
    chapters = check_order.chapters_to_check(REGIONS)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda ch: check_order.check(ch, unit=True,
                                                             ignore=[PLUMBING]), chapters))
    for chapter, (later, _, outcomes) in zip(chapters, results):
        failing = [f"{n}: {o['message']}" for n, o in outcomes.items()
                   if o["outcome"] in ("failed", "error")]
        assert not failing, (f"with the blanks of {later[0]}..{later[-1]} empty, unit tests of "
                             f"{chapter} fail:\n" + "\n".join(failing))
        assert sum(o["outcome"] == "passed" for o in outcomes.values()) > 0


def test_the_plumbing_tests_left_out_run_no_later_chapters_table():
    """The order check leaves PLUMBING out: it may, as long as every table its commands run
    is Table 1, 2 or 3 (chapters 1-6's code): no ``ext``, no ``depth``, no 2-D or
    difference model, no depth study."""
    with open(os.path.join(ROOT, PLUMBING), encoding="utf-8") as fh:
        text = fh.read()
    tables = re.findall(r'"--tables",\s*"([^"]*)"', text)
    assert tables and all(set(t.split(",")) <= {"1", "2", "3", "9"} for t in tables), tables
    assert not re.search(r"^\s*(from|import) \S*(extensions|depth_study)|\"ext\"", text, re.M)


# --- (d) every notebook blank stops its notebook -------------------------------------------

def test_every_notebook_blank_stops_its_notebook_at_itself():
    """In the student's notebook each blank's raise is a statement at the top level of its
    cell, after only the reference's code: the cell raises there, with the blank's message.
    (The cells before a notebook's first blank are the reference's, which
    tests/test_tutorials.py runs; the chapter-3 class grading below runs blanks for real.)"""
    for rel in sorted({r.path for r in REGIONS if r.cell is not None}):
        mine = [r for r in REGIONS if r.path == rel]
        nb = json.loads(ms.render_notebook(rel, REGIONS, {r.id for r in mine}, False))
        raised = {}
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                for node in ast.parse("".join(cell["source"])).body:
                    if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and \
                            node.exc.func.id == "NotImplementedError":
                        message = node.exc.args[0].value
                        raised[message.split(":")[0]] = message
        for r in mine:
            assert raised.get(f"{r.chapter} {r.id}") == r.message(), \
                f"{rel}: the blank of {r.id} does not raise at the top level of its cell"


# --- (e) the student's grader ---------------------------------------------------------------

MODULE = f'''import numpy as np


def double(x):
    """2 x."""
    # BEGIN SOLUTION ch01 double {HEAD} return 2 x
    y = 2 * x
    # END SOLUTION
    return y


def product(a, b):
    """The matrix product of a (n, k) and b (k, m)."""
    # BEGIN SOLUTION ch01 product {HEAD} c = a b
    c = a @ b
    # END SOLUTION
    return c
'''
TESTS = '''import numpy as np
import pytest

from minregion.mod import double, product


@pytest.mark.ch01
def test_double():
    assert double(3) == 6


@pytest.mark.ch01
def test_product_of_a_2_by_3_and_a_3_by_4():
    assert product(np.ones((2, 3)), np.ones((3, 4))).shape == (2, 4)


@pytest.mark.ch01
def test_z_last():
    assert double(1) == 2


@pytest.mark.ch02
def test_twice_double():
    assert double(double(1)) == 4


@pytest.mark.ch03
def test_double_of_two():
    assert double(2) == 4
'''
CELLS = [("markdown", "## 1. Intro"),
         ("code", f"# BEGIN SOLUTION ch01 ex_a {HEAD} a_val = 42\na_val = 42\n# END SOLUTION\n"
                  "assert a_val == 42\n"),
         ("code", f"# BEGIN SOLUTION ch01 ex_b {HEAD} b_val = a_val + 1\nb_val = a_val + 1\n"
                  "# END SOLUTION\nassert b_val == 43, f'b_val = {b_val}, expected 43'\n"),
         ("code", f"# BEGIN SOLUTION ch01 ex_c {HEAD} c_val = 1\nc_val = 1\n# END SOLUTION\n"),
         ("code", f"# BEGIN SOLUTION ch01 ex_d {HEAD} d_val = c_val + 1\nd_val = c_val + 1\n"
                  "# END SOLUTION\nassert d_val == 2\n")]


@pytest.fixture
def small_course(tmp_path):
    """A small course (two package blanks, four exercises) and its student edition."""
    root = _source_tree(tmp_path / "src", module=MODULE, cells=CELLS, tests=TESTS, real=True)
    student = str(tmp_path / "student")
    ms.write_tree(student, root=root)
    return root, student


def _edit(tree, rel, old, new):
    path = os.path.join(tree, rel)
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    assert text.count(old) == 1, (old, text)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text.replace(old, new))


def _write_region(tree, rel, id_, code):
    """The student writes ``code`` in place of the raise line of region ``id_``."""
    path = os.path.join(tree, rel)
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    if rel.endswith(".ipynb"):
        nb = json.loads(text)
        for cell in nb["cells"]:
            src = "".join(cell["source"])
            if f"ch01 {id_}:" in src:
                lines = src.splitlines(keepends=True)
                k = next(i for i, line in enumerate(lines) if f"ch01 {id_}:" in line)
                cell["source"] = "".join(lines[:k] + [code] + lines[k + 1:]) \
                    .splitlines(keepends=True)
        text = json.dumps(nb)
    else:
        lines = text.splitlines(keepends=True)
        k = next(i for i, line in enumerate(lines) if f'"ch01 {id_}:' in line)
        indent = lines[k][:len(lines[k]) - len(lines[k].lstrip())]
        text = "".join(lines[:k] + [indent + c + "\n" for c in code.splitlines()] +
                       lines[k + 1:])
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def _run_grade(tree, *args, env=None, timeout=300):
    return subprocess.run([sys.executable, os.path.join("course", "grade.py"), *args],
                          cwd=tree, env=env or _env(tree), capture_output=True, text=True,
                          timeout=timeout)


def _row(stdout, chapter):
    rows = [[c.strip() for c in line.split("|")] for line in stdout.splitlines()
            if "|" in line and line.split("|")[0].strip() == chapter]
    assert len(rows) == 1, stdout
    return rows[0]


def test_grade_counts_blanks_by_parsing_and_says_what_blocks_a_chapter(small_course):
    """A blank rewritten over several lines is still a blank; a chapter that fails only at
    another chapter's blank says so in one line; a raw NumPy error in the student's function
    names the function, the line and the shapes; exercises are graded one by one; a root
    conftest.py, a pytest.ini and PYTEST_ADDOPTS change nothing."""
    _, tree = small_course
    _write_region(tree, "minregion/mod.py", "double",
                  "raise NotImplementedError(\n    'ch01 double: later'\n)")
    _write_region(tree, "minregion/mod.py", "product", "c = a @ b.T")
    _write_region(tree, NB, "ex_a", "a_val = 42\n")
    _write_region(tree, NB, "ex_b", "b_val = a_val + 2\n")
    _write_region(tree, NB, "ex_d", "d_val = c_val + 1\n")
    with open(os.path.join(tree, "conftest.py"), "w") as fh:
        fh.write("import pytest\n\n\n@pytest.hookimpl(hookwrapper=True)\n"
                 "def pytest_runtest_makereport(item, call):\n    outcome = yield\n"
                 "    outcome.get_result().outcome = 'passed'\n")
    with open(os.path.join(tree, "pytest.ini"), "w") as fh:
        fh.write("[pytest]\naddopts = -p no:python\n")
    run = _run_grade(tree, env=dict(_env(tree), PYTEST_ADDOPTS="-k nothing_at_all"))
    said = run.stdout
    assert run.returncode == 1, said + run.stderr
    assert _row(said, "ch01")[1:5] == ["2", "0", "3", "1/4"], said
    assert _row(said, "ch02")[1:] == ["0", "0", "1", "-", "blocked by ch01 double"], said
    assert re.search(r"double: blank left \(minregion/mod\.py line \d+\); 2 test\(s\) stop at "
                     r"it", said), said
    assert re.search(r"FAILED tests/test_mod.py::test_product_of_a_2_by_3_and_a_3_by_4: product "
                     r"\(minregion/mod\.py line \d+: c = a @ b\.T\): ValueError: matmul: .*; the "
                     r"arrays there: a \(2, 3\), b \(3, 4\)", said), said
    assert "exercise ex_b failed: AssertionError at line 4 (assert b_val == 43, " in said, said
    assert "exercises left blank: ex_c (code cell 3, line 1)" in said, said
    assert "exercise ex_d blocked: blocked by ex_c (NameError" in said, said
    assert "1 test(s) blocked by ch01 double: write it first" in said, said
    assert "outside the markers" not in said, said
    run = _run_grade(tree, "ch01", "--unit")
    assert _row(run.stdout, "ch01")[1:5] == ["2", "0", "3", "-"], run.stdout


def test_grade_names_file_and_line_of_a_syntax_error_and_a_lost_marker(small_course):
    _, tree = small_course
    _write_region(tree, "minregion/mod.py", "double", "y = 2 * (x")
    _edit(tree, "minregion/mod.py", "    # END YOUR CODE\n    return c", "    return c")
    _write_region(tree, NB, "ex_a", "a_val = [42\n")
    run = _run_grade(tree, "ch01", "--unit")
    said = run.stdout
    assert run.returncode == 1
    with open(os.path.join(tree, "minregion", "mod.py"), encoding="utf-8") as fh:
        line = next(k for k, text in enumerate(fh, 1) if "2 * (x" in text)
    assert f"double: SyntaxError at minregion/mod.py line {line}: '(' was never closed" in said \
        or f"double: SyntaxError at minregion/mod.py line {line}:" in said, said
    assert re.search(r"minregion/mod\.py line \d+: SyntaxError", said), said
    assert re.search(r"ex_a: SyntaxError at tutorials/01_intro\.ipynb, code cell 1, line 2", said), said
    assert "product: blank left" in said and "marker lines" in said, said


def test_a_region_is_graded_at_its_own_path_never_silently_from_a_copy(small_course):
    """A backup of a module and Jupyter's ``-Copy1`` of a notebook hold the same markers, left
    blank, and sort before the student's own files: the regions graded are those at their own
    paths, and the grader names the copies it did not grade."""
    _, tree = small_course
    shutil.copy(os.path.join(tree, "minregion", "mod.py"),
                os.path.join(tree, "minregion", "_mod_backup.py"))
    shutil.copy(os.path.join(tree, NB), os.path.join(tree, "tutorials", "01_intro-Copy1.ipynb"))
    _write_region(tree, "minregion/mod.py", "double", "y = 2 * x")
    _write_region(tree, "minregion/mod.py", "product", "c = a @ b")
    _write_region(tree, NB, "ex_a", "a_val = 42\n")
    found = grade.read_tree(tree)
    for id_, path, copy in (("double", "minregion/mod.py", "minregion/_mod_backup.py"),
                            ("ex_a", NB, "tutorials/01_intro-Copy1.ipynb")):
        assert (found.regions[id_].path, found.regions[id_].state) == (path, "written")
        assert [f.path for f in found.copies[id_]] == [copy]
    run = _run_grade(tree, "ch01", "--unit")
    assert _row(run.stdout, "ch01")[2:4] == ["3", "0"], run.stdout
    assert re.search(r"region 'double' is in more than one place: graded the one at "
                     r"minregion/mod\.py line \d+; not graded: minregion/_mod_backup\.py",
                     run.stdout), run.stdout


def test_a_submission_with_two_trees_is_graded_from_the_one_with_the_work(tmp_path):
    """The student's work beside the untouched download (``minregion-student-original/``
    sorts before ``minregion-student/``): the tree whose files hold the most written regions
    is graded, and a note says which, as a folder and as a zip."""
    sub = tmp_path / "ines"
    filled_tree(str(sub / "minregion-student"))
    ms.write_tree(str(sub / "minregion-student-original"))
    with zipfile.ZipFile(tmp_path / "ines.zip", "w") as zf:
        for base, _, names in os.walk(sub):
            for name in names:
                path = os.path.join(base, name)
                zf.write(path, os.path.relpath(path, sub))
    expected = [(r.id, r.chapter, r.path) for r in REGIONS]
    for path in (sub, tmp_path / "ines.zip"):
        files, notes = grade_class.load_submission(str(path), expected)
        states = {f.state for f in grade.read_sources(files, expected).regions.values()}
        assert states == {"written"}, (path, states)
        assert notes == [f"2 trees in the submission: graded minregion-student/ ({len(REGIONS)} "
                         "regions written), not minregion-student-original/ (0 written)"]


def test_a_chapter_stops_running_tests_once_three_have_run_past_their_limit():
    """One loop that every test of a chapter reaches costs MAX_TIMEOUTS limits, not one per
    test: the chapter's tests left are "not run" (the other chapters' run on)."""
    chapters_of = {f"t{k}": ["ch04"] for k in range(6)} | {"u": ["ch05"]}
    outcomes = {f"t{k}": {"chapters": ["ch04"], "outcome": "failed", "message": "stopped",
                          "touched": [], "timeout": k != 1} for k in range(3)}
    deselect = set(outcomes)
    grade._cap_timeouts(outcomes, chapters_of, deselect)
    assert set(outcomes) == {"t0", "t1", "t2"} and deselect == {"t0", "t1", "t2"}
    outcomes["t3"] = dict(outcomes["t0"])
    deselect.add("t3")
    grade._cap_timeouts(outcomes, chapters_of, deselect)
    assert [outcomes[f"t{k}"]["outcome"] for k in (4, 5)] == [grade.NOT_RUN] * 2
    assert "3 tests of its chapter had run past the time limit" in outcomes["t4"]["message"]
    assert "u" not in outcomes and "u" not in deselect and {"t4", "t5"} <= deselect


def test_grade_stops_a_hung_test_and_goes_on(small_course):
    """A Python loop is stopped by the alarm, a hang that blocks the alarm by killing its
    process, an early os._exit is reported: each a failure of its own that says where it
    happened, and every other test still runs (in a fresh process) and counts on its own
    merits: the chapter's test of the other function passes."""
    _, tree = small_course
    _write_region(tree, "minregion/mod.py", "double",
                  "import os, signal, time\nif x == 3:\n    while True:\n        pass\n"
                  "if x == 1:\n    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})\n"
                  "    time.sleep(60)\nif x == 2:\n    os._exit(0)\ny = 2 * x")
    _write_region(tree, "minregion/mod.py", "product", "c = a @ b")
    start = time.monotonic()
    run = _run_grade(tree, "--unit", "--test-timeout", "2")
    took = time.monotonic() - start
    said = run.stdout
    assert run.returncode == 1, said
    assert re.search(r"FAILED tests/test_mod.py::test_double: stopped after 2 s \(the time limit "
                     r"of one test\) in double \(minregion/mod\.py line \d+\)", said), said
    assert "test_product_of_a_2_by_3_and_a_3_by_4" not in said and "not run" not in said, said
    assert _row(said, "ch01")[2:4] == ["1", "2"], said
    for test in ("test_z_last", "test_twice_double"):
        assert f"FAILED tests/test_mod.py::{test}: stopped after 2 s (the time limit of one " \
               "test); it did not answer the alarm, so its process was killed" in said, said
    assert "FAILED tests/test_mod.py::test_double_of_two: the test ended the process (exit " \
           "status 0)" in said, said
    assert took < 60, f"grading took {took:.0f} s"


def test_only_the_tests_the_deadline_leaves_unrun_are_not_run(small_course):
    """Every test of double loops: each stops at its own limit and the next runs in a fresh
    process, until the grading's deadline; the tests left are "not run", not failures."""
    _, tree = small_course
    _write_region(tree, "minregion/mod.py", "double", "while True:\n    pass")
    _write_region(tree, "minregion/mod.py", "product", "c = a @ b")
    run = _run_grade(tree, "--unit", "--test-timeout", "1", "--timeout", "5")
    said = run.stdout
    assert run.returncode == 1, said
    assert "FAILED tests/test_mod.py::test_double: stopped after 1 s" in said, said
    assert "grade: the time limit of the grading ran out" in said, said
    rows = [_row(said, ch) for ch in ("ch01", "ch02", "ch03")]
    unrun = sum(int(m.group(1)) for r in rows for m in [re.match(r"(\d+) not run", r[5])] if m)
    assert unrun >= 1 and sum(int(r[2]) + int(r[3]) for r in rows) + unrun == 5, said
    assert "not run: the time limit of the grading ran out before" in said, said


def test_the_grader_stopped_by_sigterm_leaves_no_process(small_course):
    _, tree = small_course
    pid_file = os.path.join(tree, "child.pid")
    _write_region(tree, "minregion/mod.py", "double",
                  f"import os, time\nopen({pid_file!r}, 'w').write(str(os.getpid()))\n"
                  "time.sleep(600)\ny = 2 * x")
    grader = subprocess.Popen([sys.executable, os.path.join("course", "grade.py"), "--unit"],
                              cwd=tree, env=_env(tree), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not os.path.exists(pid_file) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.3)
    with open(pid_file) as fh:
        child = int(fh.read())
    grader.send_signal(signal.SIGTERM)
    grader.wait(timeout=20)
    _gone_within_5_s(child, "the pytest process of a grader stopped by SIGTERM is still running")
    assert grader.returncode != 0


def _gone_within_5_s(pid, why):
    """Wait up to 5 s for process ``pid`` to end; else kill it and fail with ``why``."""
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    pytest.fail(why)


def test_each_chapter_is_graded_in_a_copy_written_from_memory(tmp_path):
    """What one submission's code changes on disk is not what the next is graded in: the
    grader keeps no template on disk; every copy is the edition, written afresh."""
    course = grade_class.Course()
    first = course.copy(str(tmp_path / "a"))
    (tmp_path / "a" / "tests" / "conftest.py").write_text("forged = True\n")
    second = course.copy(str(tmp_path / "b"))
    assert _contents(second) == {os.path.normpath(k): v for k, v in course.files.items()}
    assert _contents(first) != _contents(second)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the subreaper is Linux's")
def test_a_process_that_leaves_its_group_does_not_outlive_the_grader(small_course):
    """Student code that double-forks into a session of its own (``setsid``) escapes the
    process group the grader kills; the grader adopts it and ends it after the run."""
    _, tree = small_course
    pid_file = os.path.join(tree, "escaped.pid")
    _write_region(tree, "minregion/mod.py", "double",
                  f"import os, time\nif not os.path.exists({pid_file!r}):\n"
                  "    first = os.fork()\n    if first == 0:\n        os.setsid()\n"
                  f"        if os.fork() == 0:\n            open({pid_file!r}, 'w').write("
                  "str(os.getpid()))\n            time.sleep(600)\n        os._exit(0)\n"
                  f"    os.waitpid(first, 0)\n    while not os.path.exists({pid_file!r}):\n"
                  "        time.sleep(0.05)\ny = 2 * x")
    _write_region(tree, "minregion/mod.py", "product", "c = a @ b")
    run = _run_grade(tree, "--unit")
    with open(pid_file) as fh:
        escaped = int(fh.read())
    _gone_within_5_s(escaped, f"a process that left its group outlived the grader:\n{run.stdout}")
    assert "FAILED" not in run.stdout, run.stdout


def test_grade_tells_a_blank_chapter_from_a_solved_one(student_tree, tmp_path):
    blanks = sum(r.chapter == "ch03" for r in REGIONS)
    run = _run_grade(student_tree, "ch03", "--unit")
    row = _row(run.stdout, "ch03")
    assert run.returncode == 1, run.stdout
    assert row[1] == str(blanks) and int(row[3]) > 0, run.stdout
    assert "dense_backward: blank left (minregion/layers.py line" in run.stdout
    run = _run_grade(filled_tree(str(tmp_path / "solved")), "ch03")
    row = _row(run.stdout, "ch03")
    exercises = sum(r.chapter == "ch03" and r.cell is not None for r in REGIONS)
    assert run.returncode == 0, run.stdout
    assert row[1:5] == ["0", row[2], "0", f"{exercises}/{exercises}"] and int(row[2]) > 0, \
        run.stdout


# --- (f) grading a class ---------------------------------------------------------------------

FORGED_CONFTEST = ("import pytest\n\n\n@pytest.hookimpl(hookwrapper=True)\n"
                   "def pytest_runtest_makereport(item, call):\n    outcome = yield\n"
                   "    outcome.get_result().outcome = 'passed'\n")


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """Four submissions graded in one command (chapters 2 and 4, unit tests): complete; one
    chapter-2 blank; an infinite loop in chapter 4 (each of the tests that reach it stops at
    the time limit, the others pass) with a forged conftest.py; a syntax error in chapter 2,
    handed in as a zip."""
    tmp = tmp_path_factory.mktemp("class")
    subs = tmp / "submissions"
    filled_tree(str(subs / "alice"))
    filled_tree(str(subs / "bob"), {"matrix_entries": None})
    filled_tree(str(subs / "carol"), {"cumprod_backward": ["    while True:\n",
                                                          "        pass\n"]})
    for rel in ("conftest.py", "tests/conftest.py"):
        (subs / "carol" / rel).write_text(FORGED_CONFTEST)
    (subs / "carol" / "pytest.ini").write_text("[pytest]\naddopts = -p no:python\n")
    filled_tree(str(subs / "dave"), {"tent_from_relus": ["    out = np.maximum(y, 0.0 / a -\n"]})
    with zipfile.ZipFile(subs / "dave.zip", "w") as zf:
        for base, _, files in os.walk(subs / "dave"):
            for f in files:
                path = os.path.join(base, f)
                zf.write(path, os.path.join("handed-in", os.path.relpath(path, subs / "dave")))
    shutil.rmtree(subs / "dave")
    said = []
    start = time.monotonic()
    rows = grade_class.grade_class(str(subs), str(tmp / "grades"), ["ch02", "ch04"],
                                   unit=True, jobs=2, test_timeout=5, say=said.append)
    took = time.monotonic() - start
    return tmp / "grades", rows, said, took


def _csv(folder):
    with open(os.path.join(folder, "grades.csv"), encoding="utf-8") as fh:
        return {(r["student"], r["chapter"]): r for r in csv.DictReader(fh)}


def test_a_class_is_graded_chapter_by_chapter_from_the_solution_regions_alone(graded_class):
    out, rows, said, took = graded_class
    table = _csv(out)
    assert sorted(table) == [(s, ch) for s in ("alice", "bob", "carol", "dave")
                             for ch in ("ch02", "ch04")], table
    assert list(next(iter(table.values()))) == list(grade_class.COLUMNS)
    for (student, chapter), row in table.items():
        lost = {("bob", "ch02"), ("carol", "ch04"), ("dave", "ch02")}
        assert (row["tests_failed"] != "0") == ((student, chapter) in lost), (student, row)
        assert int(row["tests_passed"]) > 0 or (student, chapter) in lost, (student, row)
    assert table["bob", "ch02"]["blanks_left"] == "1"
    assert "time limit" in table["carol", "ch04"]["note"], table["carol", "ch04"]
    assert table["dave", "ch02"]["note"] == "syntax error"
    assert len(said) == 8 and said[-1].startswith("[8/8] ")
    assert took < 10 * 30, f"the class took {took:.0f} s"


def test_the_feedback_names_each_regions_first_failure(graded_class):
    out = graded_class[0]
    bob = (out / "feedback" / "bob.md").read_text()
    assert "- `matrix_entries` (minregion/construction.py line" in bob and "blank left" in bob
    carol = (out / "feedback" / "carol.md").read_text()
    assert re.search(r"`cumprod_backward` \(minregion/construction\.py line \d+\): FAILED "
                     r"tests/test_construction\.py::\w+: stopped after 5 s \(the time limit of "
                     r"one test\) in cumprod_backward \(minregion/construction\.py line \d+\)",
                     carol), carol
    dave = (out / "feedback" / "dave.md").read_text()
    with zipfile.ZipFile(out.parent / "submissions" / "dave.zip") as zf:
        triangle = zf.read("handed-in/minregion/triangle.py").decode()
    line = next(k for k, text in enumerate(triangle.splitlines(), 1) if "0.0 / a -" in text)
    assert "`tent_from_relus` (minregion/triangle.py line" in dave and \
        f"SyntaxError at minregion/triangle.py line {line}:" in dave, dave
    alice = (out / "feedback" / "alice.md").read_text()
    assert alice.count(": passed") == sum(r.chapter in ("ch02", "ch04") for r in PACKAGE_BLANKS)


HELPER_OUTSIDE = ("def _t(a):\n    return np.swapaxes(a, -1, -2)\n\n\n"
                  "def dense_backward(dout, cache):")


@pytest.fixture(scope="module")
def audited_class(tmp_path_factory):
    """Chapter 3 of four submissions, unit tests: ines hands in her work beside the untouched
    download; jon's tree holds a blank backup of layers.py; kim's mse_backward ends the
    process; lee's dense_backward calls a helper written above it, outside the markers."""
    tmp = tmp_path_factory.mktemp("audit")
    subs = tmp / "submissions"
    filled_tree(str(subs / "ines" / "minregion-student"))
    ms.write_tree(str(subs / "ines" / "minregion-student-original"))
    jon = filled_tree(str(subs / "jon"))
    shutil.copy(subs / "ines" / "minregion-student-original" / "minregion" / "layers.py",
                os.path.join(jon, "minregion", "_layers_backup.py"))
    filled_tree(str(subs / "kim"), {"mse_backward": ["    import os\n", "    os._exit(3)\n"]})
    lee = filled_tree(str(subs / "lee"), {"dense_backward": [
        "    dx = _t(W) @ dout\n", "    dW = dout @ _t(x)\n", "    db = dout.sum(axis=-1)\n"]})
    _edit(lee, "minregion/layers.py", "def dense_backward(dout, cache):", HELPER_OUTSIDE)
    grade_class.grade_class(str(subs), str(tmp / "grades"), ["ch03"], unit=True, jobs=2,
                            test_timeout=30, say=lambda line: None)
    return tmp / "grades", subs


def test_the_class_grader_names_the_tree_it_graded_and_the_copies_it_did_not(audited_class):
    out, _ = audited_class
    table, tests = _csv(out), sum(1 for r in PACKAGE_BLANKS if r.chapter == "ch03")
    assert (table["ines", "ch03"]["tests_failed"], table["jon", "ch03"]["tests_failed"]) == \
        ("0", "0"), table
    assert table["ines", "ch03"]["note"].startswith(
        "2 trees in the submission: graded minregion-student/ ("), table["ines", "ch03"]
    assert table["jon", "ch03"]["note"] == \
        "copies not graded: minregion/_layers_backup.py (3 regions)", table["jon", "ch03"]
    jon = (out / "feedback" / "jon.md").read_text()
    assert "## About your submission" in jon and "not graded: minregion/_layers_backup.py" \
        in jon, jon
    assert jon.count(": passed") == tests, jon


def test_a_test_that_ends_the_process_costs_itself_not_its_chapter(audited_class):
    """kim's mse_backward calls os._exit: the tests that reach it fail, every other test of
    the chapter runs in a fresh process, and her other regions pass."""
    out, _ = audited_class
    row = _csv(out)["kim", "ch03"]
    assert 0 < int(row["tests_failed"]) < int(row["tests_passed"]), row
    assert row["note"].startswith("ended the process: tests/"), row
    kim = (out / "feedback" / "kim.md").read_text()
    assert re.search(r"`mse_backward` \(minregion/layers\.py line \d+\): FAILED tests/\S+: the "
                     r"test ended the process \(exit status 3\)", kim), kim
    assert kim.count(": passed") == sum(1 for r in PACKAGE_BLANKS if r.chapter == "ch03") - 1


def test_a_failure_is_blamed_on_the_deepest_region_and_a_name_error_explained(audited_class):
    """lee's dense_backward calls a helper written outside the markers: the class grader,
    which takes the regions alone, fails it with a NameError that says why; mlp_backward,
    which calls it, is not blamed."""
    out, _ = audited_class
    lee = (out / "feedback" / "lee.md").read_text()
    assert re.search(r"`dense_backward` \([^)]*\): FAILED .*NameError: name '_t' is not defined"
                     r".*only the code between the markers is graded", lee), lee
    assert re.search(r"`mlp_backward` \([^)]*\): passed", lee), lee


def test_the_students_grader_warns_of_code_written_outside_the_markers(audited_class):
    """In lee's own tree her helper is there and every test passes, but her grader says that
    the class grader will not take it; a package file the edition does not have is named."""
    _, subs = audited_class
    lee = str(subs / "lee")
    with open(os.path.join(lee, "minregion", "scratch.py"), "w") as fh:
        fh.write("x = 1\n")
    run = _run_grade(lee, "ch03", "--unit")
    said = run.stdout
    assert _row(said, "ch03")[3:] == ["0", "-", "code outside the markers changed"], said
    assert re.search(r"  dense_backward, relu_backward, mse_backward: minregion/layers\.py: its "
                     r"code outside the markers differs from the handed-out edition: the class "
                     r"grader takes only the code between the markers: move this into a region",
                     said), said
    assert "grade: minregion/scratch.py: not in the handed-out edition" in said, said
    assert "minregion/mlp.py" not in said, said


def test_a_submission_is_read_without_links_and_the_output_is_never_overwritten(tmp_path):
    sub = tmp_path / "eve" / "deep" / "tree"
    (sub / "minregion").mkdir(parents=True)
    (sub / "minregion" / "__init__.py").write_text("")
    secret = tmp_path / "secret.py"
    secret.write_text("# BEGIN YOUR CODE ch03 dense_backward\nsecret = 1\n# END YOUR CODE\n")
    (sub / "minregion" / "layers.py").symlink_to(secret)
    (sub / "conftest.py").write_text(FORGED_CONFTEST)
    files = grade_class.read_submission(str(tmp_path / "eve"))
    assert sorted(files) == ["minregion/__init__.py"], files
    with zipfile.ZipFile(tmp_path / "frank.zip", "w") as zf:
        zf.writestr("x/minregion/layers.py", "# BEGIN YOUR CODE ch03 dense_backward\n"
                    "    dx = 1\n# END YOUR CODE\n")
        zf.writestr("x/conftest.py", FORGED_CONFTEST)
    files = grade_class.read_submission(str(tmp_path / "frank.zip"))
    assert sorted(files) == ["minregion/layers.py"]
    assert grade.read_sources(files).regions["dense_backward"].state == "written"
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "grades.csv").write_text("someone's")
    with pytest.raises(grade_class.GradingError, match="not an empty folder"):
        grade_class.grade_class(str(tmp_path), str(tmp_path / "out"), ["ch03"])
    assert (tmp_path / "out" / "grades.csv").read_text() == "someone's"


def test_notebook_exercises_are_graded_one_by_one_in_a_class(tmp_path):
    """Chapter 3 with its notebook: a wrong exercise fails with its message, a blank one is
    blank, and the exercises after them are still graded with the reference in their place.
    A bug in the chapter's package code (hal's dense_backward) makes the notebook's checks
    fail, the reference's exercise code too: the exercises are graded again with the
    reference package, and say what blocked them."""
    subs = tmp_path / "submissions"
    filled_tree(str(subs / "grace"), {"ex03_1": ["step_1 = 1e-3\n"], "ex03_3": None})
    filled_tree(str(subs / "hal"), {"dense_backward": [
        "    dx = np.swapaxes(W, -1, -2) @ dout\n", "    dW = dout @ np.swapaxes(x, -1, -2)\n",
        "    db = 2 * dout.sum(axis=-1)\n"]})
    rows = grade_class.grade_class(str(subs), str(tmp_path / "grades"), ["ch03"], jobs=2,
                                   test_timeout=60, say=lambda line: None)
    row, hal = rows
    exercises = sum(r.chapter == "ch03" and r.cell is not None for r in REGIONS)
    assert (row["tests_failed"], row["blanks_left"], row["exercises_passed"],
            row["exercises"]) == (0, 1, exercises - 2, exercises), row
    feedback = (tmp_path / "grades" / "feedback" / "grace.md").read_text()
    assert re.search(r"- `ex03_1` \(tutorials/03_backpropagation_by_hand\.ipynb, code cell \d+, "
                     r"line \d+\): failed: AssertionError at line \d+", feedback), feedback
    assert re.search(r"- `ex03_3` \([^)]*\): blank left", feedback), feedback
    assert re.search(r"- `ex03_5` \([^)]*\): passed", feedback), feedback
    assert (hal["tests_failed"] > 0, hal["exercises_passed"]) == (True, exercises), hal
    assert "exercises graded with the reference package" in hal["note"], hal
    feedback = (tmp_path / "grades" / "feedback" / "hal.md").read_text()
    assert re.search(r"- `ex03_5` \([^)]*\): passed: graded with the reference package \(with "
                     r"your package it is blocked by ch03 dense_backward\)", feedback), feedback


# --- (f) the published pages: the student edition, without solutions or answers --------------

def test_the_student_notebooks_to_publish_hold_no_solution_and_no_answer():
    """What ``make html`` renders (the student edition's notebooks) shows no solution marker,
    no line of a solution region and no sentence of a prose answer, while the reference, put
    through the same search, shows most of them (the search can fail)."""
    hidden = build_html.secrets()
    for name, text in build_html.student_notebooks().items():
        assert not build_html.leaks(text, hidden[name], page=False), name
        reference = ms.render_notebook(f"tutorials/{name}", REGIONS, set(), True)
        found = build_html.leaks(reference, hidden[name], page=False)
        assert len(found) >= 0.9 * len(hidden[name]) > 0, (name, len(found), len(hidden[name]))


def _marking_snippet():
    """The Python of the syllabus's marking scheme: the indented block that follows
    "In Python, from the CSV"."""
    with open(os.path.join(COURSE, "SYLLABUS.md"), encoding="utf-8") as fh:
        lines = fh.read().split("In Python, from the CSV", 1)[1].splitlines()[1:]
    block = []
    for line in lines:
        if line.strip() and not line.startswith("    "):
            if block:
                break
            continue
        if line.strip() or block:
            block.append(line[4:])
    return "\n".join(block).strip() + "\n"


def test_the_syllabus_marking_snippet_gives_nothing_for_an_untouched_edition(tmp_path):
    rows = [  # student, chapter, blanks_left, tests_passed, tests_failed, exercises_passed,
              # exercises, note
        ("_untouched", "ch03", 15, 12, 20, 0, 10, ""),
        ("_untouched", "ch06", 4, 15, 0, 0, 4, ""),
        ("ann", "ch03", 15, 12, 20, 0, 10, ""),                  # untouched
        ("ann", "ch06", 4, 15, 0, 0, 4, ""),                     # untouched, no package blanks
        ("bob", "ch03", 0, 32, 0, 10, 10, ""),                   # complete
        ("bob", "ch06", 0, 15, 0, 4, 4, ""),                     # complete, no unit part
        ("cat", "ch03", 12, 22, 10, "", "", ""),                 # graded with --unit
        ("dan", "ch03", "", "", "", "", "", "not graded: no minregion/ in the submission"),
    ]
    (tmp_path / "grades").mkdir()
    with open(tmp_path / "grades" / "grades.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(grade_class.COLUMNS)
        writer.writerows(rows)
    (tmp_path / "marks.py").write_text(_marking_snippet())
    out = subprocess.run([sys.executable, "marks.py"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "ann ch03 0.00 of 8", "ann ch06 0.00 of 8", "bob ch03 8.00 of 8", "bob ch06 8.00 of 8",
        "cat ch03 2.50 of 5",
        "dan ch03 not graded: no minregion/ in the submission"], out.stdout
    assert "ch06" in set(ms.CHAPTERS) - {r.chapter for r in PACKAGE_BLANKS}, \
        "the syllabus names ch06 as a chapter without package blanks"


def test_every_chapter_has_learning_objectives_in_the_syllabus():
    goals = build_html.objectives()
    for chapter in ms.chapter_notebooks():
        assert len(goals.get(chapter, ("", []))[1]) >= 3, \
            f"course/SYLLABUS.md lists fewer than 3 learning objectives for {chapter}"


def test_the_syllabus_weeks_give_each_chapter_the_hours_of_the_readmes_chapter_table():
    """The student time per chapter is an estimate stated twice (the README's chapter table,
    the syllabus's weeks): the two must agree, and every chapter must have a week."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        readme = {f"ch{m.group(1)}": float(m.group(2)) for m in re.finditer(
            r"^\| \[(0[1-8])\]\(tutorials/.*\| (\d+(?:\.\d+)?) h \|$", fh.read(), re.M)}
    with open(build_html.SYLLABUS, encoding="utf-8") as fh:
        weeks = fh.read().split("## The weeks", 1)[1].split("\n## ", 1)[0]
    planned = {}
    for row in re.findall(r"^\| \d+ \|.*$", weeks, re.M):
        for chapter, hours in re.findall(r"(ch0[1-8])[^:|]*: (\d+(?:\.\d+)?) h", row.split("|")[4]):
            planned[chapter] = planned.get(chapter, 0.0) + float(hours)
    assert set(readme) == set(ms.chapter_notebooks()), sorted(readme)
    assert planned == readme, (planned, readme)


def test_the_student_pages_link_the_chapters_and_show_no_answers():
    pytest.importorskip("nbconvert")
    pages = build_html.student_pages()       # raises when a page shows a solution or answer
    hidden = build_html.secrets()
    names = sorted(build_html.student_notebooks())
    assert sorted(pages) == sorted([n[:-6] + ".html" for n in names] + ["index.html"])
    for k, name in enumerate(names):
        page = pages[name[:-6] + ".html"]
        assert not build_html.leaks(page, hidden[name]) and "NotImplementedError" in page
        assert 'href="index.html"' in page and "After this chapter you can" in page
        if k:
            assert f'href="{names[k - 1][:-6]}.html"' in page, name
        if k + 1 < len(names):
            assert f'href="{names[k + 1][:-6]}.html"' in page, name
        assert f'href="{name[:-6]}.html"' in pages["index.html"]
    from nbconvert import HTMLExporter
    import nbformat
    name = names[0]
    reference = ms.render_notebook(f"tutorials/{name}", REGIONS, set(), True)
    body, _ = HTMLExporter().from_notebook_node(nbformat.reads(reference, as_version=4))
    assert len(build_html.leaks(body, hidden[name])) >= 0.9 * len(hidden[name])


# --- (g) the capstone: Table 1 on the student's own code -------------------------------------

def test_the_shipped_capstone_numbers_are_the_references():
    """course/capstone_reference.json holds what ``make capstone-reference`` writes: its
    ``test`` protocol, run again now, agrees (bit for bit on the machine that wrote it), and
    both protocols are the script's."""
    with open(capstone.REFERENCE, encoding="utf-8") as fh:
        shipped = json.load(fh)
    assert set(shipped["protocols"]) == set(capstone.PROTOCOLS)
    for name, entry in shipped["protocols"].items():
        assert entry["config"] == json.loads(json.dumps(
            dataclasses.asdict(capstone.config(name)))), f"{name}: make capstone-reference"
        assert len(entry["cells"]) == 2 and all(len(c) == 5 for c in entry["cells"].values())
    now = capstone.run_table("test", progress=lambda line: None)
    kind, why = capstone.verdict(now, shipped["protocols"]["test"]["cells"])
    assert kind != "does not reproduce", f"run make capstone-reference: {why}"


def _capstone(tree):
    done = subprocess.run([sys.executable, "course/capstone.py", "--protocol", "test"],
                          cwd=tree, env=_env(tree), capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


def test_the_capstone_runs_in_a_student_tree_filled_with_the_answer_key(tmp_path):
    """Filled with the answer key, the student's tree reproduces the reference (bit for bit
    where the reference numbers were written); with a typical bug it does not, and names the
    cell; with a blank left it names the blank."""
    with open(capstone.REFERENCE, encoding="utf-8") as fh:
        shipped = json.load(fh)["protocols"]["test"]["cells"]
    here, _ = capstone.verdict(capstone.run_table("test", progress=lambda line: None), shipped)
    code, out = _capstone(filled_tree(str(tmp_path / "key")))
    assert code == 0 and f"reproduces the reference: {here.upper()}" in out, out[-3000:]
    assert "Pretraining + Theorem 3.1" in out and "paper" in out
    solution = [r for r in PACKAGE_BLANKS if r.id == "dense_backward"][0]
    lines = ms.read_lines(os.path.join(ROOT, solution.path))
    bug = tb.variant_lines(solution.body(lines), tb.BUGS["dense_backward"]["db the mean, not the sum"],
                           solution.indent)
    code, out = _capstone(filled_tree(str(tmp_path / "bug"), {"dense_backward": bug}))
    assert code == 1 and "DOES NOT REPRODUCE" in out and "Kaiming init" in out, out[-3000:]
    code, out = _capstone(filled_tree(str(tmp_path / "blank"), {"adam_step": None}))
    assert code == 1 and "adam_step" in out and "Table 1" not in out, out[-3000:]
