"""How the error falls with depth: the construction, random init, and a floor.

The paper's thesis is that exponentially many regions give exponentially better fits. This
study measures it: for depths 1 to 8, every target and seed, the minimum and median MSE

- after phase 1 (the constrained network, exactly 2^d pieces),
- after phase 2 (Pretraining + Theorem 3.1, the raw weights trained),
- of Kaiming and RAAI networks of the same width and depth,

beside a **floor**, the least-squares fit of a continuous piecewise-linear function with 2^d
pieces whose knots follow the target's curvature, and the **rate** of a smooth target: a
2^d-piece interpolant has sup error O(4^-d), so its MSE falls like 16^-d, -log10(16) = -1.204
decades per layer.

**Why phase 1 stops improving.** The first triangle folds [0, 1] onto itself: W_0 maps both
[0, a_0] and [a_0, 1] onto [0, 1], and every later wave is a function of W_0. So whatever the
depth and the peaks (with Theorem 3.1 or free scales), the network g of phase 1 satisfies

    g(a_0 t) - g(1 - (1 - a_0) t) = alpha (t - 1)    for t in [0, 1]:

its two halves are one shape, up to an affine term. A target whose halves are not such copies
keeps an error that no depth removes: with ``D(t) = f(a_0 t) - f(1 - (1 - a_0) t)``, the best
split of the mismatch between the halves gives

    MSE >= a_0 (1 - a_0) min_c \\int_0^1 (D(t) - c (t - 1))^2 dt     (the mirror bound).

For x^3 its interior minimum is about 1.2e-5, near a_0 = 0.6, where phase 1 ends at every
depth from 5 on. Only a parabola has no mismatch (at a_0 = 1/2: Yarotsky's x^2).
"""
from dataclasses import asdict, replace
from functools import lru_cache

import numpy as np

from ..checks import (check_count, check_finite, check_integer, check_interval, check_layers,
                      check_real_array, check_real_number)
from ..construction import weight_map_forward
from .experiments import Config, train_method
from ..mlp import mlp_predict
from .runner import run_blocks
from .summary import spread
from ..targets import dense_points, get_target
from ..training import count_runs

DEPTHS = tuple(range(1, 9))
TARGETS = ("x^3", "x^11", "tanh(3x)")
METHODS = {"constrained": "after phase 1 (constrained)",
           "pretrain_theorem_3_1": "after phase 2 (Pretraining + Theorem 3.1)",
           "kaiming": "Kaiming init", "raai": "RAAI init"}
RATE = -np.log10(16.0)            # decades per layer of a 16^-d MSE


def study_config(protocol="paper", runs=10, seeds=(0, 1, 2)):
    """The depth study's configuration: a table protocol with fewer runs, on a few seeds."""
    seeds = tuple(seeds) if isinstance(seeds, (list, tuple, range)) else seeds  # else: named
    return Config.for_protocol(protocol, runs=runs, seeds=seeds, record_every=0,
                               validation_seeds=())


# --- the floor --------------------------------------------------------------------------

def _checked_function(f, name="f"):
    """``f``, a function of an array of points, or a ``ValueError`` naming it; what it returns
    is passed on unchanged, but a value that is not a finite real number is a ``ValueError``
    (instead of NaN knots, floors or bounds)."""
    if not callable(f):
        raise ValueError(f"{name} must be a function of an array of points (f(x) for x of "
                         f"shape (N,)); got {f!r:.60}")

    def checked(x):
        value = f(x)
        if not np.all(np.isfinite(check_real_array(value, f"{name}(x)"))):
            raise ValueError(f"{name} must be finite where it is evaluated; {name}(x) holds "
                             f"NaN or inf for x from {np.min(x):.6g} to {np.max(x):.6g}")
        return value
    return checked


def _check_points(x, name="x"):
    """``x`` (N,) real and finite with at least two different points, or a ``ValueError``."""
    values = check_real_array(x, name)
    if values.ndim != 1 or not np.all(np.isfinite(values)) or not values.size or \
            not values.min() < values.max():
        raise ValueError(f"{name} must be a finite (N,) array with at least two different "
                         f"points; got shape {values.shape}"
                         + (f", values from {values.min():.6g} to {values.max():.6g}"
                            if values.size else ""))
    return values


def curvature_knots(f, pieces, lo=0.0, hi=1.0, grid=20001):
    """Knots of a ``pieces``-piece linear spline placed where ``f`` curves, for an L2 fit.

    On a piece of width h the L2 error of a linear fit is proportional to f''^2 h^5; it is
    the same on every piece (the optimum, for many pieces) when the knot density is
    proportional to ``|f''|^(2/5)``. (The sup error would want ``|f''|^(1/2)``.)

    ``f`` : a function of an array, finite on [lo, hi]; ``pieces`` : an integer >= 1;
    ``lo < hi`` finite; ``grid`` : an integer >= 3, the points on which f'' is estimated.

    Returns knots : (pieces + 1,) float64 from lo to hi.
    """
    f = _checked_function(f)
    pieces = check_count(pieces, "pieces")
    check_interval(lo, hi)
    grid = check_integer(grid, "grid", 3, " (points on which f'' is estimated)")
    # BEGIN SOLUTION ch08 curvature_knots (section 1): |f''| on a grid of lo..hi (np.gradient
    #   twice), the density |f''|^(2/5) plus a tiny floor, its cumulative integral by the
    #   trapezoid rule, and the knots where it crosses pieces + 1 equally spaced levels
    x = np.linspace(lo, hi, grid)
    f2 = np.abs(np.gradient(np.gradient(f(x), x, edge_order=2), x, edge_order=2))
    density = f2 ** 0.4 + 1e-12 * (f2.max() ** 0.4 + 1e-300)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]) * np.diff(x))])
    return np.interp(np.linspace(0.0, cdf[-1], pieces + 1), cdf, x)
    # END SOLUTION


def spline_floor(f, pieces, x):
    """MSE of the least-squares continuous piecewise-linear fit with ``pieces`` pieces.

    The knots follow :func:`curvature_knots`; the values at the knots are fitted by linear
    least squares on the points ``x`` (N,), finite, at least two different ones; ``pieces``
    is an integer >= 1. Returns the MSE (float).
    """
    f = _checked_function(f)
    pieces = check_count(pieces, "pieces")
    checked = _check_points(x)
    x = x if isinstance(x, np.ndarray) else checked
    # BEGIN SOLUTION ch08 spline_floor (section 1): the knots on x's range, the hat functions
    #   as columns (N, pieces + 1), their least-squares values, and the mean squared residual
    knots = curvature_knots(f, pieces, x.min(), x.max())
    basis = np.stack([np.interp(x, knots, np.eye(len(knots))[j]) for j in range(len(knots))],
                     axis=1)                                   # (N, pieces + 1) hat functions
    y = f(x)
    coef, *_ = np.linalg.lstsq(basis, y, rcond=None)
    return float(np.mean((basis @ coef - y) ** 2))
    # END SOLUTION


def fitted_slope(depths, mse):
    """The slope of log10(MSE) against depth, by least squares (decades per layer).

    ``depths`` (K,) finite, at least two different ones; ``mse`` (K,) finite and > 0.
    """
    d, m = check_real_array(depths, "depths"), check_real_array(mse, "mse")
    if d.ndim != 1 or m.shape != d.shape:
        raise ValueError(f"depths and mse must be two (K,) arrays of the same length; got "
                         f"shapes {d.shape} and {m.shape}")
    if not np.all(np.isfinite(d)) or len(set(d.tolist())) < 2:
        raise ValueError(f"depths must be finite with at least two different depths (a line "
                         f"is fitted); got {d.tolist()}")
    if not (np.all(np.isfinite(m)) and np.all(m > 0)):
        raise ValueError(f"mse must be finite and > 0 (its log10 is fitted); got {m.tolist()}")
    return float(np.polyfit(np.asarray(depths, float), np.log10(mse), 1)[0])


# --- the mirror bound of phase 1 ----------------------------------------------------------

def _check_peak(a0, name):
    """A first peak: a real number in the open interval (0, 1), or a ``ValueError``."""
    if not 0 < check_real_number(a0, name) < 1:
        raise ValueError(f"{name} (the first peak) must lie in the open interval (0, 1); "
                         f"got {a0!r}")


@lru_cache(maxsize=None)
def _quadrature(nodes):
    """Gauss-Legendre nodes and weights on [0, 1]."""
    t, w = np.polynomial.legendre.leggauss(nodes)
    return (t + 1.0) / 2.0, w / 2.0


def mirror_bound(f, a0, nodes=400):
    """The error phase 1 cannot go below, whatever its depth, for a first peak ``a0``.

    ``a0 (1 - a0) min_c int_0^1 (D(t) - c (t - 1))^2 dt`` with
    ``D(t) = f(a0 t) - f(1 - (1 - a0) t)`` (the module docstring derives it), by
    Gauss-Legendre quadrature. ``a0`` lies in the open interval (0, 1); ``f`` is a function
    of an array, finite on [0, 1]; ``nodes`` an integer >= 1. Returns float.
    """
    f = _checked_function(f)
    _check_peak(a0, "a0")
    nodes = check_count(nodes, "nodes")
    # BEGIN SOLUTION ch08 mirror_bound (section 3): D at the quadrature nodes of [0, 1]
    #   (_quadrature), the least-squares c of D on (t - 1), and a0 (1 - a0) times the integral
    #   of (D - c (t - 1))^2
    t, w = _quadrature(nodes)
    D = f(a0 * t) - f(1.0 - (1.0 - a0) * t)
    u = t - 1.0
    c = np.sum(w * D * u) / np.sum(w * u * u)
    return float(a0 * (1.0 - a0) * np.sum(w * (D - c * u) ** 2))
    # END SOLUTION


def mirror_gap(layers, a0, alpha, t):
    """How far a network is from the mirror identity: max |g(a0 t) - g(1 - (1 - a0) t) -
    alpha (t - 1)| over the points ``t`` (N,), for one network on [0, 1]. Float.

    ``layers`` : one network, one input and one output; ``a0`` in (0, 1); ``alpha`` finite;
    ``t`` : (N,) points of [0, 1], N >= 1.
    """
    check_layers(layers, n_in=1, n_out=1, one_network=True)
    _check_peak(a0, "a0")
    check_finite(alpha, "alpha")
    points = check_real_array(t, "t")
    if points.ndim != 1 or not points.size or not np.all((points >= 0) & (points <= 1)):
        raise ValueError(f"t must be a (N,) array of points of [0, 1] with N >= 1 (the identity "
                         f"holds there); got shape {points.shape}"
                         + (f", values from {points.min():.6g} to {points.max():.6g}"
                            if points.size else ""))
    t = t if isinstance(t, np.ndarray) else points
    left = mlp_predict(layers, a0 * t)
    right = mlp_predict(layers, 1.0 - (1.0 - a0) * t)
    return float(np.max(np.abs(left - right - alpha * (t - 1.0))))


def interior_minimum(f, grid=np.linspace(0.05, 0.95, 181)):
    """The interior local minimum of :func:`mirror_bound` over a0 with the smallest value.

    The bound tends to 0 as a0 tends to 0 or 1 (the first layer is then wasted, and the
    same problem returns one layer down), so only interior minima are candidates. Returns
    (a0, bound), refined by golden section. ``grid`` : increasing points of (0, 1), at least 3.
    """
    f = _checked_function(f)
    points = check_real_array(grid, "grid")
    if (points.ndim != 1 or points.size < 3 or not np.all(np.isfinite(points))
            or not np.all(np.diff(points) > 0) or not (points[0] > 0 and points[-1] < 1)):
        raise ValueError(f"grid must be at least 3 increasing points of the open interval "
                         f"(0, 1); got shape {points.shape}"
                         + (f", values from {points.min():.6g} to {points.max():.6g}"
                            if points.size else ""))
    values = np.array([mirror_bound(f, a) for a in grid])
    inner = [k for k in range(1, len(grid) - 1) if values[k] <= values[k - 1]
             and values[k] <= values[k + 1]]
    k = min(inner, key=lambda k: values[k]) if inner else int(np.argmin(values))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    g = (np.sqrt(5.0) - 1.0) / 2.0
    for _ in range(60):
        a, b = hi - g * (hi - lo), lo + g * (hi - lo)
        if mirror_bound(f, a) < mirror_bound(f, b):
            hi = b
        else:
            lo = a
    a0 = 0.5 * (lo + hi)
    return float(a0), mirror_bound(f, a0)


# --- the runs -----------------------------------------------------------------------------

def depth_block(config, seed, target, depth, method):
    """One (seed, target, depth, method) cell of the study (picklable for a worker).

    For ``pretrain_theorem_3_1`` it reports both phases: the MSE and pieces at the switch
    (``"constrained"``) and at the end, and the first peak and alpha of every run after
    phase 1 (for the mirror bound).

    Returns dict with ``seed``, ``target``, ``depth``, ``method``, ``mse`` (R,), ``pieces``
    (R,), and for the construction ``mse_switch``, ``pieces_switch``, ``a0`` and ``alpha``
    (R,) and ``mirror_gap`` (the largest deviation from the identity after phase 1).
    """
    cfg = replace(config, depth=depth)
    tgt = get_target(target)
    x = dense_points(cfg.dense_n, tgt.lo, tgt.hi)
    y = tgt.f(x)
    rng = np.random.default_rng([seed, 8, TARGETS.index(target), depth,
                                 list(METHODS).index(method)])
    layers, history, switch = train_method(method, cfg, target, x, y, rng)
    pieces, _ = count_runs(layers, tgt.lo, tgt.hi)
    out = dict(seed=seed, target=target, depth=depth, method=method,
               mse=np.mean((mlp_predict(layers, x) - y) ** 2, axis=-1).tolist(),
               pieces=pieces.tolist())
    if switch is not None:
        phase1 = cfg.steps(method)[0]
        params = switch[2]
        t = np.linspace(0.0, 1.0, 257)
        constrained, _ = weight_map_forward(params, tgt.sigma, tgt.lo, tgt.hi)
        gaps = [mirror_gap([(W[r], b[r]) for W, b in constrained], params["a"][r, 0],
                           params["alpha"][r], t) for r in range(cfg.runs)]
        out.update(mse_switch=history.loss_array()[phase1].tolist(),
                   pieces_switch=switch[0].tolist(), a0=params["a"][:, 0].tolist(),
                   alpha=params["alpha"].tolist(), mirror_gap=float(max(gaps)))
    return out


def _check_study(depths, targets):
    """The study's depths and targets, or a ``ValueError`` naming what is wrong."""
    if (not isinstance(depths, (list, tuple, range, np.ndarray)) or len(depths) < 2
            or any(isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer))
                   or d < 1 for d in depths) or len(set(depths)) != len(depths)):
        raise ValueError(f"depths must be distinct integers >= 1, at least two (a slope is "
                         f"fitted); got {depths!r:.80}")
    if (not isinstance(targets, (list, tuple)) or not targets
            or any(not isinstance(t, str) or t not in TARGETS for t in targets)
            or len(set(targets)) != len(targets)):
        raise ValueError(f"targets must be distinct names among {', '.join(TARGETS)}, at "
                         f"least one; got {targets!r:.80}")


def depth_blocks(config, depths=DEPTHS, targets=TARGETS):
    """Every cell of the study: ``(config, seed, target, depth, method)``.

    ``depths`` : distinct integers >= 1, at least two (a slope is fitted); ``targets`` :
    distinct names of :data:`TARGETS`, at least one.
    """
    _check_study(depths, targets)
    methods = [m for m in METHODS if m != "constrained"]
    return [(config, s, t, d, m) for s in config.seeds for t in targets for d in depths
            for m in methods]


def run_depth_study(config, depths=DEPTHS, targets=TARGETS, jobs=1, progress=print,
                    initializer=None):
    """Every cell of the study, ``jobs`` processes at once; returns :func:`summarise_depth`."""
    config.check()
    blocks = depth_blocks(config, depths, targets)
    done = run_blocks(depth_block, blocks, jobs,
                      lambda r: (f"depth {r['depth']} seed {r['seed']} {r['target']:>8s} "
                                 f"{METHODS[r['method']]:<42s} min MSE {min(r['mse']):.2e}"),
                      weights=[d * sum(config.steps(m)) for *_, d, m in blocks],
                      progress=progress, initializer=initializer)
    return summarise_depth(config, done, depths, targets)


def summarise_depth(config, blocks, depths=DEPTHS, targets=TARGETS):
    """The JSON summary ``depth.json``.

    ``mse[method][target][depth] = {"min", "median", "min_range"}`` over all runs of all
    seeds (``min_range``: the lowest and highest seed's minimum); ``regions`` the same layout
    with ``{"median", "lowest", "highest"}`` exact pieces at the end (at the switch for
    ``"constrained"``); ``floor[target][depth]`` the spline floor; ``slope[method][target]``
    the fitted decades per layer of the minimum; ``mirror[target]``: the bound's interior
    minimum, the median first peak after phase 1, the bound there, and the largest deviation
    of a trained phase-1 network from the mirror identity.
    """
    out = dict(config=asdict(config), depths=list(depths),
               targets=list(targets), methods=dict(METHODS), rate=RATE, mse={}, regions={},
               floor={}, slope={}, mirror={})
    for b in blocks:
        cells = [(b["method"], b["mse"], b["pieces"])]
        if "mse_switch" in b:
            cells.append(("constrained", b["mse_switch"], b["pieces_switch"]))
        for m, mse, pieces in cells:
            cell = out["mse"].setdefault(m, {}).setdefault(b["target"], {}).setdefault(
                str(b["depth"]), {"runs": [], "seed_mins": []})
            cell["runs"] += mse
            cell["seed_mins"].append(min(mse))
            out["regions"].setdefault(m, {}).setdefault(b["target"], {}).setdefault(
                str(b["depth"]), []).extend(pieces)
    for m in out["mse"]:
        for t in out["mse"][m]:
            for d, cell in out["mse"][m][t].items():
                out["mse"][m][t][d] = {"min": float(np.min(cell["runs"])),
                                       "median": float(np.median(cell["runs"])),
                                       "min_range": [float(min(cell["seed_mins"])),
                                                     float(max(cell["seed_mins"]))]}
                out["regions"][m][t][d] = spread(out["regions"][m][t][d])
            out["slope"].setdefault(m, {})[t] = fitted_slope(
                depths, [out["mse"][m][t][str(d)]["min"] for d in depths])
    for t in targets:
        tgt = get_target(t)
        x = dense_points(config.dense_n, tgt.lo, tgt.hi)
        out["floor"][t] = {str(d): spline_floor(tgt.f, 2 ** d, x) for d in depths}
        out["slope"].setdefault("floor", {})[t] = fitted_slope(
            depths, [out["floor"][t][str(d)] for d in depths])
        mine = [b for b in blocks if b["target"] == t and "a0" in b]
        a0 = float(np.median(np.concatenate([b["a0"] for b in mine])))
        best_a0, best = interior_minimum(tgt.f)
        deep = [d for d in depths if d >= 5]
        out["mirror"][t] = dict(
            interior_minimum_a0=best_a0, interior_minimum=best, phase1_a0=a0,
            bound_at_phase1_a0=mirror_bound(tgt.f, a0),
            phase1_min_deep={str(d): out["mse"]["constrained"][t][str(d)]["min"] for d in deep},
            largest_identity_gap=float(max(b["mirror_gap"] for b in mine)))
    return out


def format_depth_report(study):
    """The Markdown section of the report for the depth study."""
    cfg = study["config"]
    lines = ["## Error against depth", "",
             f"Protocol `{cfg['protocol']}` at every depth ({cfg['pretrain_epochs']} phase-1 steps, "
             f"then {cfg['epochs']} raw-weight steps; {cfg['epochs']} steps for random init), "
             f"{cfg['runs']} runs per cell on each of {len(cfg['seeds'])} seeds "
             f"({', '.join(map(str, cfg['seeds']))}); width 4; 500 points. Cells: minimum over "
             f"all runs / median; the floor is the least-squares spline with 2^d pieces and "
             f"curvature-placed knots.", ""]
    for t in study["targets"]:
        head = ["depth"] + [METHODS[m] for m in METHODS] + ["floor (2^d pieces)",
                                                            "pieces at the end (ours)"]
        lines += [f"**{t}**", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for d in study["depths"]:
            row = [str(d)]
            for m in METHODS:
                c = study["mse"][m][t][str(d)]
                row.append(f"{c['min']:.1e} / {c['median']:.1e}")
            r = study["regions"]["pretrain_theorem_3_1"][t][str(d)]
            row += [f"{study['floor'][t][str(d)]:.1e}",
                    f"{r['median']:.0f} [{r['lowest']:.0f}, {r['highest']:.0f}] of {2 ** d}"]
            lines.append("| " + " | ".join(row) + " |")
        slopes = "; ".join(f"{METHODS.get(m, m)} {study['slope'][m][t]:+.2f}"
                           for m in list(METHODS) + ["floor"])
        mir = study["mirror"][t]
        lines += ["", f"Fitted slopes of log10(min MSE) against depth (decades per layer): "
                  f"{slopes}; the rate of a smooth target: {study['rate']:+.3f}.", "",
                  f"Phase 1's plateau: after phase 1 the first peak is a0 = {mir['phase1_a0']:.4f} "
                  f"(median of all runs and depths); the mirror bound there is "
                  f"{mir['bound_at_phase1_a0']:.3e}, and its interior minimum "
                  f"{mir['interior_minimum']:.3e} at a0 = {mir['interior_minimum_a0']:.4f}. "
                  f"Phase 1's minimum at depths 5-8: "
                  + ", ".join(f"{v:.3e}" for v in mir["phase1_min_deep"].values())
                  + f". Largest deviation of a trained phase-1 network from "
                  f"g(a0 t) - g(1 - (1 - a0) t) = alpha (t - 1): {mir['largest_identity_gap']:.1e}.",
                  ""]
    lines += ["Figure: depth_mse.png.", ""]
    return "\n".join(lines)
