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
