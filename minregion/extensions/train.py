"""Training the extensions' models, with the core's one Adam loop (both phases).

:func:`train_difference` (the difference of two constructions), :func:`train_triangle_stack`
(triangle layers) and :func:`train_dense` (the dense baselines) all run
:func:`minregion.training.adam_loop`; phase 1 (constrained) trains through the weight map,
phase 2 (raw) trains every weight with a fresh Adam, as in 1-D.
"""
from contextlib import contextmanager

import numpy as np

from ..checks import (check_count, check_epochs, check_float_arrays, check_layers, check_lr,
                      check_real_array)
from ..construction import project_params
from ..mlp import mlp_backward, mlp_forward, prepare_data
from ..training import History, adam_loop, copy_layers
from .difference import (DEFAULT_SIGMAS, HALVES, check_in_interval, check_sigmas,
                         difference_constrained_loss_and_grads, difference_raw_loss_and_grads,
                         difference_weight_map_forward)
from .losses import (check_labels, cross_entropy_unchecked, mse_columns_backward,
                     mse_columns_forward, softmax_cross_entropy_backward)
from .triangle_layer import (CONSTRAINED_KEYS, check_input_columns, check_output_lead,
                             check_target_shape, constrained_arrays, constrained_stack_backward,
                             constrained_stack_forward, project_stack, raw_arrays,
                             raw_stack_backward, raw_stack_forward, release_stack)

# the trainers check the labels at their door (check_target), and a non-finite loss of their
# own network's logits is a diverged training, which adam_loop reports: the cross-entropy
# runs without the checks of softmax_cross_entropy_forward, once per step
LOSSES = {"mse": (mse_columns_forward, mse_columns_backward),
          "cross_entropy": (cross_entropy_unchecked, softmax_cross_entropy_backward)}


def check_target(target, loss, n_points, n_out, lead, output):
    """The targets of a loss, for a network whose output is ``lead + (n_out, N)``.

    ``"mse"``: finite real numbers, (N,) (the same for every run) or ``lead + (N,)``, for a
    network with one output; ``"cross_entropy"``: integer labels (N,) in [0, n_out), one
    class per output. ``output`` names the output layer in the messages. Returns the targets
    as an array (float64 for ``"mse"``), or raises a ``ValueError``.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {loss!r}")
    if loss == "cross_entropy":
        target = np.asarray(target)
        if target.dtype.kind not in "iu" or target.ndim != 1:
            raise ValueError(f"labels must be (N,) integers in [0, {n_out}) for the "
                             f"cross-entropy, one class per output of {output}; got dtype "
                             f"{target.dtype}, shape {target.shape}")
        return check_labels(target, n_out, n_points)
    target = check_real_array(target, "target")
    if target.shape[-1:] != (n_points,):
        raise ValueError(f"the targets have shape {target.shape}; there are {n_points} points")
    if not np.all(np.isfinite(target)):
        raise ValueError("the targets must be finite; found NaN or inf")
    if n_out != 1:
        raise ValueError(f"loss='mse' fits one output; {output} has {n_out} outputs: give it "
                         f"one, or use loss='cross_entropy' to classify into {n_out} classes")
    check_target_shape(target, tuple(lead) + (n_points,), "target")
    return target.astype(np.float64)


def watch_every(monitor, every, forward):
    """A ``record`` hook for :func:`minregion.training.adam_loop`.

    Calls ``monitor(step, forward)`` before every step whose global index is a multiple of
    ``every`` (0 or no monitor: never); ``forward(x)`` evaluates the current model on other
    inputs (a test set, say).
    """
    if monitor is None or not every:
        return None
    return lambda step, done: (monitor(step, forward)
                               if not done and step % every == 0 else None)


def _check_budget(pretrain_epochs, epochs, lr, raw_lr):
    """Both phases' step counts and learning rates, checked before any step."""
    epochs = check_epochs(epochs)
    if not 0 <= check_epochs(pretrain_epochs, "pretrain_epochs") <= epochs:
        raise ValueError(f"pretrain_epochs must lie in [0, epochs={epochs}]; "
                         f"got {pretrain_epochs}")
    check_lr(lr)
    if raw_lr is not None:
        check_lr(raw_lr, "raw_lr", schedule=True)
    return int(pretrain_epochs), epochs


@contextmanager
def restored_on_failure(arrays):
    """Phase 1 trains the caller's arrays in place: if anything after it fails (phase 2
    diverges, an interrupt), put them back as they were before phase 1, so that a failed
    training never leaves them half-updated (as :func:`minregion.training.adam_loop` does
    for one phase)."""
    before = [a.copy() for a in arrays]
    try:
        yield
    except BaseException:
        for a, b in zip(arrays, before):
            a[...] = b
        raise


def train_difference(params, x, y, pretrain_epochs, epochs, lr=1e-3, sigmas=DEFAULT_SIGMAS,
                     lo=0.0, hi=1.0, verbose=0, raw_lr=None):
    """Both phases of the difference model; ``epochs`` Adam steps in all.

    Parameters
    ----------
    params : from :func:`minregion.extensions.difference.init_difference` (trained in place
        in phase 1)
    x, y : (N,) or (R, N) training data, x in [lo, hi]
    pretrain_epochs : phase-1 steps (both halves' parameters through the weight map)
    epochs : total steps; the remaining ``epochs - pretrain_epochs`` train the raw weights
    lr : phase 1's learning rate; raw_lr : the raw phase's (a number or a schedule), or
        None for ``lr``
    sigmas, lo, hi : as :func:`minregion.extensions.difference.init_difference`

    Returns
    -------
    nets : the two halves' trained ``(W, b)`` lists; history : History
    """
    pretrain_epochs, epochs = _check_budget(pretrain_epochs, epochs, lr, raw_lr)
    check_sigmas(sigmas)
    keys = [(h, k) for h in HALVES for k in sorted(params[h])]
    check_float_arrays([params[h][k] for h, k in keys], [f"params[{h!r}][{k!r}]" for h, k in keys])
    runs = np.shape(params["g1"]["alpha"])
    X, Y = prepare_data(x, y, runs[0] if runs else None)
    check_in_interval(X, lo, hi)
    history = History()

    def constrained_step():
        loss, grads = difference_constrained_loss_and_grads(params, X, Y, sigmas, lo, hi)
        return loss, [grads[h][k] for h, k in keys]

    def raw_step():
        loss, grads = difference_raw_loss_and_grads(nets, X, Y)
        return loss, [g for net in grads for pair in net for g in pair]

    with restored_on_failure([params[h][k] for h, k in keys]):
        adam_loop([params[h][k] for h, k in keys], constrained_step, pretrain_epochs, lr,
                  history, "constrained",
                  project=lambda: [project_params(params[h]) for h in HALVES], verbose=verbose)
        nets = [copy_layers(n) for n in difference_weight_map_forward(params, sigmas, lo, hi)[0]]
        adam_loop([p for net in nets for pair in net for p in pair], raw_step,
                  epochs - pretrain_epochs, lr if raw_lr is None else raw_lr, history, "raw",
                  verbose=verbose)
    return nets, history


def train_triangle_stack(stack, x, target, pretrain_epochs, epochs, lr=1e-3, loss="mse",
                         sigma=-1.0, monitor=None, every=0, verbose=0, raw_lr=None):
    """Both phases of a stack of triangle layers; ``epochs`` Adam steps in all.

    Parameters
    ----------
    stack : from :func:`minregion.extensions.triangle_layer.init_triangle_stack` (trained in
        place in phase 1)
    x : (D, N) training inputs as columns; target : (N,) (or (R, N)) values for ``"mse"``
        (a stack with one output) or labels in [0, n_out) for ``"cross_entropy"``
    monitor, every : called as ``monitor(step, forward)`` every ``every`` steps, where
        ``forward(x)`` evaluates the current model on other inputs (e.g. a test set)
    lr, raw_lr : as :func:`train_difference`

    Returns
    -------
    raw_stack : the trained raw parameters (phase 2); history : History
    """
    pretrain_epochs, epochs = _check_budget(pretrain_epochs, epochs, lr, raw_lr)
    check_float_arrays(constrained_arrays(stack),
                       [f"stack[{l}][{k!r}]" for l in range(len(stack)) for k in CONSTRAINED_KEYS])
    P, V = stack[0]["P"], stack[-1]["V"]
    x = check_input_columns(x, P.shape[-1])
    target = check_target(target, loss, x.shape[-1], V.shape[-2],
                          check_output_lead(P.shape[:-2], x),
                          f"the stack's last layer (stack[{len(stack) - 1}]['V'] of shape "
                          f"{V.shape})")
    loss_forward, loss_backward = LOSSES[loss]
    history = History()

    def constrained_step():
        out, caches = constrained_stack_forward(stack, x, sigma)
        value, cache = loss_forward(out, target)
        grads = constrained_stack_backward(loss_backward(1.0, cache), caches)
        return value, [g[k] for g in grads for k in CONSTRAINED_KEYS]

    def raw_step():
        out, caches = raw_stack_forward(raw, x)
        value, cache = loss_forward(out, target)
        grads = raw_stack_backward(loss_backward(1.0, cache), caches)
        return value, raw_arrays(grads)

    with restored_on_failure(constrained_arrays(stack)):
        watch = watch_every(monitor, every,
                            lambda xx: constrained_stack_forward(stack, xx, sigma)[0])
        adam_loop(constrained_arrays(stack), constrained_step, pretrain_epochs, lr, history,
                  "constrained", project=lambda: project_stack(stack), record=watch,
                  verbose=verbose)
        raw = release_stack(stack, sigma)
        watch = watch_every(monitor, every, lambda xx: raw_stack_forward(raw, xx)[0])
        adam_loop(raw_arrays(raw), raw_step, epochs - pretrain_epochs,
                  lr if raw_lr is None else raw_lr, history, "raw", record=watch,
                  verbose=verbose)
    return raw, history


def train_dense(layers, x, target, epochs, lr=1e-3, loss="mse", monitor=None, every=0,
                verbose=0):
    """Adam on a dense ``(W, b)`` list (in place), inputs ``x`` (D, N) as columns.

    Same arguments as :func:`train_triangle_stack` (``monitor(step, forward)``).
    Returns history : History.
    """
    epochs = check_epochs(epochs)
    check_lr(lr, schedule=True)
    runs = check_layers(layers)
    check_float_arrays([p for pair in layers for p in pair],
                       [f"layers[{l}][{k}]" for l in range(len(layers)) for k in (0, 1)])
    W_in, W_out = layers[0][0], layers[-1][0]
    x = check_input_columns(x, W_in.shape[-1])
    target = check_target(target, loss, x.shape[-1], W_out.shape[-2],
                          check_output_lead(runs, x),
                          f"the output layer (layers[{len(layers) - 1}]'s W of shape "
                          f"{W_out.shape})")
    loss_forward, loss_backward = LOSSES[loss]
    history = History()

    def step():
        out, caches = mlp_forward(layers, x)
        value, cache = loss_forward(out, target)
        grads, _ = mlp_backward(loss_backward(1.0, cache), caches)
        return value, [g for pair in grads for g in pair]

    watch = watch_every(monitor, every, lambda xx: mlp_forward(layers, xx)[0])
    return adam_loop([p for pair in layers for p in pair], step, epochs, lr, history, "raw",
                     record=watch, verbose=verbose)


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
