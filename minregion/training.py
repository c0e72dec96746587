"""The two training phases, for many independent runs at once.

Phase 1 (pretraining) trains the *shape parameters* through the weight map::

    peaks a, s_0, alpha, beta -> weight map -> network forward -> MSE
        -> network backward -> weight map backward -> Adam -> new peaks

so the network keeps exactly 2^d linear regions at every step. Phase 2 releases the
network: the same loop on the raw ``(W, b)`` list, with a fresh Adam.

Runs are a leading axis ``R`` on every parameter: R networks trained at once in one set of
arrays. Adam is elementwise and each run's loss depends only on its own parameters, so this
is exactly R separate trainings (a test checks it), just faster.

Data: ``x`` of shape ``(N,)`` (the same points for every run) or ``(R, N)`` (each run its own),
``y`` of shape ``(R, N)`` or ``(N,)``.
"""
import warnings
from dataclasses import dataclass, field

import numpy as np

from .construction import weight_map_backward, weight_map_forward
from .layers import mse_backward, mse_forward
from .memory import keep_freed_memory
from .mlp import check_layers, mlp_backward, mlp_forward
from .optim import Adam
from .regions import RegionResolutionWarning, count_regions

PEAK_MARGIN = 1e-3     # [choice] peaks are kept in [PEAK_MARGIN, 1 - PEAK_MARGIN] after each step
MIN_SCALE = 1e-12      # [choice] s_0 (and the free ratios S_i) are kept >= MIN_SCALE
DIVERGED_MSE = 1e10    # [choice] an MSE above this (or NaN/inf) stops training with an error


class TrainingDiverged(RuntimeError):
    """Raised when a run's loss becomes NaN, infinite or absurdly large."""


@dataclass
class History:
    """What a training records, for plotting and for the tests.

    Attributes
    ----------
    loss : list of (R,) arrays, the training MSE of every run before each Adam step
    phase : list of str, ``"shape"`` or ``"weights"`` for each entry of ``loss``
    region_steps : list of int, the global step at which regions were counted
    regions : list of (R,) int arrays, the exact affine-piece counts on [lo, hi] then
    regions_flagged : list of (R,) bool arrays, True where the counter warned that the count
        depends on its floating-point resolution (pieces near 1e-14 wide, see
        :mod:`minregion.regions`); such counts are kept, and flagged, never hidden
    """
    loss: list = field(default_factory=list)
    phase: list = field(default_factory=list)
    region_steps: list = field(default_factory=list)
    regions: list = field(default_factory=list)
    regions_flagged: list = field(default_factory=list)

    @property
    def steps(self):
        """How many Adam steps have been recorded."""
        return len(self.loss)

    def loss_array(self):
        """The loss history as one ``(steps, R)`` float64 array."""
        return np.array(self.loss)


def prepare_data(x, y, runs=None):
    """Validate training data and bring it to the column layout of the network.

    Parameters
    ----------
    x : (N,) or (R, N) inputs; y : (N,) or (R, N) targets; runs : R, or None for one
        network without a runs axis (then x and y must be (N,))

    Returns
    -------
    X : (1, N) for one network, (1, 1, N) or (R, 1, N) with runs: inputs as columns
    Y : (N,) or (R, N) float64
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    for name, v in (("x", x), ("y", y)):
        if v.ndim not in (1, 2) or v.shape[-1] == 0:
            raise ValueError(f"{name} must have shape (N,) or (R, N) with N >= 1; got {v.shape}")
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{name} must be finite; found NaN or inf")
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"x and y must hold the same number of points; got {x.shape} and {y.shape}")
    for name, v in (("x", x), ("y", y)):
        if runs is None and v.ndim != 1:
            raise ValueError(f"{name} must have shape (N,) for one network; got {v.shape}")
        if runs is not None and v.ndim == 2 and v.shape[0] != runs:
            raise ValueError(f"{name} has {v.shape[0]} rows but there are {runs} runs")
    if runs is None:
        return x[None, :], y             # (1, N): one input row, N points as columns
    X = x[None, None, :] if x.ndim == 1 else x[:, None, :]
    return X, y


def _runs_of(shape):
    return shape[0] if len(shape) else None


def _check_loss(loss, step, phase, lr):
    bad = ~np.isfinite(loss) | (loss > DIVERGED_MSE)
    if np.any(bad):
        r = int(np.flatnonzero(np.atleast_1d(bad))[0])
        raise TrainingDiverged(
            f"training diverged in the {phase} phase at step {step}: the MSE of run {r} is "
            f"{np.atleast_1d(loss)[r]:.3g} (lr={lr}); lower the learning rate")


def _record_regions(history, layers, step, lo, hi):
    """Count every run's exact pieces; note the counts the counter flags as uncertain."""
    W0 = layers[0][0]
    nets = [layers] if W0.ndim == 2 else [[(W[r], b[r]) for W, b in layers]
                                          for r in range(W0.shape[0])]
    counts, flagged = [], []
    for net in nets:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RegionResolutionWarning)
            counts.append(count_regions(net, lo, hi))
        flagged.append(any(issubclass(w.category, RegionResolutionWarning) for w in caught))
    history.region_steps.append(step)
    history.regions.append(np.array(counts))
    history.regions_flagged.append(np.array(flagged))


def _due(t, epochs, every):
    return every and (t % every == 0 or t == epochs)


def project_shape_params(params, margin=PEAK_MARGIN, min_scale=MIN_SCALE):
    """Keep the shape parameters valid after a step, in place [choice].

    Peaks are clipped into ``[margin, 1 - margin]`` (inside (0, 1), where the construction is
    defined), ``s_0`` or the free ratios ``S_i`` to ``>= min_scale``.
    """
    np.clip(params["a"], margin, 1.0 - margin, out=params["a"])
    key = "S" if "S" in params else "s0"
    np.maximum(params[key], min_scale, out=params[key])


def shape_loss_and_grads(params, X, Y, sigma, lo=0.0, hi=1.0):
    """One pass of the phase-1 loop: loss and gradients with respect to the shape parameters.

    Parameters
    ----------
    params : dict of shape parameters, leading runs axis ``(R,)`` or none
    X : (R or 1, 1, N) inputs, from :func:`prepare_data`; Y : (R, N) or (N,) targets
    sigma : -1 or +1; lo, hi : the input interval

    Returns
    -------
    loss : (R,) float64 (a float for one network)
    grads : dict like ``params``
    """
    layers, wcache = weight_map_forward(params, sigma, lo, hi)
    out, caches = mlp_forward(layers, X)
    loss, mcache = mse_forward(out[..., 0, :], Y)
    wgrads, _ = mlp_backward(mse_backward(mcache)[..., None, :], caches)
    return loss, weight_map_backward(wgrads, wcache)


def weights_loss_and_grads(layers, X, Y):
    """One pass of the phase-2 loop: loss and gradients with respect to every ``(W, b)``.

    Returns
    -------
    loss : (R,) float64; grads : list of (dW, db) shaped like ``layers``
    """
    out, caches = mlp_forward(layers, X)
    loss, mcache = mse_forward(out[..., 0, :], Y)
    grads, _ = mlp_backward(mse_backward(mcache)[..., None, :], caches)
    return loss, grads


def adam_loop(arrays, loss_and_grads, epochs, lr, history, phase, project=None, record=None,
              verbose=0):
    """The one full-batch training loop: a fresh Adam on ``arrays``, updated in place.

    Parameters
    ----------
    arrays : list of float64 arrays, the parameters (any shapes, a runs axis allowed)
    loss_and_grads : callable () -> (loss (R,) or float, list of gradients like ``arrays``)
    epochs : int >= 0, the number of Adam steps
    lr : Adam's learning rate
    history : :class:`History`, receives the loss before every step and the ``phase`` label
    phase : str, ``"shape"`` (phase 1) or ``"weights"`` (phase 2)
    project : callable run after every step (phase 1 keeps the peaks valid), or None
    record : callable ``record(t)`` run before step ``t = 0 .. epochs - 1`` and once more
        after the last step with ``t = epochs`` (region counts are taken there), or None
    verbose : print a progress line every this many steps (0: silent)

    Returns
    -------
    history : :class:`History`

    Raises
    ------
    TrainingDiverged when a loss is NaN, infinite or above ``DIVERGED_MSE``.
    """
    _check_epochs(epochs)
    opt = Adam(arrays, lr=lr)
    start = history.steps
    for t in range(int(epochs)):
        if record is not None:
            record(t)
        loss, grads = loss_and_grads()
        _check_loss(loss, start + t, phase, lr)
        history.loss.append(np.atleast_1d(loss))
        history.phase.append(phase)
        opt.step(grads)
        if project is not None:
            project()
        if verbose and (t + 1) % verbose == 0:
            print(f"  {phase} step {t + 1:6d}/{epochs}: median loss {np.median(loss):.3e}")
    if record is not None:
        record(int(epochs))
    return history


def train_shape(params, x, y, sigma, epochs, lr=1e-3, lo=0.0, hi=1.0, record_every=0,
                history=None, verbose=0):
    """Phase 1: Adam on the shape parameters, through the weight map. Updates ``params``.

    Parameters
    ----------
    params : dict from :func:`minregion.construction.shape_params`, leading runs axis (R,)
        or none; Theorem 3.1 (``"s0"``) or free scale ratios (``"S"``)
    x, y : training data, see :func:`prepare_data`
    sigma : -1 or +1
    epochs : int >= 0, full-batch Adam steps
    lr : Adam learning rate
    lo, hi : the input interval of the construction
    record_every : count the exact regions of every run every this many steps (0: never)
    history : a :class:`History` to append to (a new one if None)
    verbose : print a progress line every this many steps (0: silent)

    Returns
    -------
    history : :class:`History`
    """
    keep_freed_memory()
    _check_epochs(epochs)
    history = History() if history is None else history
    X, Y = prepare_data(x, y, _runs_of(np.shape(params["alpha"])))
    keys = sorted(params)
    start = history.steps

    def loss_and_grads():
        loss, grads = shape_loss_and_grads(params, X, Y, sigma, lo, hi)
        return loss, [grads[k] for k in keys]

    def record(t):
        if _due(t, epochs, record_every):
            _record_regions(history, weight_map_forward(params, sigma, lo, hi)[0], start + t,
                            lo, hi)

    return adam_loop([params[k] for k in keys], loss_and_grads, epochs, lr, history, "shape",
                     project=lambda: project_shape_params(params), record=record,
                     verbose=verbose)


def train_weights(layers, x, y, epochs, lr=1e-3, lo=0.0, hi=1.0, record_every=0,
                  history=None, verbose=0):
    """Phase 2: Adam, fresh, on the raw weights and biases. Updates ``layers`` in place.

    Parameters
    ----------
    layers : list of (W, b), ``W`` : ``(R, fan_out, fan_in)`` (or no runs axis)
    x, y, epochs, lr, record_every, history, verbose : as :func:`train_shape`
    lo, hi : the interval on which regions are counted

    Returns
    -------
    history : :class:`History`
    """
    keep_freed_memory()
    _check_epochs(epochs)
    runs = check_layers(layers)
    history = History() if history is None else history
    X, Y = prepare_data(x, y, _runs_of(runs))
    start = history.steps

    def loss_and_grads():
        loss, grads = weights_loss_and_grads(layers, X, Y)
        return loss, [g for pair in grads for g in pair]

    def record(t):
        if _due(t, epochs, record_every):
            _record_regions(history, layers, start + t, lo, hi)

    return adam_loop([p for pair in layers for p in pair], loss_and_grads, epochs, lr, history,
                     "weights", record=record, verbose=verbose)


def fit_alpha_beta(g, y):
    """Least-squares output scale and shift: ``min |alpha g + beta - y|^2`` per run [choice].

    Parameters
    ----------
    g : (R, N) or (N,) the construction's output with alpha = 1, beta = 0
    y : (R, N) or (N,) targets

    Returns
    -------
    alpha, beta : (R,) float64 arrays (floats for 1-D input)
    """
    g, y = np.broadcast_arrays(np.asarray(g, np.float64), np.asarray(y, np.float64))
    gc = g - g.mean(axis=-1, keepdims=True)
    yc = y - y.mean(axis=-1, keepdims=True)
    alpha = np.sum(gc * yc, axis=-1) / np.maximum(np.sum(gc * gc, axis=-1), 1e-300)
    beta = y.mean(axis=-1) - alpha * g.mean(axis=-1)
    return alpha, beta


def copy_layers(layers):
    """A deep copy of a ``(W, b)`` list (phase 2 trains in place)."""
    return [(W.copy(), b.copy()) for W, b in layers]


def _check_epochs(epochs):
    if int(epochs) != epochs or epochs < 0:
        raise ValueError(f"epochs must be an integer >= 0; got {epochs}")
