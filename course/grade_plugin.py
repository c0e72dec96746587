"""The grader's pytest plugin (``pytest -p grade_plugin``): outcomes, time limits, messages.

``course/grade.py`` and ``course/grade_class.py`` load it into the pytest process they start.
It takes its settings from two environment variables and removes them at once, so that the
code under test does not see them:

``MINREGION_GRADE_REPORT``
    a file to which it appends one JSON object per line: ``collected`` (every test with its
    chapters), ``start`` (a test begins), ``outcome`` (a test ended: passed, failed or
    skipped, the first line of its failure, the student's region deepest in its traceback),
    ``finish`` (with ``restart``: true when the run stopped early at a time limit, for the
    grader to run the remaining tests in a fresh process);
``MINREGION_GRADE_SETTINGS``
    a JSON file: ``timeout`` (seconds per test), ``regions`` (``id``, ``chapter``, ``path``,
    ``function`` and optionally ``lines``: the region's first and last line in the file and
    the line where the student's copy begins), ``deselect`` (test ids not to run), ``first``
    (names: the tests whose name or source holds one run first) and ``exitfirst``.

The plugin also writes ``tampered`` (``what`` changed, ``nodeid`` of the test in which it
was seen): before any of the student's code runs it takes note of the functions the grading
relies on (pytest's run and report machinery, NumPy's testing functions, the tests' own
functions and helpers, this plugin's own), and after each test it checks that each is still
the same object with the same code. Once one has changed, that test and every later one
count as failed ("not credited"), whatever they report.

A test that runs longer than ``timeout`` is stopped (SIGALRM, where the platform has it) with
a message that says where it was; the process then ends its run (what the stopped code left
behind, a thread or a half-changed module, must not reach the next test) and the grader runs
the remaining tests in a fresh one. A NumPy error (or any error but an assertion) raised
inside a student's function becomes a message that names the function, the line and the
shapes of its arrays.
"""
import inspect
import json
import os
import re
import signal
import time

import pytest

REPORT_ENV, SETTINGS_ENV = "MINREGION_GRADE_REPORT", "MINREGION_GRADE_SETTINGS"
CHAPTER = re.compile(r"ch0[1-8]")
BLANK = re.compile(r"NotImplementedError: (ch0[1-8]) ([A-Za-z_]\w*):")


class TestTimeout(BaseException):
    """Raised in a test that ran past its time limit (a BaseException, so that a student's
    ``except Exception`` does not swallow it)."""


class _State:
    report = None
    settings = {}
    regions = []
    outcomes = {}
    restart = False         # a test ran past its limit: the grader goes on in a new process
    started = 0.0
    current = None


S = _State()


def _emit(**event):
    if S.report is not None:
        S.report.write(json.dumps(event) + "\n")
        S.report.flush()


# --- the functions the grading relies on -------------------------------------------------

_WATCHED = [                  # (module, attribute path); a name this pytest lacks is skipped
    ("_pytest.python", "Function.runtest"), ("_pytest.python", "Function.setup"),
    ("_pytest.python", "Function._getobj"), ("_pytest.python", "pytest_pyfunc_call"),
    ("_pytest.runner", "runtestprotocol"), ("_pytest.runner", "call_and_report"),
    ("_pytest.runner", "call_runtest_hook"), ("_pytest.runner", "CallInfo.from_call"),
    ("_pytest.runner", "pytest_runtest_call"), ("_pytest.runner", "pytest_runtest_protocol"),
    ("_pytest.runner", "pytest_runtest_makereport"),
    ("_pytest.runner", "check_interactive_exception"),
    ("_pytest.reports", "TestReport.from_item_and_call"),
    ("_pytest.reports", "TestReport.__init__"),
    ("_pytest.reports", "BaseReport.passed"), ("_pytest.reports", "BaseReport.failed"),
    ("_pytest.main", "pytest_runtestloop"),
    ("_pytest.terminal", "TerminalReporter.pytest_runtest_logreport"),
    ("pluggy._callers", "_multicall"), ("pluggy._hooks", "HookCaller.__call__"),
    ("pluggy._hooks", "_HookCaller.__call__"), ("pluggy._manager", "PluginManager._hookexec"),
    ("numpy", "allclose"), ("numpy", "isclose"), ("numpy", "array_equal"),
    ("numpy", "testing"), ("numpy.testing._private.utils", "assert_array_compare"),
    ("json", "dumps"), ("json.encoder", "JSONEncoder.encode"),
]


def _resolve(module, path):
    import importlib
    try:
        obj = importlib.import_module(module)
        for part in path.split("."):
            obj = inspect.getattr_static(obj, part) if isinstance(obj, type) else \
                getattr(obj, part)
    except (ImportError, AttributeError):
        return _MISSING
    return obj


_MISSING = object()


def _identity(obj):
    """What must stay the same of a watched object: itself, and its code if it has one."""
    if isinstance(obj, property):
        return (obj, getattr(obj.fget, "__code__", None))
    code = getattr(getattr(obj, "__func__", obj), "__code__", None)
    return (obj, code)


def _watch_list():
    """{label: (getter, identity now)} of the functions the grading relies on."""
    out = {}
    for module, path in _WATCHED:
        if _resolve(module, path) is not _MISSING:
            out[f"{module}.{path}"] = (lambda m=module, p=path: _resolve(m, p))
    try:
        import numpy.testing as npt
        for name in sorted(dir(npt)):
            if name.startswith("assert_"):
                out[f"numpy.testing.{name}"] = (lambda n=name: getattr(
                    __import__("numpy.testing", fromlist=["x"]), n, _MISSING))
    except ImportError:
        pass
    mine = globals()
    for name, value in list(mine.items()):
        if inspect.isfunction(value) and value.__module__ == __name__:
            out[f"grade_plugin.{name}"] = (lambda n=name: mine.get(n, _MISSING))
    out["grade_plugin.S"] = (lambda: mine.get("S", _MISSING))
    return out


class _Watch:
    getters = {}
    seen = {}
    tampered = ""


W = _Watch()


def _take_note(extra=None):
    """Note the identity of every watched function (and of ``extra``: {label: getter})."""
    if not W.getters:
        W.getters = _watch_list()
    W.getters.update(extra or {})
    for label, get in W.getters.items():
        W.seen.setdefault(label, _identity(get()))


def _changed():
    """The label of the first watched function that is not what it was, or ""."""
    for label, get in W.getters.items():
        try:
            now = _identity(get())
        except Exception:                   # noqa: BLE001 (a getter broken on purpose)
            return label
        old = W.seen.get(label)
        if old is not None and (now[0] is not old[0] or now[1] is not old[1]):
            return label
    return ""


def _tests_functions(session):
    """{label: getter} of every function of the test modules and their helpers (the modules
    loaded from the tests' folder), and of every test collected."""
    out = {}
    folder = os.path.join(str(session.config.rootpath), "tests") + os.sep
    import sys
    for mod_name, module in list(sys.modules.items()):
        filename = getattr(module, "__file__", None) or ""
        if not os.path.abspath(filename).startswith(folder):
            continue
        for name, value in list(vars(module).items()):
            if inspect.isfunction(value):
                out[f"{mod_name}.{name}"] = (lambda m=module, n=name: vars(m).get(n, _MISSING))
    for item in session.items:
        function = getattr(item, "function", None)
        if function is not None:
            out[f"test {item.nodeid}"] = (lambda it=item: getattr(it, "function", _MISSING))
    return out


def _check(nodeid):
    """After a test: once a watched function has changed, say so (once) and return why
    its results are not credited."""
    if not W.tampered:
        what = _changed()
        if what:
            W.tampered = what
            _emit(event="tampered", what=what, nodeid=nodeid)
    if W.tampered:
        return (f"not credited: the grading was tampered with ({W.tampered} was changed, "
                "seen after this test or before it)")
    return ""


def pytest_configure(config):
    path = os.environ.pop(REPORT_ENV, None)
    settings = os.environ.pop(SETTINGS_ENV, None)
    if settings:
        with open(settings, encoding="utf-8") as fh:
            S.settings = json.load(fh)
    S.regions = S.settings.get("regions", [])
    if path:
        S.report = open(path, "a", encoding="utf-8")
    config.pluginmanager.register(_Limits(), "grade_plugin_limits")


def _chapters(item):
    return sorted({m.name for m in item.iter_markers() if CHAPTER.fullmatch(m.name)})


def pytest_collection_modifyitems(session, config, items):
    drop = set(S.settings.get("deselect", []))
    if drop:
        gone = [it for it in items if it.nodeid in drop]
        items[:] = [it for it in items if it.nodeid not in drop]
        config.hook.pytest_deselected(items=gone)
    first = [n for n in S.settings.get("first", []) if n]
    if first:
        items.sort(key=lambda it: not _names(it, first))


def _names(item, names):
    """Whether a test's name or source names one of ``names``."""
    try:
        source = inspect.getsource(item.function)
    except (OSError, TypeError, AttributeError):
        source = ""
    text = item.name + "\n" + source
    return any(re.search(rf"\b{re.escape(n)}\b", text) for n in names)


def pytest_collection_finish(session):
    _take_note(_tests_functions(session))
    _emit(event="collected", tests=[{"nodeid": it.nodeid, "chapters": _chapters(it)}
                                    for it in session.items])


# --- time limits -----------------------------------------------------------------------

def _where(frame):
    """`dense_backward (minregion/layers.py line 61)`: the innermost frame in a student's
    region, else in the package, else the innermost frame."""
    frames = []
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    for wanted in (_region_of, lambda f: "minregion" in f.f_code.co_filename.replace("\\", "/")):
        for f in frames:
            hit = wanted(f)
            if hit:
                return f"{f.f_code.co_name} ({_short(f.f_code.co_filename)} line {_line(f)})"
    f = frames[0]
    return f"{f.f_code.co_name} ({_short(f.f_code.co_filename)} line {f.f_lineno})"


def _short(filename):
    filename = filename.replace("\\", "/")
    for top in ("minregion/", "tests/", "tutorials/"):
        if "/" + top in filename:
            return top + filename.split("/" + top, 1)[1]
    return os.path.basename(filename)


def _region_of(frame):
    """The region (settings entry) whose function this frame runs, or None."""
    name = frame.f_code.co_name
    filename = frame.f_code.co_filename.replace("\\", "/")
    for r in S.regions:
        if r["function"].split(".")[-1] == name and filename.endswith("/" + r["path"]):
            return r
    return None


def _line(frame, lineno=None):
    """The line of a frame, as the student counts it when the region says where its copy
    begins."""
    lineno = frame.f_lineno if lineno is None else lineno
    r = _region_of(frame)
    if r and r.get("lines"):
        lo, hi, theirs = r["lines"]
        if lo <= lineno <= hi:
            return theirs + lineno - lo
    return lineno


def _alarm(signum, frame):
    signal.setitimer(signal.ITIMER_REAL, 1.0)      # again, should the code swallow this one
    raise TestTimeout(f"stopped after {S.settings['timeout']:g} s (the time limit of one "
                      f"test) in {_where(frame)}")


def _arm():
    limit = S.settings.get("timeout")
    if limit and hasattr(signal, "setitimer"):
        left = max(0.01, limit - (time.monotonic() - S.started))
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, left)


def _disarm():
    if S.settings.get("timeout") and hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, 0)


def pytest_runtest_logstart(nodeid, location):
    S.started = time.monotonic()
    S.current = nodeid
    _emit(event="start", nodeid=nodeid, time=time.time())


def _limited():
    _arm()
    try:
        yield
    finally:
        _disarm()


class _Limits:
    """The time limit around each phase of a test."""

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_setup(self, item):
        yield from _limited()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        yield from _limited()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item):
        yield from _limited()


# --- messages ----------------------------------------------------------------------------

def _shapes(frame, line):
    """`dout (2, 4, 5), x (2, 3, 5)`: the arrays among a frame's locals, those named on the
    failing line first."""
    arrays = [(name, value) for name, value in frame.f_locals.items()
              if hasattr(value, "shape") and hasattr(value, "dtype")]
    arrays.sort(key=lambda nv: (not re.search(rf"\b{re.escape(nv[0])}\b", line), nv[0]))
    return ", ".join(f"{name} {tuple(value.shape)}" for name, value in arrays[:8])


def _student_message(excinfo):
    """(message, [id of the region deepest in the traceback] or []). Only the deepest is
    blamed: a correct function that calls a broken one is not at fault."""
    touched, deepest = [], None
    for entry in excinfo.traceback:
        r = _region_of(entry.frame.raw if hasattr(entry.frame, "raw") else entry.frame)
        if r is not None:
            touched = [r["id"]]
            deepest = (r, entry)
    err = excinfo.value
    if deepest is None or isinstance(err, (AssertionError, TestTimeout)) or \
            (isinstance(err, NotImplementedError) and BLANK.search(f"NotImplementedError: {err}")):
        return None, touched
    r, entry = deepest
    frame = entry.frame.raw if hasattr(entry.frame, "raw") else entry.frame
    lineno = entry.lineno + 1
    try:
        text = entry.statement.lines[0].strip() if len(entry.statement.lines) == 1 \
            else str(entry.statement).strip().splitlines()[0]
    except Exception:           # the source may be gone: say the rest all the same
        text = ""
    shapes = _shapes(frame, text)
    first = str(err).strip().splitlines()[0] if str(err).strip() else ""
    return (f"{r['function']} ({r['path']} line {_line(frame, lineno)}"
            f"{': ' + text if text else ''}): {type(err).__name__}: {first}"
            f"{'; the arrays there: ' + shapes if shapes else ''}"), touched


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is not None and report.failed:
        message, touched = _student_message(call.excinfo)
        entry = S.outcomes.setdefault(item.nodeid, {})
        entry.setdefault("touched", sorted(set(touched)))
        if message:
            entry.setdefault("message", message)
        if call.excinfo.errisinstance(TestTimeout):
            entry["timeout"] = True
            entry.setdefault("message", str(call.excinfo.value))
            S.restart = True
            item.session.shouldstop = "a test ran past its time limit"
        if S.settings.get("exitfirst"):
            item.session.shouldstop = "stopped at the first failure"


def _first_line(report):
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if crash is None:          # a collection error: the last "E   ..." line says why
        errs = [line[1:].strip() for line in lines if line.startswith("E ")]
        lines = errs[-1:] or lines[-1:]
    if len(lines) > 1 and lines[0].endswith(":") and not lines[1].startswith("---"):
        return f"{lines[0]} {lines[1]}"
    return lines[0] if lines else "(no message)"


def pytest_runtest_logreport(report):
    entry = S.outcomes.setdefault(report.nodeid, {})
    entry.setdefault("outcome", "passed")
    if report.failed and entry["outcome"] != "failed":
        entry["outcome"] = "failed"
        entry.setdefault("message", _first_line(report))
    elif report.skipped and entry["outcome"] == "passed":
        entry["outcome"] = "skipped"
    if report.when == "teardown":
        void = _check(report.nodeid)
        if void:
            entry["outcome"], entry["message"] = "failed", void
        _emit(event="outcome", nodeid=report.nodeid, outcome=entry["outcome"],
              message=entry.get("message", ""), touched=entry.get("touched", []),
              timeout=entry.get("timeout", False))


def pytest_collectreport(report):
    if report.failed:
        path = report.nodeid or "(collection)"
        try:
            with open(path.split("::")[0], encoding="utf-8") as fh:
                chapters = sorted(set(CHAPTER.findall(fh.read())))
        except OSError:
            chapters = []
        _emit(event="outcome", nodeid=path, outcome="error", chapters=chapters,
              message="could not be collected: " + _first_line(report), touched=[])


def pytest_sessionfinish(session, exitstatus):
    _check(None)
    _emit(event="finish", exitstatus=int(exitstatus), restart=S.restart)
    if S.report is not None:
        S.report.close()
        S.report = None


_take_note()      # as the plugin is loaded: before pytest imports any of the student's code
