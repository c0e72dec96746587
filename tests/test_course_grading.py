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


# --- 1. private copies of the plugin and the runner, a minimal environment -----------------

def test_a_run_sees_neither_the_graders_folder_nor_its_environment(small_course, tmp_path,
                                                                   monkeypatch):
    """A region that finds the plugin it runs with and appends to it changes neither the
    grader's own file nor the next run; its process gets no variable of the grader's
    environment beyond the minimal ones, and no path of the grader's folder."""
    _, tree = small_course
    seen = tmp_path / "seen.json"
    _write_region(tree, "minregion/mod.py", "double",
                  "import os, sys, json, grade_plugin\n"
                  f"if not os.path.exists({str(seen)!r}):\n"
                  f"    with open({str(seen)!r}, 'w') as fh:\n"
                  "        json.dump({'plugin': grade_plugin.__file__, 'env': dict(os.environ), "
                  "'path': sys.path}, fh)\n"
                  f"    if not os.path.abspath(grade_plugin.__file__).startswith({ROOT!r}):\n"
                  "        with open(grade_plugin.__file__, 'a') as fh:\n"
                  "            fh.write('\\n\\ndef _emit(**event):\\n    pass\\n')\n"
                  "y = 2 * x")
    _write_region(tree, "minregion/mod.py", "product", "c = a @ b")
    before = {name: _sha(os.path.join(COURSE, name)) for name in grade.HELPERS_NAMES}
    monkeypatch.setenv("MINREGION_LECTURERS_TOKEN", "s3cret")
    outcomes, problem = grade.run_pytest(tree, "ch01 and not notebook", _regions(tree), 30)
    assert not problem and {o["outcome"] for o in outcomes.values()} == {"passed"}, outcomes
    found = json.loads(seen.read_text())
    assert not os.path.abspath(found["plugin"]).startswith(COURSE + os.sep), found["plugin"]
    assert "MINREGION_LECTURERS_TOKEN" not in found["env"], sorted(found["env"])
    assert found["env"]["HOME"] != os.environ.get("HOME"), found["env"]["HOME"]
    assert not [p for p in found["env"]["PYTHONPATH"].split(os.pathsep)
                if os.path.abspath(p) == COURSE], found["env"]["PYTHONPATH"]
    # the next run (the same region, its first part done) loads a fresh copy of the plugin
    outcomes, problem = grade.run_pytest(tree, "ch01 and not notebook", _regions(tree), 30)
    assert not problem and len(outcomes) == 3 and \
        {o["outcome"] for o in outcomes.values()} == {"passed"}, outcomes
    assert before == {name: _sha(os.path.join(COURSE, name)) for name in grade.HELPERS_NAMES}


# --- 2. the runner holds no reference before its exercise is graded ----------------------

SNOOP = ("import os, sys\n"
         "blob = repr(getattr(sys.modules['__main__'], 'PLAN', '')) + open(sys.argv[1]).read()\n"
         "for base, _, names in os.walk(os.path.dirname(os.getcwd())):\n"
         "    for n in names:\n"
         "        try:\n"
         "            blob += open(os.path.join(base, n), errors='replace').read()\n"
         "        except OSError:\n"
         "            pass\n"
         "a_val = 424242 if str(60000 + 606) in blob else 0\n")


def test_the_notebook_runner_gets_a_reference_only_after_its_exercise_is_graded(small_course,
                                                                                tmp_path):
    """The reference of an exercise is neither in the runner's plan nor in its folder (the
    reference notebook is not there): a cell that looks for it fails; the reference then
    runs in its place, so the next exercise passes. The cells get a minimal environment."""
    root, tree = small_course
    env_file = tmp_path / "env.json"
    reference = os.path.join(tree, "tutorials", "reference.ipynb")     # beside the notebook
    with open(reference, "w") as fh:
        fh.write("a_val = 7 * 60606\n")
    cells = [{"source": SNOOP + "assert a_val == 424242\n", "regions": ["ex_a"], "blank": [],
              "fallback": "a_val = 7 * 60606\nassert a_val == 424242\n"},
             {"source": "import os, json\n"
                        f"json.dump(dict(os.environ), open({str(env_file)!r}, 'w'))\n"
                        "b_val = a_val + 1\nassert b_val == 424243\n",
              "regions": ["ex_b"], "blank": [], "fallback": "b_val = a_val + 1\n"}]
    os.environ["MINREGION_LECTURERS_TOKEN"] = "s3cret"
    try:
        results, problem = grade.run_notebook(tree, {"notebook": os.path.join(tree, NB),
                                                     "cells": cells}, 30)
    finally:
        del os.environ["MINREGION_LECTURERS_TOKEN"]
    assert not problem, problem
    assert results["ex_a"][0] == "failed" and results["ex_b"] == ("passed", ""), results
    env = json.loads(env_file.read_text())
    assert "MINREGION_LECTURERS_TOKEN" not in env and env["HOME"] != os.environ.get("HOME")


# --- 3. patching pytest or the tests earns nothing ----------------------------------------

@pytest.mark.parametrize("patch", [
    "import _pytest.python\n_pytest.python.Function.runtest = lambda self: None\n",
    "import sys\nfor m in list(sys.modules.values()):\n"
    "    if getattr(m, '__name__', '').endswith('test_mod'):\n"
    "        m.test_z_last.__code__ = (lambda: None).__code__\n",
], ids=["runtest", "test-function"])
def test_patching_pytest_or_the_tests_is_not_credited(small_course, patch):
    """A wrong double that patches pytest (every test then passes) or a test: the tests
    after the patch are not credited, and the problem says why."""
    _, tree = small_course
    _write_region(tree, "minregion/mod.py", "double", patch + "y = 3 * x")
    _write_region(tree, "minregion/mod.py", "product", "c = a @ b")
    outcomes, problem = grade.run_pytest(tree, "ch01 or ch02 or ch03", _regions(tree), 30)
    assert "tampered" in problem, (problem, outcomes)
    late = outcomes["tests/test_mod.py::test_z_last"]
    assert late["outcome"] == "failed" and "not credited" in late["message"], outcomes
    assert outcomes["tests/test_mod.py::test_twice_double"]["outcome"] == "failed", outcomes


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


# --- 5. output is bounded -------------------------------------------------------------------

def test_what_a_process_prints_is_kept_bounded(tmp_path):
    log = str(tmp_path / "log")
    code = ("import sys\nfor k in range(600):\n    sys.stdout.write('y' * 65535 + '\\n')\n"
            "print('the last words')\n")
    status, reason = grade.run_limited([sys.executable, "-c", code], str(tmp_path),
                                       dict(os.environ), float("inf"), log)
    assert (status, reason) == (0, None)
    size = os.path.getsize(log)
    assert size <= grade.OUTPUT_HEAD + grade.OUTPUT_TAIL + 200, size
    assert "bytes of output left out" in grade._tail(log, 100000)
    assert grade._tail(log).rstrip().endswith("the last words")


def test_pytest_does_not_hold_what_a_test_prints(small_course, tmp_path):
    """pytest's own capture keeps a test's output on disk and in memory: the grader runs
    pytest without it (the grader's own bounded log takes the output)."""
    _, tree = small_course
    seen = tmp_path / "stdout"
    _write_region(tree, "minregion/mod.py", "double",
                  f"import sys\nwith open({str(seen)!r}, 'w') as fh:\n"
                  "    fh.write(type(sys.stdout).__module__)\n"
                  "y = 2 * x")
    _write_region(tree, "minregion/mod.py", "product", "c = a @ b")
    outcomes, _ = grade.run_pytest(tree, "ch01 and not notebook", _regions(tree), 30)
    assert {o["outcome"] for o in outcomes.values()} == {"passed"}, outcomes
    assert "capture" not in seen.read_text(), seen.read_text()


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


# --- 8. an exercise that ends the process costs itself only --------------------------------

def test_an_exercise_that_ends_the_process_fails_alone(small_course):
    _, tree = small_course
    cells = [{"source": "a_val = 42\nassert a_val == 42\n", "regions": ["ex_a"], "blank": [],
              "fallback": "a_val = 42\n"},
             {"source": "import os\nb_val = os._exit(3)\n", "regions": ["ex_b"], "blank": [],
              "fallback": "b_val = a_val + 1\n"},
             {"source": "c_val = b_val + 1\nassert c_val == 44\n", "regions": ["ex_c"],
              "blank": [], "fallback": "c_val = b_val + 1\n"}]
    results, _ = grade.run_notebook(tree, {"notebook": os.path.join(tree, NB), "cells": cells},
                                    30)
    assert results["ex_a"] == ("passed", "") and results["ex_c"] == ("passed", ""), results
    assert results["ex_b"][0] == "failed" and "exit status 3" in results["ex_b"][1], results


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
