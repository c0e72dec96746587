"""Run one notebook exercise by exercise, for the grader (a process of its own).

    python course/grade_notebook.py PLAN.json REPORT.jsonl

``PLAN.json`` holds ``notebook`` (its path: the cells run in its folder), ``root`` (put first
on ``sys.path``), ``cell_timeout`` (seconds), ``forced`` ({id: message} of the exercises to
run as the reference from the start: they ended an earlier process) and ``cells``: for each
code cell, ``source`` (the code to grade), ``regions`` (the ids of the exercises in it),
``blank`` (those left blank) and ``has_fallback``: whether the grader has the reference's
code for the cell. That code is not in the plan: the runner asks for it (a ``need`` event)
only once the outcome of the cell's exercises is in the report, and reads it as one JSON
line (``cell``, ``source``) from its standard input, so that the student's code never runs
in a process that holds the reference of an exercise not graded yet. The report gets one
JSON object per line: ``start`` (a cell begins, or again with the reference's code),
``exercise`` (``id``, ``outcome``: passed, failed, blank or blocked, and ``message``; once
when it is known, and all again at the end), ``need``, ``cell_failed`` (a cell without
exercises failed), ``finish``.

Exercises are graded one by one. When an exercise's cell fails, the exercise fails with the
first line of its error; with a ``fallback``, the cell then runs again from the state before
it with the reference's code, so that the next exercises start from the right values. When a
cell without an exercise fails, the latest exercise before it that passed is blamed ("its
results fail cell k"); with fallbacks the notebook then starts again with that exercise
replaced by the reference. Without fallbacks (a student grading their own tree) the notebook
goes on, and a later failure that follows from an earlier one says "blocked by" it.
"""
import copy
import io
import json
import os
import re
import signal
import sys
import tokenize
import traceback

BLANK = re.compile(r"^(ch0[1-8]) ([A-Za-z_]\w*):")
MAGIC = re.compile(r"^(\s*)([%!].*)$")


class CellTimeout(BaseException):
    """A cell ran past its time limit."""


class CellFailed(Exception):
    def __init__(self, message, error):
        super().__init__(message)
        self.error = error


def _alarm(signum, frame):
    signal.setitimer(signal.ITIMER_REAL, 1.0)
    where = ""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<cell "):
            where = f" at line {frame.f_lineno}"
            break
        frame = frame.f_back
    raise CellTimeout(f"stopped after {PLAN['cell_timeout']:g} s (the time limit of one cell)"
                      f"{where}")


PLAN = {}


def _message(err, filename, source):
    """``AssertionError at line 5 (assert err < 1e-14): ...``: the error, and the line of the
    cell it came from."""
    lines = source.splitlines()
    where = ""
    if isinstance(err, SyntaxError) and err.filename == filename:
        where = f" at line {err.lineno}"
        text = f"{err.msg}"
    else:
        text = str(err).strip().splitlines()[0] if str(err).strip() else ""
        for frame in reversed(traceback.extract_tb(err.__traceback__)):
            if frame.filename == filename and frame.lineno and frame.lineno <= len(lines):
                where = f" at line {frame.lineno} ({lines[frame.lineno - 1].strip()[:90]})"
                break
    if isinstance(err, CellTimeout):
        return str(err)
    return f"{type(err).__name__}{where}: {text}" if text else f"{type(err).__name__}{where}"


def _open_at(text):
    """Whether the code ``text`` ends inside a bracket, a string or a continued line (the
    next line then continues its statement)."""
    if text.rstrip("\n").endswith("\\"):
        return True
    try:
        for _ in tokenize.generate_tokens(io.StringIO(text).readline):
            pass
    except tokenize.TokenError:
        return True                        # EOF in a multi-line statement or string
    except (SyntaxError, ValueError):
        return False
    return False


def _without_magics(source):
    """IPython's ``%`` and ``!`` lines become ``pass`` (the line kept as a comment): they
    mean nothing outside Jupyter. Valid Python is left as it is; otherwise only a line that
    starts a statement is a magic, never one that continues a bracket, a string or a line
    (``    % 7``, ``    != 0`` of a wrapped expression)."""
    try:
        compile(source, "<cell>", "exec")
        return source
    except (SyntaxError, ValueError):
        pass
    lines = source.splitlines(keepends=True)
    out = []
    for line in lines:
        m = MAGIC.match(line.rstrip("\r\n"))
        if m and not _open_at("".join(out)):
            end = line[len(line.rstrip("\r\n")):]
            line = f"{m.group(1)}pass  # {m.group(2)}{end}"
        out.append(line)
    return "".join(out)


def run_cell(k, source, namespace):
    """Execute one cell; raise CellFailed with its message."""
    import matplotlib.pyplot as plt
    filename = f"<cell {k}>"
    limit = PLAN.get("cell_timeout")
    if limit and hasattr(signal, "setitimer"):
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        exec(compile(_without_magics(source), filename, "exec"), namespace)
    except KeyboardInterrupt:
        raise
    except BaseException as err:          # SystemExit too: a cell may not end the grading
        raise CellFailed(_message(err, filename, source), err) from None
    finally:
        if limit and hasattr(signal, "setitimer"):
            signal.setitimer(signal.ITIMER_REAL, 0)
        plt.close("all")


def _snapshot(namespace):
    """A copy of the namespace that a failed cell cannot have changed (values that cannot be
    copied are shared)."""
    out = {}
    for name, value in namespace.items():
        try:
            out[name] = copy.deepcopy(value)
        except Exception:
            out[name] = value
    return out


_FEED = [None]          # the grader's channel: the standard input, kept away from the cells
_FALLBACKS = {}


def fallback(k, cell, emit):
    """The reference's code of cell ``k``: from the plan (an older grader), or asked of the
    grader once the outcomes of the cell's exercises are in the report."""
    if cell.get("fallback") is not None:
        return cell["fallback"]
    if k in _FALLBACKS:
        return _FALLBACKS[k]
    if _FEED[0] is None:
        raise CellFailed(f"the grader gave no reference code for code cell {k}", None)
    emit(event="need", cell=k)
    while True:
        line = _FEED[0].readline()
        if not line:
            raise CellFailed(f"the grader gave no reference code for code cell {k}", None)
        try:
            answer = json.loads(line)
        except ValueError:
            continue
        if isinstance(answer, dict) and isinstance(answer.get("source"), str):
            _FALLBACKS[answer.get("cell")] = answer["source"]
            if answer.get("cell") == k:
                return answer["source"]


def _has_fallback(cell):
    return cell.get("fallback") is not None or bool(cell.get("has_fallback"))


def run_once(cells, forced, emit):
    """One pass over the notebook, the exercises in ``forced`` replaced by the reference.

    Returns ({id: (outcome, message)}, None) after the last cell, or (results so far,
    (k, message, id of the latest exercise that passed)) when a cell without an exercise
    fails in a notebook that has fallbacks."""
    graded = any(_has_fallback(c) for c in cells)
    namespace = {"__name__": "__main__"}
    results, passed, failed = {}, [], []
    for k, cell in enumerate(cells, 1):
        regions = cell.get("regions", [])
        replaced = any(r in forced for r in regions)
        if replaced:
            try:
                source = fallback(k, cell, emit)
            except CellFailed as fail:
                return results, (k, str(fail), None)
        else:
            source = cell["source"]
        emit(event="start", cell=k)
        before = _snapshot(namespace) if regions and not replaced and \
            _has_fallback(cell) else None
        try:
            run_cell(k, source, namespace)
            for r in regions:
                if r not in forced:
                    results[r] = ("passed", "")
                    passed.append(r)
                    emit(event="exercise", id=r, outcome="passed", message="")
        except CellFailed as fail:
            if regions and not replaced:
                for r in regions:
                    results[r] = _judge(r, cell, fail, failed)
                    failed.append(r)
                    emit(event="exercise", id=r, outcome=results[r][0], message=results[r][1])
                if before is not None:
                    namespace.clear()
                    namespace.update(before)
                    try:
                        source = fallback(k, cell, emit)
                        emit(event="start", cell=k, rerun=True)  # the cell's time starts again
                        run_cell(k, source, namespace)
                    except CellFailed as again:
                        return results, (k, f"the reference's own code fails too: {again}", None)
                continue
            if graded:
                return results, (k, str(fail), passed[-1] if passed else None)
            emit(event="cell_failed", cell=k, message=str(fail))
    return results, None


def _judge(region, cell, fail, failed_before):
    """(outcome, message) of an exercise whose cell failed: blank, blocked by an earlier
    exercise that failed (a name it should have defined is missing), or failed."""
    err = fail.error
    if isinstance(err, NotImplementedError):
        m = BLANK.match(str(err))
        if (m and m.group(2) == region) or region in cell.get("blank", []):
            return "blank", "not written yet"
        if m and failed_before:
            return "blocked", f"blocked by {m.group(1)} {m.group(2)}"
    if isinstance(err, NameError) and failed_before:
        return "blocked", f"blocked by {failed_before[-1]} ({fail})"
    return "failed", str(fail)


def grade(cells, emit, forced=None):
    """{id: (outcome, message)} of every exercise.

    With fallbacks, a cell without an exercise that fails blames the latest exercise that
    passed before it: the notebook starts again with that exercise's reference code. If the
    cell still fails, the exercise was not the cause (the chapter's package code may be): its
    pass stands and the exercises from that cell on are not reached."""
    forced, blamed = dict(forced or {}), None
    while True:
        results, failure = run_once(cells, set(forced), emit)
        if failure is None:
            break
        k, message, candidate = failure
        if blamed is not None and blamed[1] == k:
            del forced[blamed[0]]                 # not the cause: its pass stands
            results, failure = run_once(cells, set(forced), emit)
            candidate = None
            if failure is None:
                break
            k, message, _ = failure
        if candidate is not None and candidate not in forced:
            forced[candidate] = f"its results make code cell {k} fail later: {message}"
            blamed = (candidate, k)
            continue
        for j, cell in enumerate(cells, 1):
            for r in cell.get("regions", []):
                if j >= k and r not in results:
                    results[r] = ("failed", f"not reached: code cell {k} fails: {message}")
        break
    results.update({r: ("failed", m) for r, m in forced.items()})
    return results


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    plan_path, report_path = args
    with open(plan_path, encoding="utf-8") as fh:
        PLAN.update(json.load(fh))
    report = open(report_path, "a", encoding="utf-8")

    def emit(**event):
        report.write(json.dumps(event) + "\n")
        report.flush()

    try:                    # the grader's channel, out of the cells' way: they read nothing
        _FEED[0] = os.fdopen(os.dup(0), "r", encoding="utf-8")
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
    except OSError:
        _FEED[0] = None
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib
    matplotlib.use("Agg")
    sys.path.insert(0, PLAN["root"])
    os.chdir(os.path.dirname(os.path.abspath(PLAN["notebook"])))
    cells = PLAN["cells"]
    final = grade(cells, emit, PLAN.get("forced"))
    for cell in cells:
        for r in cell.get("regions", []):
            outcome, message = final.get(r, ("failed", "not reached"))
            emit(event="exercise", id=r, outcome=outcome, message=message)
    emit(event="finish")
    report.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
