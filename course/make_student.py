"""Write the student edition of minregion: every solution region becomes a NotImplementedError.

    python course/make_student.py [DIR] [--keep-solutions] [--only ID] [--except ID] [--force]
    python course/make_student.py --table          # what each chapter asks the student to write
    python course/make_student.py --write-tables   # put it into README.md, course/*.md

The repository is the reference edition. A **solution region** is marked in a package file
(``minregion/**/*.py``) or in a notebook code cell (``tutorials/*.ipynb``) by::

    # BEGIN SOLUTION ch03 dense_backward: compute dx, dW and db | tutorials/03_backpropagation_by_hand.ipynb, section 1
    ...the solution lines...
    # END SOLUTION

In the student tree the whole region, markers included, becomes one line at the marker's
indentation::

    raise NotImplementedError("ch03 dense_backward: compute dx, dW and db; see tutorials/03_backpropagation_by_hand.ipynb, section 1")

Markdown cells whose first line is ``<!-- SOLUTION -->`` (prose answers) are dropped, and
notebooks are written without outputs. The tree holds the package, ``tests/`` (without the
course's own tests), ``tutorials/``, ``docs/``, ``pyproject.toml``, ``requirements.txt``,
``LICENSE``, ``course/grade.py``, and the student's ``README.md`` and ``Makefile``
(``course/student_README.md`` and ``course/student.mk``).

Options: ``--keep-solutions`` writes the tree with the markers removed and the solutions kept
(the reference itself, which the main test suite compares line by line); ``--only ID`` blanks
only the given regions, ``--except ID`` all regions but the given ones (an ID is a region id
such as ``dense_backward`` or a chapter such as ``ch04``; both options may be repeated or
take comma-separated lists). The tool refuses, before writing anything, a region that is not
closed, nested, malformed or defined twice, a region whose replacement would not be valid
Python (or that would raise on import), a notebook region that is not at the top level of
its cell, a DIR that exists and is not empty (unless ``--force``, which replaces the folders
it writes and keeps everything else, such as ``DIR/.venv``), and a DIR inside the sources.

Only the standard library is used, so this runs with any Python 3.9 or newer.
"""
import argparse
import ast
import json
import os
import re
import shutil
import sys
import threading
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "minregion"
CHAPTERS = tuple(f"ch{k:02d}" for k in range(1, 9))

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION (?P<chapter>ch0[1-8]) "
                   r"(?P<id>[A-Za-z_][A-Za-z0-9_]*): (?P<what>.*\S) \| "
                   r"(?P<notebook>tutorials/[^,|]+\.ipynb), section (?P<section>[1-9][0-9]*)$")
END = re.compile(r"^(?P<indent>[ \t]*)# END SOLUTION$")
LOOKS_LIKE_MARKER = re.compile(r"#\s*(BEGIN|END)\s+SOLUTION", re.IGNORECASE)
SOLUTION_CELL = "<!-- SOLUTION -->"
# ast.parse from two threads at once can fail on CPython 3.11 ("AST constructor recursion
# depth mismatch", CPython gh-106905); the tests scan trees in two threads
_AST_LOCK = threading.Lock()

# What the student tree holds besides the package and the notebooks (source -> destination).
COPIED = {"docs": "docs", "pyproject.toml": "pyproject.toml",
          "requirements.txt": "requirements.txt", "LICENSE": "LICENSE",
          "tutorials/run.py": "tutorials/run.py", "course/grade.py": "course/grade.py",
          "course/student_README.md": "README.md", "course/student.mk": "Makefile"}
COURSE_TESTS = ("test_course.py",)        # the course's own tests stay in the reference
WRITTEN_FOLDERS = ("minregion", "tests", "tutorials", "docs", "course")
SKIPPED = ("__pycache__", ".ipynb_checkpoints", ".pytest_cache", "figures")
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
    notebook: str
    section: int
    path: str            # relative to the root, with forward slashes
    cell: object         # index of the notebook cell, or None in a package file
    start: int           # index of the BEGIN line (in the file, or in the cell)
    end: int             # index of the END line
    indent: str
    function: str = ""   # qualified name of the function that holds a package region

    @property
    def where(self):
        cell = "" if self.cell is None else f" cell {self.cell}"
        return f"{self.path}{cell} line {self.start + 1}"

    def message(self):
        return (f"{self.chapter} {self.id}: {self.what}; see {self.notebook}, "
                f"section {self.section}")

    def raise_line(self):
        text = self.message().replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.indent}raise NotImplementedError("{text}")\n'


# --- reading the regions ---------------------------------------------------------------

def find_regions(lines, path, cell=None):
    """The regions of one source (a list of lines), checked for form; errors are collected.

    Returns (regions, errors).
    """
    regions, errors, open_ = [], [], None
    where = f"{path}" + ("" if cell is None else f" cell {cell}")
    for k, line in enumerate(lines):
        text = line.rstrip("\r\n")
        if not LOOKS_LIKE_MARKER.search(text):
            continue
        begin, end = BEGIN.match(text), END.match(text)
        if begin:
            if open_ is not None:
                errors.append(f"{where} line {k + 1}: a region begins inside the region "
                              f"'{open_.id}' begun on line {open_.start + 1} (regions cannot nest)")
                continue
            open_ = Region(begin["chapter"], begin["id"], begin["what"], begin["notebook"],
                           int(begin["section"]), path, cell, k, -1, begin["indent"])
        elif end:
            if open_ is None:
                errors.append(f"{where} line {k + 1}: '# END SOLUTION' without a BEGIN")
                continue
            if end["indent"] != open_.indent:
                errors.append(f"{where} line {k + 1}: '# END SOLUTION' is indented differently "
                              f"from its BEGIN on line {open_.start + 1}")
            open_.end = k
            body = [b for b in lines[open_.start + 1:k] if b.strip()]
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
            errors.append(f"{where} line {k + 1}: malformed marker {text.strip()!r}; expected "
                          "'# BEGIN SOLUTION chNN <id>: <what> | tutorials/<notebook>.ipynb, "
                          "section <N>' or '# END SOLUTION'")
    if open_ is not None:
        errors.append(f"{where} line {open_.start + 1}: region '{open_.id}' is never closed "
                      "(no '# END SOLUTION')")
    return regions, errors


def render(lines, regions, blank):
    """The source with each region either replaced by its raise (id in ``blank``) or with
    its markers removed and its solution kept."""
    out, k = [], 0
    for r in sorted(regions, key=lambda r: r.start):
        out += lines[k:r.start]
        out += [r.raise_line()] if r.id in blank else lines[r.start + 1:r.end]
        k = r.end + 1
    return out + lines[k:]


def _functions(tree):
    """(first line, last line, qualified name) of every function, outermost first."""
    found = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.append((child.lineno, child.end_lineno, prefix + child.name))
                visit(child, prefix + child.name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)
    visit(tree, "")
    return found


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
        with _AST_LOCK:
            tree = ast.parse("".join(render(lines, regions, every)))
        funcs = _functions(tree)
        removed = 0
        for r in sorted(regions, key=lambda r: r.start):
            line = r.start - removed + 1           # the raise line, 1-based, all regions blank
            removed += r.end - r.start
            inside = [name for lo, hi, name in funcs if lo <= line <= hi]
            if not inside:
                errors.append(f"{r.where}: region '{r.id}' is not inside a function; its raise "
                              "would stop `import minregion` itself")
            else:
                r.function = inside[-1]


def _rel(path, root):
    return os.path.relpath(path, root).replace(os.sep, "/")


def package_files(root=ROOT):
    """Every file of the package (relative paths), caches left out."""
    out = []
    for folder, dirs, files in os.walk(os.path.join(root, PACKAGE)):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED)
        out += [_rel(os.path.join(folder, f), root) for f in sorted(files)
                if not f.endswith((".pyc", ".pyo"))]
    return out


def notebook_files(root=ROOT):
    folder = os.path.join(root, "tutorials")
    return sorted(f"tutorials/{f}" for f in os.listdir(folder) if f.endswith(".ipynb"))


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
    seen = {}
    for r in regions:
        if r.id in seen:
            errors.append(f"{r.where}: region id '{r.id}' is already used at {seen[r.id].where} "
                          "(ids are unique in the whole project)")
        seen.setdefault(r.id, r)
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


# --- writing the tree ------------------------------------------------------------------

def render_package_file(rel, regions, blank, root=ROOT):
    """The text of one package file in the student tree."""
    lines = read_lines(os.path.join(root, rel))
    return "".join(render(lines, [r for r in regions if r.path == rel], blank))


def render_notebook(rel, regions, blank, keep_solutions, root=ROOT):
    """The notebook of the student tree, as the text of its file."""
    nb = read_notebook(os.path.join(root, rel))
    cells = []
    for c, cell in enumerate(nb["cells"]):
        src = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and not keep_solutions and \
                src.lstrip().startswith(SOLUTION_CELL):
            continue
        if cell["cell_type"] == "code":
            mine = [r for r in regions if r.path == rel and r.cell == c]
            cell = dict(cell, outputs=[], execution_count=None)
            cell["source"] = "".join(render(src.splitlines(keepends=True), mine, blank)) \
                .splitlines(keepends=True)
        cells.append(cell)
    nb["cells"] = cells
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def _copy(src, dst):
    if os.path.isdir(src):
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns(*SKIPPED, "*.pyc"),
                        dirs_exist_ok=True)
    else:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)


def check_destination(dest, root=ROOT, force=False):
    """Refuse a destination that would overwrite the sources or a non-empty folder."""
    dest, root = os.path.realpath(dest), os.path.realpath(root)
    if dest == root or root.startswith(dest + os.sep):
        raise RegionError(f"DIR {dest} holds the sources themselves; pick a new folder")
    for folder in WRITTEN_FOLDERS:
        inside = os.path.join(root, folder)
        if dest == inside or dest.startswith(inside + os.sep):
            raise RegionError(f"DIR {dest} is inside the sources' {folder}/; pick a folder "
                              "outside it (the default is student/)")
    if os.path.exists(dest) and not os.path.isdir(dest):
        raise RegionError(f"DIR {dest} exists and is not a folder")
    if os.path.isdir(dest) and os.listdir(dest) and not force:
        raise RegionError(f"DIR {dest} exists and is not empty; pick a new folder, or pass "
                          "--force to replace its minregion/, tests/, tutorials/, docs/ and "
                          "course/ (a student's work there is lost; .venv is kept)")
    return dest


def write_tree(dest, root=ROOT, only=(), exclude=(), keep_solutions=False, force=False):
    """Write the student tree to ``dest``. Returns (regions, blanked ids).

    Everything is checked before the first file is written.
    """
    regions = scan(root)
    blank = select(regions, only, exclude, keep_solutions)
    dest = check_destination(dest, root, force)
    missing = [src for src in COPIED if not os.path.exists(os.path.join(root, src))]
    if missing:
        raise RegionError(f"missing in the sources: {', '.join(missing)}")
    if os.path.isdir(dest):
        for folder in WRITTEN_FOLDERS:
            shutil.rmtree(os.path.join(dest, folder), ignore_errors=True)
    for rel in package_files(root):
        if rel.endswith(".py"):
            _write(os.path.join(dest, rel), render_package_file(rel, regions, blank, root))
        else:
            _copy(os.path.join(root, rel), os.path.join(dest, rel))
    tests = os.path.join(root, "tests")
    shutil.copytree(tests, os.path.join(dest, "tests"), dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(*SKIPPED, "*.pyc", *COURSE_TESTS))
    for rel in notebook_files(root):
        _write(os.path.join(dest, rel), render_notebook(rel, regions, blank, keep_solutions, root))
    for src, dst in COPIED.items():
        _copy(os.path.join(root, src), os.path.join(dest, dst))
    _write(os.path.join(dest, ".gitignore"), STUDENT_GITIGNORE)
    return regions, blank


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
    parser.add_argument("--force", action="store_true",
                        help="write into a non-empty DIR, replacing the folders this writes")
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
                    _write(path, new)
                    print(f"updated {_rel(path, ROOT)}")
            return 0
        regions, blank = write_tree(args.dest, only=split(args.only),
                                    exclude=split(args.exclude),
                                    keep_solutions=args.keep_solutions, force=args.force)
    except RegionError as err:
        print(f"make_student: {err}", file=sys.stderr)
        return 2
    by_chapter = {ch: sum(r.id in blank and r.chapter == ch for r in regions) for ch in CHAPTERS}
    left = ", ".join(f"{ch}: {n}" for ch, n in by_chapter.items() if n) or "none"
    print(f"wrote {args.dest}: {len(blank)} of {len(regions)} solution regions blanked "
          f"({left})")
    print(f"next: cd {args.dest} && make test   (or make grade)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
