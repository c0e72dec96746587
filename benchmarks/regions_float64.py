"""The measurements of docs/regions_float64.md: the region counter against exact rational
counts (tests/exact_rational.py), and its time and memory.

    python benchmarks/regions_float64.py cases         # the cases that went wrong before (section 5)
    python benchmarks/regions_float64.py families      # every family of networks (section 5); minutes
    python benchmarks/regions_float64.py touches       # how deep touches and dips go (section 2)
    python benchmarks/regions_float64.py depth 20      # one depth-20 construction (section 6)
    python benchmarks/regions_float64.py depth 20 --chunk 4096    # ... in chunks of 2^12 cells
    python benchmarks/regions_float64.py depth 26 --budget 1000000   # ... a larger exact budget
    python benchmarks/regions_float64.py profile 20    # where that count's time goes, by the clock
    python benchmarks/regions_float64.py rows 20       # the rows a screen could not clear
    python benchmarks/regions_float64.py small         # milliseconds per count of small networks
    python benchmarks/regions_float64.py small --against DIR --rounds 5   # ... against another checkout
    python benchmarks/regions_float64.py exact         # float64 against exact arithmetic (section 7)
    python benchmarks/regions_float64.py exact --depths 1-8,12   # ... at the paper's depths
    python benchmarks/regions_float64.py fuzz 100      # 100 members of each family near 0 and 1 (section 5)
    python benchmarks/regions_float64.py fuzz 100 --far 10000   # ... on intervals further from 0
    /usr/bin/time -v python benchmarks/regions_float64.py depth 24    # ... with its peak memory
    python benchmarks/regions_float64.py depth 20 --against DIR --rounds 5
        # this checkout against another one (``git worktree add DIR REV``), alternating

``--old FILE`` also runs an earlier counter for comparison, e.g. the one before the exact
recounts: ``git show 2ad6beb:minregion/regions.py > /tmp/regions_old.py``. ``--against DIR``
times the depth-d count of this checkout and of the one in DIR in turn, each in a fresh
process, and prints the best of ``--rounds`` of each and their ratio (the machine's load
changes both alike).

In the tables, "exact" is the count of the float-weight network with touches (the
convention of the counter), "ideal" the count of the construction with its weights computed
from the peaks in exact arithmetic; a count is "silently wrong" when it differs from the
exact one without a RegionResolutionWarning, or when the warned range misses it.
"""
import argparse
import importlib.util
import os
import subprocess
import sys
import time
import warnings

import numpy as np

ROOT = os.path.join(os.path.dirname(__file__), "..")
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

import minregion.regions as NEW  # noqa: E402
from minregion.construction import triangle_network  # noqa: E402
from exact_rational import exact_report, ideal_triangle_network  # noqa: E402


def load_old(path):
    """An earlier regions.py, loaded as ``minregion.regions_old`` (its relative imports work)."""
    spec = importlib.util.spec_from_file_location("minregion.regions_old", path)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "minregion"
    spec.loader.exec_module(module)
    return module


def run(counter, layers, lo=0.0, hi=1.0):
    """(report, warned, seconds) of one count, the warning caught."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        report = counter.region_report(layers, lo, hi)
        seconds = time.perf_counter() - start
    return report, any(issubclass(w.category, counter.RegionResolutionWarning)
                       for w in caught), seconds


def judge(report, warned, exact):
    """'ok' (the exact count, no warning), 'warned, in range', or what is wrong."""
    if exact is None:
        return "not checked" if not warned else "warned"
    if not warned:
        return "ok" if report.pieces == exact else "SILENTLY WRONG"
    if not hasattr(report, "pieces_low"):          # an earlier counter: no range
        return "warned" if report.pieces != exact else "warned, exact"
    low, high = report.pieces_low, report.pieces_high
    return "warned, in range" if low <= exact <= high else "warned, RANGE MISSES IT"


def show(label, layers, lo=0.0, hi=1.0, ideal=None, check=True, old=None):
    r, warned, t = run(NEW, layers, lo, hi)
    exact = exact_report(layers, lo, hi).pieces if check else None
    line = (f"{label:34s} new {r.pieces:>8d}" +
            (f" warns [{r.pieces_low}, {r.pieces_high}]" if warned else "") +
            f" ({judge(r, warned, exact)}, {t:.2f} s)")
    if old is not None:
        o, o_warned, o_t = run(old, layers, lo, hi)
        line += f" | old {o.pieces}{' warns' if o_warned else ''} ({judge(o, o_warned, exact)})"
    print(line + f" | exact {exact} | ideal {ideal}", flush=True)
    return r, warned, exact


def cases(old=None):
    """The cases where a width threshold went wrong, and the peaks at the edges of (0, 1)."""
    for label, a in [("peaks 1 - 1e-3, depth 5", [1 - 1e-3] * 6),
                     ("peaks 1 - 1e-3, depth 6", [1 - 1e-3] * 7),
                     ("peaks 1 - 1e-3, depth 8", [1 - 1e-3] * 9),
                     ("peaks 1e-3, depth 5", [1e-3] * 6), ("peaks 1e-3, depth 6", [1e-3] * 7),
                     ("peaks 1e-3, depth 8", [1e-3] * 9), ("peaks [1e-300, .5, .5]", [1e-300, .5, .5]),
                     ("peaks [1 - 1e-16, .5, .5]", [1 - 1e-16, .5, .5]),
                     ("peaks [.5, 1 - 1e-16, .5]", [.5, 1 - 1e-16, .5]),
                     ("peaks [.5, .5, 1 - 1e-16]", [.5, .5, 1 - 1e-16])]:
        ideal = exact_report(ideal_triangle_network(a), touch=None).pieces
        show(label, triangle_network(a), ideal=ideal, old=old)
    for s in (1e6, 1e12, 1e14):
        a = [.3, .6, .5, .4]
        ideal = exact_report(ideal_triangle_network(a), -s, s, touch=None).pieces
        show(f"[.3, .6, .5, .4] on +-{s:g}", triangle_network(a), -s, s, ideal=ideal, old=old)


def tally(name, rows):
    """One line of the families table: cases, silently wrong, warnings (with the range)."""
    verdicts = [v for v, _ in rows]
    wrong = sum("WRONG" in v or "MISSES" in v for v in verdicts)
    print(f"== {name}: {len(rows)} cases, silently wrong {wrong}, warned {sum(w for _, w in rows)}"
          f" ({sum(v == 'warned, in range' for v in verdicts)} with the count in the range)",
          flush=True)


def families(old=None):
    """Every family of the table of section 5 (the prototype's measurements, rerun)."""
    rows = []
    for d in range(1, 21):                      # constructions, peaks U(0.05, 0.95)
        for seed in range(10 if d <= 12 else 4 if d <= 16 else 2):
            for sigma in (-1.0, 1.0):
                a = np.random.default_rng(1000 * d + seed).uniform(0.05, 0.95, d + 1)
                layers = triangle_network(a, sigma=sigma)
                r, warned, exact = show(f"d {d} seed {seed} sigma {sigma:+.0f}", layers,
                                        ideal=2 ** d, check=d <= 8, old=old)
                verdict = judge(r, warned, exact if exact is not None else 2 ** d)
                rows.append((verdict, warned))
    tally("constructions, peaks U(0.05, 0.95), depth 1-20 (exact counts to depth 8, 2^d above)", rows)
    rows = []
    for d in range(1, 21):                      # Yarotsky: every weight a power of two
        r, warned, exact = show(f"Yarotsky d {d}", triangle_network(np.full(d + 1, .5), s0=.25),
                                ideal=2 ** d, check=d <= 8, old=old)
        rows.append((judge(r, warned, exact if exact is not None else 2 ** d), warned))
    tally("Yarotsky, depth 1-20", rows)
    rows, rng = [], np.random.default_rng(7)
    for i in range(150):                        # random networks, small enough for Fractions
        widths = [1] + [int(rng.integers(2, 17)) for _ in range(int(rng.integers(1, 9)))] + [1]
        layers = []
        for fan_in, fan_out in zip(widths[:-1], widths[1:]):
            if i % 2 == 0:
                k = 1 / np.sqrt(fan_in)
                layers.append((rng.uniform(-k, k, (fan_out, fan_in)), rng.uniform(-k, k, fan_out)))
            else:
                layers.append((rng.normal(size=(fan_out, fan_in)), rng.normal(size=fan_out)))
        lo, hi = (-3.0, 3.0) if i % 3 else (0.0, 1.0)
        if NEW.region_report(layers, lo, hi).raw_activation_regions > 600:
            continue
        r, warned, exact = show(f"random {'kaiming' if i % 2 == 0 else 'normal'} {widths}", layers,
                                lo, hi, old=old)
        rows.append((judge(r, warned, exact), warned))
    tally("random Kaiming-uniform / normal, widths 2-16, depth 1-8, [0, 1] and [-3, 3]", rows)
    rows = []
    for lo, hi in ((1e6, 1e6 + 1), (-1e-6, 1e-6), (-1e14, 1e14)):
        for d in (3, 6, 9):
            a = np.random.default_rng(d).uniform(0.2, 0.8, d + 1)
            for label, layers in ((f"construction for [{lo:g}, {hi:g}], d {d}",
                                   triangle_network(a, lo=lo, hi=hi)),
                                  (f"[0, 1] construction on [{lo:g}, {hi:g}], d {d}",
                                   triangle_network(a))):
                r, warned, exact = show(label, layers, lo, hi, check=d <= 6, old=old)
                rows.append((judge(r, warned, exact), warned))
        rng = np.random.default_rng(11)
        for i in range(6):
            layers = [(rng.normal(size=(fo, fi)), rng.normal(size=fo))
                      for fi, fo in ((1, 8), (8, 8), (8, 1))]
            if hi - lo < 1:
                layers[0] = (layers[0][0] / (hi - lo), layers[0][1])
            r, warned, exact = show(f"normal 1-8-8-1 on [{lo:g}, {hi:g}] #{i}", layers, lo, hi,
                                    old=old)
            rows.append((judge(r, warned, exact), warned))
    tally("far and narrow intervals", rows)


def fuzz(n, seed=0, far=None):
    """``n`` members of each family of tests/families.py (peaks near 1, near 0, mixed),
    each counted on its own interval and on a very wide one, against exact counts."""
    import families
    far = families.FAR if far is None else far
    for kind in families.KINDS:
        rng, rows, seconds = np.random.default_rng(seed), [], 0.0
        for _ in range(n):
            what, layers, intervals = families.member(rng, kind, far)
            for lo, hi in intervals:
                r, warned, t = run(NEW, layers, lo, hi)
                exact = exact_report(layers, lo, hi)
                seconds += t
                verdict = judge(r, warned, exact.pieces)
                if not warned and r.activation_regions != exact.activation_regions:
                    verdict = "SILENTLY WRONG"
                if warned and not r.regions_low <= exact.activation_regions <= r.regions_high:
                    verdict = "warned, RANGE MISSES IT"
                if verdict not in ("ok", "warned, in range"):
                    print(f"  {verdict}: {what} on [{lo!r}, {hi!r}]: {r.pieces} pieces "
                          f"[{r.pieces_low}, {r.pieces_high}], exact {exact.pieces}", flush=True)
                rows.append((verdict, warned))
        tally(f"peaks {kind}, depth 2-7, intervals |lo| <= {far:g} (hi - lo) and wide "
              f"({seconds / len(rows) * 1e3:.0f} ms per count)", rows)


def touches():
    """Dips in exact arithmetic: how deep the rounding touches of the constructions go, and
    how shallow their genuine dips (60 constructions, peaks U(0.05, 0.95), depth 1-7)."""
    import exact_rational as er
    from fractions import Fraction
    depths = []

    def recording(new, n, row, bias, lo, hi, touch):     # er._count_touches_as_on, recorded
        i = 0
        while i < len(new):
            j = i
            while j + 1 < len(new) and new[j + 1].on[n] == new[i].on[n]:
                j += 1
            if not new[i].on[n] and not (i == 0 and j == len(new) - 1):
                d = [er._relative_depth(q, n, row, bias, q.left)
                     for q in new[i:j + 1] if q.kink_left or q.left == lo]
                if (j + 1 < len(new) and new[j + 1].kink_left) or new[j].right == hi:
                    d.append(er._relative_depth(new[j], n, row, bias, new[j].right))
                depths.append(max(d, default=Fraction(0)))
            i = j + 1

    er._count_touches_as_on = recording
    more, rng = 0, np.random.default_rng(5)
    for k in range(60):
        d = 1 + k % 7
        layers = triangle_network(rng.uniform(0.05, 0.95, d + 1), sigma=(-1.0, 1.0)[k % 2])
        er.exact_report(layers)                           # records the dips
        more += er.exact_report(layers, touch=None).activation_regions > 2 ** d
    u = 2.0 ** -53
    touch = [float(v) for v in depths if v <= er.TOUCH]
    genuine = [float(v) for v in depths if v > er.TOUCH]
    print(f"{more} of 60 constructions have more than 2^d activation regions (exact); "
          f"{len(touch)} dips are touches, the deepest {max(touch):.2g} of its terms "
          f"({max(touch) / u:.1f} u); {len(genuine)} genuine dips, the shallowest "
          f"{min(genuine):.2g} of its terms")


def depth(d, old=None, chunk=None, budget=None):
    """One count of a depth-d construction, peaks U(0.3, 0.7) drawn with seed d (with
    ``old``: by the earlier counter instead; ``chunk``: cells per chunk; ``budget``:
    cell-layers the exact recounts may redo, instead of ``EXACT_BUDGET``)."""
    layers = triangle_network(np.random.default_rng(d).uniform(0.3, 0.7, size=d + 1))
    if chunk is not None:
        NEW.CHUNK_CELLS = chunk
    if budget is not None:
        from minregion.float64 import recount
        recount.EXACT_BUDGET = budget
    r, warned, t = run(old or NEW, layers)
    print(f"depth {d}: {r.pieces} pieces (2^{d} = {2 ** d}), warning {warned}"
          + (f" (range [{r.pieces_low}, {r.pieces_high}], {r.unsettled} stretches unsettled)"
             if warned and hasattr(r, "pieces_low") else "")
          + f", {getattr(r, 'settled', 0)} stretches recounted exactly, {t:.2f} s")


TIME_ONE = """
import sys, time
import numpy as np
from minregion.construction import triangle_network
from minregion.regions import region_report
d = int(sys.argv[1])
layers = triangle_network(np.random.default_rng(d).uniform(0.3, 0.7, size=d + 1))
best = float("inf")
for _ in range(2):
    start = time.perf_counter()
    report = region_report(layers)
    best = min(best, time.perf_counter() - start)
print(best, report.pieces)
"""


def profile(d):
    """Where the time of the depth-d count (as :func:`depth`) goes, by the clock: each step
    wrapped in a timer (a microsecond a call, against milliseconds a step; cProfile would
    slow the Python-level work, the Fractions above all, far more than the NumPy work).
    The cut and the guard's steps in float64 are timed apart from the exact recounts, which
    run the same steps in Fractions. Best of 3 counts after one to warm up."""
    from minregion import float64 as F
    from minregion.float64 import marks as M
    spots = [(NEW, "split_at_zeros", "cut"), (F, "mark_layer", "marks"),
             (M, "measure_sizes", "sizes"), (M, "find_dips", "dips"),
             (M, "place_cells", "narrow"), (NEW, "regions_and_pieces", "grouping"),
             (NEW, "exact_window", "exact")]
    spent, inside = {}, []

    def timed(f, name):
        def wrapper(*args, **kwargs):
            key = name if name == "exact" or not inside else None
            if name == "exact":
                inside.append(1)
            start = time.perf_counter()
            try:
                return f(*args, **kwargs)
            finally:
                if key is not None:
                    spent[key] = spent.get(key, 0.0) + time.perf_counter() - start
                if name == "exact":
                    inside.pop()
        return wrapper

    originals = [(module, attr, getattr(module, attr)) for module, attr, _ in spots]
    for (module, attr, name), (_, _, f) in zip(spots, originals):
        setattr(module, attr, timed(f, name))
    layers = triangle_network(np.random.default_rng(d).uniform(0.3, 0.7, size=d + 1))
    try:
        run(NEW, layers)
        best = None
        for _ in range(3):
            spent.clear()
            total = run(NEW, layers)[2]
            if best is None or total < best[0]:
                best = (total, dict(spent))
    finally:
        for module, attr, f in originals:
            setattr(module, attr, f)
    total, spent = best
    marks_other = spent["marks"] - spent["sizes"] - spent["dips"] - spent["narrow"]
    rest = total - spent["cut"] - spent["marks"] - spent["exact"] - spent["grouping"]
    parts = [("the whole count", total),
             ("the cut in float64 (regions.split_at_zeros)", spent["cut"]),
             ("the guard's marks per layer in float64 (marks.mark_layer)", spent["marks"]),
             ("  step 1, sizes (sizes.measure_sizes)", spent["sizes"]),
             ("  step 2, dips (dips.find_dips)", spent["dips"]),
             ("  step 3, narrow cells (narrow.place_cells)", spent["narrow"]),
             ("  the rest of mark_layer", marks_other),
             ("the exact recounts, cut and guard in Fractions (regions.exact_window)",
              spent["exact"]),
             ("grouping and merging (regions.regions_and_pieces)", spent["grouping"]),
             ("the rest (patterns, chunks, slopes, the tally)", rest)]
    print(f"depth {d}, by the clock, best of 3 counts:")
    for label, t in parts:
        print(f"  {label:72s} {t:6.2f} s  {100 * t / total:5.1f} %")
    fan_ins = sorted({W.shape[1] for W, _ in layers})
    tall = [n for n in fan_ins if F.arithmetic.einsum_adds_in_lane_order(n)]
    print(f"  tall products summed neuron-major for fan-in {tall} of {fan_ins} "
          "(where einsum adds in that order on this machine; elsewhere einsum itself)")


def rows_to_detail(d):
    """What a cheap first pass could leave out of the guard's detailed work in the depth-d
    count (as :func:`depth`): of the rows of every float64 layer (the new cells' left ends,
    chunk by chunk), the share where some neuron is at or near zero, so that a screen
    against a bound must pass them on; and the guard's time per layer-chunk in passes over
    an array of that size (``a += 1.0`` in place, one read and one write: the cheapest
    pass). The bound is the best one a screen can take without the row's own terms: each
    neuron's largest terms over the chunk (its scale, for the noise)."""
    from minregion.float64 import marks as M
    seen, spent = [], [0.0, 0.0]
    find_dips, mark_layer, split_at_zeros = M.find_dips, M.mark_layer, NEW.split_at_zeros

    def screened(cut, ends, sizes, W, b, *args, **kwargs):
        if cut.slope.dtype != object:
            z = np.abs(np.asarray(ends.zl[:-1]))
            new = np.flatnonzero(cut.made_by[:-1] >= 0)
            z[new, cut.made_by[new]] = np.inf         # a new breakpoint's own neuron: 0
            bound = sizes.terms.max(axis=0)
            kinks = cut.first
            other = np.any(z <= 2.0 ** -36 * sizes.scale, axis=1)
            either = other.copy()
            either[new] = True
            seen.append((len(z), len(new), len(kinks), np.count_nonzero(other),
                         np.count_nonzero(np.any(z <= 2.0 ** -36 * sizes.scale.max(axis=0),
                                                 axis=1)),
                         np.count_nonzero(either),
                         np.count_nonzero(np.any(z[kinks] <= 2.0 ** -20 * sizes.terms[kinks],
                                                 axis=1)),
                         np.count_nonzero(np.any(z[kinks] <= 2.0 ** -20 * bound, axis=1))))
        return find_dips(cut, ends, sizes, W, b, *args, **kwargs)

    def timed(p, cut, *args, **kwargs):
        start = time.perf_counter()
        try:
            return mark_layer(p, cut, *args, **kwargs)
        finally:
            if cut.slope.dtype != object:
                spent[0] += time.perf_counter() - start

    def timed_cut(p, *args):
        start = time.perf_counter()
        try:
            return split_at_zeros(p, *args)
        finally:
            if p.slope.dtype != object:
                spent[1] += time.perf_counter() - start

    layers = triangle_network(np.random.default_rng(d).uniform(0.3, 0.7, size=d + 1))
    M.find_dips = screened
    try:
        run(NEW, layers)                                   # (to list the rows)
        M.find_dips, NEW.float64.mark_layer, NEW.split_at_zeros = find_dips, timed, timed_cut
        best = [float("inf")] * 2
        for _ in range(3):
            spent[:] = [0.0, 0.0]
            run(NEW, layers)
            best = [min(b, t) for b, t in zip(best, spent)]
    finally:
        M.find_dips, NEW.float64.mark_layer, NEW.split_at_zeros = find_dips, mark_layer, \
            split_at_zeros
    rows, new, kinks, other, other_bound, either, near, near_bound = np.sum(seen, axis=0)
    n = len(seen)
    share = lambda k, of: f"{100 * k / of:4.1f} %"
    print(f"depth {d}: {n} float64 layer-chunks, {rows} rows ({rows / n:.0f} a chunk)")
    for label, k, of, screen in (
            ("new breakpoints (their own neuron at zero: the error needs its terms)",
             new, rows, None),
            ("another neuron within 2^-36 of its scale (noise: the scale needed)",
             other, rows, other_bound),
            ("either", either, rows, None),
            ("kinks with a neuron within 2^-20 of its terms (read at the kink)",
             near, kinks, near_bound)):
        print(f"  {label:72s} {share(k, of)}" +
              (f" (a screen against the bound passes on {share(screen, of)})"
               if screen is not None else ""))
    a = np.asfortranarray(np.ones((int(rows / n), 4)))
    one = float("inf")
    for _ in range(200):
        start = time.perf_counter()
        a += 1.0
        one = min(one, time.perf_counter() - start)
    print(f"  one pass over ({int(rows / n)}, 4): {one * 1e6:.1f} us; best of 3 counts:")
    for label, t in (("the guard in float64 (marks.mark_layer)", best[0]),
                     ("the cut in float64 (regions.split_at_zeros)", best[1])):
        print(f"  {label:45s} {t:.2f} s, {t / n * 1e3:.2f} ms a layer-chunk = "
              f"{t / n / one:.0f} such passes")


TIME_SMALL = """
import time, warnings
import numpy as np
from minregion.construction import triangle_network
from minregion.init import init_kaiming
from minregion.regions import region_report
warnings.simplefilter("ignore")
rng = np.random.default_rng(0)
nets = [[init_kaiming([1, 4, 4, 4, 4, 4, 1], rng) for _ in range(200)],
        [triangle_network(rng.uniform(0.3, 0.7, 6)) for _ in range(200)]]
out = []
for group in nets:
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        for layers in group:
            region_report(layers)
        best = min(best, (time.perf_counter() - start) / len(group) * 1e3)
    out.append(best)
print(*out)
"""


def small_against(other, rounds):
    """Milliseconds per count of the networks of :func:`small`, in this checkout and in
    ``other`` in turn, each in a fresh process, ``rounds`` times: the best of each."""
    trees = {"this checkout": os.path.abspath(ROOT), other: os.path.abspath(other)}
    best = {name: [float("inf")] * 2 for name in trees}
    for _ in range(rounds):
        for name, tree in trees.items():
            env = dict(os.environ, PYTHONPATH=tree)
            out = subprocess.run([sys.executable, "-c", TIME_SMALL], cwd=tree, env=env,
                                 capture_output=True, text=True, check=True).stdout.split()
            best[name] = [min(b, float(v)) for b, v in zip(best[name], out)]
    for k, label in enumerate(("Kaiming 1-4x5-1", "construction, depth 5")):
        mine, theirs = (best[name][k] for name in trees)
        print(f"{label}, best of {rounds}: this checkout {mine:.2f} ms, {other} {theirs:.2f} ms "
              f"per count, ratio {mine / theirs:.2f}")


def against(d, other, rounds):
    """The depth-d count (as :func:`depth`) timed in this checkout and in ``other`` in turn,
    each in a fresh process (best of two counts), ``rounds`` times: the best of each."""
    trees = {"this checkout": os.path.abspath(ROOT), other: os.path.abspath(other)}
    best = dict.fromkeys(trees, float("inf"))
    for _ in range(rounds):
        for name, tree in trees.items():
            env = dict(os.environ, PYTHONPATH=tree)
            out = subprocess.run([sys.executable, "-c", TIME_ONE, str(d)], cwd=tree, env=env,
                                 capture_output=True, text=True, check=True).stdout.split()
            best[name] = min(best[name], float(out[0]))
            print(f"  {name}: {float(out[0]):.3f} s ({out[1]} pieces)", flush=True)
    mine, theirs = best.values()
    print(f"depth {d}, best of {rounds}: this checkout {mine:.3f} s, {other} {theirs:.3f} s, "
          f"ratio {mine / theirs:.2f}")


def exact_against_float64(depths=None):
    """Milliseconds per count: the float64 counter, the same algorithm (regions.py) run on
    Fractions from the input layer, and the one-cell-at-a-time rational counter of the
    tests, on constructions (peaks U(0.3, 0.7)) and Kaiming networks; with ``depths``, on
    constructions of those depths only (the paper's: ``exact --depths 1-8,12``), and the
    ratio of each exact counter's time to the float64 one's."""
    from fractions import Fraction
    from minregion.float64 import as_exact, to_chunk
    from minregion.init import init_kaiming

    def in_fractions(layers):
        exact = as_exact(NEW.check_scalar_network(layers))
        (p,) = NEW.final_cells(exact, Fraction(0), Fraction(1), exact=True)
        return int(NEW.regions_and_pieces(to_chunk(p, exact[-1][0]))[2].sum())

    counters = {"float64 (count_regions)": NEW.count_regions,
                "regions.py on Fractions": in_fractions,
                "tests/exact_rational.py": lambda layers: exact_report(layers).pieces}
    rng = np.random.default_rng(0)
    nets = {f"construction, depth {d}": [triangle_network(rng.uniform(0.3, 0.7, d + 1))
                                         for _ in range(20 if d <= 5 else 3 if d <= 8 else 1)]
            for d in (depths or (3, 5, 8, 10))}
    if depths is None:
        nets["Kaiming 1-4x5-1"] = [init_kaiming([1, 4, 4, 4, 4, 4, 1], rng) for _ in range(20)]
    for name, layers in nets.items():
        times = {}
        for label, counter in counters.items():
            start = time.perf_counter()
            counts = [counter(net) for net in layers]
            times[label] = (time.perf_counter() - start) / len(layers) * 1e3
            assert counts == [NEW.count_regions(net) for net in layers], (name, label)
        base = times["float64 (count_regions)"]
        print(f"{name}: " + ", ".join(f"{label} {ms:.1f} ms" + (f" ({ms / base:.2g}x)" if
                                      ms != base else "") for label, ms in times.items()) +
              " per count (the same counts)", flush=True)


def depth_list(text):
    """'1-8,12' -> [1, 2, ..., 8, 12]."""
    out = []
    for part in text.split(","):
        a, _, e = part.partition("-")
        out += list(range(int(a), int(e or a) + 1))
    return out


def small(old=None):
    """Milliseconds per count of small networks: 200 Kaiming 1-4x5-1 and 200 constructions
    of depth 5 (peaks U(0.3, 0.7)), as training counts them every few hundred steps."""
    from minregion.init import init_kaiming
    rng = np.random.default_rng(0)
    nets = {"Kaiming 1-4x5-1": [init_kaiming([1, 4, 4, 4, 4, 4, 1], rng) for _ in range(200)],
            "construction, depth 5": [triangle_network(rng.uniform(0.3, 0.7, 6))
                                      for _ in range(200)]}
    for name, layers in nets.items():
        for label, counter in (("now", NEW), ("earlier", old)):
            if counter is not None:
                start = time.perf_counter()
                for net in layers:
                    run(counter, net)
                ms = (time.perf_counter() - start) / len(layers) * 1e3
                print(f"{name}: {ms:.2f} ms per count ({label})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["cases", "families", "touches", "depth", "small",
                                         "exact", "fuzz", "profile", "rows"])
    parser.add_argument("d", nargs="?", type=int, default=20)
    parser.add_argument("--old", help="an earlier regions.py to compare with (depth: "
                                          "to run instead)")
    parser.add_argument("--chunk", type=int, help="depth: cells per chunk (CHUNK_CELLS)")
    parser.add_argument("--budget", type=int, help="depth: cell-layers of exact recounts per "
                                                   "count (EXACT_BUDGET)")
    parser.add_argument("--against", help="depth: another checkout to time in turn with this")
    parser.add_argument("--rounds", type=int, default=5, help="--against: how many turns")
    parser.add_argument("--far", type=float, help="fuzz: |lo| <= FAR (hi - lo)")
    parser.add_argument("--seed", type=int, default=0, help="fuzz: the seed")
    parser.add_argument("--depths", type=depth_list, help="exact: depths, e.g. 1-8,12")
    args = parser.parse_args()
    old = load_old(args.old) if args.old else None
    if args.what == "cases":
        cases(old)
    elif args.what == "families":
        families(old)
    elif args.what == "touches":
        touches()
    elif args.what == "small" and args.against:
        small_against(args.against, args.rounds)
    elif args.what == "small":
        small(old)
    elif args.what == "exact":
        exact_against_float64(args.depths)
    elif args.what == "profile":
        profile(args.d)
    elif args.what == "rows":
        rows_to_detail(args.d)
    elif args.what == "fuzz":
        fuzz(args.d, args.seed, args.far)
    elif args.against:
        against(args.d, args.against, args.rounds)
    else:
        depth(args.d, old, args.chunk, args.budget)


if __name__ == "__main__":
    main()
