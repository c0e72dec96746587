"""Grading a whole class loses no file and no grade: every student keeps their own name and
rows, one odd submission costs only itself, what is taken from a submission is capped and
read before any time limit only within those caps, and the lecturer's tools around the
grader (make_student, the Makefile) keep the course's promises.

Most tests here grade with a stand-in for the chapter's test run (:func:`fake_grading`), so
that they check the class grader's own work in seconds; one grades for real.
"""
import csv
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile

import pytest

from test_course import (COURSE, REGIONS, ROOT, _csv, _marking_snippet, _source_tree,
                         _write_files, filled_tree)

sys.path.insert(0, COURSE)
import grade  # noqa: E402
import grade_class  # noqa: E402
import make_student as ms  # noqa: E402

pytestmark = pytest.mark.house

EXPECTED = [(r.id, r.chapter, r.path) for r in REGIONS]


def small_tree(folder, mark, extra=None):
    """A submission's tree, as bytes paths allow: ``minregion/layers.py`` whose
    ``dense_backward`` region holds ``mark`` (what tells the students apart)."""
    folder = os.fsencode(folder)
    os.makedirs(os.path.join(folder, b"minregion"), exist_ok=True)
    with open(os.path.join(folder, b"minregion", b"layers.py"), "w", encoding="utf-8") as fh:
        fh.write(layers_text(mark))
    for rel, text in (extra or {}).items():
        path = os.path.join(folder, os.fsencode(rel))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(text if isinstance(text, bytes) else text.encode("utf-8"))
    return folder


def layers_text(mark):
    return ("def dense_backward(dout, cache):\n    # BEGIN YOUR CODE ch03 dense_backward\n"
            f"    return {mark!r}\n    # END YOUR CODE\n")


def mark_of(tree):
    found = tree.regions.get("dense_backward")
    code = "".join(found.code) if found is not None else ""
    m = re.search(r"return '([^']*)'", code)
    return m.group(1) if m else ""


@pytest.fixture
def fake_grading(monkeypatch):
    """grade_chapter without running anything: tests_passed is the number in the mark of the
    student's ``dense_backward`` and the note the mark itself, so a row shows whose tree it
    was graded from."""
    def grade_chapter(course, tree, chapter, workdir, unit, test_timeout, deadline):
        mark = mark_of(tree)
        number = int(re.sub(r"\D", "", mark) or 0)
        row = {"chapter": chapter, "blanks_left": 0, "tests_passed": number,
               "tests_failed": 0, "exercises_passed": "", "exercises": "", "note": mark}
        return row, [f"## {chapter}", "", f"graded the tree marked {mark}", ""]
    monkeypatch.setattr(grade_class, "grade_chapter", grade_chapter)
    return grade_chapter


def grade_subs(subs, out, chapters=("ch03",), **kw):
    return grade_class.grade_class(str(subs), str(out), list(chapters), unit=True,
                                   say=lambda line: None, **kw)


def rows_of(out):
    with open(os.path.join(out, "grades.csv"), encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def feedback_files(out):
    folder = os.path.join(out, "feedback")
    files = {}
    for name in os.listdir(folder):
        with open(os.path.join(folder, name), encoding="utf-8") as fh:
            files[name] = fh.read()
    return files


# --- 1. the untouched edition keeps its name: the marking snippet reads the grader's CSV ----

def test_the_marking_snippet_reads_the_class_graders_own_csv(tmp_path):
    """The documented workflow end to end: an untouched student edition named ``_untouched``
    graded with the class (chapter 2, unit tests), then the syllabus's marking snippet run on
    the grader's own grades.csv: the untouched copy earns nothing, the complete one all."""
    subs = tmp_path / "submissions"
    ms.write_tree(str(subs / "_untouched"))
    filled_tree(str(subs / "ann"))
    ms.write_tree(str(subs / "ben"))
    grade_class.grade_class(str(subs), str(tmp_path / "grades"), ["ch02"], unit=True, jobs=2,
                            test_timeout=60, say=lambda line: None)
    table = _csv(tmp_path / "grades")
    assert sorted(table) == [("_untouched", "ch02"), ("ann", "ch02"), ("ben", "ch02")], table
    assert (tmp_path / "grades" / "feedback" / "_untouched.md").exists()
    (tmp_path / "marks.py").write_text(_marking_snippet())
    run = subprocess.run([sys.executable, "marks.py"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["ann ch02 5.00 of 5", "ben ch02 0.00 of 5"], run.stdout


# --- 2. every student keeps their own name, rows and feedback file ---------------------------

NAMES = ["a b", "a_b", "王伟", "李娜", "Müller", "Mäller", "_untouched", "Ann", "ann",
         'quote "me", please']


def test_names_are_kept_as_they_are_and_rows_never_swap(tmp_path, fake_grading):
    subs = tmp_path / "submissions"
    for k, name in enumerate(NAMES):
        small_tree(subs / name, f"mark {k}")
    with zipfile.ZipFile(subs / "zoe.zip", "w") as zf:     # a zip and a folder named alike
        zf.writestr("t/minregion/layers.py", layers_text("mark 100"))
    small_tree(subs / "zoe", "mark 101")
    grade_subs(subs, tmp_path / "out")
    rows = rows_of(tmp_path / "out")
    got = {(r["student"], r["submission"]): r for r in rows}
    want = {(n, n): f"mark {k}" for k, n in enumerate(NAMES)}
    want.update({("zoe", "zoe.zip"): "mark 100", ("zoe", "zoe"): "mark 101"})
    assert set(got) == set(want), sorted(got)
    for key, mark in want.items():
        assert got[key]["note"].startswith(mark) and \
            got[key]["tests_passed"] == mark.split()[1], (key, got[key])
    assert "zoe.zip has the same name" in got["zoe", "zoe"]["note"], got["zoe", "zoe"]
    files = feedback_files(tmp_path / "out")
    assert len(files) == len(want), sorted(files)
    for name, text in files.items():
        assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._+-]*\.md", name), name
        folder = re.search(r"^Submission: `(.*)`$", text, re.M).group(1)
        mark = re.search(r"graded the tree marked (mark \d+)", text).group(1)
        assert want[next(k for k in want if k[1] == folder)] == mark, (name, folder, mark)
    assert "_untouched.md" in files and "a_b.md" in files
    # the same folder gets the same feedback file in another class
    again = tmp_path / "again"
    small_tree(again / "Müller", "mark 0")
    grade_subs(again, tmp_path / "out2")
    muller = [n for n, t in files.items() if "Submission: `Müller`" in t]
    assert sorted(feedback_files(tmp_path / "out2")) == muller


# --- 3. one student's odd name or an error of the grader costs that student only -------------

def test_a_name_that_is_not_utf8_costs_nobody_their_results(tmp_path, fake_grading):
    """A folder name from a Windows zip (``L\\xf6sung``, Latin-1 bytes): every student gets
    their row and feedback, the odd name is shown with U+FFFD in text and as ``\\xf6`` in
    the submission column."""
    subs = tmp_path / "submissions"
    small_tree(os.fsencode(subs / "ana") + b"/L\xf6sung/minregion-student", "mark 1")
    small_tree(os.fsencode(subs) + b"/J\xfcrgen", "mark 2")
    small_tree(subs / "bo", "mark 3")
    grade_subs(subs, tmp_path / "out")
    got = {r["submission"]: r for r in rows_of(tmp_path / "out")}
    assert sorted(got) == ["J\\xfcrgen", "ana", "bo"], got
    assert got["J\\xfcrgen"]["student"] == "J\ufffdrgen"
    assert [got[k]["tests_passed"] for k in ("ana", "J\\xfcrgen", "bo")] == ["1", "2", "3"]
    files = feedback_files(tmp_path / "out")
    assert len(files) == 3 and "bo.md" in files and "ana.md" in files, sorted(files)


def test_an_error_of_the_grader_costs_one_student_not_the_class(tmp_path, fake_grading,
                                                                 monkeypatch):
    """The grader fails on one student's chapter, on reading another's submission and on
    writing a third one's feedback: each of them has rows that say so, and everybody else
    their results."""
    subs = tmp_path / "submissions"
    for k, name in enumerate(["ann", "ben", "cat", "dan"]):
        small_tree(subs / name, f"mark {k}")

    def failing_chapter(course, tree, chapter, *args):
        if mark_of(tree) == "mark 1":
            raise KeyError("a bug of the grader")
        return fake_grading(course, tree, chapter, *args)

    read_sources = grade.read_sources

    def failing_read(files, *args):
        if "mark 2" in files.get("minregion/layers.py", ""):
            raise RecursionError("maximum recursion depth exceeded")
        return read_sources(files, *args)

    answers = grade_class.written_answers

    def failing_answers(files):
        if "mark 3" in files.get("minregion/layers.py", ""):
            raise UnicodeEncodeError("utf-8", "\udcf6", 0, 1, "surrogates not allowed")
        return answers(files)

    monkeypatch.setattr(grade_class, "grade_chapter", failing_chapter)
    monkeypatch.setattr(grade, "read_sources", failing_read)
    monkeypatch.setattr(grade_class, "written_answers", failing_answers)
    grade_subs(subs, tmp_path / "out", ("ch02", "ch03"))
    got = {(r["student"], r["chapter"]): r for r in rows_of(tmp_path / "out")}
    assert len(got) == 8, got
    for ch in ("ch02", "ch03"):
        assert got["ann", ch]["tests_passed"] == "0" and got["ann", ch]["note"] == "mark 0"
        assert got["ben", ch]["note"] == ("not graded: the grader failed on this chapter "
                                          "(KeyError: 'a bug of the grader'); grade it again")
        assert got["cat", ch]["note"] == ("not graded: the grader failed to read it "
                                          "(RecursionError: maximum recursion depth exceeded)")
        assert got["dan", ch]["tests_passed"] == "3" and got["dan", ch]["note"].startswith(
            "mark 3; no feedback file: the grader failed to write it (UnicodeEncodeError"), \
            got["dan", ch]
    assert sorted(feedback_files(tmp_path / "out")) == ["ann.md", "ben.md", "cat.md"]


def test_the_results_are_written_when_the_grader_stops_on_an_error(tmp_path, fake_grading,
                                                                   monkeypatch):
    subs = tmp_path / "submissions"
    for k, name in enumerate(["ann", "ben"]):
        small_tree(subs / name, f"mark {k}")
    done = []

    def stop_after_one(*args):
        if done:
            raise KeyboardInterrupt
        done.append(1)
        return fake_grading(*args)

    monkeypatch.setattr(grade_class, "grade_chapter", stop_after_one)
    with pytest.raises(KeyboardInterrupt):
        grade_subs(subs, tmp_path / "out")
    assert [r["student"] for r in rows_of(tmp_path / "out")] == ["ann"]
    assert sorted(feedback_files(tmp_path / "out")) == ["ann.md"]


# --- 4. a submission that cannot be read is refused with a note, the others graded ----------

def _zip_folder(folder, zip_path, *options):
    subprocess.run(["zip", "-qr", *options, str(zip_path), "."], cwd=folder, check=True)


@pytest.mark.skipif(shutil.which("zip") is None, reason="needs the zip command")
def test_an_encrypted_zip_is_refused_with_a_note(tmp_path, fake_grading):
    subs = tmp_path / "submissions"
    small_tree(tmp_path / "eve", "mark 1")
    subs.mkdir()
    _zip_folder(tmp_path / "eve", subs / "eve.zip", "-P", "secret")
    small_tree(subs / "fay", "mark 2")
    grade_subs(subs, tmp_path / "out")
    got = {r["student"]: r for r in rows_of(tmp_path / "out")}
    assert got["eve"]["note"] == ("not graded: the zip is encrypted (minregion/layers.py needs "
                                  "a password): ask for one made without a password"), got
    assert got["fay"]["tests_passed"] == "2"


def test_a_file_that_cannot_be_read_refuses_its_submission_only(tmp_path, fake_grading,
                                                                 monkeypatch):
    """A mode-000 file (the grader run by a user who may not read it): its submission is
    refused, naming the file, and the others are graded."""
    subs = tmp_path / "submissions"
    small_tree(subs / "gus", "mark 1", {"tutorials/01_x.ipynb": "{}"})
    small_tree(subs / "hal", "mark 2")
    os.chmod(subs / "gus" / "tutorials" / "01_x.ipynb", 0)
    read = grade_class._read_at_most

    def as_a_user(path, size):          # root reads a mode-000 file: refuse as for a user
        if not os.stat(path).st_mode & 0o444:
            raise PermissionError(13, "Permission denied", path)
        return read(path, size)

    monkeypatch.setattr(grade_class, "_read_at_most", as_a_user)
    grade_subs(subs, tmp_path / "out")
    got = {r["student"]: r for r in rows_of(tmp_path / "out")}
    assert got["gus"]["note"] == ("not graded: cannot read tutorials/01_x.ipynb (Permission "
                                  "denied): fix its permissions and grade it again"), got
    assert got["hal"]["tests_passed"] == "2"


# --- 5. what is taken from a submission is capped before anything is read --------------------

def test_a_submission_over_the_caps_is_refused_before_anything_is_read(tmp_path, fake_grading,
                                                                       monkeypatch):
    """Eight nested copies of the tree (more candidate trees than MAX_TREES), and one tree
    whose files are over MAX_BYTES in all: both refused with a note saying why, nothing of
    them read; the student beside them graded."""
    subs = tmp_path / "submissions"
    nested = subs / "ida"
    for k in range(8):
        small_tree(nested, "mark 1")
        nested = nested / f"copy{k}"
    small_tree(subs / "jo", "mark 2", {"minregion/big.py": "x = 1\n" * 1000})
    small_tree(subs / "kai", "mark 3")
    with zipfile.ZipFile(subs / "lu.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for k in range(6):
            zf.writestr(f"c{k}/minregion/layers.py", layers_text("mark 4"))
    monkeypatch.setattr(grade_class, "MAX_BYTES", 5000)
    read, really = [], grade_class._read_at_most
    monkeypatch.setattr(grade_class, "_read_at_most", lambda path, size: read.append(path)
                        or really(path, size))
    grade_subs(subs, tmp_path / "out")
    got = {r["student"]: r for r in rows_of(tmp_path / "out")}
    assert got["ida"]["note"].startswith(
        "not graded: refused: 8 minregion/ trees in the submission (./, copy0/, copy0/copy1/, "
        "...); at most 4 are read"), got["ida"]
    assert got["lu"]["note"].startswith(
        "not graded: refused: 6 minregion/ trees in the submission (c0/, c1/, c2/, ...)"), got
    assert re.match(r"not graded: refused: the submission's trees hold 2 package files and "
                    r"notebooks, 0\.0 MB; at most 1000 files and 0\.00476837 MB are read",
                    got["jo"]["note"]), got["jo"]
    assert got["kai"]["tests_passed"] == "3"
    assert [os.path.basename(os.path.dirname(os.path.dirname(p))) for p in read] == ["kai"]
    with open(os.path.join(COURSE, "LECTURERS.md"), encoding="utf-8") as fh:
        caps = " ".join(fh.read().split())
    assert "Limits on a submission" in caps and f"{grade_class.MAX_TREES} trees" in caps and \
        f"{grade_class.MAX_FILES} files" in caps and "40 MB" in caps


# --- 6. macOS's __MACOSX folder and AppleDouble files are no tree -----------------------------

def test_macos_zips_hold_one_tree(tmp_path, fake_grading):
    subs = tmp_path / "submissions"
    with zipfile.ZipFile(subs.mkdir() or subs / "max.zip", "w") as zf:
        zf.writestr("minregion-student/minregion/layers.py", layers_text("mark 1"))
        zf.writestr("__MACOSX/minregion-student/minregion/._layers.py", b"\x00\x05\x16\x07")
        zf.writestr("__MACOSX/minregion-student/minregion/layers.py", layers_text("mark 9"))
        zf.writestr("minregion-student/minregion/._layers.py", b"\x00\x05\x16\x07")
    small_tree(subs / "ned", "mark 2", {"._minregion/x.py": "", "minregion/._layers.py": "",
                                        "__MACOSX/minregion/layers.py": layers_text("mark 9")})
    grade_subs(subs, tmp_path / "out")
    got = {r["student"]: r for r in rows_of(tmp_path / "out")}
    assert (got["max"]["note"], got["ned"]["note"]) == ("mark 1", "mark 2"), got


# --- 7. the class's grades never go into the student edition ----------------------------------

@pytest.mark.parametrize("inside", ["docs/grades", "tests/grades", "tutorials/g", "course/g",
                                    "minregion/g"])
def test_grades_are_never_written_into_the_folders_make_student_copies(tmp_path, inside,
                                                                        fake_grading):
    small_tree(tmp_path / "submissions" / "ann", "mark 1")
    out = os.path.join(ROOT, inside)
    assert not os.path.lexists(out)
    try:
        with pytest.raises(grade_class.GradingError, match=f"inside the repository's "
                           f"{inside.split('/')[0]}/, which make_student copies"):
            grade_subs(tmp_path / "submissions", out)
        assert not os.path.lexists(out)
        run = subprocess.run([sys.executable, os.path.join(COURSE, "grade_class.py"),
                              str(tmp_path / "submissions"), "ch03", "--unit", "--out", out],
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 2 and "make_student copies" in run.stderr, run.stderr
        assert not os.path.lexists(out)
    finally:                # a grader that wrote there after all: remove what it wrote
        if os.path.isdir(out) and set(os.listdir(out)) <= {"grades.csv", "feedback",
                                                            ms.GRADES_MARK,
                                                            grade_class.PARTIAL}:
            shutil.rmtree(out)


def test_make_student_never_copies_a_folder_of_grades(tmp_path, fake_grading):
    """Grades written (or moved) into a copied folder before: make_student leaves out the
    folder that holds the grader's mark, whatever it is called."""
    small_tree(tmp_path / "submissions" / "ann", "mark 1")
    grade_subs(tmp_path / "submissions", tmp_path / "out")
    assert sorted(os.listdir(tmp_path / "out")) == [ms.GRADES_MARK, "feedback", "grades.csv"]
    root = _source_tree(tmp_path / "src")
    _write_files(root, {"docs/mine/notes.md": "kept\n"})
    for folder in ("docs/grades", "tests/week3"):
        shutil.copytree(tmp_path / "out", os.path.join(root, folder))
    files, _, _ = ms.edition_files(root)
    assert "docs/mine/notes.md" in files and "docs/SPEC.md" in files
    assert not [rel for rel in files if "grades" in rel or "week3" in rel], sorted(files)


# --- 8. make_student --force keeps released answers released ---------------------------------

def test_force_keeps_the_answers_released_before(tmp_path):
    dest = str(tmp_path / "edition")
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, os.path.join(COURSE, "make_student.py"), dest, *args],
        capture_output=True, text=True, timeout=300)
    assert run().returncode == 0
    released = run("--release-answers", "ch01,ch02")
    assert released.returncode == 0, released.stderr
    again = run("--force")
    assert again.returncode == 0, again.stderr
    assert "removing" not in again.stdout and "--force: keeping the answers released before: " \
        "answers/ch01.md, answers/ch02.md" in again.stdout, again.stdout
    assert "prose answers of ch01, ch02" in again.stdout, again.stdout
    assert sorted(os.listdir(os.path.join(dest, "answers"))) == ["ch01.md", "ch02.md"]
    assert ms.released_before(dest) == {"ch01", "ch02"}


# --- 9. the Makefile passes paths with spaces as one argument ---------------------------------

def _make_line(target, script, **variables):
    """The arguments of the command ``make TARGET`` would run for ``script``, as the shell
    splits them (``make -n``: nothing is run)."""
    run = subprocess.run(["make", "-n", "-C", ROOT, target] +
                         [f"{k}={v}" for k, v in variables.items()],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    line = next(x for x in run.stdout.splitlines() if script in x)
    return shlex.split(line)


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_targets_take_paths_with_spaces():
    args = _make_line("student", "make_student.py", DIR="/tmp/a b", FLAGS="--force")
    assert args[-2:] == ["/tmp/a b", "--force"], args
    args = _make_line("grade-class", "grade_class.py", SUBMISSIONS="/tmp/sub missions",
                      GRADES="/tmp/week 3", CH="ch02 ch03", UNIT="1")
    assert args[2:] == ["/tmp/sub missions", "ch02", "ch03", "--out", "/tmp/week 3",
                        "--jobs", "1", "--unit"], args
    for target, script in (("reproduce", "reproduce --protocol"), ("calibrate", "calibrate"),
                           ("regions", "regions --depth")):
        args = _make_line(target, script, OUT="/tmp/my results")
        assert args[args.index("--out") + 1] == "/tmp/my results", (target, args)
    args = _make_line("depth", "--tables depth", OUT="/tmp/my results")
    assert args[-1] == "/tmp/my results/depth", args


# --- the reference, read once; what a chapter copy holds; notes for the lecturer -------------

def test_the_reference_is_read_once_and_the_chapter_copies_hold_no_solution(tmp_path,
                                                                          monkeypatch):
    """A source changed on disk while a class is graded changes nobody's grading: the
    course reads its marked sources and notebooks once. The folder where a student's code
    runs holds the notebooks as handed out, with no solution and no answer."""
    course = grade_class.Course()
    handed_out, _, _ = ms.edition_files()

    def no_reading(*args, **kwargs):
        raise AssertionError("the reference was read again while grading")

    monkeypatch.setattr(ms, "read_lines", no_reading)
    monkeypatch.setattr(ms, "read_notebook", no_reading)
    chapter = next(r.chapter for r in REGIONS if r.cell is None)
    tree = grade.read_sources({}, EXPECTED)
    dest, plugin, _ = grade_class.build_chapter(course, tree, chapter, str(tmp_path / "copy"))
    assert plugin
    notebook_chapter = next(r.chapter for r in REGIONS if r.cell is not None)
    assert grade_class.notebook_plan(course, tree, notebook_chapter, dest)["cells"]
    for rel in (rel for rel in course.files if rel.endswith(".ipynb")):
        with open(os.path.join(dest, rel), "rb") as fh:
            text = fh.read()
        assert text == handed_out[rel], rel
        assert b"BEGIN SOLUTION" not in text and ms.SOLUTION_CELL.encode() not in text, rel


def test_a_malformed_notebook_costs_no_written_answers_of_the_others():
    bad = '{"cells": [{"cell_type": "markdown", "source": [["x"]]}]}'
    good = ('{"cells": [{"cell_type": "markdown", "source": "' + grade.ANSWER_CELL +
            ' because it is so"}]}')
    out = grade_class.written_answers({"tutorials/01_a.ipynb": bad,
                                       "tutorials/02_b.ipynb": good})
    assert out[0] == "### tutorials/02_b.ipynb" and "because it is so" in "".join(out)


def test_the_feedback_names_a_linked_or_oversized_file_instead_of_its_markers(tmp_path,
                                                                              monkeypatch):
    sub = small_tree(tmp_path / "ann", "mark 1")
    os.symlink(os.path.join(ROOT, "minregion", "construction.py"),
               os.path.join(sub, b"minregion", b"construction.py"))
    big = os.path.join(sub, b"tutorials")
    os.makedirs(big)
    with open(os.path.join(big, b"01_x.ipynb"), "w") as fh:
        fh.write("{}")
    monkeypatch.setattr(grade_class, "MAX_FILE", 1)
    files, _ = grade_class.load_submission(os.fsdecode(sub), EXPECTED)
    assert "symbolic link" in files.skipped["minregion/construction.py"]
    assert "without its outputs" in files.skipped["tutorials/01_x.ipynb"]
    tree = grade.read_sources(files, EXPECTED, files.skipped)
    assert any("minregion/construction.py: not read (a symbolic link" in p
               for p in tree.problems), tree.problems


def test_code_that_is_the_reference_token_for_token_gets_a_note_not_a_mark():
    course = grade_class.Course()
    region = next(r for r in REGIONS if r.cell is None)
    lines = course.lines[region.path]
    text = "".join(lines).replace(f"# BEGIN SOLUTION {region.chapter} {region.id}",
                                  f"# BEGIN YOUR CODE {region.chapter} {region.id}", 1)
    tree = grade.read_sources({region.path: text}, EXPECTED)
    found = tree.regions.get(region.id)
    if found is None or found.state != "written":      # the markers as the edition has them
        body = region.body(lines)
        found = grade.Found(region.id, region.chapter, region.path, None, 0, body,
                            region.indent)
    assert grade_class._is_the_reference(course, region, found)
    changed = grade.Found(region.id, region.chapter, region.path, None, 0,
                          [region.indent + "x = 1\n"] + list(found.code), region.indent)
    assert not grade_class._is_the_reference(course, region, changed)


KILLED_MIDWAY = """
import os, signal, sys
sys.path.insert(0, sys.argv[1])
import grade_class

def grade_chapter(course, tree, chapter, *args):
    code = "".join(tree.regions["dense_backward"].code)
    if "mark 2" in code:
        os.kill(os.getpid(), signal.SIGKILL)        # the out-of-memory killer, say
    row = {"chapter": chapter, "blanks_left": 0, "tests_passed": 7, "tests_failed": 0,
           "exercises_passed": "", "exercises": "", "note": ""}
    return row, [f"## {chapter}", ""]

grade_class.grade_chapter = grade_chapter
grade_class.grade_class(sys.argv[2], sys.argv[3], ["ch03"], unit=True, say=lambda line: None)
"""


def test_a_grader_killed_outright_leaves_the_rows_graded_so_far(tmp_path):
    """SIGKILL (the out-of-memory killer) runs no cleanup: the rows graded before it are in
    grades.partial.csv, one per chapter as it finished; a run that ends removes that file."""
    subs = tmp_path / "submissions"
    for k, name in enumerate(["ann", "ben", "cat"]):
        small_tree(subs / name, f"mark {k + 1}")
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-c", KILLED_MIDWAY, COURSE, str(subs), str(out)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == -9, run.stderr
    assert not (out / "grades.csv").exists()
    with open(out / grade_class.PARTIAL, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["student"], r["chapter"], r["tests_passed"]) for r in rows] == \
        [("ann", "ch03", "7")]
