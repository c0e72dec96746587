"""A non-convex 1-D model: the difference of two constructed networks (SPEC section 8).

One construction fits convex (or concave) functions only: ``alpha (x' + sigma F(x')) + beta``
with ``F`` concave. Any function with a bounded second derivative is a difference of two
convex functions (add ``c x^2 / 2`` to it with ``c >= max(-f'')``, then subtract it again),
so the model is

.. math::  f(x) = g_1(x) - g_2(x),
           \\qquad g_k(x) = \\alpha_k (x' + \\sigma_k F_k(x')) + \\beta_k,

two depth-d width-4 constructions (:func:`minregion.construction.weight_map_forward`), each with its own
peaks ``a``, first scale ``s_0`` (Theorem 3.1 ties the other scales to the peaks), ``alpha``
and ``beta``, on the same interval [lo, hi] (``x' = (x - lo) / (hi - lo)``).

Which signs [choice]: ``sigma_1 = sigma_2 = -1``, two convex halves ``x' - F_k``, the textbook
"difference of convex functions". With ``alpha_k > 0`` a convex half minus a *concave* half
(``sigma_2 = +1``) would be convex again; it becomes non-convex only if one ``alpha_k``
turns negative. Since both ``alpha_k`` are free, the two choices span the same functions,

    f = (alpha_1 - alpha_2) x' + sigma_1 alpha_1 F_1 - sigma_2 alpha_2 F_2 + beta_1 - beta_2,

and differ only in the signs the ``alpha_k`` must take. (-1, -1) trained to a lower error in
our trials (docs/choices.md gives the numbers), so it is the default; ``sigmas`` takes
any pair.

Initial ``alpha_1, alpha_2, beta`` [choice]: one joint least-squares fit of
``alpha_1 h_1 - alpha_2 h_2 + beta`` to the data, where ``h_k`` is half k with alpha = 1,
beta = 0 (:func:`minregion.readout.lstsq_readout` with two features); ``beta_2`` starts at 0
(only ``beta_1 - beta_2`` matters).

Every function takes a leading runs axis ``R`` like the core (peaks ``(R, d + 1)`` etc.);
the two halves are the keys ``"g1"`` and ``"g2"`` of a dict.
"""
import numpy as np

from ..checks import (check_count, check_depth, check_generator, check_interval, check_layers,
                      check_peak_range, check_sigma)
from ..construction import construction_params, weight_map_backward, weight_map_forward
from ..layers import mse_backward, mse_forward
from ..mlp import mlp_backward, mlp_forward, prepare_data, to_columns
from ..readout import lstsq_readout

HALVES = ("g1", "g2")
DEFAULT_SIGMAS = (-1.0, -1.0)


def check_sigmas(sigmas):
    """``sigmas`` : a pair of -1 / +1, the signs of the two halves."""
    got = (f"{sigmas!r}" if isinstance(sigmas, (int, float, np.number)) else
           f"{sigmas!r:.60} (a {type(sigmas).__name__})")
    message = (f"sigmas must be a pair (sigma_1, sigma_2) of -1 or +1, one sign per half, "
               f"e.g. (-1, -1); got {got}")
    if not ((isinstance(sigmas, (tuple, list))
             or (isinstance(sigmas, np.ndarray) and sigmas.ndim == 1)) and len(sigmas) == 2):
        raise ValueError(message)
    try:
        return tuple(check_sigma(s) for s in sigmas)
    except ValueError:
        raise ValueError(message) from None


def check_in_interval(X, lo, hi):
    """The training inputs ``X`` (float64, any shape) must lie in [lo, hi], the interval that
    the construction maps onto [0, 1]; else a ``ValueError`` naming x, lo and hi.

    Outside, the peaks, the scales and the 2^d pieces of each half sit where there are no
    data, and the fit gets worse with no sign of why. Rounding is forgiven: x may pass the
    ends by 1e-9 of the width.
    """
    lo, hi = check_interval(lo, hi)
    low, high = float(np.min(X)), float(np.max(X))
    slack = 1e-9 * (hi - lo)
    if low < lo - slack or high > hi + slack:
        if low < high:
            hint = f"pass lo={low!r}, hi={high!r} (the range of x)"
        else:
            hint = f"pass lo, hi with lo < {low!r} < hi"
        raise ValueError(f"x must lie in [lo, hi] = [{lo:.10g}, {hi:.10g}], the interval the "
                         f"construction maps onto [0, 1]; got values in [{low:.10g}, "
                         f"{high:.10g}]: {hint}")


def construction_parameter_count(depth):
    """Raw weights and biases of one 1-4-...-4-1 network of depth d: ``8 + 20 (d - 1) + 5``."""
    return 8 + 20 * (check_depth(depth) - 1) + 5


def difference_parameter_count(depth):
    """Raw weights and biases of the difference model: two constructions, ``2 (13 + 20 (d - 1))``.

    (The two output biases are redundant, only their difference matters; they are counted.)
    """
    return 2 * construction_parameter_count(depth)


# --- the weight map of both halves ----------------------------------------------------

def difference_weight_map_forward(params, sigmas=DEFAULT_SIGMAS, lo=0.0, hi=1.0):
    """Both halves' parameters -> both halves' ``(W, b)`` lists.

    Parameters
    ----------
    params : dict ``{"g1": dict, "g2": dict}``, each as in
        :func:`minregion.construction.construction_params` (``a`` : (..., d + 1), ``s0`` :
        (...), ``alpha``, ``beta`` : (...))
    sigmas : pair of -1 / +1
    lo, hi : the input interval

    Returns
    -------
    nets : list of two ``(W, b)`` lists (``W`` : (..., 4, 1), (..., 4, 4), ..., (..., 1, 4))
    cache : the two weight-map caches
    """
    sigmas = check_sigmas(sigmas)
    nets, caches = [], []
    for half, sigma in zip(HALVES, sigmas):
        layers, cache = weight_map_forward(params[half], sigma, lo, hi)
        nets.append(layers)
        caches.append(cache)
    return nets, caches


def difference_weight_map_backward(grads, cache):
    """Backward of :func:`difference_weight_map_forward`: weight gradients -> parameter
    gradients.

    grads : two lists of ``(dW, db)``; cache : from the forward.
    Returns dparams : ``{"g1": dict, "g2": dict}`` shaped like ``params``.
    """
    return {half: weight_map_backward(g, c) for half, g, c in zip(HALVES, grads, cache)}


# --- the network: f = g_1 - g_2 -------------------------------------------------------

def difference_forward(nets, X):
    """``f = g_1(x) - g_2(x)`` for two ``(W, b)`` lists.

    Parameters
    ----------
    nets : two lists of ``(W, b)`` with one input and one output, runs axis optional
    X : (..., 1, N) inputs as columns (see :func:`minregion.mlp.prepare_data`)

    Returns
    -------
    out : (..., N) float64
    cache : the two networks' caches
    """
    out1, cache1 = mlp_forward(nets[0], X)
    out2, cache2 = mlp_forward(nets[1], X)
    return out1[..., 0, :] - out2[..., 0, :], (cache1, cache2)


def difference_backward(dout, cache):
    """Backward of :func:`difference_forward`.

    dout : (..., N) dL/df. Returns grads : two lists of ``(dW, db)`` (half 2 gets ``-dout``).
    """
    # BEGIN SOLUTION ch07 difference_backward (section 2): g1, g2 = the (dW, db) lists of both
    #   halves from dout and the cache (half 2 gets -dout; mlp_backward wants the output axis)
    g1, _ = mlp_backward(dout[..., None, :], cache[0])
    g2, _ = mlp_backward(-dout[..., None, :], cache[1])
    # END SOLUTION
    return [g1, g2]


def difference_predict(nets, x):
    """Outputs of the difference model.

    nets : two ``(W, b)`` lists; x : (N,) the same points for every run, or (R, N).
    Returns f : (N,) for one model, (R, N) with a runs axis.
    """
    runs = check_layers(nets[0])
    if check_layers(nets[1]) != runs:
        raise ValueError("the two halves must have the same runs axis")
    return difference_forward(nets, to_columns(x, 1, runs))[0]


def difference_as_mlp(nets):
    """The two halves as one plain ``(W, b)`` list, width 8, block-diagonal hidden layers.

    ``f = g_1 - g_2`` is itself a ReLU network: stack the neurons of both halves (the input
    layers one above the other, each hidden layer ``[[M^(1), 0], [0, M^(2)]]``, the output row
    ``[w^(1), -w^(2)]``). Used to count the pieces of ``f`` with ``regions.count_regions``.

    nets : two ``(W, b)`` lists without a runs axis, the same depth.
    Returns layers : list of ``(W, b)`` with widths 1-8-...-8-1.
    """
    n1, n2 = nets
    if len(n1) != len(n2):
        raise ValueError(f"the halves must have the same depth; got {len(n1) - 1} and "
                         f"{len(n2) - 1}")
    layers = []
    for l, ((W1, b1), (W2, b2)) in enumerate(zip(n1, n2)):
        if W1.ndim != 2:
            raise ValueError("difference_as_mlp takes one model (no runs axis); pick a run first")
        if l == 0:
            W = np.vstack([W1, W2])
        elif l == len(n1) - 1:
            W = np.hstack([W1, -W2])
        else:
            W = np.block([[W1, np.zeros((W1.shape[0], W2.shape[1]))],
                          [np.zeros((W2.shape[0], W1.shape[1])), W2]])
        b = b1 - b2 if l == len(n1) - 1 else np.concatenate([b1, b2])
        layers.append((W, b))
    return layers


# --- initialisation and the two losses ------------------------------------------------

def init_difference(x, y, depth, rng, runs=None, sigmas=DEFAULT_SIGMAS, lo=0.0, hi=1.0,
                    peak_low=0.25, peak_high=0.75):
    """Random peaks for both halves, ``s_0 = a_0 a_1``, least-squares alphas and beta.

    Parameters
    ----------
    x, y : training data, (N,) or (R, N) (see :func:`minregion.mlp.prepare_data`); x must
        lie in [lo, hi]
    depth : int >= 1, ReLU layers of each half
    rng : numpy.random.Generator
    runs : int or None, how many independent models (leading axis)
    sigmas, lo, hi : as :func:`difference_weight_map_forward`; [lo, hi] holds the data
    peak_low, peak_high : the peaks are drawn U(peak_low, peak_high) [choice, as Table 1]

    Returns
    -------
    params : ``{"g1": dict, "g2": dict}``, arrays ``(R, d + 1)``, ``(R,)`` ...
    """
    depth, rng = check_depth(depth), check_generator(rng)
    check_interval(lo, hi)
    check_sigmas(sigmas)
    check_peak_range(peak_low, peak_high)
    lead = () if runs is None else (check_count(runs, "runs"),)
    X, Y = prepare_data(x, y, runs)
    check_in_interval(X, lo, hi)
    params = {h: construction_params(rng.uniform(peak_low, peak_high, size=lead + (depth + 1,)))
              for h in HALVES}
    nets, _ = difference_weight_map_forward(params, sigmas, lo, hi)
    h1, h2 = (mlp_forward(net, X)[0][..., 0, :] for net in nets)
    coef, beta = lstsq_readout(np.stack(np.broadcast_arrays(h1, -h2), axis=-2), Y)
    params["g1"]["alpha"][...], params["g2"]["alpha"][...] = coef[..., 0], coef[..., 1]
    params["g1"]["beta"][...] = beta
    return params


def difference_constrained_loss_and_grads(params, X, Y, sigmas=DEFAULT_SIGMAS, lo=0.0, hi=1.0):
    """Phase 1: the MSE and its gradients with respect to both halves' parameters.

    weight map (both halves) -> f = g_1 - g_2 -> MSE -> backward -> weight map backward.

    X : (..., 1, N) columns, Y : (..., N) (from :func:`minregion.mlp.prepare_data`).
    Returns loss : (R,) or float; dparams : ``{"g1": dict, "g2": dict}``.
    """
    nets, wcache = difference_weight_map_forward(params, sigmas, lo, hi)
    out, cache = difference_forward(nets, X)
    loss, mcache = mse_forward(out, Y)
    grads = difference_backward(mse_backward(1.0, mcache), cache)
    return loss, difference_weight_map_backward(grads, wcache)


def difference_raw_loss_and_grads(nets, X, Y):
    """Phase 2: the MSE and its gradients with respect to both halves' raw ``(W, b)``.

    Returns loss : (R,) or float; grads : two lists of ``(dW, db)``.
    """
    out, cache = difference_forward(nets, X)
    loss, mcache = mse_forward(out, Y)
    return loss, difference_backward(mse_backward(1.0, mcache), cache)
