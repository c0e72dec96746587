"""Grade a class: every submission, chapter by chapter in isolation, into one CSV and one
feedback file per student.

    python course/grade_class.py SUBMISSIONS [--out grades] [CH ...] [--unit] [--jobs N]
                                 [--test-timeout S] [--timeout S] [--only ID] [--except ID]

``SUBMISSIONS`` is a folder holding one folder or one ``.zip`` per student (the name, as it
is, without ``.zip``, is the student's); inside, the student tree may sit at any depth (the folder that
holds ``minregion/``). From a submission only the **solution regions** are read: the code
between ``# BEGIN YOUR CODE chNN id`` and ``# END YOUR CODE`` in the package files and in
the notebooks. Nothing else of it is copied, imported or run: no conftest, no pytest
settings, no tests, no other cell or file. Zips are read in memory, never unpacked; symbolic
links, files over 20 MB and macOS's ``__MACOSX/`` and ``._name`` files are skipped. Before
anything of a submission is read, its listing is checked against caps (:data:`MAX_TREES`
candidate trees, :data:`MAX_FILES` files and :data:`MAX_BYTES` bytes taken): a submission
over one, or one that cannot be read (an encrypted zip, a file without read permission), is
not graded, with a note, and the others are.

**Chapter by chapter in isolation.** Chapter N is graded in a fresh copy of the course's own
edition (the reference, written by ``make_student.py --keep-solutions``) into which only the
student's chapter-N regions are put, package and notebook: every other region is the
reference, so a blank in chapter 2 costs chapter 2 only. In that copy the grader runs the
chapter's unit tests (``course/grade.py``: the course's pytest settings, a time limit per
test, a test that hangs, crashes or ends the process becomes a failure) and, unless
``--unit``, the chapter's notebook exercise by exercise (``course/grade_notebook.py``: the
reference notebook with the student's exercise code in its cells; an exercise that fails is
replaced by the reference so that the next ones can be graded; when the chapter's own
package regions fail, the exercises that did not pass are graded again with the reference
package, saying what blocked them).

**Output** (``--out``, a new or empty folder, default ``grades``): ``grades.csv`` with one row
per student and chapter (student, chapter, blanks left, tests passed, failed, exercises
passed, exercises, note, the submission's exact name) and ``feedback/<student>.md`` (a slug
and a hash of the exact name for a name that is not plain ASCII or is shared:
:func:`feedback_name`): per region, the first failure message
(file and line, in the student's numbering, for a syntax error), and the written answers
found in the student's answer cells, for marking by the rubric. A line per graded chapter
shows the progress.

**Limits and safety.** ``--test-timeout`` (seconds per test and per notebook cell, default
120) and ``--timeout`` (seconds per submission, default 3600). SIGINT and SIGTERM end every
process the grader started and write what was graded so far. Grading runs the students' code
with the rights of whoever runs the grader: see course/LECTURERS.md for running it in a
container without network.
"""
import argparse
import csv
import hashlib
import io
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import unicodedata
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import grade  # noqa: E402
import make_student as ms  # noqa: E402

MAX_FILE = 20 * 2**20       # a file larger is skipped
# What is read of one submission at most, checked on its listing before any file is read:
MAX_TREES = 4               # folders that hold a minregion/ package (candidate trees)
MAX_FILES = 1000            # package files and notebooks, all trees together
MAX_BYTES = 40 * 2**20      # their bytes
COLUMNS = ("student", "chapter", "blanks_left", "tests_passed", "tests_failed",
           "exercises_passed", "exercises", "note", "verbatim", "submission")


class GradingError(ValueError):
    """A submission or an option that cannot be graded."""


# --- reading a submission (nothing of it is run) ---------------------------------------------

def _wanted(rel):
    return (rel.startswith("minregion/") and rel.endswith(".py")) or \
        re.fullmatch(r"tutorials/[^/]+\.ipynb", rel) is not None


def _ignored(name):
    """Whether a path of a submission is macOS's, never the student's: a ``__MACOSX/``
    folder of a zip, or an AppleDouble ``._name`` file."""
    parts = name.split("/")
    return "__MACOSX" in parts[:-1] or parts[-1].startswith("._")


def _root_prefixes(names):
    """Every prefix under which ``minregion/`` holds a Python file, shallowest first."""
    prefixes = set()
    for name in names:
        if name.endswith(".py"):
            for m in re.finditer(r"(?:^|/)minregion/", name):
                prefixes.add(name[:m.start() + (m.group(0).startswith("/"))])
    return sorted(prefixes, key=lambda p: (p.count("/"), p))


def _read_at_most(path, size):
    """The bytes of a file of a submission, never more than ``size`` of them."""
    with open(path, "rb") as fh:
        return fh.read(size)


class Listing(dict):
    """{name: (size, read)} of the files of a submission, and ``links``: the names of its
    symbolic links, which are never read (named in the feedback)."""

    def __init__(self):
        super().__init__()
        self.links = set()


class TreeFiles(dict):
    """{relative path: text} of the tree to grade, and ``skipped``: {relative path: why} of
    its files not read (a link, too large), which the feedback names."""

    def __init__(self, files, skipped=None):
        super().__init__(files)
        self.skipped = dict(skipped or {})


def _folder_listing(path):
    """{name: (size, read)} of the files of a submission folder, links, hidden folders and
    macOS's files left out (the links listed in ``links``); ``read()`` gives a file's bytes.
    A folder that cannot be read is an OSError."""
    names = Listing()

    def refuse(err):
        raise err

    for folder, dirs, entries in os.walk(path, onerror=refuse):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__"
                         and d != "__MACOSX")
        for d in [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            dirs.remove(d)
            names.links.add(os.path.relpath(os.path.join(folder, d), path).replace(os.sep, "/"))
        for entry in entries:
            full = os.path.join(folder, entry)
            if os.path.islink(full) and not entry.startswith("._"):
                names.links.add(os.path.relpath(full, path).replace(os.sep, "/"))
            elif not entry.startswith("._") and os.path.isfile(full):
                size = os.path.getsize(full)
                names[os.path.relpath(full, path).replace(os.sep, "/")] = (
                    size, lambda full=full, size=size: _read_at_most(full, size))
    return names


def _zip_listing(zf):
    """{name: (size, read)} of the files of an open zip, links and macOS's files left out.
    A file that cannot be read (encrypted, a compression Python lacks) is a GradingError."""
    def read(info):
        try:
            return zf.read(info)
        except RuntimeError as err:          # zipfile's word for "encrypted"
            raise GradingError(f"the zip is encrypted ({shown(info.filename)} needs a "
                               "password): ask for one made without a password") from err
        except NotImplementedError as err:
            raise GradingError(f"not a readable zip: {err}") from err

    names = Listing()
    for info in zf.infolist():
        is_link = (info.external_attr >> 16) & 0o170000 == 0o120000
        if is_link and not _ignored(info.filename):
            names.links.add(info.filename)
        elif not info.is_dir() and not is_link and not _ignored(info.filename):
            names[info.filename] = (info.file_size, lambda info=info: read(info))
    return names


def _tree_files(listing, prefix):
    """{relative path: text} of the package files and notebooks under one prefix."""
    files = {}
    for name, (size, read) in listing.items():
        rel = name[len(prefix):]
        if name.startswith(prefix) and _wanted(rel) and size <= MAX_FILE:
            files[rel] = read().decode("utf-8", "replace")
    return files


def _check_caps(listing, prefixes):
    """Refuse, before anything of it is read, a submission that holds more candidate trees,
    more files to take or more bytes to take than :data:`MAX_TREES`, :data:`MAX_FILES`,
    :data:`MAX_BYTES` allow (each file over :data:`MAX_FILE` is skipped, not counted)."""
    if len(prefixes) > MAX_TREES:
        listed = ", ".join(_folder_name(p) for p in prefixes[:3])
        raise GradingError(f"refused: {len(prefixes)} minregion/ trees in the submission "
                           f"({listed}, ...); at most {MAX_TREES} are read (course/LECTURERS.md, "
                           "\"Limits on a submission\"): ask for the student's tree alone")
    taken = [size for name, (size, _) in listing.items() for p in prefixes
             if name.startswith(p) and _wanted(name[len(p):]) and size <= MAX_FILE]
    if len(taken) > MAX_FILES or sum(taken) > MAX_BYTES:
        raise GradingError(f"refused: the submission's trees hold {len(taken)} package files "
                           f"and notebooks, {sum(taken) / 2**20:.1f} MB; at most {MAX_FILES} "
                           f"files and {MAX_BYTES / 2**20:g} MB are read (course/LECTURERS.md, "
                           "\"Limits on a submission\"): ask for the student's tree alone, "
                           "notebooks saved without outputs")


def _written_at_home(files, expected):
    """How many of the expected regions (id, chapter, path) are written in the files at
    their own paths."""
    tree = grade.read_sources(files, expected)
    return sum(f.state == "written" and f.path == path
               for id_, _, path in expected for f in [tree.regions.get(id_)] if f)


def choose_tree(listing, expected=()):
    """(prefix, files, note) of the student tree to grade. When a submission holds more than
    one tree (the student's work beside the untouched download, say), the one whose files
    at the regions' own paths hold the most written regions is graded, and the note says
    so; a tie goes to the shallowest, with a note all the same. A submission over the caps
    (:func:`_check_caps`) is refused before anything of it is read."""
    prefixes = _root_prefixes(listing)
    if not prefixes:
        raise GradingError("no minregion/ folder in the submission")
    _check_caps(listing, prefixes)
    trees = [(p, _tree_files(listing, p)) for p in prefixes]
    best, note = 0, ""
    if len(trees) > 1:
        scores = [_written_at_home(files, expected) for _, files in trees]
        best = max(range(len(trees)), key=lambda k: (scores[k], -k))
        others = ", ".join(f"{_folder_name(p)} ({scores[k]} written)"
                           for k, (p, _) in enumerate(trees) if k != best)
        tie = sum(s == scores[best] for s in scores) > 1
        note = (f"{len(trees)} trees in the submission: graded {_folder_name(trees[best][0])} "
                f"({scores[best]} regions written), not {others}" +
                ("; a tie: check which one is the student's" if tie else ""))
    prefix, files = trees[best][0], _with_skipped(listing, *trees[best])
    big = sorted(prefix + rel for rel, why in files.skipped.items() if why.startswith(TOO_LARGE))
    skipped = (f"skipped, over {MAX_FILE // 2**20} MB: {', '.join(big[:3])}"
               + (", ..." if len(big) > 3 else "")) if big else ""
    return prefix, files, "; ".join(x for x in [note, skipped] if x)


TOO_LARGE = "larger than"


def _with_skipped(listing, prefix, files):
    """The files of the tree under ``prefix`` as :class:`TreeFiles`, with the files under
    it that were not read and why: over :data:`MAX_FILE`, or a symbolic link."""
    skipped = {}
    for name, (size, _) in listing.items():
        rel = name[len(prefix):]
        if name.startswith(prefix) and _wanted(rel) and size > MAX_FILE:
            skipped[rel] = (f"{TOO_LARGE} {MAX_FILE // 2**20} MB ({size / 2**20:.0f} MB)" +
                            (": save the notebook without its outputs"
                             if rel.endswith(".ipynb") else ""))
    for name in getattr(listing, "links", ()):
        rel = name[len(prefix):]
        if name.startswith(prefix) and (rel in ("minregion", "tutorials") or
                                        rel.startswith("minregion/") or _wanted(rel)):
            skipped[shown(rel)] = "a symbolic link: links are not followed; submit the file"
    return TreeFiles(files, skipped)


def _folder_name(prefix):
    return (prefix or "./").rstrip("/") + "/"


def load_submission(path, expected=()):
    """({relative path: text}, notes) of one submission: the package files and notebooks of
    the tree to grade (:func:`choose_tree`), and what the lecturer should know of them. A
    submission that cannot be read (a file or folder without read permission, an encrypted
    or broken zip) or that is over the caps is a :class:`GradingError`."""
    if os.path.isdir(path):
        try:
            _, files, note = choose_tree(_folder_listing(path), expected)
        except OSError as err:
            where = os.path.relpath(err.filename, path) if err.filename else path
            raise GradingError(f"cannot read {shown(where)} ({err.strerror or err}): fix its "
                               "permissions and grade it again") from err
    else:
        try:
            with zipfile.ZipFile(path) as zf:
                _, files, note = choose_tree(_zip_listing(zf), expected)
        except GradingError:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError,
                ValueError) as err:
            raise GradingError(f"not a readable zip: {err}") from err
    return files, [note] if note else []


def read_submission(path, expected=()):
    """{relative path: text} of the package files and notebooks of one submission."""
    return load_submission(path, expected)[0]


PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,79}")


def shown(name):
    """A file or folder name as text that can be written anywhere: bytes that are not UTF-8
    (a name from a Windows zip, say, read with surrogateescape) become U+FFFD."""
    return os.fsencode(name).decode("utf-8", "replace")


def exact(name):
    """A file or folder name as text that names it exactly: bytes that are not UTF-8 are
    written as ``\\xNN``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


class Submission:
    """One student's folder or zip in SUBMISSIONS: ``entry``, its exact name there (the key
    of its rows), ``student``, the name without ``.zip`` as text, ``folder``, the exact name
    as text (:func:`exact`), ``feedback``, the name of its feedback file, and ``path``."""

    def __init__(self, entry, path, feedback):
        self.entry, self.path, self.feedback = entry, path, feedback
        self.student = shown(_stem(entry))
        self.folder = exact(entry)
        self.twins = []          # the other submissions shown under the same name

    def __repr__(self):
        return f"Submission({self.folder!r})"


def _stem(entry):
    return entry[:-4] if entry.lower().endswith(".zip") else entry


def feedback_name(entry, plain=True):
    """The name of a submission's feedback file: ``<name>.md`` when its name (without
    ``.zip``) is a plain one (ASCII letters, digits, ``._-``) that no other submission of the
    class shares, whatever the case (``plain``); else a safe slug of the name, ``+`` and the
    first 10 hex digits of the SHA-256 of the exact name (``Muller+3fa2...md``): unique, and
    the same for the same folder."""
    stem = _stem(entry)
    if plain and PLAIN_NAME.fullmatch(stem):
        return f"{stem}.md"
    ascii_ = unicodedata.normalize("NFKD", shown(stem)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_).strip("._-")[:40] or "student"
    digest = hashlib.sha256(os.fsencode(entry)).hexdigest()[:10]
    return f"{slug}+{digest}.md"


def submissions(folder):
    """[:class:`Submission`] of every folder and zip in ``folder``, sorted by name. Each
    keeps its name as it is (the CSV's ``student`` and ``submission``)."""
    entries = []
    for entry in sorted(os.listdir(folder), key=os.fsencode):
        path = os.path.join(folder, entry)
        if entry.startswith(".") or os.path.islink(path):
            continue
        if os.path.isdir(path) or entry.lower().endswith(".zip"):
            entries.append((entry, path))
    clash = {}
    for entry, _ in entries:
        clash.setdefault(shown(_stem(entry)).casefold(), []).append(entry)
    subs = [Submission(entry, path,
                       feedback_name(entry, len(clash[shown(_stem(entry)).casefold()]) == 1))
            for entry, path in entries]
    for sub in subs:
        sub.twins = [o.folder for o in subs if o is not sub and o.student == sub.student]
    return subs


# --- one chapter of one submission ----------------------------------------------------------

def _reindent(found, indent):
    out = []
    for line in found.code:
        body = line[len(found.indent):] if line.startswith(found.indent) else line.lstrip()
        body = body if body.endswith("\n") else body + "\n"
        out.append(indent + body if body.strip() else "\n")
    return out


class Course:
    """The reference: its regions, which of them are handed out, and its own edition."""

    def __init__(self, only=(), exclude=()):
        self.regions = ms.scan()
        self.handed = ms.select(self.regions, only, exclude)
        self.by_id = {r.id: r for r in self.regions}
        self.files, _, _ = ms.edition_files(keep_solutions=True)   # {path: bytes}
        # the chapter copies hold the notebooks as handed out: no solution nor answer in
        # the folder where a student's code runs (the notebook runner gets each reference
        # only once its exercise is graded)
        for rel in ms.notebook_files():
            self.files[rel] = ms.render_notebook(rel, self.regions, self.handed,
                                                 False).encode("utf-8")
        # the marked sources, read once: a file changed on disk while a class is graded
        # changes nobody's grading
        self.lines = {rel: ms.read_lines(os.path.join(ms.ROOT, rel))
                      for rel in sorted({r.path for r in self.regions if r.cell is None})}
        self._tokens = {}
        self.notebooks = {rel: ms.read_notebook(os.path.join(ms.ROOT, rel))
                          for rel in sorted({r.path for r in self.regions
                                             if r.cell is not None})}

    def reference_tokens(self, region):
        """The reference's code of ``region`` as tokens (:func:`grade._code_tokens`), worked
        out once per region."""
        if region.id not in self._tokens:
            if region.cell is None:
                lines = self.lines[region.path]
            else:
                cell = self.notebooks[region.path]["cells"][region.cell]
                lines = "".join(cell["source"]).splitlines(keepends=True)
            self._tokens[region.id] = grade._code_tokens(grade.dedent(region.body(lines),
                                                                      region.indent))
        return self._tokens[region.id]

    def chapter_regions(self, chapter):
        return [r for r in self.regions if r.chapter == chapter and r.id in self.handed]

    def copy(self, dest):
        """A fresh copy of the edition in ``dest``, a new folder, written from memory:
        nothing on disk that a student's code ran beside can change what the next one is
        graded in. Returns ``dest``."""
        os.mkdir(dest)                      # new: nothing planted there is written through
        ms.write_files(dest, self.files)
        return dest


def _replacement(region, found):
    """What stands in the region's place: the student's code, or the blank."""
    if found is None or found.state in ("blank", "missing"):
        return region.blank_lines()
    return _reindent(found, region.indent)


def build_chapter(course, tree, chapter, dest, ids=None):
    """A copy of the edition with the student's regions of ``chapter`` (or only ``ids``) in
    the package files. Returns (path, the regions for the plugin, syntax errors by id)."""
    course.copy(dest)
    mine = [r for r in course.chapter_regions(chapter) if r.cell is None and
            (ids is None or r.id in ids)]
    plugin, syntax = [], {}
    for rel in sorted({r.path for r in mine}):
        replace = {r.id: _replacement(r, tree.regions.get(r.id)) for r in mine if r.path == rel}
        spans = {}
        text = "".join(ms.render(course.lines[rel], [x for x in course.regions if x.path == rel],
                                 set(), replace=replace, spans=spans))
        with open(os.path.join(dest, rel), "w", encoding="utf-8") as fh:
            fh.write(text)
        try:
            compile(text, rel, "exec")
            err = None
        except SyntaxError as e:
            err = e
        for r in mine:
            if r.path != rel:
                continue
            f = tree.regions.get(r.id)
            lo, hi = spans[r.id]
            entry = {"id": r.id, "chapter": r.chapter, "path": r.path, "function": r.function}
            if f is not None and f.state in ("written", "syntax"):
                entry["lines"] = [lo, hi, f.begin + 2]
                if err is not None and lo <= (err.lineno or 0) <= hi:
                    syntax[r.id] = (f"SyntaxError at {f.line_of(err.lineno - lo + 1)}: "
                                    f"{err.msg}")
            plugin.append(entry)
        if err is not None and not any(r.path == rel and r.id in syntax for r in mine):
            culprit = next((r for r in mine if r.path == rel and tree.regions.get(r.id) and
                            tree.regions[r.id].state == "syntax"), None)
            key = culprit.id if culprit else f"{rel}"
            syntax[key] = (tree.regions[culprit.id].error if culprit else
                           f"SyntaxError in {rel} line {err.lineno} once your code is in: "
                           f"{err.msg}")
    return dest, plugin, syntax


def notebook_plan(course, tree, chapter, tree_root):
    """The plan of the chapter's notebook: the reference's cells, the student's exercise code
    in them, the reference's code as each exercise's fallback."""
    mine = [r for r in course.chapter_regions(chapter) if r.cell is not None]
    if not mine:
        return None
    rel = mine[0].notebook
    nb = course.notebooks[rel]
    everything = [r for r in course.regions if r.path == rel]
    cells = []
    for c, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        lines = "".join(cell["source"]).splitlines(keepends=True)
        here = [r for r in everything if r.cell == c]
        graded = [r for r in here if r.id in course.handed]
        reference = "".join(ms.render(lines, here))
        if not graded:
            cells.append({"source": reference, "regions": []})
            continue
        replace = {r.id: _replacement(r, tree.regions.get(r.id)) for r in graded}
        cells.append({"source": "".join(ms.render(lines, here, replace=replace)),
                      "fallback": reference, "regions": [r.id for r in graded],
                      "blank": [r.id for r in graded if tree.regions.get(r.id) is None or
                                tree.regions[r.id].state in ("blank", "missing")]})
    return {"notebook": os.path.join(tree_root, rel), "cells": cells}


def _first_failure(outcomes, region, alone):
    """The first failing test of ``outcomes`` that concerns ``region`` (the deepest region
    of its traceback, or any when it is graded ``alone``)."""
    failing = [(n, o) for n, o in outcomes.items() if o["outcome"] in ("failed", "error")]
    name = region.function.split(".")[-1]
    failing.sort(key=lambda no: (region.id not in no[1].get("touched", []),
                                 name not in no[0].split("::")[-1]))
    for n, o in failing:
        if alone or region.id in o.get("touched", []):
            return f"{n}: {o['message']}"
    return None


def _name_error_hint(message):
    """A hint for a NameError: the grader takes only the code between the markers."""
    if "NameError" not in message:
        return ""
    return (" (only the code between the markers is graded: a helper or an import written "
            "outside them is not there; move it into the region)")


def region_feedback(course, tree, chapter, workdir, outcomes, syntax, test_timeout, deadline):
    """{id: feedback line} of the chapter's package regions."""
    regions = [r for r in course.chapter_regions(chapter) if r.cell is None]
    own_blanks = {r.id for r in regions if tree.regions.get(r.id) is None or
                  tree.regions[r.id].state in ("blank", "missing")}
    feedback = {}
    for r in regions:
        f = tree.regions.get(r.id)
        if r.id in own_blanks:
            feedback[r.id] = "blank left" + (f" ({f.error})" if f is not None and f.error else "")
        elif r.id in syntax:
            feedback[r.id] = syntax[r.id]
    written = [r for r in regions if r.id not in feedback]
    failing = {n: o for n, o in outcomes.items() if o["outcome"] in ("failed", "error")}
    at_blank = {n for n, o in failing.items()
                if (grade.BLANK_MESSAGE.search(o["message"]) or [None, None, ""])[2] in own_blanks}
    not_run = [n for n, o in outcomes.items() if o["outcome"] == grade.NOT_RUN]
    unexplained = [n for n in failing if n not in at_blank and
                   not set(failing[n].get("touched", [])) & {r.id for r in regions}]
    for r in written:
        message = _first_failure(failing, r, alone=False)
        if message is None and syntax:
            message = ("not graded on its own: the chapter's package does not compile with "
                       "your code (" + "; ".join(syntax.values()) + ")")
            feedback[r.id] = message
            continue
        if message is None and unexplained and len(written) == 1:
            message = _first_failure({n: failing[n] for n in unexplained}, r, alone=True)
        elif message is None and unexplained:       # grade it alone against the reference
            place = os.path.join(workdir, f"{chapter}-{r.id}")
            alone, plugin, _ = build_chapter(course, tree, chapter, place, {r.id})
            got, _ = grade.run_pytest(alone, f"{chapter} and not notebook", plugin,
                                      test_timeout, deadline,
                                      first=[r.function.split(".")[-1]], exitfirst=True)
            shutil.rmtree(alone, ignore_errors=True)
            message = _first_failure(got, r, alone=True)
        if message:
            feedback[r.id] = f"FAILED {message}" + _name_error_hint(message)
        elif not_run:
            feedback[r.id] = (f"not graded to the end: the time limits left {len(not_run)} of "
                              "the chapter's tests not run (no failure of its own in those "
                              "that did)")
        else:
            feedback[r.id] = "passed" + (" (no failure of its own; some tests stop at a blank "
                                         "first)" if at_blank else "")
    return feedback


def regrade_exercises(course, tree, chapter, workdir, exercises, culprits, test_timeout,
                      deadline):
    """The chapter's exercises graded again with the reference package, when the student's
    own package regions of the chapter (``culprits``) fail: an exercise that failed or was
    not reached with them takes its outcome from that run, and one that passes there says
    what blocked it. Returns (exercises, problem of the second run)."""
    place = course.copy(os.path.join(workdir, f"{chapter}-reference-package"))
    again, problem = grade.run_notebook(place, notebook_plan(course, tree, chapter, place),
                                        test_timeout, deadline)
    shutil.rmtree(place, ignore_errors=True)
    blocked = f"with your package it is blocked by {chapter} {', '.join(culprits)}"
    out = dict(exercises)
    for id_, (outcome, message) in exercises.items():
        if outcome in ("passed", "blank") or id_ not in again:
            continue
        outcome2, message2 = again[id_]
        out[id_] = (outcome2, f"graded with the reference package ({blocked})"
                    if outcome2 == "passed" else f"{message2} ({blocked})")
    return out, "; ".join(x for x in [problem, "exercises graded with the reference package"]
                          if x)


def grade_chapter(course, tree, chapter, workdir, unit, test_timeout, deadline):
    """(row dict, feedback lines) of one chapter of one submission."""
    start = time.monotonic()
    regions = course.chapter_regions(chapter)
    blanks = [r for r in regions if tree.regions.get(r.id) is None or
              tree.regions[r.id].state in ("blank", "missing")]
    root, plugin, syntax = build_chapter(course, tree, chapter, os.path.join(workdir, chapter))
    first = sorted({r.function.split(".")[-1] for r in regions if r.cell is None})
    outcomes, problem = grade.run_pytest(root, f"{chapter} and not notebook", plugin,
                                         test_timeout, deadline, first=first)
    passed = sum(o["outcome"] == "passed" for o in outcomes.values())
    failed = sum(o["outcome"] in ("failed", "error") for o in outcomes.values())
    not_run = sum(o["outcome"] == grade.NOT_RUN for o in outcomes.values())
    feedback = region_feedback(course, tree, chapter, workdir, outcomes, syntax, test_timeout,
                               deadline)
    exercises, nb_problem = {}, ""
    plan = None if unit else notebook_plan(course, tree, chapter, root)
    if plan is not None:
        exercises, nb_problem = grade.run_notebook(root, plan, test_timeout, deadline)
        culprits = [r.id for r in regions if r.cell is None and
                    not feedback.get(r.id, "").startswith("passed")]
        if culprits and any(o != "passed" for o, _ in exercises.values()):
            exercises, nb_problem = regrade_exercises(course, tree, chapter, workdir, exercises,
                                                      culprits, test_timeout, deadline)
    for r in regions:
        if r.cell is not None and not unit:
            f = tree.regions.get(r.id)
            if r in blanks:
                feedback[r.id] = "blank left" + (f" ({f.error})" if f is not None and f.error
                                                 else "")
            elif f is not None and f.state == "syntax":
                feedback[r.id] = f.error
            else:
                outcome, message = exercises.get(r.id, ("failed", "not run"))
                feedback[r.id] = outcome + (f": {message}" if message else "")
    ex = [r for r in regions if r.cell is not None]
    verbatim = [r.id for r in regions if _is_the_reference(course, r, tree.regions.get(r.id))]
    timeouts = [n for n, o in outcomes.items() if o.get("timeout")]
    crashes = [n for n, o in outcomes.items() if o["outcome"] == "failed" and
               o["message"].startswith(("the process crashed", "the test ended the process"))]
    note = "; ".join(x for x in [
        "syntax error" if syntax else "",
        f"time limit: {timeouts[0]}" if timeouts else "",
        f"ended the process: {crashes[0]}" if crashes else "",
        f"{not_run} tests not run" if not_run else "",
        problem.splitlines()[0] if problem else "", nb_problem] if x)
    row = {"student": "", "chapter": chapter, "blanks_left": len(blanks),
           "tests_passed": passed, "tests_failed": failed,
           "exercises_passed": "" if unit or not ex else
           sum(exercises.get(r.id, ("",))[0] == "passed" for r in ex),
           "exercises": "" if unit or not ex else len(ex), "note": note,
           "verbatim": " ".join(verbatim)}
    shutil.rmtree(root, ignore_errors=True)
    lines = [f"## {chapter}", "",
             f"{passed} tests passed, {failed} failed" +
             (f", {not_run} not run (time limits)" if not_run else "") +
             ("" if row["exercises"] == "" else
              f"; exercises {row['exercises_passed']} of {row['exercises']} passed") +
             f" ({time.monotonic() - start:.0f} s){'; ' + note if note else ''}", ""]
    for r in regions:
        if unit and r.cell is not None:
            continue
        f = tree.regions.get(r.id)
        where = f.where if f is not None and f.state != "missing" else \
            (r.path if r.cell is None else r.notebook)
        lines.append(f"- `{r.id}` ({where}): {feedback.get(r.id, 'not graded')}")
    return row, lines + [""]


def _is_the_reference(course, region, found):
    """Whether the student's code of ``region`` is the reference's, token for token
    (comments, blank lines and spacing aside): a note for the lecturer, not a mark."""
    if found is None or found.state != "written":
        return False
    mine = grade._code_tokens(grade.dedent(found.code, found.indent))
    return mine == course.reference_tokens(region)


def chapter_notes(course, tree, notes, chapter):
    """The CSV notes of one chapter about the submission itself: which tree was graded,
    and the regions of the chapter found in more than one place (copies not graded)."""
    ids = {r.id for r in course.chapter_regions(chapter)}
    by_file = {}
    for id_, others in tree.copies.items():
        for f in others if id_ in ids else []:
            by_file.setdefault(f.path, []).append(id_)
    copies = [f"{path} ({len(found)} region{'s' * (len(found) > 1)})"
              for path, found in sorted(by_file.items())]
    return list(notes) + ([f"copies not graded: {', '.join(copies)}"] if copies else [])


def submission_feedback(tree, notes):
    """The feedback's lines about the submission itself: which tree was graded, copies of
    regions not graded, notebooks that could not be read."""
    found = list(notes) + (tree.problems if isinstance(tree, grade.Tree) else [])
    if not found:
        return []
    return ["## About your submission", ""] + [f"- {p}" for p in found] + [""]


def written_answers(files):
    """The student's answer cells, as Markdown, notebook by notebook."""
    out = []
    for rel in sorted(files):
        if not rel.endswith(".ipynb"):
            continue
        cells, wrong = grade.notebook_cells(files[rel])
        if wrong:
            continue
        texts = [c["source"] for c in cells if c["cell_type"] == "markdown"]
        answers = [t.split(grade.ANSWER_CELL, 1)[1].strip() for t in texts
                   if t.lstrip().startswith(grade.ANSWER_CELL)]
        answers = [a for a in answers          # prompts alone are no answer
                   if re.sub(r"\*Your answer:\*|\*\*[^*]*\*\*|^[0-9]+\.|\s", "", a,
                             flags=re.MULTILINE)]
        if answers:
            out += [f"### {rel}", ""] + [a + "\n" for a in answers]
    return out


# --- the class ------------------------------------------------------------------------------

def check_out(folder):
    """The real path of ``--out``: a new or empty folder, outside the repository's folders
    that make_student copies into the student edition (the students' grades and written
    answers would be handed out with it)."""
    folder = os.path.realpath(folder)
    root = os.path.realpath(ms.ROOT)
    for name in ms.WRITTEN_FOLDERS:
        if ms._inside(folder, os.path.join(root, name)):
            raise GradingError(f"--out {folder} is inside the repository's {name}/, which "
                               "make_student copies into the student edition; pick a folder "
                               "outside it (the default is grades/)")
    if os.path.lexists(folder) and (not os.path.isdir(folder) or os.listdir(folder)):
        raise GradingError(f"--out {folder} exists and is not an empty folder; pick a new one "
                           "(the grader never overwrites files it did not write)")
    return folder


def _failure(err):
    """An unexpected exception, in one line, for a note."""
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}".rstrip(": ")


def text(value):
    """``value`` as text that can be written anywhere: characters that cannot be encoded
    (the surrogates of a name that is not UTF-8) become U+FFFD."""
    return str(value).encode("utf-8", "replace").decode("utf-8")


def grade_class(submissions_dir, out, chapters, unit=False, jobs=1, test_timeout=120.0,
                timeout=3600.0, only=(), exclude=(), say=print):
    """Grade every submission; write ``out/grades.csv`` and ``out/feedback/``. Returns the
    rows. An unexpected error while reading or grading one submission costs that submission
    only (its rows say so), and the results are written whatever happens."""
    out = check_out(out)
    subs = submissions(submissions_dir)
    if not subs:
        raise GradingError(f"{submissions_dir} holds no folder and no .zip")
    rows, feedback, lock = [], {}, threading.Lock()
    partial = _start_partial(out)

    def tell(line):
        try:
            say(text(line))
        except Exception:           # a progress line is never worth a grade
            pass

    with tempfile.TemporaryDirectory(prefix="grade-class-") as work:
        course = Course(only, exclude)
        chapters = [ch for ch in chapters if course.chapter_regions(ch)]
        expected = [(r.id, r.chapter, r.path) for r in course.regions if r.id in course.handed]
        loaded, deadlines = {}, {}
        tasks = [(s, ch) for s in subs for ch in chapters]
        done = [0]

        def work_on(task):
            sub, chapter = task
            if grade.stopping():
                raise grade.Stopped("the grader was stopped")
            files, tree, notes = loaded[sub.entry]
            if files is None:
                row = {"chapter": chapter, "note": f"not graded: {tree}"}
                lines = [f"## {chapter}", "", f"not graded: {tree}", ""]
            else:
                with lock:
                    deadline = deadlines.setdefault(sub.entry, time.monotonic() + timeout)
                if time.monotonic() > deadline:
                    row = {"chapter": chapter,
                           "note": f"not graded: the submission's time limit ({timeout:g} s) "
                                   "ran out"}
                    lines = [f"## {chapter}", "", row["note"], ""]
                else:
                    place = tempfile.mkdtemp(prefix=f"{sub.feedback[:-3]}-", dir=work)
                    try:
                        row, lines = grade_chapter(course, tree, chapter, place, unit,
                                                   test_timeout, deadline)
                        row["note"] = "; ".join(x for x in [row["note"]] + chapter_notes(
                            course, tree, notes, chapter) if x)
                    except grade.Stopped:
                        raise
                    except Exception as err:     # the grader's fault: this chapter only
                        row = {"chapter": chapter, "note": "not graded: the grader failed "
                               f"on this chapter ({_failure(err)}); grade it again"}
                        lines = [f"## {chapter}", "", row["note"], ""]
                    finally:
                        shutil.rmtree(place, ignore_errors=True)
            if sub.twins:
                row["note"] = "; ".join(x for x in [row.get("note", ""), (
                    f"{', '.join(sub.twins)} has the same name: tell them apart by the "
                    "submission column")] if x)
            row.update(student=sub.student, submission=sub.folder, _entry=sub.entry)
            with lock:
                rows.append(row)
                feedback.setdefault(sub.entry, {})[chapter] = lines
                done[0] += 1
                _add_partial(partial, row)
                tell(f"[{done[0]}/{len(tasks)}] {sub.student} {chapter}: "
                     f"{row.get('tests_passed', '-')} passed, {row.get('tests_failed', '-')} "
                     "failed" + (f", exercises {row['exercises_passed']}/{row['exercises']}"
                                 if row.get("exercises") not in (None, "") else "")
                     + (f" ({row['note']})" if row.get("note") else ""))

        try:
            for sub in subs:
                if grade.stopping():
                    raise grade.Stopped("the grader was stopped")
                try:
                    files, notes = load_submission(sub.path, expected)
                    tree = grade.read_sources(files, expected, getattr(files, "skipped", None))
                    loaded[sub.entry] = (files, tree, notes)
                except GradingError as err:
                    loaded[sub.entry] = (None, str(err), [])
                except Exception as err:         # MemoryError, RecursionError, a bug ...
                    loaded[sub.entry] = (None, f"the grader failed to read it ({_failure(err)})",
                                         [])
            with ThreadPoolExecutor(max(1, jobs)) as pool:
                for _ in pool.map(work_on, tasks):
                    pass
        except BaseException as err:
            write_results(out, rows, feedback, loaded, chapters, unit, subs)
            _end_partial(out, partial)
            tell(f"grade_class: {str(err) or type(err).__name__}; wrote the {len(rows)} rows "
                 "graded so far")
            raise
        write_results(out, rows, feedback, loaded, chapters, unit, subs)
        _end_partial(out, partial)
    return _sorted(rows)


PARTIAL = "grades.partial.csv"


def _start_partial(out):
    """Make ``out`` (new or empty, :func:`check_out`) with its mark, and open
    ``out/grades.partial.csv``: a row is added to it as each chapter of a student is graded,
    so that a grader killed outright (SIGKILL, out of memory), which writes nothing at the
    end, leaves the rows graded so far. Returns the open file."""
    _mark(out)
    fh = open(os.path.join(out, PARTIAL), "x", encoding="utf-8", newline="")
    csv.writer(fh, lineterminator="\n").writerow(COLUMNS)
    fh.flush()
    return fh


def _mark(out):
    """Make ``out`` and put the mark in it that keeps make_student from copying it."""
    os.makedirs(out, exist_ok=True)
    mark = os.path.join(out, ms.GRADES_MARK)
    if not os.path.lexists(mark):
        with open(mark, "x", encoding="utf-8") as fh:
            fh.write("Written by course/grade_class.py: students' grades and written answers. "
                     "make_student never copies a folder that holds this file.\n")


def _add_partial(fh, row):
    """Add one row to the partial CSV and hand it to the system at once."""
    try:
        csv.DictWriter(fh, COLUMNS, lineterminator="\n").writerow(
            {k: text(row.get(k, "")) for k in COLUMNS})
        fh.flush()
    except (OSError, ValueError):       # a full disk: the final grades.csv still comes
        pass


def _end_partial(out, fh):
    """Close the partial CSV and, once ``grades.csv`` is written, remove it (this grader
    wrote it: it was created new in ``out``)."""
    fh.close()
    if os.path.exists(os.path.join(out, "grades.csv")):
        os.remove(os.path.join(out, PARTIAL))


def _sorted(rows):
    return sorted(rows, key=lambda r: (r["student"], os.fsencode(r["_entry"]), r["chapter"]))


def write_results(out, rows, feedback, loaded, chapters, unit, subs):
    """Write ``out/feedback/<name>.md`` (``feedback[entry][chapter]``: lines;
    ``loaded[entry]``: the submission's (files, tree or the reason it was not graded,
    notes); ``subs``: the :class:`Submission` of each entry), then ``out/grades.csv``
    (``rows``, one dict per student and chapter, COLUMNS). A feedback file that cannot be
    written costs that student's file only (their rows' note says so); every text is
    written with :func:`text`."""
    _mark(out)
    os.makedirs(os.path.join(out, "feedback"), exist_ok=True)
    for sub in subs:
        if sub.entry not in feedback:
            continue
        try:
            by_chapter = feedback[sub.entry]
            files, tree, notes = loaded.get(sub.entry, (None, "not read", []))
            lines = [f"# Feedback for {sub.student}", "",
                     f"Submission: `{sub.folder}`", "",
                     "Each chapter was graded on its own: your code for that chapter (the "
                     "lines between `# BEGIN YOUR CODE` and `# END YOUR CODE`), the reference "
                     f"for every other; "
                     f"{'unit tests only' if unit else 'unit tests and notebook exercises'}."
                     " For each region: the first failure message.", ""]
            lines += submission_feedback(tree, notes)
            for ch in chapters:
                lines += by_chapter.get(ch, [f"## {ch}", "", "not graded", ""])
            answers = written_answers(files) if files else []
            if answers:
                lines += ["## Written answers (marked by the rubric)", ""] + answers
            body = text("\n".join(str(line) for line in lines).rstrip() + "\n")
            with open(os.path.join(out, "feedback", sub.feedback), "x", encoding="utf-8") as fh:
                fh.write(body)
        except Exception as err:
            for row in rows:
                if row.get("_entry") == sub.entry:
                    row["note"] = "; ".join(x for x in [row.get("note", ""), (
                        f"no feedback file: the grader failed to write it ({_failure(err)})")]
                        if x)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in _sorted(rows):
        writer.writerow({k: text(row.get(k, "")) for k in COLUMNS})
    with open(os.path.join(out, "grades.csv"), "w", encoding="utf-8", newline="") as fh:
        fh.write(buffer.getvalue())


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="grade_class", description="Grade every submission of a class, chapter by "
        "chapter in isolation: one CSV, one feedback file per student.")
    parser.add_argument("submissions", metavar="SUBMISSIONS",
                        help="a folder with one folder or .zip per student")
    parser.add_argument("chapters", nargs="*", metavar="CH", help="ch01 .. ch08 (default: all)")
    parser.add_argument("--out", default="grades", help="a new folder for the results "
                        "(default: grades)")
    parser.add_argument("--unit", action="store_true", help="unit tests only, no notebooks")
    parser.add_argument("--jobs", type=int, default=1, help="chapters graded at once (default 1)")
    parser.add_argument("--test-timeout", type=float, default=grade.TEST_TIMEOUT, metavar="S",
                        help="seconds per test and per notebook cell (default %(default)g)")
    parser.add_argument("--timeout", type=float, default=grade.TIMEOUT, metavar="S",
                        help="seconds per submission (default %(default)g)")
    parser.add_argument("--only", action="append", default=[], metavar="ID",
                        help="as given to make_student: the regions handed out")
    parser.add_argument("--except", dest="exclude", action="append", default=[], metavar="ID",
                        help="as given to make_student: the regions not handed out")
    args = parser.parse_args(argv)
    split = lambda items: [x for item in items for x in item.split(",") if x]  # noqa: E731
    try:
        chapters = grade.parse_chapters(args.chapters)
    except ValueError as err:
        parser.error(str(err))
    if args.test_timeout <= 0 or args.timeout <= 0 or args.jobs < 1:
        parser.error("--test-timeout and --timeout take seconds above 0, --jobs at least 1")
    if not os.path.isdir(args.submissions):
        parser.error(f"SUBMISSIONS {args.submissions} is not a folder")
    grade.forward_signals()
    grade.adopt_orphans()
    try:
        rows = grade_class(args.submissions, args.out, chapters, args.unit, args.jobs,
                           args.test_timeout, args.timeout, split(args.only),
                           split(args.exclude))
    except (GradingError, ms.RegionError) as err:
        print(f"grade_class: {err}", file=sys.stderr)
        return 2
    except grade.Stopped:
        return 130
    print(f"wrote {os.path.join(args.out, 'grades.csv')} ({len(rows)} rows) and "
          f"{os.path.join(args.out, 'feedback')}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
