"""The two training phases, for many independent runs at once.

Phase 1, **constrained** (the paper's pretraining) trains the construction's parameters
through the weight map::

    peaks a, s_0, alpha, beta -> weight map -> network forward -> MSE
        -> network backward -> weight map backward -> Adam -> new peaks

so the network keeps exactly 2^d linear regions at every step. Phase 2, **raw**, releases
the network: the same loop on the raw ``(W, b)`` list, with a fresh Adam.

Runs are a leading axis ``R`` on every parameter: R networks trained at once in one set of
arrays. Adam is elementwise and each run's loss depends only on its own parameters, so this
is exactly R separate trainings (a test checks it), just faster.

Data: ``x`` of shape ``(N,)`` (the same points for every run) or ``(R, N)`` (each run its own),
``y`` of shape ``(R, N)`` or ``(N,)`` (see :func:`minregion.mlp.prepare_data`).
"""
from dataclasses import dataclass, field

import numpy as np

from .checks import (check_epochs, check_float_arrays, check_in_interval, check_instance,
                     check_interval, check_layers, check_lr, check_param_dict, check_param_shapes,
                     check_record_every, check_verbose)
from .construction import project_params, weight_map_backward, weight_map_forward
from .layers import mse_backward, mse_forward
from .mlp import mlp_backward, mlp_forward, prepare_data
from .optim import Adam
from .regions import region_report

PHASES = ("constrained", "raw")   # the labels of phase 1 and phase 2, everywhere
DIVERGED_MSE = 1e10    # [choice] an MSE above this (or NaN/inf) stops training with an error


class TrainingDiverged(RuntimeError):
    """Raised when a run's loss becomes NaN, infinite or absurdly large."""


@dataclass
class History:
    """What a training records, for plotting and for the tests.

    Attributes
    ----------
    loss : list of (R,) arrays, the training loss of every run before each Adam step
    phase : list of str, ``"constrained"`` or ``"raw"`` for each entry of ``loss``
    region_steps : list of int, the global step at which regions were counted
    regions : list of (R,) int arrays, the exact affine-piece counts on [lo, hi] then
    regions_flagged : list of (R,) bool arrays, True where the counter warned that float64
        could not settle the count (it gives a range; see :mod:`minregion.regions`); such
        counts are kept, and flagged, never hidden
    """
    loss: list = field(default_factory=list)
    phase: list = field(default_factory=list)
    region_steps: list = field(default_factory=list)
    regions: list = field(default_factory=list)
    regions_flagged: list = field(default_factory=list)

    @classmethod
    def checked(cls, history):
        """``history`` to append to, or a new History for None; else a ``ValueError``."""
        return cls() if history is None else check_instance(
            history, cls, "history", "a minregion.training.History (or None: a new one)")

    def check_runs(self, runs):
        """A training of ``runs`` (the runs shape, ``()`` for one network) may append to this
        History only if it holds nothing yet or the same number of runs: its entries are (R,)
        arrays, which :meth:`loss_array` stacks. Else a ``ValueError``, before any step."""
        n = runs[0] if runs else 1
        held = {len(v) for v in self.loss[-1:] + self.regions[-1:]}
        if held and held != {n}:
            raise ValueError(f"history holds a training of {held.pop()} run(s) and this "
                             f"training has {n}: one History records one set of runs, whose "
                             f"losses loss_array() stacks; pass history=None (a new History)")
        return self

    @property
    def steps(self):
        """How many Adam steps have been recorded."""
        return len(self.loss)

    def loss_array(self):
        """The loss history as one ``(steps, R)`` float64 array."""
        return np.array(self.loss)


def count_flagged(layers, lo, hi):
    """Exact affine pieces of one network, and whether the counter flagged the count.

    Returns (pieces, flagged) : (int, bool); flagged means float64 could not settle the
    count and the counter gives a range (``RegionReport.flagged``; no warning is issued:
    the flag is kept instead).
    """
    report = region_report(layers, lo, hi, warn=False)
    return report.pieces, report.flagged


def count_runs(layers, lo, hi):
    """Exact affine pieces of every run of a ``(W, b)`` list (runs axis optional).

    Returns
    -------
    pieces : (R,) int array (one entry without a runs axis)
    flagged : (R,) bool array, True where the counter warned (see :func:`count_flagged`)
    """
    W0 = layers[0][0]
    nets = [layers] if W0.ndim == 2 else [[(W[r], b[r]) for W, b in layers]
                                          for r in range(W0.shape[0])]
    counted = [count_flagged(net, lo, hi) for net in nets]
    return np.array([c for c, _ in counted]), np.array([f for _, f in counted])


def record_regions(history, layers, step, lo, hi):
    """Count every run's exact pieces into ``history``; note the counts the counter flags."""
    pieces, flagged = count_runs(layers, lo, hi)
    history.region_steps.append(step)
    history.regions.append(pieces)
    history.regions_flagged.append(flagged)


def check_step(loss, grads, t, step, phase, lr):
    """Stop before a step that would spoil the parameters, and say the likely cause.

    loss : (R,) or scalar, the loss before the step; grads : list of gradient arrays
    t : int, Adam's steps so far; step : int, the step of the history; phase : str, for
    the message; lr : the learning rate, for the message

    Raises TrainingDiverged when a loss is not finite or above ``DIVERGED_MSE``, or a
    gradient is not finite. Before the first step the learning rate has not acted yet: a
    huge or non-finite loss then comes from the data or the starting point. Later it is the
    optimiser's doing. Both training loops call it: this module's and
    ``minregion.reproduce.fast``'s.
    """
    loss = np.atleast_1d(loss)
    bad = ~np.isfinite(loss) | (loss > DIVERGED_MSE)
    if np.any(bad):
        r = int(np.flatnonzero(bad)[0])
        where = f"in the {phase} phase at step {step}: the loss of run {r} is {loss[r]:.3g}"
        finite = bool(np.isfinite(loss[r]))
        what = (f", above DIVERGED_MSE = {DIVERGED_MSE:.0e} (minregion.training.DIVERGED_MSE, "
                f"the largest MSE training accepts)" if finite else "")
        if t == 0:
            raise TrainingDiverged(
                f"the loss is out of range before the first step {where}{what}: not the "
                f"learning rate's doing; " + (
                    "the targets (or the starting network) are too large: scale the targets "
                    "down, e.g. divide y by its largest |value|, and scale predictions back"
                    if finite else "the starting parameters (or the data) give values that "
                    "float64 cannot hold"))
        raise TrainingDiverged(f"training diverged {where}{what} (lr={lr}); lower the learning "
                               f"rate")
    if not all(np.all(np.isfinite(g)) for g in grads):
        raise TrainingDiverged(
            f"a gradient is NaN or infinite in the {phase} phase at step {step} (the loss is "
            f"finite, {np.max(loss):.3g}): the weights are out of float64's range"
            + ("" if t == 0 else f"; lower the learning rate (lr={lr})"))


def constrained_loss_and_grads(params, X, Y, sigma, lo=0.0, hi=1.0):
    """One pass of the phase-1 loop: loss and gradients with respect to the parameters.

    Parameters
    ----------
    params : dict of the construction's parameters, leading runs axis ``(R,)`` or none
    X : (1, N) or (R, 1, N) inputs, from :func:`minregion.mlp.prepare_data`;
    Y : (R, N) or (N,) targets
    sigma : -1 or +1; lo, hi : the input interval

    Returns
    -------
    loss : (R,) float64 (a float for one network)
    grads : dict like ``params``
    """
    # BEGIN SOLUTION ch05 constrained_loss_and_grads (section 2): weight map forward, network
    #   forward, MSE, its backward, network backward, weight map backward (raw_loss_and_grads,
    #   below, is the network's part: call it or write it out)
    layers, wcache = weight_map_forward(params, sigma, lo, hi)
    out, caches = mlp_forward(layers, X)
    loss, mcache = mse_forward(out[..., 0, :], Y)
    wgrads, _ = mlp_backward(mse_backward(1.0, mcache)[..., None, :], caches)
    grads = weight_map_backward(wgrads, wcache)
    # END SOLUTION
    return loss, grads


def raw_loss_and_grads(layers, X, Y):
    """One pass of the phase-2 loop: loss and gradients with respect to every ``(W, b)``.

    Returns
    -------
    loss : (R,) float64; grads : list of (dW, db) shaped like ``layers``
    """
    out, caches = mlp_forward(layers, X)
    loss, mcache = mse_forward(out[..., 0, :], Y)
    grads, _ = mlp_backward(mse_backward(1.0, mcache)[..., None, :], caches)
    return loss, grads


def adam_loop(arrays, loss_and_grads, epochs, lr, history, phase, project=None, record=None,
              verbose=0):
    """The one full-batch training loop: a fresh Adam on ``arrays``, updated in place.

    Parameters
    ----------
    arrays : list of float64 arrays, the parameters (any shapes, a runs axis allowed)
    loss_and_grads : callable () -> (loss (R,) or float, list of gradients like ``arrays``)
    epochs : int >= 0, the number of Adam steps
    lr : Adam's learning rate: a number, or a schedule ``lr(t)`` of the step ``t = 0 ..
        epochs - 1`` (see :func:`cosine_lr`)
    history : :class:`History`, receives the loss before every step and the ``phase`` label
    phase : str, ``"constrained"`` (phase 1) or ``"raw"`` (phase 2)
    project : callable run after every step (phase 1 keeps the peaks valid), or None
    record : callable ``record(step, done)`` run before every step with the global step
        ``step = history.steps`` and ``done = False``, and once after the last step with
        ``done = True`` (region counts are taken there), or None
    verbose : print a progress line every this many steps (0: silent)

    Returns
    -------
    history : :class:`History`

    Raises
    ------
    TrainingDiverged when a loss is NaN, infinite or above ``DIVERGED_MSE``, or a gradient
    is not finite; then (as on any failure) every array is restored to what it was before
    the call, so a failed training never leaves the caller's parameters half-updated.
    """
    epochs, verbose = check_epochs(epochs), check_verbose(verbose)
    check_float_arrays(arrays, [f"arrays[{i}]" for i in range(len(arrays))])
    schedule = lr if callable(check_lr(lr, schedule=True)) else (lambda t: lr)
    opt = Adam(arrays, lr=schedule(0))
    before = [a.copy() for a in arrays]          # restored if the loop fails
    try:
        for t in range(epochs):
            if record is not None:
                record(history.steps, False)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                loss, grads = loss_and_grads()      # non-finite values are checked next
            opt.lr = schedule(t)
            check_step(loss, grads, t, history.steps, phase, opt.lr)
            history.loss.append(np.atleast_1d(loss))
            history.phase.append(phase)
            opt.step(grads)
            if project is not None:
                project()
            if verbose and (t + 1) % verbose == 0:
                print(f"  {phase} step {t + 1:6d}/{epochs}: median loss {np.median(loss):.3e}")
        if record is not None:
            record(history.steps, True)
    except BaseException:
        for a, b in zip(arrays, before):
            a[...] = b
        raise
    return history


def cosine_lr(lr, lr_final, epochs):
    """The cosine schedule from ``lr`` (step 0) to ``lr_final`` (the last of ``epochs`` steps).

    ``lr(t) = lr_final + (lr - lr_final) (1 + cos(pi t / (epochs - 1))) / 2``.
    Returns the schedule, a function of the step ``t``. ``lr`` and ``lr_final`` must be
    finite and > 0, ``epochs`` an integer >= 0 (checked here, once: a training checks only
    a schedule's first value).
    """
    check_lr(lr)
    check_lr(lr_final, "lr_final")
    span = max(check_epochs(epochs) - 1, 1)
    return lambda t: lr_final + 0.5 * (lr - lr_final) * (1.0 + np.cos(np.pi * t / span))


def check_settings(epochs, lr, record_every, verbose, history):
    """The settings both trainers share (and their fast twins, ``reproduce/fast.py``),
    checked -> record_every, verbose, history (a History to append to); else a ValueError
    naming the bad one."""
    check_epochs(epochs)
    check_lr(lr, schedule=True)
    return check_record_every(record_every), check_verbose(verbose), History.checked(history)


def check_trained_layers(layers):
    """Raw layers that a training updates in place: float64 arrays, shapes that fit, one
    input and one output -> runs, the leading shape (``()`` or ``(R,)``); else a ValueError."""
    runs = check_layers(layers)
    first, last = np.shape(layers[0][0]), np.shape(layers[-1][0])
    if (first[-1], last[-2]) != (1, 1):
        raise ValueError(f"train_raw trains networks with one input and one output (x and y "
                         f"hold one number per point); got {first[-1]} input(s) and "
                         f"{last[-2]} output(s): layers[0]'s W has shape {first}, "
                         f"layers[{len(layers) - 1}]'s {last} (one input: W (..., width, 1); "
                         f"one output: W (..., 1, width))")
    check_float_arrays([p for pair in layers for p in pair],
                       [f"layers[{l}][{k}]" for l in range(len(layers)) for k in (0, 1)])
    return runs


def check_trained_params(params):
    """The construction's parameters that a training updates in place: the dict's keys,
    float64 arrays, one value per run -> the keys, sorted; else a ValueError."""
    keys = sorted(check_param_dict(params))
    check_float_arrays([params[k] for k in keys], [f"params[{k!r}]" for k in keys])
    check_param_shapes(params)
    return keys


def every(n, start):
    """A ``record`` test: due at ``start``, every ``n`` steps after it, and at the end."""
    return lambda step, done: bool(n) and ((step - start) % n == 0 or done)


def train_constrained(params, x, y, sigma, epochs, lr=1e-3, lo=0.0, hi=1.0, record_every=0,
                      history=None, verbose=0):
    """Phase 1: Adam on the construction's parameters, through the weight map.

    Updates ``params`` in place.

    Parameters
    ----------
    params : dict from :func:`minregion.construction.construction_params`, leading runs axis
        (R,) or none; Theorem 3.1 (``"s0"``) or free scale ratios (``"S"``)
    x, y : training data, see :func:`minregion.mlp.prepare_data`; every x in [lo, hi]
    sigma : -1 or +1
    epochs : int >= 0, full-batch Adam steps
    lr : Adam learning rate
    lo, hi : the input interval of the construction, mapped onto [0, 1] (a ValueError names
        the x found outside it)
    record_every : count the exact regions of every run every this many steps (0: never)
    history : a :class:`History` to append to (a new one if None), of a training of the same
        number of runs
    verbose : print a progress line every this many steps (0: silent)

    Returns
    -------
    history : :class:`History`
    """
    record_every, verbose, history = check_settings(epochs, lr, record_every, verbose, history)
    keys = check_trained_params(params)
    weight_map_forward(params, sigma, lo, hi)    # every parameter checked before any step
    runs = np.shape(params["alpha"])
    history.check_runs(runs)
    X, Y = prepare_data(x, y, runs[0] if runs else None)
    check_in_interval(X, lo, hi)
    due = every(record_every, history.steps)

    def loss_and_grads():
        loss, grads = constrained_loss_and_grads(params, X, Y, sigma, lo, hi)
        return loss, [grads[k] for k in keys]

    def record(step, done):
        if due(step, done):
            record_regions(history, weight_map_forward(params, sigma, lo, hi)[0], step, lo, hi)

    return adam_loop([params[k] for k in keys], loss_and_grads, epochs, lr, history,
                     "constrained", project=lambda: project_params(params), record=record,
                     verbose=verbose)


def train_raw(layers, x, y, epochs, lr=1e-3, lo=0.0, hi=1.0, record_every=0, history=None,
              verbose=0):
    """Phase 2: Adam, fresh, on the raw weights and biases. Updates ``layers`` in place.

    Parameters
    ----------
    layers : list of (W, b), ``W`` : ``(R, fan_out, fan_in)`` (or no runs axis); a network
        with one input and one output
    x, y, epochs, lr, record_every, history, verbose : as :func:`train_constrained`
    lo, hi : the interval on which regions are counted

    Returns
    -------
    history : :class:`History`
    """
    record_every, verbose, history = check_settings(epochs, lr, record_every, verbose, history)
    lo, hi = check_interval(lo, hi)
    runs = check_trained_layers(layers)
    history.check_runs(runs)
    X, Y = prepare_data(x, y, runs[0] if runs else None)
    due = every(record_every, history.steps)

    def loss_and_grads():
        loss, grads = raw_loss_and_grads(layers, X, Y)
        return loss, [g for pair in grads for g in pair]

    def record(step, done):
        if due(step, done):
            record_regions(history, layers, step, lo, hi)

    return adam_loop([p for pair in layers for p in pair], loss_and_grads, epochs, lr, history,
                     "raw", record=record, verbose=verbose)


def copy_layers(layers):
    """A deep copy of a ``(W, b)`` list (phase 2 trains in place)."""
    return [(W.copy(), b.copy()) for W, b in layers]
