"""Grade the course chapter by chapter: blanks left, tests passed and failed, exercises.

    python course/grade.py [ch03 ...] [--unit] [--test-timeout S] [--timeout S]

For each chapter ch01..ch08 (or those named) this counts the blanks still left, runs the
chapter's unit tests (``pytest -m "chNN and not notebook"``, every chapter in one run) and
then the chapter's notebook exercise by exercise (``--unit`` leaves the notebooks out), and
prints one table::

    chapter | blanks left | tests passed | failed | exercises passed | note

then, chapter by chapter, every failing test with the first line of its message (the tests
that name one of the chapter's own functions first), every exercise that did not pass, and
where the blanks are. A chapter whose failures all come from a blank of another chapter says
so in one line ("blocked by ch02 matrix_entries"). The exit status is 0 only when no blank is
left, no test fails and every exercise passes.

**The student's code** is what stands between the two lines ``# BEGIN YOUR CODE chNN id``
and ``# END YOUR CODE`` (in the reference: the BEGIN and END SOLUTION comments).
A blank is found by parsing that code: it is left while the code raises
``NotImplementedError`` (however it is written), or when it is empty; a region whose marker
lines are gone counts as a blank too (a class grader takes only the code between them).
For the same reason a package file whose code outside the markers is not the handed-out
edition's (the edition's record holds its fingerprint) is named, with its regions.

**Limits.** Each test and each notebook cell may run ``--test-timeout`` seconds (default
120), the whole grading ``--timeout`` seconds (default 3600). A test past its limit is
stopped with a message saying where it was, a test that crashes or ends the process is
reported as such: each fails on its own, and the remaining tests run on in a fresh process.
Only the tests that the whole grading's limit leaves unrun count as "not run", and those of
a chapter three of whose tests ran past their limit (``MAX_TIMEOUTS``). SIGINT and SIGTERM
stop every process the grader started. pytest runs with the
course's own settings only (``-c pyproject.toml``, ``tests/conftest.py``, no other conftest,
no plugin installed in the environment, ``PYTEST_ADDOPTS`` ignored).

Only the standard library is needed here; the pytest processes load
``course/grade_plugin.py``, the notebooks run in ``course/grade_notebook.py``.
"""
import argparse
import ast
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import tokenize
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CHAPTERS = tuple(f"ch{k:02d}" for k in range(1, 9))
EDITION = "course/edition.json"            # written by make_student into the student tree
ANSWER_CELL = "<!-- ANSWER -->"
YOUR_BEGIN = re.compile(r"^(?P<indent>[ \t]*)#\s*BEGIN YOUR CODE (?P<chapter>ch0[1-8]) "
                        r"(?P<id>[A-Za-z_]\w*)\s*$")
YOUR_END = re.compile(r"^[ \t]*#\s*END YOUR CODE\s*$")
# (written "BEGIN[ ]SOLUTION": this file ships to students, and no file of the student
# edition may hold the text of a solution marker, course/make_student.py checks)
SOLUTION_BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN[ ]SOLUTION (?P<chapter>ch0[1-8]) "
                            r"(?P<id>[A-Za-z_]\w*)\b")
SOLUTION_END = re.compile(r"^[ \t]*# END[ ]SOLUTION\s*$")
BLANK_MESSAGE = re.compile(r"NotImplementedError: (ch0[1-8]) ([A-Za-z_]\w*):")
TEST_TIMEOUT, TIMEOUT = 120.0, 3600.0
MAX_TIMEOUTS = 3          # tests of one chapter past their limit before the rest are "not run"
GRACE = 10.0              # at most, beyond a test's limit, before its process is killed
PYTEST_ENV_DROPPED = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTHONSTARTUP", "PYTHONINSPECT")


def your_code(indent, chapter, id_, lines):
    """A region of the student edition: the given lines between the student's markers."""
    return ([f"{indent}# BEGIN YOUR CODE {chapter} {id_}\n"] + list(lines) +
            [f"{indent}# END YOUR CODE\n"])


# --- finding the student's code ------------------------------------------------------------

@dataclass
class Found:
    """One region as it stands in a tree: the code between its markers, and its state."""
    id: str
    chapter: str
    path: str                 # relative, forward slashes
    cell: object              # index of the notebook cell (all cells counted), or None
    begin: int                # index of the BEGIN line in the file or the cell
    code: list                # the lines between the markers
    indent: str
    state: str = "written"    # written | blank | syntax | missing
    error: str = ""
    function: str = ""
    code_cell: int = 0        # for a notebook: the number of the cell among code cells

    @property
    def where(self):
        if self.cell is None:
            return f"{self.path} line {self.begin + 1}"
        return f"{self.path}, code cell {self.code_cell}, line {self.begin + 1}"

    def line_of(self, k):
        """Where line k (1-based) of the code between the markers is, for the student."""
        if self.cell is None:
            return f"{self.path} line {self.begin + 1 + k}"
        return f"{self.path}, code cell {self.code_cell}, line {self.begin + 1 + k}"


def _raises_not_implemented(node):
    exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    return isinstance(node, ast.Raise) and (
        (isinstance(exc, ast.Name) and exc.id == "NotImplementedError") or
        (isinstance(exc, ast.Attribute) and exc.attr == "NotImplementedError"))


def dedent(lines, indent):
    """The code between a region's markers, as if at the top level."""
    return textwrap.dedent("".join(line[len(indent):] if line.startswith(indent)
                                   else line.lstrip() for line in lines))


def judge(found):
    """Set ``found.state`` by parsing its code: blank, written, or a syntax error."""
    text = dedent(found.code, found.indent)
    try:
        tree = ast.parse(text)
    except SyntaxError as err:
        found.state = "syntax"
        found.error = f"SyntaxError at {found.line_of(err.lineno or 1)}: {err.msg}"
        return found
    if is_blank(tree):
        found.state = "blank"
    return found


def is_blank(tree):
    """Whether a region's parsed code is the untouched blank: no code at all, or nothing but
    one ``raise NotImplementedError(...)`` (however it is written). A raise among code the
    student wrote (a check of an argument, say) is the student's code."""
    body = tree.body
    return not body or (len(body) == 1 and isinstance(body[0], ast.Raise) and
                        body[0].exc is not None and _raises_not_implemented(body[0]))


def find_marked(lines, path, cell=None, code_cell=0):
    """The regions between markers in one source (the student's, or the reference's)."""
    out, k = [], 0
    while k < len(lines):
        text = lines[k].rstrip("\r\n")
        m = YOUR_BEGIN.match(text) or SOLUTION_BEGIN.match(text)
        end_re = YOUR_END if m and m.re is YOUR_BEGIN else SOLUTION_END
        if m:
            j = k + 1
            while j < len(lines) and not end_re.match(lines[j].rstrip("\r\n")):
                j += 1
            if j < len(lines):
                code = lines[k + 1:j]
                if m.re is SOLUTION_BEGIN:        # the description's continuation lines
                    while code and re.match(r"^[ \t]*#   \S", code[0]):
                        code = code[1:]
                out.append(judge(Found(m["id"], m["chapter"], path, cell, k, code,
                                       m["indent"], code_cell=code_cell)))
                k = j
        k += 1
    return out


def _blank_raises(tree):
    """(line, chapter, id) of every ``raise NotImplementedError("chNN id: ...")``."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None and \
                _raises_not_implemented(node) and isinstance(node.exc, ast.Call) and \
                node.exc.args and isinstance(node.exc.args[0], ast.Constant) and \
                isinstance(node.exc.args[0].value, str):
            m = re.match(r"(ch0[1-8]) ([A-Za-z_]\w*):", node.exc.args[0].value)
            if m:
                out.append((node.lineno, m.group(1), m.group(2)))
    return out


def functions(tree):
    """(first line, last line, qualified name) of every function of a module's AST, outermost
    first."""
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


@dataclass
class Tree:
    """What a tree holds: its regions by id, the syntax errors of its package files, and
    problems with its markers. ``copies``: {id: [Found, ...]} of the regions found more than
    once, those *not* graded (in a notebook's ``-Copy1``, a backup of a module)."""
    regions: dict = field(default_factory=dict)
    syntax: list = field(default_factory=list)      # "path line N: message"
    problems: list = field(default_factory=list)
    copies: dict = field(default_factory=dict)


def _pick(candidates, own_path):
    """The region to grade among those found with one id: the first at the region's own
    path (its module, or its chapter's notebook), else the first found."""
    at_home = [f for f in candidates if f.path == own_path]
    return (at_home or candidates)[0]


def _choose_copies(tree, found, own):
    """Keep, for each id, the region at its own path (``own``: {id: path}); record the
    others in ``tree.copies`` and ``tree.problems``."""
    for id_, candidates in found.items():
        chosen = _pick(candidates, own.get(id_))
        tree.regions[id_] = chosen
        others = [f for f in candidates if f is not chosen]
        if others:
            tree.copies[id_] = others
            tree.problems.append(
                f"region '{id_}' is in more than one place: graded the one at {chosen.where}"
                f"; not graded: {'; '.join(f.where for f in others)} (a copy? keep one)")


def notebook_cells(text):
    """([{"cell_type": str, "source": str}, ...], "") of a notebook's text, or ([], what is
    wrong with it) when it is not a notebook of the usual shape (a JSON object whose
    ``cells`` is a list of objects, each source a string or a list of strings)."""
    try:
        nb = json.loads(text)
    except ValueError as err:
        return [], f"not JSON: {err}"
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return [], "no list of cells"
    cells = []
    for c, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict):
            return [], f"cell {c + 1} is not a JSON object"
        kind, source = cell.get("cell_type", ""), cell.get("source", "")
        if isinstance(source, list) and all(isinstance(x, str) for x in source):
            source = "".join(source)
        if not isinstance(kind, str) or not isinstance(source, str):
            return [], f"cell {c + 1}: its type or source is not text"
        cells.append({"cell_type": kind, "source": source})
    return cells, ""


def read_sources(files, expected=(), skipped=None):
    """Read the regions of a tree given as {relative path: text} (package ``.py`` files and
    notebooks). ``expected``: (id, chapter, path) of the regions handed out; those not found
    count as blanks whose markers are missing. A region found in more than one file is taken
    from the file at its own path (the expected one), never silently from a copy.
    ``skipped``: {relative path: why} of the files of the tree not read (too large, a
    link): named in the problems, and a region expected there says so (not "its markers
    are gone"); so does one expected in a notebook that cannot be read."""
    tree, found_by_id = Tree(), {}
    unread = dict(skipped or {})
    for rel, why in sorted(unread.items()):
        tree.problems.append(f"{rel}: not read ({why}): its regions are not graded")

    def add(found):
        found_by_id.setdefault(found.id, []).append(found)

    for rel in sorted(files):
        text = files[rel]
        if rel.endswith(".py"):
            lines = text.splitlines(keepends=True)
            marked = find_marked(lines, rel)
            try:
                parsed = ast.parse(text)
            except SyntaxError as err:
                tree.syntax.append(f"{rel} line {err.lineno}: SyntaxError: {err.msg}")
                parsed = None
            funcs = functions(parsed) if parsed is not None else []
            for f in marked:
                inside = [name for lo, hi, name in funcs if lo <= f.begin + 1 <= hi]
                f.function = inside[-1] if inside else ""
                add(f)
            spans = [(f.begin, f.begin + len(f.code) + 1) for f in marked]
            for line, chapter, id_ in _blank_raises(parsed) if parsed is not None else []:
                if not any(lo <= line - 1 <= hi for lo, hi in spans) and \
                        id_ not in found_by_id:
                    add(Found(id_, chapter, rel, None, line - 1, [], "", state="missing",
                              error="a blank whose marker lines are gone"))
        elif rel.endswith(".ipynb"):
            cells, wrong = notebook_cells(text)
            if wrong:
                tree.problems.append(f"{rel}: not a readable notebook ({wrong}): its "
                                     "exercises are not graded")
                unread[rel] = f"not a readable notebook: {wrong}"
                continue
            code_cell = 0
            for c, cell in enumerate(cells):
                if cell["cell_type"] != "code":
                    continue
                code_cell += 1
                src = cell["source"]
                for f in find_marked(src.splitlines(keepends=True), rel, c, code_cell):
                    add(f)
    _choose_copies(tree, found_by_id, {id_: path for id_, _, path in expected})
    for id_, chapter, path in expected:
        if id_ not in tree.regions and path in unread:
            tree.regions[id_] = Found(id_, chapter, path, None, 0, [], "", state="missing",
                                      error=f"its file {path} was not read: {unread[path]}")
        elif id_ not in tree.regions:
            tree.regions[id_] = Found(id_, chapter, path, None, 0, [], "", state="missing",
                                      error="its marker lines (# BEGIN YOUR CODE / # END YOUR "
                                            "CODE) are gone: graders take only the code "
                                            "between them")
    return tree


def tree_sources(root):
    """{relative path: text} of a tree's package files and notebooks."""
    files = {}
    for folder, dirs, names in os.walk(os.path.join(root, "minregion")):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8", errors="replace") as fh:
                    files[os.path.relpath(path, root).replace(os.sep, "/")] = fh.read()
    tutorials = os.path.join(root, "tutorials")
    for name in sorted(os.listdir(tutorials)) if os.path.isdir(tutorials) else []:
        if name.endswith(".ipynb"):
            with open(os.path.join(tutorials, name), encoding="utf-8", errors="replace") as fh:
                files[f"tutorials/{name}"] = fh.read()
    return files


def _record(root):
    """The edition's record (course/edition.json) of this tree, or {} outside an edition."""
    try:
        with open(os.path.join(root, EDITION), encoding="utf-8") as fh:
            record = json.load(fh)
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def edition(root):
    """The regions handed out in this tree's edition, or [] outside a student edition."""
    try:
        return [r for r in _record(root)["regions"] if r.get("blank")]
    except (KeyError, TypeError, AttributeError):
        return []


# --- the code outside the regions ----------------------------------------------------------

def without_region_bodies(text):
    """A package file's text with the code between every region's markers left out (the
    marker lines kept): what a class grader does not take from the student."""
    out, inside = [], False
    for line in text.splitlines(keepends=True):
        bare = line.rstrip("\r\n")
        if inside and YOUR_END.match(bare):
            inside = False
        if not inside:
            out.append(line)
        if not inside and YOUR_BEGIN.match(bare):
            inside = True
    return "".join(out)


def _code_tokens(text):
    """The code of a Python text as tokens, comments, blank lines, spacing and line ends
    left out; its lines, stripped, when it cannot be tokenized."""
    text = text.replace("\r\n", "\n")
    skipped = (tokenize.COMMENT, tokenize.NL, tokenize.ENCODING)
    bare = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
    try:
        return "\n".join(tokenize.tok_name[t.type] if t.type in bare else t.string
                         for t in tokenize.generate_tokens(io.StringIO(text).readline)
                         if t.type not in skipped)
    except (tokenize.TokenError, SyntaxError):
        return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def outside_fingerprint(text):
    """SHA-256 of a package file's code outside its regions (``make_student`` records it for
    every package file of the edition; comments and blank lines do not count)."""
    return hashlib.sha256(_code_tokens(without_region_bodies(text)).encode("utf-8")).hexdigest()


def changed_outside(root, files=None):
    """{path: why} of the package files whose code outside the regions is not the handed-out
    edition's (a class grader takes the regions alone: that code is not graded), and of
    the package files the edition does not have. {} for an edition that does not record it."""
    recorded = _record(root).get("outside_sha256")
    if not isinstance(recorded, dict):
        return {}
    files = tree_sources(root) if files is None else files
    found = {}
    for rel, text in sorted(files.items()):
        if not (rel.startswith("minregion/") and rel.endswith(".py")):
            continue
        if rel not in recorded:
            found[rel] = ("not in the handed-out edition: the class grader does not read it; "
                          "move what your regions need into them")
        elif outside_fingerprint(text) != recorded[rel]:
            found[rel] = ("its code outside the markers differs from the handed-out edition: "
                          "the class grader takes only the code between the markers: move "
                          "this into a region")
    return found


def read_tree(root):
    handed = edition(root)
    tree = read_sources(tree_sources(root),
                        [(r["id"], r["chapter"], r["path"]) for r in handed])
    for r in handed:            # a package file with a syntax error still names its function
        f = tree.regions.get(r["id"])
        if f is not None and not f.function:
            f.function = r.get("function", "")
    return tree


def count_blanks(root=ROOT):
    """{chapter: [where, ...]} for every blank still left in a tree."""
    found = {ch: [] for ch in CHAPTERS}
    for f in read_tree(root).regions.values():
        if f.state in ("blank", "missing"):
            found[f.chapter].append(f"{f.where} ({f.id})")
    return found


# --- processes: time limits and signals ------------------------------------------------------

class Stopped(Exception):
    """The grader was told to stop (SIGINT or SIGTERM)."""


_CHILDREN, _LOCK = set(), threading.RLock()     # re-entrant: the signal handler takes it
_STOPPING = threading.Event()


def _kill(proc):
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError, OSError):
        pass


def stop_all(signum=None, frame=None):
    """End every process the grader started (their whole process groups)."""
    _STOPPING.set()
    with _LOCK:
        children = list(_CHILDREN)
    for proc in children:
        _kill(proc)
    if signum is not None:
        raise Stopped(f"stopped by signal {signum}")


def stopping():
    """Whether the grader has been told to stop."""
    return _STOPPING.is_set()


def forward_signals():
    """SIGINT, SIGTERM (and SIGHUP) end every child process, then the grader."""
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop_all)


_ADOPTING = [False]


def adopt_orphans():
    """On Linux, make the grader the *subreaper* of every process it starts: one that
    leaves its process group (``setsid``) and outlives its parent comes back to the grader
    instead of to init, and :func:`end_orphans` ends it after each run. Called by the
    graders' ``main`` (it changes this process, not a library's caller). Returns whether
    it holds; elsewhere such a process can outlive the time limit (course/LECTURERS.md)."""
    if sys.platform.startswith("linux") and not _ADOPTING[0]:
        try:
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            _ADOPTING[0] = libc.prctl(36, 1, 0, 0, 0) == 0     # PR_SET_CHILD_SUBREAPER
        except (OSError, AttributeError):
            pass
    return _ADOPTING[0]


def _orphans():
    """The grader's child processes that no running test holds (adopted ones). Call with
    ``_LOCK`` held: no run starts meanwhile."""
    me, held, found = os.getpid(), {p.pid for p in _CHILDREN}, []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) not in held:
            try:
                with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as fh:
                    parent = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if parent == me:
                found.append(int(name))
    return found


def end_orphans():
    """End (SIGKILL) and reap every process adopted by :func:`adopt_orphans`, and the
    ones they leave behind in turn. Returns how many."""
    if not _ADOPTING[0]:
        return 0
    ended = 0
    with _LOCK:
        for _ in range(1000):                 # each round: the orphans of the round before
            pids = _orphans()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            for pid in pids:
                try:
                    os.waitpid(pid, 0)
                except ChildProcessError:
                    pass
            ended += len(pids)
    return ended


OUTPUT_HEAD = OUTPUT_TAIL = 64 * 1024     # bytes kept of a process's output: its first, its last


def _drain(fd, log, head=OUTPUT_HEAD, tail=OUTPUT_TAIL):
    """Read a process's output from ``fd`` until it ends, writing its first ``head`` bytes
    into ``log`` as they come and its last ``tail`` bytes at the end, with a line that says
    how much was left out between: what a process prints costs neither memory nor disk."""
    kept, last, dropped = 0, bytearray(), 0
    with open(log, "ab") as out:
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            if kept < head:
                part = chunk[:head - kept]
                out.write(part)
                out.flush()
                kept += len(part)
                chunk = chunk[len(part):]
            last += chunk
            if len(last) > tail:
                dropped += len(last) - tail
                del last[:len(last) - tail]
        if dropped:
            out.write(f"\n[... {dropped} bytes of output left out ...]\n".encode())
        out.write(bytes(last))
    try:
        os.close(fd)
    except OSError:
        pass


def run_limited(cmd, cwd, env, deadline, log, watch=None, feed=None):
    """Run ``cmd`` in a process group of its own until it ends, ``deadline`` (a
    time.monotonic value) passes, or ``watch()`` returns a reason to stop it. Its output goes
    to ``log``, of which only the first and last OUTPUT_HEAD / OUTPUT_TAIL bytes are kept
    (:func:`_drain`). ``feed``: a list of bytes the grader appends to (from ``watch``, say),
    written to the process's standard input as it comes; without it, stdin is empty.

    Returns (exit status or None, reason it was killed or None)."""
    if _STOPPING.is_set():
        raise Stopped("the grader is stopping")
    read_end, write_end = os.pipe()
    with _LOCK:                              # (held: end_orphans never sees it unheld)
        kwargs = {"start_new_session": True} if os.name == "posix" else \
            {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}
        try:
            proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=write_end,
                                    stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL if feed is None else
                                    subprocess.PIPE, **kwargs)
        finally:
            os.close(write_end)
        _CHILDREN.add(proc)
    drain = threading.Thread(target=_drain, args=(read_end, log), daemon=True)
    drain.start()
    pending = bytearray()
    if feed is not None:
        try:
            os.set_blocking(proc.stdin.fileno(), False)
        except (OSError, AttributeError):
            pass
    reason = None
    try:
        while proc.poll() is None:
            if _STOPPING.is_set():
                reason = "the grader was stopped"
            elif time.monotonic() > deadline:
                reason = "deadline"
            elif watch is not None:
                reason = watch()
            if reason:
                _kill(proc)
                proc.wait()
                break
            if feed:
                pending += b"".join(feed)
                feed.clear()
            if pending:
                try:
                    pending = pending[os.write(proc.stdin.fileno(), pending):]
                except BlockingIOError:
                    pass
                except OSError:
                    pending = bytearray()
            time.sleep(0.05 if pending or feed is not None else 0.1)
        if os.name == "posix":           # the group may outlive its leader
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError, OSError):
                pass
    finally:
        if proc.poll() is None:           # stopped by a signal while waiting: end it, reap it
            _kill(proc)
            proc.wait()
        if proc.stdin is not None:
            try:
                proc.stdin.close()
            except OSError:
                pass
        with _LOCK:
            _CHILDREN.discard(proc)
        end_orphans()                     # what left the group and outlived its parent
        drain.join(5)
    if _STOPPING.is_set():
        raise Stopped("the grader was stopped")
    return (None if reason else proc.returncode), reason


MAX_REPORT = 16 * 2**20          # bytes of a report read at most


def _events(path):
    events = []
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in io.StringIO(fh.read(MAX_REPORT)):
                try:
                    event = json.loads(line)
                except ValueError:
                    continue              # a line cut short by a kill
                if isinstance(event, dict) and isinstance(event.get("event"), str):
                    events.append(event)
    except OSError:
        pass
    return events


def _tail(path, n=1500):
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return ""
    return data[-n:].decode("utf-8", "replace")


def _ended(status):
    if status is not None and status < 0:
        try:
            return f"the process crashed ({signal.Signals(-status).name})"
        except ValueError:
            return f"the process crashed (signal {-status})"
    return f"the test ended the process (exit status {status})"


def _read_helpers():
    out = {}
    for name in HELPERS_NAMES:
        with open(os.path.join(HERE, name), encoding="utf-8") as fh:
            out[name] = fh.read()
    return out


# The plugin and the notebook runner, read once when the grader starts: every process the
# grader starts loads a private copy written from here (:func:`private_folder`), never the
# files of the grader's own folder, which a student's code could change for the next run.
HELPERS_NAMES = ("grade_plugin.py", "grade_notebook.py")
HELPERS = _read_helpers()
# what a student's process gets of the grader's environment (nothing else: no tokens, no
# agent sockets, no paths of the lecturer's)
KEPT_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "LANGUAGE", "TZ", "PYTHONHOME",
            "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR",
            "COMSPEC", "PATHEXT", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
            "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS",
            "PYTHONHASHSEED", "PYTHONUTF8", "PYTHONIOENCODING")


def private_folder(tmp):
    """A fresh folder in ``tmp`` for one process the grader starts: ``lib/`` (the plugin and
    the notebook runner, written from memory), ``home/`` and ``tmp/``. Returns its path."""
    place = tempfile.mkdtemp(prefix="run-", dir=tmp)
    for sub in ("lib", "home", "tmp"):
        os.mkdir(os.path.join(place, sub))
    for name, text in HELPERS.items():
        with open(os.path.join(place, "lib", name), "w", encoding="utf-8") as fh:
            fh.write(text)
    return place


def grading_env(root, place):
    """The environment of a pytest or notebook process: a minimal one (PATH, the locale,
    what Python, NumPy and matplotlib need), HOME and the temporary folder in ``place``
    (:func:`private_folder`), the private copy of the grader's helpers and the tree on the
    path, nothing from the caller's pytest settings."""
    env = {k: os.environ[k] for k in KEPT_ENV if k in os.environ}
    home, tmp = os.path.join(place, "home"), os.path.join(place, "tmp")
    env.update(HOME=home, USERPROFILE=home, TMPDIR=tmp, TEMP=tmp, TMP=tmp,
               MPLCONFIGDIR=os.path.join(home, ".matplotlib"), MPLBACKEND="Agg",
               PYTHONDONTWRITEBYTECODE="1", PYTHONNOUSERSITE="1",
               PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
               PYTHONPATH=os.pathsep.join([os.path.join(place, "lib"), root]))
    env.setdefault("LANG", "C.UTF-8")
    return env


NOT_RUN = "not run"          # the outcome of a test the time limits left unrun


def _pytest_command(marks, ignore=()):
    return [sys.executable, "-m", "pytest", "tests", "-m", marks, "-c", "pyproject.toml",
            "--rootdir", ".", "--confcutdir", "tests", "-p", "grade_plugin",
            "-p", "no:cacheprovider", "-q", "--tb=short", "--capture=no",
            "-o", "addopts=--strict-markers",
            "--continue-on-collection-errors"] + [f"--ignore={path}" for path in ignore]


def _test_watch(report, test_timeout):
    """A ``watch`` for :func:`run_limited`: "timeout" when the running test (as the report
    says) is past its limit and the grace beyond it, without having answered the alarm."""
    position = [0, None, 0.0]       # bytes read, current test, its start

    def watch():
        try:
            with open(report, encoding="utf-8") as fh:
                fh.seek(position[0])
                chunk = fh.read()
        except OSError:
            return None
        cut = chunk.rfind("\n") + 1
        position[0] += len(chunk[:cut].encode("utf-8"))
        for line in chunk[:cut].splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "start":
                position[1], position[2] = event["nodeid"], time.monotonic()
            elif event.get("event") == "outcome":
                position[1] = None
        if position[1] and time.monotonic() - position[2] > \
                test_timeout + min(GRACE, test_timeout):
            return "timeout"
        return None
    return watch


def _read_run(events, outcomes, chapters_of, tampered=None):
    """Add one run's outcomes to ``outcomes`` and its tests' chapters to ``chapters_of``.
    ``tampered``: a list that gets what the plugin found changed (a ``tampered`` event);
    once it holds something, no test after it passes (in this run or a later one).
    Returns (the test running when the report ends, or None; the finish event, or None)."""
    current, finish = None, None
    tampered = [] if tampered is None else tampered
    for e in events:
        if e["event"] == "tampered" and not tampered:
            tampered.append(f"the grading was tampered with: {e.get('what', '?')} was changed "
                            f"(seen after {e.get('nodeid') or 'the last test'}); no test "
                            "after that is credited")
        if e["event"] == "outcome" and tampered and e.get("outcome") != "failed":
            e = dict(e, outcome="failed", message="not credited: " + tampered[0])
        if e["event"] == "collected":
            for t in e.get("tests", []):
                chapters_of.setdefault(t["nodeid"], t["chapters"])
        elif e["event"] == "start":
            current = e.get("nodeid")
        elif e["event"] == "outcome":
            nodeid = e.get("nodeid", "?")
            outcomes[nodeid] = {"chapters": chapters_of.get(nodeid, e.get("chapters", [])),
                                "outcome": e.get("outcome", "failed"),
                                "message": e.get("message", ""),
                                "touched": e.get("touched", []),
                                "timeout": e.get("timeout", False)}
            current = None
        elif e["event"] == "finish":
            finish = e
    return current, finish


def _not_run(outcomes, chapters_of, deselect,
             why="the time limit of the grading ran out before it"):
    """Mark the tests that no run reached (before the grading's deadline, or once
    MAX_TIMEOUTS tests had run past their limit): "not run", an outcome of its own
    (neither passed nor failed). Returns how many."""
    left = [n for n in chapters_of if n not in outcomes and n not in deselect]
    for nodeid in left:
        outcomes[nodeid] = {"chapters": chapters_of[nodeid], "outcome": NOT_RUN,
                            "message": f"not run: {why}", "touched": [], "timeout": False}
    return len(left)


def _cap_timeouts(outcomes, chapters_of, deselect):
    """Once MAX_TIMEOUTS tests of a chapter have run past their limit, its tests not run yet
    are "not run" (and left out of the next run): one loop that every test of a chapter
    reaches would otherwise cost each of them the whole limit."""
    late = {}
    for o in outcomes.values():
        for ch in o["chapters"] if o["timeout"] else ():
            late[ch] = late.get(ch, 0) + 1
    full = {ch for ch, n in late.items() if n >= MAX_TIMEOUTS}
    if full:
        left = {n: c for n, c in chapters_of.items() if set(c) & full}
        _not_run(outcomes, left, deselect, f"{MAX_TIMEOUTS} tests of its chapter had run past "
                 "the time limit of one test before it (grading stops there, to bound its time)")
        deselect |= set(left)


def run_pytest(root, marks, regions=(), test_timeout=TEST_TIMEOUT, deadline=None,
               first=(), exitfirst=False, ignore=()):
    """Run the tests of ``marks`` (a pytest -m expression) in ``root`` with the grader's
    plugin. A test that hangs, crashes or ends the process fails on its own: the remaining
    tests run again in a fresh process with the tests done so far left out, until all have
    run or ``deadline`` passes; once MAX_TIMEOUTS tests of a chapter have run past their
    limit, the chapter's tests left are "not run" (:func:`_cap_timeouts`).

    ``regions``: dicts (id, chapter, path, function[, lines]) of the student's functions;
    ``ignore``: test files left out (paths relative to ``root``).
    Returns (outcomes {nodeid: {"chapters", "outcome", "message", "touched", "timeout"}},
    problem or ""); an outcome is passed, failed, error, skipped or "not run"."""
    deadline = time.monotonic() + TIMEOUT if deadline is None else deadline
    outcomes, chapters_of, deselect, tampered = {}, {}, set(), []
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        report, settings, log = (os.path.join(tmp, n) for n in ("report", "settings", "log"))
        while True:
            env = grading_env(root, private_folder(tmp))     # fresh for every process
            with open(settings, "w", encoding="utf-8") as fh:
                json.dump({"timeout": test_timeout, "regions": list(regions),
                           "deselect": sorted(deselect), "first": list(first),
                           "exitfirst": exitfirst}, fh)
            if os.path.exists(report):
                os.remove(report)
            env.update(MINREGION_GRADE_REPORT=report, MINREGION_GRADE_SETTINGS=settings)
            status, reason = run_limited(_pytest_command(marks, ignore), root, env, deadline, log,
                                         _test_watch(report, test_timeout))
            current, finish = _read_run(_events(report), outcomes, chapters_of, tampered)
            if finish is not None and not (finish.get("restart") and not exitfirst):
                return outcomes, "; ".join(tampered)
            if reason == "deadline":
                _not_run(outcomes, chapters_of, deselect)
                return outcomes, "; ".join(tampered + ["the time limit of the grading ran out"])
            if finish is None:
                if current is None:
                    return outcomes, "; ".join(tampered + [
                        f"pytest ended before it could report (exit status {status}); its "
                        f"last words:\n{_tail(log)}"])
                why = (f"stopped after {test_timeout:g} s (the time limit of one test); it did "
                       "not answer the alarm, so its process was killed" if reason == "timeout"
                       else _ended(status))
                outcomes[current] = {"chapters": chapters_of.get(current, []),
                                     "outcome": "failed", "message": why, "touched": [],
                                     "timeout": reason == "timeout"}
                if tampered:
                    outcomes[current]["message"] = "not credited: " + tampered[0]
                if exitfirst:
                    return outcomes, "; ".join(tampered)
            if set(outcomes) <= deselect:       # nothing new: do not go round for ever
                return outcomes, "; ".join(tampered + ["the tests could not be run to the end"])
            deselect |= set(outcomes)
            _cap_timeouts(outcomes, chapters_of, deselect)


def _notebook_place(root, tmp, notebook):
    """(folder for the private copy of the package, working folder) of one notebook process:
    a fresh folder holding a copy of ``root``'s package and an empty ``tutorials/``, in which
    the notebook runs: no notebook (the reference's, with its solutions) is there to read."""
    place = private_folder(tmp)
    package = os.path.join(place, "package")
    shutil.copytree(os.path.join(root, "minregion"), os.path.join(package, "minregion"),
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    work = os.path.join(place, "work", "tutorials")
    os.makedirs(work)
    return place, package, os.path.join(work, os.path.basename(notebook))


def run_notebook(root, plan, test_timeout=TEST_TIMEOUT, deadline=None):
    """Grade one notebook exercise by exercise (``course/grade_notebook.py``), with the
    package of ``root`` (a private copy of it) and in a folder of its own.

    The runner process never holds an exercise's reference code (the cells' ``fallback``)
    before that exercise's outcome is recorded: the plan it reads has none, and it asks for
    one on its standard input after it has reported the exercise. When the process dies in
    an exercise (it ended, crashed, or ignored the alarm), the exercise fails with that, and
    the notebook runs again in a fresh process with the reference in its place, so that the
    exercises after it are graded.

    Returns ({id: (outcome, message)}, problem or "")."""
    deadline = time.monotonic() + TIMEOUT if deadline is None else deadline
    cells = plan["cells"]
    fallbacks = {k: c["fallback"] for k, c in enumerate(cells, 1)
                 if c.get("fallback") is not None}
    public = [dict({key: v for key, v in c.items() if key != "fallback"},
                   has_fallback=k in fallbacks) for k, c in enumerate(cells, 1)]
    regions_of = {k: list(c.get("regions", [])) for k, c in enumerate(cells, 1)}
    forced, recorded = {}, set()        # exercises that ended a process; outcomes reported
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        for _ in range(len(cells) + 1):
            place, package, notebook = _notebook_place(root, tmp, plan["notebook"])
            path, report, log = (os.path.join(tmp, n) for n in ("plan.json", "report", "log"))
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(dict(plan, cells=public, root=package, notebook=notebook,
                               cell_timeout=test_timeout, forced=forced), fh)
            if os.path.exists(report):
                os.remove(report)
            started = [0, 0.0]          # cells started (a rerun counts), when the last began
            feed, answered = [], set()

            def watch():
                events = _events(report)
                count = sum(e["event"] == "start" for e in events)
                if count != started[0]:
                    started[0], started[1] = count, time.monotonic()
                if started[0] and time.monotonic() - started[1] > \
                        test_timeout + min(GRACE, test_timeout):
                    return "timeout"
                done = recorded | {e.get("id") for e in events if e["event"] == "exercise"}
                for e in events:        # the reference of a cell, once its outcome is known
                    k = e.get("cell")
                    if e["event"] == "need" and k in fallbacks and k not in answered and \
                            set(regions_of[k]) <= done:
                        answered.add(k)
                        feed.append((json.dumps({"cell": k, "source": fallbacks[k]}) +
                                     "\n").encode("utf-8"))
                return None

            cmd = [sys.executable, os.path.join(place, "lib", "grade_notebook.py"), path, report]
            status, reason = run_limited(cmd, os.path.dirname(notebook),
                                         grading_env(package, place), deadline, log, watch,
                                         feed=feed)
            events = _events(report)
            results = {e["id"]: (e.get("outcome", "failed"), e.get("message", ""))
                       for e in events if e["event"] == "exercise"}
            results.update({r: ("failed", m) for r, m in forced.items()})
            if any(e["event"] == "finish" for e in events):
                return results, ""
            starts = [e for e in events if e["event"] == "start"]
            last = starts[-1].get("cell", 0) if starts else 0
            if reason == "deadline":
                why = f"the time limit of the grading ran out in code cell {last}"
            elif reason == "timeout":
                why = (f"code cell {last} ran past {test_timeout:g} s (the time limit of one "
                       "cell) and did not answer the alarm")
            else:
                why = f"{_ended(status).replace('the test', 'a cell')} in code cell {last}"
            mine = [r for r in regions_of.get(last, []) if r not in forced]
            rerun = bool(starts) and starts[-1].get("rerun")
            if reason == "deadline" or not mine or rerun or last not in fallbacks:
                break
            for r in mine:              # the next process runs the reference in its place
                forced[r] = why
                recorded.add(r)
    for k, cell in enumerate(cells, 1):
        for r in cell.get("regions", []):
            if r not in results:
                results[r] = ("failed", why if k == last else f"not reached: {why}")
    return results, why


def notebook_plan(path, tree_regions):
    """The plan of a student's (or the reference's) own notebook: its code cells, the
    regions in each, no fallback."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        read, _ = notebook_cells(fh.read())     # (one that cannot be read has no cells)
    rel = "tutorials/" + os.path.basename(path)
    cells = []
    for c, cell in enumerate(read):
        if cell["cell_type"] != "code":
            continue
        ids = [f.id for f in tree_regions.values() if f.path == rel and f.cell == c]
        cells.append({"source": cell["source"], "regions": ids,
                      "blank": [i for i in ids if tree_regions[i].state == "blank"]})
    return {"notebook": path, "cells": cells}


# --- the report -----------------------------------------------------------------------------

def blocked_by(message, chapter, own_ids):
    """``ch02 matrix_entries`` when a failure is another chapter's blank, else None."""
    m = BLANK_MESSAGE.search(message or "")
    if m and (m.group(1) != chapter or m.group(2) not in own_ids):
        return f"{m.group(1)} {m.group(2)}"
    return None


def _names_own(nodeid, o, names):
    text = nodeid.split("::")[-1] + " " + (o.get("message") or "")
    return any(n and n in text for n in names)


def _outside_lines(chapter, tree, outside):
    """The detail lines of a chapter's regions that sit in a file whose code outside the
    markers changed (``outside``: {path: why}, from :func:`changed_outside`)."""
    lines = []
    for path, why in sorted(outside.items()):
        ids = [f.id for f in tree.regions.values()
               if f.chapter == chapter and f.cell is None and f.path == path]
        if ids:
            lines.append(f"  {', '.join(ids)}: {path}: {why}")
    return lines


def chapter_report(chapter, tree, outcomes, exercises, unit, outside=None):
    """(row cells, detail lines, done) of one chapter. ``outside``: {path: why} of the
    package files changed outside their regions."""
    mine = [f for f in tree.regions.values() if f.chapter == chapter]
    own_ids = {f.id for f in mine}
    names = own_ids | {f.function.split(".")[-1] for f in mine if f.function}
    tests = {n: o for n, o in outcomes.items() if chapter in o["chapters"]}
    passed = sum(o["outcome"] == "passed" for o in tests.values())
    failing = {n: o for n, o in tests.items() if o["outcome"] in ("failed", "error")}
    not_run = [n for n, o in tests.items() if o["outcome"] == NOT_RUN]
    blanks = [f for f in mine if f.state in ("blank", "missing")]
    broken = [f for f in mine if f.state == "syntax"]
    blocked = {n: blocked_by(o["message"], chapter, own_ids) for n, o in failing.items()}
    blockers = sorted({b for b in blocked.values() if b})
    at_blank = {}
    for n, o in failing.items():
        m = BLANK_MESSAGE.search(o["message"] or "")
        if not blocked[n] and m and m.group(2) in own_ids:
            at_blank.setdefault(m.group(2), []).append(n)
    own = {n: o for n, o in failing.items()
           if not blocked[n] and not any(n in v for v in at_blank.values())}
    ex = [f for f in mine if f.cell is not None]
    ex_passed = sum(exercises.get(f.id, ("",))[0] == "passed" for f in ex)
    note = ""
    if failing and not own and not at_blank and blockers:
        shown = ", ".join(blockers[:2]) + (f" and {len(blockers) - 2} more" if len(blockers) > 2
                                           else "")
        note = f"blocked by {shown}"
    elif broken:
        note = "syntax error"
    if not_run:
        note = "; ".join(x for x in (note, f"{len(not_run)} not run (time limits)") if x)
    moved = _outside_lines(chapter, tree, outside or {})
    if moved:
        note = "; ".join(x for x in (note, "code outside the markers changed") if x)
    lines = moved + [f"  {f.id}: {f.error}" for f in broken]
    for f in blanks:
        if f.cell is None:
            stops = len(at_blank.get(f.id, []))
            lines.append(f"  {f.id}: blank left ({f.where}{'; ' + f.error if f.error else ''})"
                         + (f"; {stops} test(s) stop at it" if stops else ""))
    order = sorted(own, key=lambda n: (not any(i in own[n].get("touched", []) for i in own_ids),
                                       not _names_own(n, own[n], names)))
    lines += [f"  FAILED {n}: {own[n]['message']}" for n in order]
    if not_run:
        why = tests[not_run[0]]["message"].replace("not run: ", "", 1).replace("before it",
                                                                               "before them")
        lines.append(f"  {len(not_run)} test(s) not run: {why} ({not_run[0]}"
                     f"{', ...' if len(not_run) > 1 else ''})")
    if blockers:
        count = sum(bool(b) for b in blocked.values())
        lines.append(f"  {count} test(s) blocked by {', '.join(blockers)}" +
                     (": write it first" if len(blockers) == 1 else ": write them first"))
    if not unit:
        empty = [f for f in ex if exercises.get(f.id, ("",))[0] == "blank" or
                 (f.state in ("blank", "missing") and f.id not in exercises)]
        if empty:
            lines.append("  exercises left blank: " + ", ".join(
                f"{f.id} ({f.where.split(', ', 1)[-1]})" for f in empty))
        for f in ex:
            outcome, message = exercises.get(f.id, ("", ""))
            if f not in empty and outcome != "passed":
                lines.append(f"  exercise {f.id} {outcome or 'not run'}: {message}")
    row = [chapter, str(len(blanks)), str(passed), str(len(failing)),
           "-" if unit or not ex else f"{ex_passed}/{len(ex)}", note]
    done = not failing and not not_run and not blanks and not broken and \
        (unit or ex_passed == len(ex))
    return row, lines, done


def format_table(rows):
    head = ["chapter", "blanks left", "tests passed", "failed", "exercises passed", "note"]
    rows = [head] + rows
    widths = [max(len(r[k]) for r in rows) for k in range(len(head))]
    lines = [" | ".join(cell.ljust(w) if k in (0, 5) else cell.rjust(w)
                        for k, (cell, w) in enumerate(zip(row, widths))).rstrip()
             for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return lines


def student_regions(tree):
    """The regions' functions, for the plugin (package regions only)."""
    return [{"id": f.id, "chapter": f.chapter, "path": f.path, "function": f.function}
            for f in tree.regions.values() if f.cell is None and f.function]


def parse_chapters(names):
    bad = [n for n in names if not re.fullmatch(r"ch0[1-8]|0?[1-8]", n)]
    if bad:
        raise ValueError(f"unknown chapter(s) {', '.join(bad)}; use ch01 .. ch08")
    return [n if n.startswith("ch") else f"ch{int(n):02d}" for n in names] or list(CHAPTERS)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="grade", description="Grade the course chapter by chapter: blanks left, tests "
        "passed and failed, notebook exercises one by one.")
    parser.add_argument("chapters", nargs="*", metavar="CH", help="ch01 .. ch08 (default: all)")
    parser.add_argument("--unit", action="store_true", help="unit tests only, no notebooks")
    parser.add_argument("--test-timeout", type=float, default=TEST_TIMEOUT, metavar="S",
                        help=f"seconds per test and per notebook cell (default {TEST_TIMEOUT:g})")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, metavar="S",
                        help=f"seconds for the whole grading (default {TIMEOUT:g})")
    args = parser.parse_args(argv)
    try:
        chapters = parse_chapters(args.chapters)
    except ValueError as err:
        parser.error(str(err))
    if args.test_timeout <= 0 or args.timeout <= 0:
        parser.error("--test-timeout and --timeout take a number of seconds above 0")
    forward_signals()
    adopt_orphans()
    deadline = time.monotonic() + args.timeout
    tree = read_tree(ROOT)
    try:
        outcomes, problem = run_pytest(
            ROOT, f"({' or '.join(chapters)}) and not notebook", student_regions(tree),
            args.test_timeout, deadline)
        exercises = {}
        for path in [] if args.unit else sorted(os.listdir(os.path.join(ROOT, "tutorials"))):
            if path.endswith(".ipynb") and f"ch{path[:2]}" in chapters:
                plan = notebook_plan(os.path.join(ROOT, "tutorials", path), tree.regions)
                if any(c["regions"] for c in plan["cells"]):
                    results, _ = run_notebook(ROOT, plan, args.test_timeout, deadline)
                    exercises.update(results)
    except Stopped as err:
        print(f"grade: {err}", file=sys.stderr)
        return 130
    rows, details, done = [], [], not problem
    outside = changed_outside(ROOT)
    for ch in chapters:
        row, lines, ok = chapter_report(ch, tree, outcomes, exercises, args.unit, outside)
        rows.append(row)
        done = done and ok
        if lines:
            details += [f"{ch}{': ' + row[5] if row[5] else ''}"] + lines
    print("\n".join(format_table(rows)))
    if tree.syntax:
        print("\nsyntax errors (the package cannot be imported until they are fixed):")
        print("\n".join(f"  {s}" for s in tree.syntax))
    if problem:
        print(f"\ngrade: {problem}")
    for p in tree.problems:
        print(f"grade: {p}")
    for path, why in sorted(outside.items()):
        print(f"grade: {path}: {why}")
    if details:
        print()
        print("\n".join(details))
    print()
    print("all chapters graded pass" if done else
          "not yet: write the blanks and make every test pass (pytest -m chNN runs one chapter)")
    return 0 if done else 1


if __name__ == "__main__":
    sys.exit(main())
