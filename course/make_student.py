"""Write the student edition of minregion: every solution region becomes a NotImplementedError.

    python course/make_student.py [DIR] [--keep-solutions] [--only ID] [--except ID]
                                  [--answers CH] [--force]
    python course/make_student.py DIR --release-answers CH   # later: add answers to DIR
    python course/make_student.py --table          # what each chapter asks the student to write
    python course/make_student.py --write-tables   # put it into README.md, course/*.md

The repository is the reference edition. A **solution region** is marked in a package file
(``minregion/**/*.py``) or in a notebook code cell (``tutorials/*.ipynb``) by::

    # BEGIN SOLUTION ch03 dense_backward (section 1): compute dx, dW and db from dout and the
    #   cache (a runs axis may lead)
    ...the solution lines...
    # END SOLUTION

The description may go on over ``#   `` lines (a hash and three spaces) right after the
BEGIN line; the section is one of the chapter's notebook (``tutorials/03_*.ipynb``). In the
student tree the whole region becomes three lines at the marker's indentation::

    # BEGIN YOUR CODE ch03 dense_backward
    raise NotImplementedError("ch03 dense_backward: compute dx, dW and db from dout and the cache (a runs axis may lead); see tutorials/03_backpropagation_by_hand.ipynb, section 1")
    # END YOUR CODE

The student replaces the ``raise`` line; graders take only what stands between the two
comments (``course/grade.py``, ``course/grade_class.py``).

Markdown cells whose first line is ``<!-- SOLUTION -->`` (prose answers) become answer cells
(``<!-- ANSWER -->``, one "*Your answer:*" per exercise label of the answer, headings kept),
and the answers themselves go to ``answers/chNN.md`` only when asked (``--answers``, or later
``--release-answers``). Notebooks are written without outputs. The tree holds the package
(its modules and the data files it reads, :data:`PACKAGE_DATA`; nothing else under
``minregion/``),
``tests/`` (without the course's own tests), ``tutorials/``, ``docs/``, ``pyproject.toml``,
``requirements.txt``, ``LICENSE``, the student's grader (``course/grade*.py``), the capstone
(``course/capstone.py`` and the reference's numbers for it), the student's
``README.md`` and ``Makefile`` (``course/student_README.md`` and ``course/student.mk``), and
``course/edition.json``: the regions of this edition and every file written.

Options: ``--keep-solutions`` writes the tree with the markers removed and the solutions kept
(the reference itself, which the main test suite compares line by line); ``--only ID`` blanks
only the given regions, ``--except ID`` all regions but the given ones (an ID is a region id
such as ``dense_backward`` or a chapter such as ``ch04``; both options may be repeated or
take comma-separated lists); ``--answers CH`` adds the answers of these chapters (``all``
for every chapter); ``--release-answers CH`` writes only those answers files into an
existing student edition. The tool refuses, before writing anything, a region that is not
closed, nested, malformed or defined twice, a region whose replacement would not be valid
Python (or that would raise on import), a notebook region that is not at the top level of
its cell, and a DIR that is, contains or sits above the sources, lies inside the sources'
own folders, is not empty (unless ``--force``), or holds a symbolic link on a path it would
write. Editors' backups, swap and lock files (``*~``, ``*.swp``, ``.#*``, ``*.orig``,
``*.bak``, ...) are never copied, from any folder, and a file copied as it is that holds the
text of a solution marker or a prose answer's cell is refused by name. ``--force``
overwrites or removes only files that this tool wrote there before, exactly as it wrote them
(listed in the old ``course/edition.json`` with the SHA-256 of their contents), and names
them before writing; a file changed since (a student's work) is refused, and everything else
(``.venv``, the student's own files) is kept; the answers released into the earlier edition
(its record's ``answers``) stay released.

Only the standard library is used, so this runs with any Python 3.9 or newer.
"""
import argparse
import ast
import hashlib
import json
import os
import re
import stat
import sys
import threading
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import grade  # noqa: E402  (the student-edition markers and the edition file)

ROOT = os.path.dirname(HERE)
PACKAGE = "minregion"
CHAPTERS = tuple(f"ch{k:02d}" for k in range(1, 9))

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION (?P<chapter>ch0[1-8]) "
                   r"(?P<id>[A-Za-z_][A-Za-z0-9_]*) \(section (?P<section>[1-9][0-9]*)\): "
                   r"(?P<what>.*\S)$")
MORE = re.compile(r"^(?P<indent>[ \t]*)#   (?P<more>\S.*)$")
END = re.compile(r"^(?P<indent>[ \t]*)# END SOLUTION$")
LOOKS_LIKE_MARKER = re.compile(r"#\s*(BEGIN|END)\s+SOLUTION", re.IGNORECASE)
FORM = ("'# BEGIN SOLUTION chNN <id> (section <N>): <what>' (the description may go on over "
        "'#   ' lines) or '# END SOLUTION'")
SOLUTION_CELL = "<!-- SOLUTION -->"
# ast.parse from two threads at once can fail on CPython 3.11 ("AST constructor recursion
# depth mismatch", CPython gh-106905); the tests scan trees in two threads
_AST_LOCK = threading.Lock()

# What the student tree holds besides the package and the notebooks (source -> destination).
COPIED = {"docs": "docs", "pyproject.toml": "pyproject.toml",
          "requirements.txt": "requirements.txt", "LICENSE": "LICENSE",
          "tutorials/run.py": "tutorials/run.py", "course/grade.py": "course/grade.py",
          "course/grade_plugin.py": "course/grade_plugin.py",
          "course/grade_notebook.py": "course/grade_notebook.py",
          "course/capstone.py": "course/capstone.py",
          "course/capstone_reference.json": "course/capstone_reference.json",
          "course/student_README.md": "README.md", "course/student.mk": "Makefile"}
COURSE_TESTS = ("test_course.py", "test_course_class.py", "test_course_grading.py")   # the course's own tests stay
# in the reference
# the experiments' fast step runs the blanks' maths as working code (the backward passes,
# Adam's update, the hidden matrix): the student edition leaves it and its test out, and its
# tables run the readable step, the student's own code (experiments.resolve_step)
# The notebooks committed without outputs is the repository's own rule, not a chapter's: a
# student who saves a notebook in Jupyter has done nothing wrong, so its test stays here.
REFERENCE_ONLY = ("minregion/reproduce/fast.py", "tests/test_fast.py",
                  "tests/test_notebooks_committed.py")
WRITTEN_FOLDERS = ("minregion", "tests", "tutorials", "docs", "course", "answers")
SKIPPED = ("__pycache__", ".ipynb_checkpoints", ".pytest_cache", "figures")
# grade_class.py writes this file into its --out: a folder that holds it (students' grades
# and written answers) is never copied, wherever it sits
GRADES_MARK = ".minregion-grades"
# The files of the package that the edition holds: its modules, and the data files it reads
# (pyproject.toml's package-data); nothing else under minregion/ is copied.
PACKAGE_DATA = {"minregion/data": (".json",)}
# Editors' backups, swap and lock files, and a merge's leftovers: never copied from any folder
# (a backup of a package file holds its solutions).
LEFTOVER_SUFFIXES = ("~", ".swp", ".swo", ".swn", ".orig", ".rej", ".bak", ".tmp", ".pyc", ".pyo")
LEFTOVER_PREFIXES = (".#", "#")
STUDENT_GITIGNORE = """.venv/
__pycache__/
*.pyc
.pytest_cache/
.ipynb_checkpoints/
*.egg-info/
results/
tutorials/figures/
"""
TABLE_BEGIN, TABLE_END = "<!-- BEGIN BLANKS TABLE -->", "<!-- END BLANKS TABLE -->"


class RegionError(ValueError):
    """A solution region that the tool refuses, or an option it cannot honour."""


@dataclass
class Region:
    """One solution region: where it is, what the student writes, and where it is taught."""
    chapter: str
    id: str
    what: str
    section: int
    path: str            # relative to the root, with forward slashes
    cell: object         # index of the notebook cell, or None in a package file
    start: int           # index of the BEGIN line (in the file, or in the cell)
    end: int             # index of the END line
    indent: str
    head: int = 1        # lines of the BEGIN marker (1 + its continuation lines)
    notebook: str = ""   # the chapter's notebook, tutorials/NN_*.ipynb
    function: str = ""   # qualified name of the function that holds a package region

    @property
    def where(self):
        cell = "" if self.cell is None else f" cell {self.cell}"
        return f"{self.path}{cell} line {self.start + 1}"

    def body(self, lines):
        """The solution lines of the region, markers left out."""
        return lines[self.start + self.head:self.end]

    def message(self):
        return (f"{self.chapter} {self.id}: {self.what}; see {self.notebook}, "
                f"section {self.section}")

    def raise_line(self):
        text = self.message().replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.indent}raise NotImplementedError("{text}")\n'

    def blank_lines(self):
        """The region in the student edition: the raise line between the student's markers."""
        return grade.your_code(self.indent, self.chapter, self.id, [self.raise_line()])


# --- reading the regions ---------------------------------------------------------------

def find_regions(lines, path, cell=None):
    """The regions of one source (a list of lines), checked for form; errors are collected.

    Returns (regions, errors).
    """
    regions, errors, open_ = [], [], None
    where = f"{path}" + ("" if cell is None else f" cell {cell}")
    k = 0
    while k < len(lines):
        text = lines[k].rstrip("\r\n")
        k += 1
        if grade.YOUR_BEGIN.match(text) or grade.YOUR_END.match(text):
            errors.append(f"{where} line {k}: a student-edition marker {text.strip()!r} in the "
                          "sources (mark a region with BEGIN SOLUTION / END SOLUTION)")
            continue
        if not LOOKS_LIKE_MARKER.search(text):
            continue
        begin, end = BEGIN.match(text), END.match(text)
        if begin:
            if open_ is not None:
                errors.append(f"{where} line {k}: a region begins inside the region "
                              f"'{open_.id}' begun on line {open_.start + 1} (regions cannot nest)")
                continue
            open_ = Region(begin["chapter"], begin["id"], begin["what"], int(begin["section"]),
                           path, cell, k - 1, -1, begin["indent"])
            while k < len(lines):
                more = MORE.match(lines[k].rstrip("\r\n"))
                if not more or more["indent"] != open_.indent:
                    break
                open_.what += " " + more["more"].strip()
                open_.head += 1
                k += 1
        elif end:
            if open_ is None:
                errors.append(f"{where} line {k}: '# END SOLUTION' without a BEGIN")
                continue
            if end["indent"] != open_.indent:
                errors.append(f"{where} line {k}: '# END SOLUTION' is indented differently "
                              f"from its BEGIN on line {open_.start + 1}")
            open_.end = k - 1
            body = [b for b in open_.body(lines) if b.strip()]
            if not body:
                errors.append(f"{where} line {open_.start + 1}: region '{open_.id}' is empty")
            for b in body:
                if not b.startswith(open_.indent):
                    errors.append(f"{where}: region '{open_.id}' has a line indented less than "
                                  f"its markers: {b.strip()[:60]!r}")
                    break
            if cell is not None and open_.indent:
                errors.append(f"{where} line {open_.start + 1}: notebook region '{open_.id}' is "
                              "not at the top level of its cell (it must not sit inside a "
                              "function, loop or if, so that the student's notebook stops there)")
            regions.append(open_)
            open_ = None
        else:
            errors.append(f"{where} line {k}: malformed marker {text.strip()!r}; expected {FORM}")
    if open_ is not None:
        errors.append(f"{where} line {open_.start + 1}: region '{open_.id}' is never closed "
                      "(no '# END SOLUTION')")
    return regions, errors


def render(lines, regions, blank=(), replace=None, spans=None):
    """The source with each region replaced: by the student's blank (id in ``blank``), by
    given lines (``replace``: {id: lines}), or by its solution, markers removed. ``spans``,
    a dict, receives {id: (first line, last line)} of what stands in each region's place
    (1-based)."""
    replace = replace or {}
    out, k = [], 0
    for r in sorted(regions, key=lambda r: r.start):
        out += lines[k:r.start]
        new = replace[r.id] if r.id in replace else \
            r.blank_lines() if r.id in blank else r.body(lines)
        if spans is not None:
            spans[r.id] = (len(out) + 1, len(out) + len(new))
        out += new
        k = r.end + 1
    return out + lines[k:]


def _check_python(lines, regions, where, errors, in_function):
    """Every replacement must leave valid Python; package regions must sit in a function."""
    every = {r.id for r in regions}
    for blank in [every] + [{r.id} for r in regions]:
        text = "".join(render(lines, regions, blank))
        try:
            compile(text, where, "exec")
        except SyntaxError as err:
            which = ", ".join(sorted(blank))
            errors.append(f"{where}: replacing region(s) {which} by their raise line would not be "
                          f"valid Python ({err.msg}, line {err.lineno}); keep the code around "
                          "a region complete")
            return
    if in_function:
        blanked = render(lines, regions, every)
        with _AST_LOCK:
            tree = ast.parse("".join(blanked))
        funcs = grade.functions(tree)
        begins = {m["id"]: n + 2 for n, line in enumerate(blanked)   # the raise line, 1-based
                  for m in [grade.YOUR_BEGIN.match(line.rstrip("\r\n"))] if m}
        for r in regions:
            inside = [name for lo, hi, name in funcs if lo <= begins[r.id] <= hi]
            if not inside:
                errors.append(f"{r.where}: region '{r.id}' is not inside a function; its raise "
                              "would stop `import minregion` itself")
            else:
                r.function = inside[-1]


def _rel(path, root):
    return os.path.relpath(path, root).replace(os.sep, "/")


def is_leftover(name):
    """Whether a file name is an editor's backup, swap or lock file or a merge's leftover
    (``layers.py~``, ``.layers.py.swp``, ``.#layers.py``, ``layers.py.orig``, ...)."""
    return name.endswith(LEFTOVER_SUFFIXES) or name.startswith(LEFTOVER_PREFIXES)


def package_files(root=ROOT):
    """The files of the package that the edition holds (relative paths): every module
    (``.py``) and the data files it reads (:data:`PACKAGE_DATA`); caches, editors' backups and
    anything else left out."""
    out = []
    for folder, dirs, files in os.walk(os.path.join(root, PACKAGE)):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED)
        here = _rel(folder, root)
        kinds = (".py",) + PACKAGE_DATA.get(here, ())
        out += [f"{here}/{f}" for f in sorted(files) if f.endswith(kinds) and not is_leftover(f)]
    return out


def notebook_files(root=ROOT):
    folder = os.path.join(root, "tutorials")
    return sorted(f"tutorials/{f}" for f in os.listdir(folder) if f.endswith(".ipynb"))


def chapter_notebooks(root=ROOT):
    """{chapter: tutorials/NN_name.ipynb} for every numbered notebook."""
    out = {}
    for rel in notebook_files(root):
        name = os.path.basename(rel)
        if re.match(r"0[1-8]_", name):
            out.setdefault(f"ch{name[:2]}", []).append(rel)
    return out


def read_lines(path):
    with open(path, encoding="utf-8") as fh:
        return fh.read().splitlines(keepends=True)


def read_notebook(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def scan(root=ROOT):
    """Every region of the package and of the notebooks, checked.

    Returns a list of :class:`Region` (package files first, then notebooks, in file order);
    raises :class:`RegionError` listing every problem found.
    """
    regions, errors = [], []
    for rel in package_files(root):
        if not rel.endswith(".py"):
            continue
        lines = read_lines(os.path.join(root, rel))
        found, errs = find_regions(lines, rel)
        errors += errs
        if found and not errs:
            _check_python(lines, found, rel, errors, in_function=True)
        regions += found
    for rel in notebook_files(root):
        nb = read_notebook(os.path.join(root, rel))
        for c, cell in enumerate(nb["cells"]):
            src = "".join(cell["source"]).splitlines(keepends=True)
            if cell["cell_type"] != "code":
                # prose may explain the markers; a marker line in prose is a misplaced region
                if any(BEGIN.match(line.rstrip("\n")) or END.match(line.rstrip("\n"))
                       for line in src):
                    errors.append(f"{rel} cell {c}: a solution marker in a {cell['cell_type']} "
                                  f"cell (prose answers go in cells starting {SOLUTION_CELL})")
                continue
            found, errs = find_regions(src, rel, c)
            errors += errs
            if found and not errs:
                _check_python(src, found, f"{rel} cell {c}", errors, in_function=False)
            regions += found
    notebooks = chapter_notebooks(root)
    seen = {}
    for r in regions:
        if r.id in seen:
            errors.append(f"{r.where}: region id '{r.id}' is already used at {seen[r.id].where} "
                          "(ids are unique in the whole project)")
        seen.setdefault(r.id, r)
        mine = notebooks.get(r.chapter, [])
        if len(mine) != 1:
            errors.append(f"{r.where}: region '{r.id}' is {r.chapter}, which needs exactly one "
                          f"notebook tutorials/{r.chapter[2:]}_*.ipynb (found "
                          f"{', '.join(mine) or 'none'})")
        else:
            r.notebook = mine[0]
    if errors:
        raise RegionError("refused:\n  " + "\n  ".join(errors))
    return regions


def select(regions, only=(), exclude=(), keep_solutions=False):
    """The ids to blank: all, ``only`` these, all ``except`` these, or none."""
    def expand(names, option):
        ids = set()
        for name in names:
            hit = {r.id for r in regions if name in (r.id, r.chapter)}
            if not hit and name not in CHAPTERS:
                raise RegionError(f"{option} {name}: no region has this id (known: "
                                  f"{', '.join(r.id for r in regions) or 'none'})")
            ids |= hit
        return ids
    if keep_solutions and (only or exclude):
        raise RegionError("--keep-solutions keeps every solution; do not combine it with "
                          "--only or --except")
    if keep_solutions:
        return set()
    chosen = expand(only, "--only") if only else {r.id for r in regions}
    return chosen - expand(exclude, "--except")


def chapters_named(names, option):
    """Chapters from names such as ``ch03``, ``3`` or ``all``."""
    out = set()
    for name in names:
        if name == "all":
            out |= set(CHAPTERS)
        elif re.fullmatch(r"ch0[1-8]|0?[1-8]", name):
            out.add(name if name.startswith("ch") else f"ch{int(name):02d}")
        else:
            raise RegionError(f"{option} {name}: not a chapter (ch01 .. ch08, or all)")
    return out


# --- the prose answers -----------------------------------------------------------------

LABEL = re.compile(r"^(\*\*[^*\n]+\*\*|[0-9]+\.)(?=\s)")


def answer_cell(text):
    """The student's cell in place of a prose answer: its headings, and one "*Your answer:*"
    per exercise label (``**Exercise 2.**`` or ``2.`` at the start of a line), or one alone.
    Returns None when the answer holds only a heading and plain words (nothing to answer)."""
    body = text.split(SOLUTION_CELL, 1)[1]
    heads = [line for line in body.splitlines() if line.startswith("#")]
    labels = [m.group(1) for line in body.splitlines() for m in [LABEL.match(line)] if m]
    if heads and not labels:
        return "\n\n".join(heads)
    prompts = [f"{label} *Your answer:*" for label in labels] or ["*Your answer:*"]
    return "\n\n".join([grade.ANSWER_CELL] + heads + prompts)


def notebook_answers(rel, root=ROOT):
    """The prose answers of one notebook, as Markdown (markers removed), or ''."""
    cells = ["".join(c["source"]) for c in read_notebook(os.path.join(root, rel))["cells"]
             if c["cell_type"] == "markdown"]
    texts = [c.split(SOLUTION_CELL, 1)[1].strip() for c in cells
             if c.lstrip().startswith(SOLUTION_CELL)]
    return "\n\n".join(t for t in texts if t)


def answers_file(chapter, rel, root=ROOT):
    """The text of ``answers/chNN.md``, or None when the chapter has no prose answers."""
    text = notebook_answers(rel, root)
    if not text:
        return None
    return (f"# {chapter}: the answers in words\n\nThe answers of `{rel}` to its written "
            "questions, released by your lecturer.\n\n" + text + "\n")


# --- writing the tree ------------------------------------------------------------------

def render_package_file(rel, regions, blank, root=ROOT, replace=None, spans=None):
    """The text of one package file in the student tree."""
    lines = read_lines(os.path.join(root, rel))
    return "".join(render(lines, [r for r in regions if r.path == rel], blank, replace, spans))


def render_notebook(rel, regions, blank, keep_solutions, root=ROOT, replace=None):
    """The notebook of the student tree, as the text of its file."""
    nb = read_notebook(os.path.join(root, rel))
    cells = []
    for c, cell in enumerate(nb["cells"]):
        src = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and not keep_solutions and \
                src.lstrip().startswith(SOLUTION_CELL):
            text = answer_cell(src)
            if text is None:
                continue
            cell = dict(cell, source=text.splitlines(keepends=True))
        if cell["cell_type"] == "code":
            mine = [r for r in regions if r.path == rel and r.cell == c]
            cell = dict(cell, outputs=[], execution_count=None)
            cell["source"] = "".join(render(src.splitlines(keepends=True), mine, blank, replace)) \
                .splitlines(keepends=True)
        cells.append(cell)
    nb["cells"] = cells
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def _read_bytes(path):
    with open(path, "rb") as fh:
        return fh.read()


def _copied_files(src, dst):
    """{destination: source} for a file, or every file of a folder (caches left out)."""
    if not os.path.isdir(src):
        return {dst: src}
    out = {}
    for folder, dirs, files in os.walk(src):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED)
        if GRADES_MARK in files:            # a class's grades: never handed out
            dirs[:] = []
            continue
        for f in sorted(files):
            if not is_leftover(f):
                path = os.path.join(folder, f)
                out[dst + "/" + _rel(path, src)] = path
    return out


def holds_a_marker(data):
    """Whether the bytes of a file hold the text of a solution marker or of a prose answer's
    cell (:data:`LOOKS_LIKE_MARKER`, :data:`SOLUTION_CELL`), whatever the kind of file."""
    text = data.decode("utf-8", errors="replace")
    return bool(LOOKS_LIKE_MARKER.search(text)) or SOLUTION_CELL in text


def edition_files(root=ROOT, only=(), exclude=(), keep_solutions=False, answers=()):
    """Every file of the student tree, rendered in memory: ({path: bytes}, regions, blanked).

    Raises :class:`RegionError` before anything is written."""
    regions = scan(root)
    blank = select(regions, only, exclude, keep_solutions)
    missing = [src for src in COPIED if not os.path.exists(os.path.join(root, src))]
    if missing:
        raise RegionError(f"missing in the sources: {', '.join(missing)}")
    files = {}
    for rel in package_files(root):
        if rel in REFERENCE_ONLY:
            continue
        files[rel] = (render_package_file(rel, regions, blank, root).encode("utf-8")
                      if rel.endswith(".py") else _read_bytes(os.path.join(root, rel)))
    tests = {d: s for d, s in _copied_files(os.path.join(root, "tests"), "tests").items()
             if os.path.basename(d) not in COURSE_TESTS and d not in REFERENCE_ONLY}
    for dst, src in list(tests.items()) + [
            item for s, d in COPIED.items()
            for item in _copied_files(os.path.join(root, s), d).items()]:
        files[dst] = _read_bytes(src)
    verbatim = [rel for rel in files if not rel.endswith(".py") or not rel.startswith(PACKAGE)]
    marked = [rel for rel in sorted(verbatim) if holds_a_marker(files[rel])]
    if marked:
        raise RegionError("refused: files copied as they are hold a solution marker (a backup "
                          "of a solution file? move it away, or split the marker's text as "
                          "course/grade.py does): " + ", ".join(marked))
    for rel in notebook_files(root):
        files[rel] = render_notebook(rel, regions, blank, keep_solutions, root).encode("utf-8")
    notebooks = chapter_notebooks(root)
    for chapter in sorted(answers):
        for rel in notebooks.get(chapter, []):
            text = answers_file(chapter, rel, root)
            if text:
                files[f"answers/{chapter}.md"] = text.encode("utf-8")
    files[".gitignore"] = STUDENT_GITIGNORE.encode("utf-8")
    manifest = {"regions": [{"id": r.id, "chapter": r.chapter, "path": r.path,
                             "function": r.function, "notebook": r.notebook,
                             "section": r.section, "blank": r.id in blank} for r in regions],
                "answers": sorted(a for a in answers if f"answers/{a}.md" in files)}
    manifest["sha256"] = fingerprints(files)      # what proves a file ours, later
    manifest["outside_sha256"] = outside_fingerprints(files)   # what a class grader ignores
    files[grade.EDITION] = b""                  # listed in itself; filled in below
    manifest["files"] = sorted(files)
    files[grade.EDITION] = (json.dumps(manifest, indent=1) + "\n").encode("utf-8")
    return files, regions, blank


def fingerprints(files):
    """{path: SHA-256 of its contents} of the files ``{path: bytes}`` (the record itself
    left out: it is proved by being a record this tool can read)."""
    return {rel: hashlib.sha256(data).hexdigest() for rel, data in sorted(files.items())
            if rel != grade.EDITION}


def outside_fingerprints(files):
    """{path: :func:`grade.outside_fingerprint`} of the package's Python files: the code
    outside the regions, which a class grader takes from the reference, not the student."""
    return {rel: grade.outside_fingerprint(data.decode("utf-8"))
            for rel, data in sorted(files.items())
            if rel.startswith("minregion/") and rel.endswith(".py")}


def _inside(path, folder):
    return os.path.commonpath([path, folder]) == folder


def check_destination(dest, root=ROOT):
    """The destination's real path, or a refusal when writing there could touch the sources."""
    dest, root = os.path.realpath(dest), os.path.realpath(root)
    if _inside(root, dest):
        what = "is the sources' folder" if dest == root else "contains the sources"
        raise RegionError(f"DIR {dest} {what}; pick a new folder (the default is student/)")
    for folder in WRITTEN_FOLDERS:
        inside = os.path.join(root, folder)
        if _inside(dest, inside):
            raise RegionError(f"DIR {dest} is inside the sources' {folder}/; pick a folder "
                              "outside it (the default is student/)")
    if os.path.lexists(dest) and not os.path.isdir(dest):
        raise RegionError(f"DIR {dest} exists and is not a folder")
    return dest


def _links_on_the_way(dest, rel):
    """The first part of DIR/rel (below DIR) that is a symbolic link or not what it should
    be, as a message, or None."""
    parts = rel.split("/")
    path = dest
    for k, part in enumerate(parts):
        path = os.path.join(path, part)
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return None
        if stat.S_ISLNK(mode):
            return (f"{path} is a symbolic link (to {os.readlink(path)}); make_student does "
                    "not follow links: remove it or pick another folder")
        if k < len(parts) - 1 and not stat.S_ISDIR(mode):
            return f"{path} is not a folder"
        if k == len(parts) - 1 and not stat.S_ISREG(mode):
            return f"{path} is not a plain file"
    return None


def _plain_path(rel):
    """Whether ``rel`` is a path relative to DIR that stays inside it: no root, drive or
    backslash, no empty, ``.`` or ``..`` part."""
    return (isinstance(rel, str) and rel != "" and not rel.startswith("/") and "\\" not in rel
            and ":" not in rel and all(part not in ("", ".", "..") for part in rel.split("/")))


def _read_manifest(dest):
    """The record of the edition written into ``dest``: {path: SHA-256 of the contents
    written, or None where the record holds none}, the record itself included; None when
    there is no record this tool can read. Paths that would leave DIR are dropped. The
    fingerprints guard against accidents (a student's work, a file of the same name), not
    against a record edited on purpose: anyone who can edit it can remove the files too."""
    try:
        with open(os.path.join(dest, grade.EDITION), encoding="utf-8") as fh:
            manifest = json.load(fh)
        names = [rel for rel in manifest["files"] if _plain_path(rel)]
        sums = manifest.get("sha256", {})
        sums = sums if isinstance(sums, dict) else {}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return {rel: sums.get(rel) if isinstance(sums.get(rel), str) else None for rel in names}


def _changed_since(dest, earlier, present):
    """The paths of ``present`` (listed in the record ``earlier``) whose contents are not
    what this tool wrote there: changed since (a student's work, say), or without a
    fingerprint in the record."""
    changed = []
    for rel in sorted(present):
        if rel == grade.EDITION:
            continue
        try:
            with open(os.path.join(dest, rel), "rb") as fh:
                same = hashlib.sha256(fh.read()).hexdigest() == earlier[rel]
        except OSError:
            same = False
        if not same:
            changed.append(rel)
    return changed


def _listing(paths, n=8):
    return ", ".join(paths[:n]) + (f" and {len(paths) - n} more" if len(paths) > n else "")


def plan_writes(dest, files, force=False):
    """(files to overwrite, files of an earlier edition to remove), both relative, checked:
    nothing is overwritten or removed that this tool did not write there, or that changed
    since it wrote it (its SHA-256 in the record, :func:`fingerprints`)."""
    if not os.path.isdir(dest) or not os.listdir(dest):
        return [], []
    if not force:
        raise RegionError(f"DIR {dest} exists and is not empty; pick a new folder, or pass "
                          "--force to rewrite the student edition written there before "
                          "(only its files that nobody changed since; .venv and files it did "
                          "not write are kept)")
    earlier = _read_manifest(dest) or {}
    problems = [m for rel in sorted(set(files) | set(earlier))
                for m in [_links_on_the_way(dest, rel)] if m]
    if problems:
        raise RegionError("refused:\n  " + "\n  ".join(problems[:10]))
    present = {rel for rel in set(files) | set(earlier)
               if os.path.lexists(os.path.join(dest, rel))}
    foreign = sorted(present - set(earlier))
    if foreign:
        raise RegionError(f"DIR {dest} holds files that make_student did not write there "
                          f"({_listing(foreign)}; its record is {grade.EDITION}); --force "
                          "overwrites only its own files: pick a new folder or move them away")
    changed = _changed_since(dest, earlier, present)
    if changed:
        raise RegionError(f"DIR {dest} holds files not as make_student wrote them "
                          f"({_listing(changed)}): changed since (a student's work, say), or "
                          "recorded without a SHA-256 by an older make_student; --force "
                          "overwrites or removes only files exactly as it wrote them: move "
                          "these away (or pick a new folder) and run it again")
    return sorted(present & set(files)), sorted(present - set(files))


def _top_level(paths):
    counts = {}
    for rel in paths:
        top = rel.split("/")[0] + ("/" if "/" in rel else "")
        counts[top] = counts.get(top, 0) + 1
    return ", ".join(f"{top} ({n} files)" if top.endswith("/") else top
                     for top, n in sorted(counts.items()))


def _write(path, data):
    """Write a new or plain file without following a link at its place."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def write_files(dest, files, remove=()):
    """Remove ``remove`` (paths relative to ``dest``), then write ``files``; every failure is
    an error that says what was done."""
    done = []
    try:
        for rel in remove:
            os.remove(os.path.join(dest, rel))
            done.append(f"removed {rel}")
        for rel in sorted(files):
            path = os.path.join(dest, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            _write(path, files[rel])
            done.append(rel)
    except OSError as err:
        raise RegionError(f"could not write into {dest}: {err}; {len(done)} steps were done "
                          "before (the folder is partly written: write it again with --force "
                          "once the cause is fixed)") from err
    for rel in remove:                      # folders that the removals left empty
        folder = os.path.dirname(os.path.join(dest, rel))
        while _inside(folder, dest) and folder != dest and os.path.isdir(folder) \
                and not os.listdir(folder):
            os.rmdir(folder)
            folder = os.path.dirname(folder)


def write_tree(dest, root=ROOT, only=(), exclude=(), keep_solutions=False, force=False,
               answers=(), say=None):
    """Write the student tree to ``dest``. Returns (regions, blanked ids).

    Everything is checked before the first file is written; ``say`` (a function taking one
    line) hears what ``--force`` overwrites. With ``force``, the answers released into the
    earlier edition (its record's ``answers``) stay released."""
    kept = released_before(dest) - set(answers) if force else set()
    if kept and say is not None:
        say(f"--force: keeping the answers released before: "
            f"{', '.join(f'answers/{ch}.md' for ch in sorted(kept))}")
    answers = set(answers) | kept
    files, regions, blank = edition_files(root, only, exclude, keep_solutions, answers)
    dest = check_destination(dest, root)
    overwrite, remove = plan_writes(dest, files, force)
    if (overwrite or remove) and say is not None:
        say(f"--force: overwriting in {dest}: {_top_level(overwrite)}")
        if remove:
            say(f"--force: removing the earlier edition's {_top_level(remove)}")
    write_files(dest, files, remove)
    return regions, blank


def released_before(dest):
    """The chapters whose answers the student edition in ``dest`` holds, as its record says
    (empty without a record this tool can read)."""
    try:
        with open(os.path.join(dest, grade.EDITION), encoding="utf-8") as fh:
            names = json.load(fh).get("answers", [])
    except (OSError, ValueError, AttributeError):
        return set()
    return {ch for ch in names if isinstance(ch, str) and ch in CHAPTERS} \
        if isinstance(names, list) else set()


def release_answers(dest, chapters, root=ROOT):
    """Write ``answers/chNN.md`` of the given chapters into an existing student edition.
    Returns the paths written (relative)."""
    dest = check_destination(dest, root)
    manifest_path = os.path.join(dest, grade.EDITION)
    earlier = _read_manifest(dest)
    if earlier is None:
        raise RegionError(f"DIR {dest} holds no student edition ({grade.EDITION} is missing or "
                          "unreadable); write one first with make_student")
    notebooks = chapter_notebooks(root)
    files = {}
    for chapter in sorted(chapters):
        for rel in notebooks.get(chapter, []):
            text = answers_file(chapter, rel, root)
            if text:
                files[f"answers/{chapter}.md"] = text.encode("utf-8")
    if not files:
        raise RegionError(f"no prose answers in {', '.join(sorted(chapters))}")
    with open(manifest_path, encoding="utf-8") as fh:
        manifest = json.load(fh)
    manifest["files"] = sorted(set(earlier) | set(files))
    manifest["sha256"] = {**{rel: h for rel, h in earlier.items() if h is not None},
                          **fingerprints(files)}
    manifest["answers"] = sorted(set(manifest.get("answers", [])) |
                                 {rel[8:-3] for rel in files})
    problems = [m for rel in list(files) + [grade.EDITION]
                for m in [_links_on_the_way(dest, rel)] if m]
    present = [rel for rel in files if os.path.lexists(os.path.join(dest, rel))]
    foreign = [rel for rel in present if rel not in earlier]
    changed = _changed_since(dest, earlier, [rel for rel in present if rel in earlier])
    if problems or foreign or changed:
        raise RegionError("refused:\n  " + "\n  ".join(
            problems + [f"{rel} exists and was not written by make_student" for rel in foreign]
            + [f"{rel} changed since make_student wrote it" for rel in changed]))
    files[grade.EDITION] = (json.dumps(manifest, indent=1) + "\n").encode("utf-8")
    write_files(dest, files)
    return sorted(rel for rel in files if rel != grade.EDITION)


# --- the table of what each chapter asks ------------------------------------------------

def _describe(r):
    """``triangle.tent_from_relus`` (section 2), or with the id where it is not the name."""
    module = r.path[len(PACKAGE) + 1:-3].replace("/", ".")
    name = f"{module}.{r.function}"
    if r.function.split(".")[-1] == r.id:
        return f"`{name}` (section {r.section})"
    return f"`{name}`, id `{r.id}` (section {r.section})"


def blanks_table(regions):
    """A Markdown table: chapter | package blanks | notebook exercises."""
    notebooks = {os.path.basename(n)[:2]: os.path.basename(n)[:-6] for n in notebook_files()}
    rows = ["| chapter | package blanks (`minregion/`) | notebook exercises |", "|---|---|---|"]
    for ch in CHAPTERS:
        pkg = [r for r in regions if r.chapter == ch and r.cell is None]
        nbk = [r for r in regions if r.chapter == ch and r.cell is not None]
        name = notebooks.get(ch[2:], "")
        pkg_text = ", ".join(_describe(r) for r in sorted(pkg, key=lambda r: r.section)) or "none"
        nb_text = ", ".join(f"`{r.id}` (section {r.section})"
                            for r in sorted(nbk, key=lambda r: r.section)) or "none"
        rows.append(f"| {ch} `{name}` | {pkg_text} | {nb_text} |")
    return "\n".join(rows) + "\n"


def table_blocks(root=ROOT):
    """(path, text) of the Markdown files (README.md, course/*.md) that hold the table
    between its two markers."""
    folder = os.path.join(root, "course")
    paths = [os.path.join(root, "README.md")] + [os.path.join(folder, f)
                                                  for f in sorted(os.listdir(folder))
                                                  if f.endswith(".md")]
    out = []
    for path in paths:
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            if TABLE_BEGIN in text:
                out.append((path, text))
    return out


def with_table(text, table):
    head, rest = text.split(TABLE_BEGIN, 1)
    _, tail = rest.split(TABLE_END, 1)
    return f"{head}{TABLE_BEGIN}\n{table}{TABLE_END}{tail}"


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Write the student edition: every solution region becomes a "
                    "NotImplementedError that names the chapter, the task and the section.")
    parser.add_argument("dest", nargs="?", default=os.path.join(ROOT, "student"), metavar="DIR",
                        help="where to write the student tree (default: student/)")
    parser.add_argument("--keep-solutions", action="store_true",
                        help="remove the markers but keep the solutions (the reference)")
    parser.add_argument("--only", action="append", default=[], metavar="ID",
                        help="blank only these regions (ids or chapters, comma-separated)")
    parser.add_argument("--except", dest="exclude", action="append", default=[], metavar="ID",
                        help="blank every region except these (ids or chapters)")
    parser.add_argument("--answers", action="append", default=[], metavar="CH",
                        help="include the prose answers of these chapters in answers/ "
                             "(comma-separated, or all); by default they are held back")
    parser.add_argument("--release-answers", action="append", default=[], metavar="CH",
                        help="write only answers/CH.md into the existing student edition DIR")
    parser.add_argument("--force", action="store_true",
                        help="rewrite the student edition that this tool wrote into DIR before "
                             "(it names every file it overwrites; other files are kept)")
    parser.add_argument("--table", action="store_true",
                        help="print what each chapter asks the student to write, and stop")
    parser.add_argument("--write-tables", action="store_true",
                        help="put that table into README.md and course/*.md where they "
                             "hold its markers")
    args = parser.parse_args(argv)
    split = lambda items: [x for item in items for x in item.split(",") if x]  # noqa: E731
    try:
        if args.table or args.write_tables:
            table = blanks_table(scan())
            if args.table:
                print(table, end="")
            for path, text in table_blocks() if args.write_tables else []:
                new = with_table(text, table)
                if new != text:
                    with open(path, "w", encoding="utf-8") as fh:
                        fh.write(new)
                    print(f"updated {_rel(path, ROOT)}")
            return 0
        if args.release_answers:
            wrote = release_answers(args.dest, chapters_named(split(args.release_answers),
                                                              "--release-answers"))
            print(f"wrote {', '.join(os.path.join(args.dest, w) for w in wrote)}")
            return 0
        answers = chapters_named(split(args.answers), "--answers")
        given, answers = answers, answers | (released_before(args.dest) if args.force else set())
        regions, blank = write_tree(args.dest, only=split(args.only),
                                    exclude=split(args.exclude),
                                    keep_solutions=args.keep_solutions, force=args.force,
                                    answers=given, say=print)
    except RegionError as err:
        print(f"make_student: {err}", file=sys.stderr)
        return 2
    by_chapter = {ch: sum(r.id in blank and r.chapter == ch for r in regions) for ch in CHAPTERS}
    left = ", ".join(f"{ch}: {n}" for ch, n in by_chapter.items() if n) or "none"
    print(f"wrote {args.dest}: {len(blank)} of {len(regions)} solution regions blanked "
          f"({left}); prose answers {'of ' + ', '.join(sorted(answers)) if answers else 'held back'}")
    print(f"next: cd {args.dest} && make test   (or make grade)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
