"""The extensions of SPEC section 8: ``python -m minregion reproduce --tables ext``.

Three experiments, each the construction against a Kaiming-initialised dense ReLU network
with (as nearly as widths allow) the same number of trainable parameters, trained with the
same number of full-batch Adam steps:

1. **non-convex 1-D** (:mod:`minregion.difference`): ``f = g_1 - g_2`` on ``x^3 - x`` and
   ``sin(2 pi x)``; statistic: training MSE on 500 evenly spaced points;
2. **two dimensions** (:mod:`minregion.triangle_layer`): ``z = r^3`` on an n x n grid over
   [-1, 1]^2 with one triangle layer; statistic: training MSE on the grid;
3. **classification**: two interleaved spirals, the one hidden dense layer of a small
   classifier replaced by a triangle layer; softmax cross-entropy; statistic: test error
   rate (the fraction of misclassified test points).

Pictures: the learned non-convex fits, the 2-D fit and its error as images, the exact
linear regions of 2-D networks (:mod:`minregion.regions2d`), the spirals' curves.

A *block* is one (target, method) pair: ``ExtConfig.runs`` models trained at once along a
leading runs axis. Seeds come from ``ExtConfig.seed`` and the block's place, so a block
gives the same numbers in any process.
"""
import json
import multiprocessing
import os
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace

import numpy as np

from .checks import check_budget
from .difference import (DEFAULT_SIGMAS, HALVES, difference_as_mlp, difference_parameter_count,
                         difference_predict, difference_shape_loss_and_grads,
                         difference_weight_map_forward, difference_weights_loss_and_grads,
                         init_difference)
from .init import init_kaiming
from .layers import (error_rate, mse_backward, mse_forward, softmax_cross_entropy_backward,
                     softmax_cross_entropy_forward)
from .mlp import mlp_backward, mlp_forward, mlp_predict
from .regions import RegionResolutionWarning, count_regions
from .targets import dense_points, grid_2d, nonconvex_target, r_cubed, two_spirals
from .training import adam_loop as training_adam_loop
from .training import History, copy_layers, prepare_data, project_shape_params, train_weights
from .triangle_layer import (SHAPE_KEYS, check_count, fit_combination, init_triangle_net,
                             project_net, raw_arrays, raw_net_backward, raw_net_forward,
                             release_net, shape_arrays, shape_net_backward, shape_net_forward,
                             triangle_layer_parameter_count, triangle_net_as_mlp)

EXT_METHODS = {
    "kaiming": "Dense ReLU, Kaiming init (same parameter count)",
    "pretrain_theorem_3_1": "Constructed, pretraining + Theorem 3.1",
}
EXT_TARGETS = ("x^3-x", "sin(2 pi x)", "r^3", "spirals")

@dataclass(frozen=True)
class ExtConfig:
    """Everything that decides the extensions' numbers.

    ``epochs`` full-batch Adam steps for every method, ``pretrain_epochs`` of them phase 1
    for the constructed models (as in the tables: 1,500 of 15,000) [choice]; ``lr`` the
    paper's 1e-3 for both phases and every method (not tuned on these results; a lower rate
    lowers the constructed models' noise floor more than the dense networks', see the
    report). 1-D: ``dense_n`` points; 2-D: an ``grid_n`` x ``grid_n``
    grid and one triangle layer of ``K_2d`` projections; spirals: ``spiral_points`` training
    and as many test points per class, a triangle layer of ``K_spirals`` sub-networks of
    depth ``depth_spirals`` [choice: more, shallower sub-networks than in regression, a
    spiral needs many directions].
    """
    depth: int = 5
    epochs: int = 15_000
    pretrain_epochs: int = 1_500
    lr: float = 1e-3
    runs: int = 8
    dense_n: int = 500
    grid_n: int = 21
    K_2d: int = 5
    spiral_points: int = 100
    spiral_turns: float = 1.5
    spiral_noise: float = 0.04
    K_spirals: int = 8
    depth_spirals: int = 3
    record_every: int = 100
    peak_low: float = 0.25
    peak_high: float = 0.75
    seed: int = 0

    def check(self):
        """Raise a clear ``ValueError`` for an impossible configuration."""
        for name in ("grid_n", "K_2d", "spiral_points", "K_spirals", "depth_spirals",
                     "record_every"):
            check_count(getattr(self, name), name)
        if self.dense_n < 2 or self.grid_n < 2:
            raise ValueError(f"dense_n and grid_n must be >= 2; got {self.dense_n}, {self.grid_n}")
        return check_budget(self)


QUICK_EXT = ExtConfig(epochs=2000, pretrain_epochs=200, runs=3, record_every=50)


def quick_ext_config(**changes):
    """The small configuration behind ``reproduce --tables ext --quick`` (seconds)."""
    return replace(QUICK_EXT, **changes)


# --- losses: the regression MSE and the softmax cross-entropy ---------------------------

def _mse_columns_forward(out, y):
    """MSE of a one-output network's columns ``out`` (..., 1, N) against ``y``."""
    return mse_forward(out[..., 0, :], y)


def _mse_columns_backward(cache):
    return mse_backward(cache)[..., None, :]


LOSSES = {"mse": (_mse_columns_forward, _mse_columns_backward),
          "cross_entropy": (softmax_cross_entropy_forward, softmax_cross_entropy_backward)}


# --- one training loop for every model --------------------------------------------------

def adam_loop(arrays, loss_and_grads, epochs, lr, history, phase, project=None,
              monitor=None, every=0, verbose=0):
    """:func:`minregion.training.adam_loop` with a monitor on the global step.

    ``monitor(step)`` is called before every step whose global index (``history.steps``)
    is a multiple of ``every`` (0: never). Other parameters, returns and errors as
    :func:`minregion.training.adam_loop`.
    """
    start = history.steps

    def record(t):
        if every and monitor is not None and t < epochs and (start + t) % every == 0:
            monitor(start + t)

    return training_adam_loop(arrays, loss_and_grads, epochs, lr, history, phase,
                              project=project, record=record, verbose=verbose)


def train_difference(params, x, y, pretrain_epochs, epochs, lr=1e-3, sigmas=DEFAULT_SIGMAS,
                     lo=0.0, hi=1.0, verbose=0):
    """Both phases of the difference model; ``epochs`` Adam steps in all.

    Parameters
    ----------
    params : from :func:`minregion.difference.init_difference` (trained in place in phase 1)
    x, y : (N,) or (R, N) training data
    pretrain_epochs : phase-1 steps (shape parameters of both halves through the weight map)
    epochs : total steps; the remaining ``epochs - pretrain_epochs`` train the raw weights

    Returns
    -------
    nets : the two halves' trained ``(W, b)`` lists; history : History
    """
    runs = np.shape(params["g1"]["alpha"])
    X, Y = prepare_data(x, y, runs[0] if runs else None)
    keys = [(h, k) for h in HALVES for k in sorted(params[h])]
    history = History()

    def shape_step():
        loss, grads = difference_shape_loss_and_grads(params, X, Y, sigmas, lo, hi)
        return loss, [grads[h][k] for h, k in keys]

    adam_loop([params[h][k] for h, k in keys], shape_step, pretrain_epochs, lr, history,
              "shape", project=lambda: [project_shape_params(params[h]) for h in HALVES],
              verbose=verbose)
    nets = [copy_layers(n) for n in difference_weight_map_forward(params, sigmas, lo, hi)[0]]

    def weight_step():
        loss, grads = difference_weights_loss_and_grads(nets, X, Y)
        return loss, [g for net in grads for pair in net for g in pair]

    adam_loop([p for net in nets for pair in net for p in pair], weight_step,
              epochs - pretrain_epochs, lr, history, "weights", verbose=verbose)
    return nets, history


def train_triangle_net(net, x, target, pretrain_epochs, epochs, lr=1e-3, loss="mse",
                       sigma=-1.0, monitor=None, every=0, verbose=0):
    """Both phases of a stack of triangle layers; ``epochs`` Adam steps in all.

    Parameters
    ----------
    net : from :func:`minregion.triangle_layer.init_triangle_net` (trained in place)
    x : (D, N) training inputs as columns; target : (N,) values (``"mse"``) or labels
        (``"cross_entropy"``)
    monitor, every : called as ``monitor(step, forward)`` every ``every`` steps, where
        ``forward(x)`` evaluates the current model on other inputs (e.g. a test set)

    Returns
    -------
    raw_net : the trained raw parameters (phase 2); history : History
    """
    loss_forward, loss_backward = LOSSES[loss]
    history = History()
    watch = None if monitor is None else (
        lambda step: monitor(step, lambda xx: shape_net_forward(net, xx, sigma)[0]))

    def shape_step():
        out, caches = shape_net_forward(net, x, sigma)
        value, cache = loss_forward(out, target)
        grads = shape_net_backward(loss_backward(cache), caches)
        return value, [g[k] for g in grads for k in SHAPE_KEYS]

    adam_loop(shape_arrays(net), shape_step, pretrain_epochs, lr, history, "shape",
              project=lambda: project_net(net), monitor=watch, every=every, verbose=verbose)
    raw = release_net(net, sigma)
    watch = None if monitor is None else (
        lambda step: monitor(step, lambda xx: raw_net_forward(raw, xx)[0]))

    def weight_step():
        out, caches = raw_net_forward(raw, x)
        value, cache = loss_forward(out, target)
        grads = raw_net_backward(loss_backward(cache), caches)
        return value, raw_arrays(grads)

    adam_loop(raw_arrays(raw), weight_step, epochs - pretrain_epochs, lr, history, "weights",
              monitor=watch, every=every, verbose=verbose)
    return raw, history


def train_dense(layers, x, target, epochs, lr=1e-3, loss="mse", monitor=None, every=0,
                verbose=0):
    """Adam on a dense ``(W, b)`` list (in place), inputs ``x`` (D, N) as columns.

    Same arguments as :func:`train_triangle_net` (``monitor(step, forward)``).
    Returns history : History.
    """
    loss_forward, loss_backward = LOSSES[loss]
    history = History()

    def step():
        out, caches = mlp_forward(layers, x)
        value, cache = loss_forward(out, target)
        grads, _ = mlp_backward(loss_backward(cache), caches)
        return value, [g for pair in grads for g in pair]

    watch = None if monitor is None else (
        lambda t: monitor(t, lambda xx: mlp_forward(layers, xx)[0]))
    return adam_loop([p for pair in layers for p in pair], step, epochs, lr, history,
                     "weights", monitor=watch, every=every, verbose=verbose)


# --- parameter counts -------------------------------------------------------------------

def dense_parameter_count(widths):
    """Weights and biases of a dense network ``[n_in, h_1, ..., n_out]``."""
    return sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))


def matched_dense_widths(n_params, n_in, n_out, depth):
    """Widths of a dense network with ``depth`` equal hidden layers and about ``n_params``.

    The width whose count is nearest to ``n_params`` (the smaller on a tie).
    Returns widths : list ``[n_in, w, ..., w, n_out]``.
    """
    depth = check_count(depth, "depth")
    best = min(range(1, 1000), key=lambda w: (abs(dense_parameter_count(
        [n_in] + [w] * depth + [n_out]) - n_params), w))
    return [n_in] + [best] * depth + [n_out]


# --- the blocks -----------------------------------------------------------------------

def block_seed(config, target, method):
    """Seed of a block's random start: (seed, target index, method index)."""
    return [config.seed, EXT_TARGETS.index(target), list(EXT_METHODS).index(method)]


def _count_quietly(layers, lo, hi):
    """Exact 1-D pieces, and whether the counter warned that the count is at float64's
    resolution (``regions.RegionResolutionWarning``; noted, never hidden).

    Returns (pieces, flagged) : (int, bool).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RegionResolutionWarning)
        pieces = count_regions(layers, lo, hi)
    return pieces, any(issubclass(w.category, RegionResolutionWarning) for w in caught)


def _run_of(layers, r):
    return [(W[r], b[r]) for W, b in layers]


def run_nonconvex_block(config, target, method, verbose=0):
    """One 1-D block: the difference model or its dense match on a non-convex target.

    Returns a dict with ``train_mse`` (R,), ``parameters``, ``widths``, ``median_loss``,
    ``switch``, ``grid``, ``best_fit`` (and for the construction ``best_halves``, the two
    halves' outputs, ``half_pieces`` after phase 1 and ``pieces`` of the best fit).
    """
    tgt = nonconvex_target(target)
    x = dense_points(config.dense_n, tgt.lo, tgt.hi)
    y = tgt.f(x)
    rng = np.random.default_rng(block_seed(config, target, method))
    grid = np.linspace(tgt.lo, tgt.hi, 600)
    n_params = difference_parameter_count(config.depth)
    out = dict(target=target, method=method, grid=grid.tolist())
    if method == "kaiming":
        widths = matched_dense_widths(n_params, 1, 1, config.depth)
        layers = init_kaiming(widths, rng, runs=config.runs)
        history = train_weights(layers, x, y, config.epochs, lr=config.lr, lo=tgt.lo, hi=tgt.hi)
        train_mse = np.mean((mlp_predict(layers, x) - y) ** 2, axis=-1)
        best = int(np.argmin(train_mse))
        out.update(widths=widths, parameters=dense_parameter_count(widths),
                   best_fit=mlp_predict(_run_of(layers, best), grid).tolist(),
                   pieces=_count_quietly(_run_of(layers, best), tgt.lo, tgt.hi)[0])
    else:
        params = init_difference(x, y, config.depth, rng, runs=config.runs, lo=tgt.lo,
                                 hi=tgt.hi, peak_low=config.peak_low, peak_high=config.peak_high)
        nets, history = train_difference(params, x, y, config.pretrain_epochs, config.epochs,
                                         config.lr, lo=tgt.lo, hi=tgt.hi, verbose=verbose)
        shaped, _ = difference_weight_map_forward(params, DEFAULT_SIGMAS, tgt.lo, tgt.hi)
        train_mse = np.mean((difference_predict(nets, x) - y) ** 2, axis=-1)
        best = int(np.argmin(train_mse))
        halves = [mlp_predict(_run_of(n, best), grid) for n in nets]
        out.update(widths=[1] + [4] * config.depth + [1], parameters=n_params,
                   best_fit=(halves[0] - halves[1]).tolist(),
                   best_halves=[h.tolist() for h in halves],
                   pieces=_count_quietly(difference_as_mlp([_run_of(n, best) for n in nets]),
                                         tgt.lo, tgt.hi)[0])
        counts = [[_count_quietly(_run_of(n, r), tgt.lo, tgt.hi) for r in range(config.runs)]
                  for n in shaped]
        out["half_pieces"] = [[c for c, _ in half] for half in counts]
        out["half_pieces_flagged"] = [[f for _, f in half] for half in counts]
    out.update(train_mse=train_mse.tolist(), score=train_mse.tolist(),
               median_loss=np.median(history.loss_array(), axis=1).tolist(),
               switch=history.phase.count("shape"))
    return out


def run_r3_block(config, method, verbose=0):
    """One 2-D block: a triangle layer or its dense match on ``r^3`` over a grid.

    Returns a dict with ``train_mse`` (R,), ``parameters``, ``best_fit`` (grid_n^2,),
    ``best_mlp`` (the best run as a plain ``(W, b)`` list, for the region pictures),
    ``init_mlp`` (the same model before training), ``median_loss``, ``switch``.
    """
    x = grid_2d(config.grid_n)
    y = r_cubed(x)
    rng = np.random.default_rng(block_seed(config, "r^3", method))
    n_params = triangle_layer_parameter_count(2, config.K_2d, 1, config.depth)
    if method == "kaiming":
        widths = matched_dense_widths(n_params, 2, 1, config.depth)
        layers = init_kaiming(widths, rng, runs=config.runs)
        init_mlp = _run_of(layers, 0)
        history = train_dense(layers, x, y, config.epochs, config.lr, verbose=verbose)
        pred = mlp_forward(layers, x)[0][..., 0, :]
        model = lambda r: _run_of(layers, r)                         # noqa: E731
    else:
        widths = [2] + [4 * config.K_2d] * config.depth + [1]
        net = init_triangle_net(x, [(config.K_2d, 1)], config.depth, rng, runs=config.runs,
                                peak_low=config.peak_low, peak_high=config.peak_high)
        fit_combination(net[0], x, y)
        init_mlp = triangle_net_as_mlp(release_net(net), run=0)
        raw, history = train_triangle_net(net, x, y, config.pretrain_epochs, config.epochs,
                                          config.lr, verbose=verbose)
        pred = raw_net_forward(raw, x)[0][..., 0, :]
        model = lambda r: triangle_net_as_mlp(raw, run=r)            # noqa: E731
    train_mse = np.mean((pred - y) ** 2, axis=-1)
    best = int(np.argmin(train_mse))
    return dict(target="r^3", method=method, widths=widths,
                parameters=dense_parameter_count(widths) if method == "kaiming" else n_params,
                train_mse=train_mse.tolist(), score=train_mse.tolist(),
                best_fit=pred[best].tolist(), best_mlp=model(best), init_mlp=init_mlp,
                median_loss=np.median(history.loss_array(), axis=1).tolist(),
                switch=history.phase.count("shape"))


def spiral_data(config):
    """Training and test spirals of the configuration (the same for both methods)."""
    rng = np.random.default_rng([config.seed, EXT_TARGETS.index("spirals")])
    train = two_spirals(config.spiral_points, rng, config.spiral_turns, config.spiral_noise)
    test = two_spirals(config.spiral_points, rng, config.spiral_turns, config.spiral_noise)
    return train, test


def run_spirals_block(config, method, verbose=0):
    """One classification block: a triangle-layer classifier or the dense original.

    The dense original is 2-H-2 (one hidden ReLU layer); the triangle classifier replaces
    its hidden layer by a triangle layer of ``K_spirals`` sub-networks, 2 outputs. H is
    chosen to match the triangle classifier's parameter count.

    Returns a dict with ``test_error`` (R,) (the statistic), ``test_loss`` (R,),
    ``train_error`` (R,), curves ``curve_steps``, ``curve_test_error``, ``curve_test_loss``
    (medians over runs), ``median_loss``, ``switch``, ``parameters``, ``best_map``.
    """
    (x, labels), (x_test, labels_test) = spiral_data(config)
    rng = np.random.default_rng(block_seed(config, "spirals", method))
    n_params = triangle_layer_parameter_count(2, config.K_spirals, 2, config.depth_spirals)
    curves = dict(curve_steps=[], curve_test_error=[], curve_test_loss=[], curve_train_error=[])

    def monitor(step, forward):
        logits = forward(x_test)
        curves["curve_steps"].append(step)
        curves["curve_test_error"].append(float(np.median(error_rate(logits, labels_test))))
        curves["curve_test_loss"].append(
            float(np.median(softmax_cross_entropy_forward(logits, labels_test)[0])))
        curves["curve_train_error"].append(float(np.median(error_rate(forward(x), labels))))

    common = dict(loss="cross_entropy", monitor=monitor, every=config.record_every,
                  verbose=verbose)
    if method == "kaiming":
        widths = matched_dense_widths(n_params, 2, 2, 1)
        layers = init_kaiming(widths, rng, runs=config.runs)
        history = train_dense(layers, x, labels, config.epochs, config.lr, **common)
        forward = lambda xx: mlp_forward(layers, xx)[0]              # noqa: E731
        parameters = dense_parameter_count(widths)
    else:
        widths = [2] + [4 * config.K_spirals] * config.depth_spirals + [2]
        net = init_triangle_net(x, [(config.K_spirals, 2)], config.depth_spirals, rng,
                                runs=config.runs, peak_low=config.peak_low,
                                peak_high=config.peak_high)
        raw, history = train_triangle_net(net, x, labels, config.pretrain_epochs,
                                          config.epochs, config.lr, **common)
        forward = lambda xx: raw_net_forward(raw, xx)[0]             # noqa: E731
        parameters = n_params
    monitor(history.steps, forward)
    logits = forward(x_test)
    test_error = error_rate(logits, labels_test)
    best = int(np.argmin(test_error))
    g = grid_2d(120, -1.3, 1.3)
    best_map = forward(g)[best]                                      # (2, 120^2)
    return dict(target="spirals", method=method, widths=widths, parameters=parameters,
                test_error=test_error.tolist(), score=test_error.tolist(),
                test_loss=softmax_cross_entropy_forward(logits, labels_test)[0].tolist(),
                train_error=error_rate(forward(x), labels).tolist(),
                median_loss=np.median(history.loss_array(), axis=1).tolist(),
                switch=history.phase.count("shape"),
                best_map=(best_map[1] - best_map[0]).tolist(), **curves)


def run_ext_block(config, target, method):
    """Run one (target, method) block; picklable for a worker process. Adds ``seconds``."""
    start = time.perf_counter()
    if target == "r^3":
        out = run_r3_block(config, method)
    elif target == "spirals":
        out = run_spirals_block(config, method)
    else:
        out = run_nonconvex_block(config, target, method)
    out["seconds"] = time.perf_counter() - start
    return out


# --- all blocks, the summary, the files -------------------------------------------------

STATISTIC = {"x^3-x": "training MSE", "sin(2 pi x)": "training MSE", "r^3": "training MSE",
             "spirals": "test error rate (fraction of test points misclassified)"}


def run_ext(config, jobs=1, progress=print):
    """Every block of the extensions, ``jobs`` processes at once; same numbers for any jobs.

    Returns summary : dict (see :func:`summarise_ext`).
    """
    config.check()
    blocks = [(t, m) for t in EXT_TARGETS for m in EXT_METHODS]
    start, out = time.perf_counter(), []
    if jobs > 1:
        pool = ProcessPoolExecutor(max_workers=jobs,
                                   mp_context=multiprocessing.get_context("spawn"))
        results = (f.result() for f in [pool.submit(run_ext_block, config, *b) for b in blocks])
    else:
        pool = None
        results = (run_ext_block(config, *b) for b in blocks)
    try:
        for i, res in enumerate(results, 1):
            elapsed = time.perf_counter() - start
            progress(f"[{i}/{len(blocks)}] ext {res['target']:>11s} "
                     f"{EXT_METHODS[res['method']]:<48s} min {min(res['score']):.2e}, "
                     f"mean {np.mean(res['score']):.2e}  ({res['seconds']:.0f} s; "
                     f"{elapsed:.0f} s elapsed, about "
                     f"{elapsed * (len(blocks) - i) / i:.0f} s left)")
            out.append(res)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return summarise_ext(config, out)


def summarise_ext(config, blocks):
    """The JSON summary, laid out like the tables' (``experiments.summarise_table``).

    ``mse[method][target] = {"min": ..., "mean": ...}`` of each target's statistic
    (``statistic[target]``: training MSE, or the test error rate for ``"spirals"``);
    ``runs[method][target]`` the per-run numbers; ``parameters[method][target]`` the
    trainable parameters of one model.
    """
    summary = dict(table="ext", title="Extensions: non-convex 1-D, r^3 in 2-D, spirals",
                   config=asdict(config), statistic=dict(STATISTIC),
                   methods=list(EXT_METHODS), targets=list(EXT_TARGETS),
                   runs={}, parameters={}, widths={}, mse={}, extra={}, seconds=0.0,
                   blocks=blocks)
    for b in blocks:
        m, t = b["method"], b["target"]
        summary["runs"].setdefault(m, {})[t] = b["score"]
        summary["parameters"].setdefault(m, {})[t] = b["parameters"]
        summary["widths"].setdefault(m, {})[t] = b["widths"]
        summary["mse"].setdefault(m, {})[t] = {"min": float(np.min(b["score"])),
                                               "mean": float(np.mean(b["score"]))}
        extra = {k: b[k] for k in ("pieces", "half_pieces", "half_pieces_flagged",
                                   "test_loss", "train_error") if k in b}
        summary["extra"].setdefault(m, {})[t] = extra
        summary["seconds"] += b["seconds"]
    return summary


def write_ext(summary, out_dir):
    """Write ``ext.json`` (without the bulky per-block curves) and the figures.

    Returns the list of paths written.
    """
    from .plots_ext import plot_nonconvex, plot_r3, plot_regions2d, plot_spirals

    slim = {k: v for k, v in summary.items() if k != "blocks"}
    path = os.path.join(out_dir, "ext.json")
    with open(path, "w") as fh:
        json.dump(slim, fh, indent=1)
    paths = [path]
    for name, plot in (("nonconvex", plot_nonconvex), ("r3", plot_r3),
                       ("regions2d", plot_regions2d), ("spirals", plot_spirals)):
        path = os.path.join(out_dir, f"ext_{name}.png")
        plot(summary, path)
        paths.append(path)
    return paths


def orders(dense, ours):
    """``log10(dense / ours)``: how many orders of magnitude lower ours is."""
    return float(np.log10(max(dense, 1e-300) / max(ours, 1e-300)))


def _gain(target, dense, ours):
    """Orders of magnitude for an MSE; percentage points for an error rate (may be 0)."""
    if target == "spirals":
        return f"{100 * (dense - ours):+.1f} points"
    return f"{orders(dense, ours):+.1f}"


def format_ext_report(summary):
    """The Markdown section of the report for the extensions."""
    cfg, ours, base = summary["config"], "pretrain_theorem_3_1", "kaiming"
    lines = [f"## {summary['title']}", "",
             f"{cfg['runs']} runs per cell, {cfg['epochs']} Adam steps per run "
             f"({cfg['pretrain_epochs']} of them phase 1 for the constructed models), lr "
             f"{cfg['lr']}, seed {cfg['seed']}; {summary['seconds']:.0f} s of training summed "
             f"over the cells. Each dense network has as nearly as widths allow the "
             f"constructed model's number of trainable parameters.", "",
             "| target | statistic | parameters (ours / dense) | min ours | min dense | "
             "gain | mean ours | mean dense | gain |",
             "|---|---|---|---|---|---|---|---|---|"]
    for t in summary["targets"]:
        o, d = summary["mse"][ours][t], summary["mse"][base][t]
        stat = "test error" if t == "spirals" else summary["statistic"][t]
        lines.append(
            f"| {t} | {stat} | {summary['parameters'][ours][t]} / "
            f"{summary['parameters'][base][t]} | {o['min']:.2e} | {d['min']:.2e} | "
            f"{_gain(t, d['min'], o['min'])} | {o['mean']:.2e} | {d['mean']:.2e} | "
            f"{_gain(t, d['mean'], o['mean'])} |")
    w = summary["widths"]
    lines += ["", "Networks: " + "; ".join(
        f"{t}: ours {'-'.join(map(str, w[ours][t]))}, dense {'-'.join(map(str, w[base][t]))}"
        for t in summary["targets"]) + ". (Ours for 1-D is two such halves; for r^3 and the "
        "spirals the widths are those of the triangle layer written as one network.)", ""]
    extra = summary["extra"][ours]
    for t in ("x^3-x", "sin(2 pi x)"):
        if "half_pieces" in extra.get(t, {}):
            hp = np.array(extra[t]["half_pieces"])
            flagged = np.array(extra[t]["half_pieces_flagged"])
            exact = int(np.sum(hp == 2 ** cfg["depth"]))
            lines.append(
                f"{t}: after phase 1, {exact} of {hp.size} halves have exactly "
                f"2^{cfg['depth']} = {2 ** cfg['depth']} pieces"
                + (f"; the others {sorted(set(hp[hp != 2 ** cfg['depth']].tolist()))}, "
                   f"{int(np.sum(flagged[hp != 2 ** cfg['depth']]))} of them flagged by the "
                   f"counter as at float64's resolution (a peak at the margin 1e-3 makes "
                   f"pieces ~1e-13 wide)" if exact < hp.size else "")
                + f". The best trained difference has {extra[t]['pieces']} pieces, the best "
                f"dense network {summary['extra'][base][t]['pieces']}.")
    tl = summary["extra"]
    lines += ["", f"Spirals: median test cross-entropy ours "
              f"{np.median(tl[ours]['spirals']['test_loss']):.3f}, dense "
              f"{np.median(tl[base]['spirals']['test_loss']):.3f}; median training error ours "
              f"{np.median(tl[ours]['spirals']['train_error']):.3f}, dense "
              f"{np.median(tl[base]['spirals']['train_error']):.3f}.", "",
              "Gain: log10(dense / ours), the orders of magnitude by which the constructed "
              "model's MSE is lower (negative: the dense network is better); for the spirals "
              "the difference of the error rates in percentage points. The paper reports 1-2 "
              "orders of magnitude below conventional networks on x^3 - x and r^3 (its numbers "
              "are not available to us).", "",
              "Figures: ext_nonconvex.png, ext_r3.png, ext_regions2d.png, ext_spirals.png.", ""]
    return "\n".join(lines)


def reproduce_ext(out_dir, quick=False, runs=None, epochs=None, seed=None, lr=None, jobs=1,
                  progress=print):
    """What ``reproduce --tables ext`` does: run, write ``ext.json`` and the figures.

    ``epochs`` keeps the default share of phase 1 (one tenth). Returns (paths, report text).
    """
    changes = {k: v for k, v in (("runs", runs), ("epochs", epochs), ("seed", seed),
                                 ("lr", lr)) if v is not None}
    if epochs is not None:
        changes["pretrain_epochs"] = epochs // 10
    config = (quick_ext_config(**changes) if quick else ExtConfig(**changes)).check()
    progress(f"Extensions: {config.runs} runs per cell, {config.epochs} Adam steps each, "
             f"{jobs} process(es)")
    summary = run_ext(config, jobs=jobs, progress=progress)
    paths = write_ext(summary, out_dir)
    return paths, format_ext_report(summary)
