"""The graders hold against what a submission does: each run loads the plugin and the notebook
runner from private copies written from memory, with a minimal environment; the notebook
runner never holds an exercise's reference before the exercise is graded; patching pytest or
the tests earns nothing; a correct region that raises is not a blank; output is bounded;
malformed notebooks and skipped files are reported, not crashes; valid code is never taken
for a magic; an exercise that ends the process costs itself only.

Small trees (the ``small_course`` of tests/test_course.py) keep these fast.
"""
import hashlib
import json
import os
import sys

import pytest

# (a student edition ships the tests but not tests/test_course.py: there this file is skipped)
tc = pytest.importorskip("test_course", reason="the course's own tests are not in an edition")
COURSE, NB, ROOT, _run_grade, _write_region = (tc.COURSE, tc.NB, tc.ROOT, tc._run_grade,
                                               tc._write_region)
small_course = tc.small_course

import grade  # noqa: E402  (course/ is on the path: tests/test_course.py puts it there)
import grade_notebook  # noqa: E402

pytestmark = pytest.mark.house


def _sha(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def _regions(tree):
    return grade.student_regions(grade.read_tree(tree))


# --- 4. a correct region that raises is written ---------------------------------------------

@pytest.mark.parametrize("code, state", [
    ("if sigma not in (-1, 1):\n    raise NotImplementedError('sigma')\nM = 2 * sigma\n",
     "written"),
    ("M = 1\nraise NotImplementedError('not yet')\n", "written"),
    ("raise NotImplementedError('ch02 hidden_matrix: write it')\n", "blank"),
    ("raise NotImplementedError(\n    'ch02 hidden_matrix: later'\n)\n", "blank"),
    ("# nothing yet\n", "blank"),
])
def test_a_region_is_blank_only_when_it_is_the_untouched_blank(code, state):
    found = grade.Found("hidden_matrix", "ch02", "minregion/construction.py", None, 0,
                        code.splitlines(keepends=True), "")
    assert grade.judge(found).state == state


# --- 6. malformed notebooks -----------------------------------------------------------------

@pytest.mark.parametrize("nb", [
    {"cells": None}, {"cells": [None]}, {"cells": ["stray string"]},
    {"cells": [{"cell_type": "code", "source": [1, 2]}]},
    {"cells": [{"cell_type": "markdown", "source": [["x"]]}]}, [1, 2], "text",
], ids=["null", "null-cell", "string-cell", "numbers", "nested", "list", "string"])
def test_a_malformed_notebook_is_reported_not_a_crash(nb, tmp_path):
    rel = "tutorials/01_intro.ipynb"
    expected = [("ex_a", "ch01", rel)]
    tree = grade.read_sources({rel: json.dumps(nb), "tutorials/02_other.ipynb": json.dumps(nb)},
                              expected)
    assert any(p.startswith(f"{rel}: not a readable notebook (") for p in tree.problems), \
        tree.problems
    found = tree.regions["ex_a"]
    assert found.state == "missing" and "was not read" in found.error, found
    path = tmp_path / "01_intro.ipynb"
    path.write_text(json.dumps(nb))
    assert grade.notebook_plan(str(path), tree.regions)["cells"] == []


def test_the_students_grader_reports_a_malformed_notebook(small_course):
    _, tree = small_course
    with open(os.path.join(tree, NB), "w") as fh:
        json.dump({"cells": [{"cell_type": "markdown", "source": [["x"]]}, "stray"]}, fh)
    run = _run_grade(tree, "ch01", "--unit")
    assert "Traceback" not in run.stderr, run.stderr
    assert f"grade: {NB}: not a readable notebook (cell 1: its type or source is not " \
           "text)" in run.stdout, run.stdout


# --- 7. valid code is never taken for a magic ---------------------------------------------

def test_only_lines_that_start_a_statement_are_magics():
    black = "_sanity = (\n    len(str(1))\n    % 7\n    != 0\n)\ntext = '''\n%not a magic\n'''\n"
    assert grade_notebook._without_magics(black) == black
    mixed = "%matplotlib inline\n!ls\n" + black + "x = [1,\n     2]\n    %time\n"
    out = grade_notebook._without_magics("%matplotlib inline\n!ls\n" + black)
    compile(out, "<cell>", "exec")
    assert out.startswith("pass  # %matplotlib inline\npass  # !ls\n") and black in out, out
    assert "% 7" in grade_notebook._without_magics(mixed)


# --- 9. files not read are named ----------------------------------------------------------

def test_a_file_not_read_is_named_not_blamed_on_the_markers():
    expected = [("hidden_matrix", "ch02", "minregion/construction.py")]
    tree = grade.read_sources({}, expected,
                              skipped={"minregion/construction.py": "a symbolic link"})
    found = tree.regions["hidden_matrix"]
    assert found.state == "missing" and found.error == \
        "its file minregion/construction.py was not read: a symbolic link", found
    assert "marker" not in found.error
    assert tree.problems == ["minregion/construction.py: not read (a symbolic link): its "
                             "regions are not graded"]
