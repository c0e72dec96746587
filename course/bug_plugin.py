"""Run variants of the package blanks against their chapters' unit tests, in one pytest
process (``pytest -p bug_plugin``): the proof that the grader catches typical bugs.

Its settings come from the JSON file named by ``MINREGION_BUGS`` (removed from the
environment at once): ``report`` (where to write the results) and ``variants``, each with
``key``, ``chapter``, ``module`` (``minregion.layers``), ``function`` (its qualified name),
``filename``, ``source`` (the whole module with the region written the variant's way),
``kind`` (``blank``, ``bug`` or ``rewrite``) and ``names`` (the function's name and the
region's id).

A variant runs as the student's code would: the module source with the region replaced is
compiled, and the function's code object is swapped into the imported function (every
reference to the function, in the package and in the tests, then runs the variant). Each
test of a variant's chapter runs once per variant, the tests that name its function
first; a blank or a bug stops at its first failure, a rewrite runs only the tests
whose source calls the function by name, every one of them. The report maps each key to
``failed`` (bool), ``first`` (the first failing test and the first line of its message) and
``passed`` (the number of tests passed).
"""
import importlib
import inspect
import json
import os
import re

import pytest

ENV = "MINREGION_BUGS"
CHAPTER = re.compile(r"ch0[1-8]")
FIXTURE = "minregion_variant"


class _State:
    variants = []
    by_key = {}
    codes = {}
    results = {}
    item_keys = {}
    report = None


S = _State()


def _find_code(code, qualname):
    """The code object of ``qualname`` (``Adam.step``) inside a module's code object."""
    parts = qualname.split(".")
    for const in code.co_consts:
        if hasattr(const, "co_code") and const.co_name == parts[0]:
            return const if len(parts) == 1 else _find_code(const, ".".join(parts[1:]))
    return None


def pytest_configure(config):
    path = os.environ.pop(ENV, None)
    if not path:
        return
    with open(path, encoding="utf-8") as fh:
        settings = json.load(fh)
    S.report = settings["report"]
    S.variants = settings["variants"]
    S.by_key = {v["key"]: v for v in S.variants}
    for v in S.variants:
        code = _find_code(compile(v["source"], v["filename"], "exec", dont_inherit=True),
                          v["function"])
        if code is None:
            raise pytest.UsageError(f"{v['key']}: no function {v['function']} in the variant")
        S.codes[v["key"]] = code
        S.results[v["key"]] = {"failed": False, "first": "", "passed": 0}


def _chapters(definition):
    return {m.name for m in definition.iter_markers() if CHAPTER.fullmatch(m.name)}


_SOURCES = {}


def _calls(function, names):
    """Whether a test's source names one of ``names`` (a call of the function, mostly)."""
    if function not in _SOURCES:
        try:
            _SOURCES[function] = inspect.getsource(function)
        except (OSError, TypeError):
            _SOURCES[function] = ""
    return any(re.search(rf"\b{re.escape(n)}\b", _SOURCES[function]) for n in names)


def pytest_generate_tests(metafunc):
    if not S.variants or FIXTURE not in metafunc.fixturenames:
        return
    chapters = _chapters(metafunc.definition)
    keys = [v["key"] for v in S.variants if v["chapter"] in chapters and
            (v["kind"] != "rewrite" or _calls(metafunc.function, v["names"][:1]))]
    if keys:
        metafunc.parametrize(FIXTURE, keys, indirect=True,
                             ids=[f"v{S.variants.index(S.by_key[k])}" for k in keys])


def _key(item):
    callspec = getattr(item, "callspec", None)
    return callspec.params.get(FIXTURE) if callspec is not None else None


def pytest_collection_modifyitems(session, config, items):
    if not S.variants:
        return
    order = {v["key"]: k for k, v in enumerate(S.variants)}
    kept = [it for it in items if _key(it) is not None]
    gone = [it for it in items if _key(it) is None]
    if gone:
        config.hook.pytest_deselected(items=gone)
    kept.sort(key=lambda it: (order[_key(it)],
                              not _calls(it.function, S.by_key[_key(it)]["names"][:1])))
    items[:] = kept
    S.item_keys = {it.nodeid: _key(it) for it in kept}


@pytest.fixture(autouse=True)
def minregion_variant(request):
    key = getattr(request, "param", None)
    if key is None:
        yield None
        return
    v = S.by_key[key]
    if v["kind"] != "rewrite" and S.results[key]["failed"]:
        pytest.skip("this variant has already failed a test")
    module = importlib.import_module(v["module"])
    target = module
    for part in v["function"].split("."):
        target = getattr(target, part)
    kept = target.__code__
    target.__code__ = S.codes[key]
    try:
        yield key
    finally:
        target.__code__ = kept


def _first_line(report):
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else "(no message)"


def pytest_runtest_logreport(report):
    key = S.item_keys.get(report.nodeid)
    if key is None:
        return
    result = S.results[key]
    if report.failed and not result["failed"]:
        result["failed"] = True
        result["first"] = f"{report.nodeid.split('[')[0]}: {_first_line(report)}"
    elif report.when == "call" and report.passed:
        result["passed"] += 1


def pytest_sessionfinish(session, exitstatus):
    if S.report:
        with open(S.report, "w", encoding="utf-8") as fh:
            json.dump(S.results, fh, indent=1)


# --- for the test that runs this plugin ------------------------------------------------------

def variants(regions, root, ids=None):
    """The settings' variants for the package regions (``ids``, or all): for each, its
    blank, its bugs (``course/typical_bugs.py``) and its rewrites."""
    import make_student as ms
    import typical_bugs as tb
    out = []
    for r in regions:
        if r.cell is not None or (ids is not None and r.id not in ids):
            continue
        lines = ms.read_lines(os.path.join(root, r.path))
        mine = [x for x in regions if x.path == r.path]
        kinds = [("blank", "blank", r.blank_lines())]
        for kind, table in (("bug", tb.BUGS), ("rewrite", tb.REWRITES)):
            kinds += [(kind, name, tb.variant_lines(r.body(lines), v, r.indent))
                      for name, v in table.get(r.id, {}).items()]
        for kind, name, code in kinds:
            out.append({"key": f"{r.id} | {kind} | {name}", "chapter": r.chapter,
                        "module": r.path[:-3].replace("/", "."), "function": r.function,
                        "filename": os.path.join(root, r.path), "kind": kind,
                        "names": [r.function.split(".")[-1], r.id],
                        "source": "".join(ms.render(lines, mine, replace={r.id: code}))})
    return out
