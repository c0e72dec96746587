"""Argument checks shared by the modules: a clear ``ValueError`` naming what is wrong.

The maths files (``mlp``, ``construction``, ``triangle``, ...) call these at their doors, so
that each of them reads as its maths: forward, backward, predict.
"""
import numpy as np


def check_interval(lo, hi):
    """Return ``(lo, hi)`` as floats; ``ValueError`` unless they are finite with ``lo < hi``."""
    try:
        lo, hi = float(lo), float(hi)
    except (TypeError, ValueError):
        raise ValueError(f"lo and hi must be real numbers; got lo={lo!r}, hi={hi!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"the interval [lo, hi] must be finite; got lo={lo}, hi={hi}")
    if not lo < hi:
        raise ValueError(f"the interval [lo, hi] must be non-empty, lo < hi; got lo={lo}, hi={hi}")
    width = hi - lo
    tiny = np.finfo(np.float64).tiny
    if not (np.isfinite(width) and width >= tiny * 2**52 and np.isfinite(1.0 / width)
            and np.isfinite(lo / width) and np.isfinite(hi / width)):
        raise ValueError(f"the interval [lo, hi] must have a width that float64 can divide by: "
                         f"between {tiny * 2**52:.1e} and 1e308, with lo / (hi - lo) finite; "
                         f"got lo={lo}, hi={hi} (width {width})")
    return lo, hi


def check_count(value, name):
    """An integer >= 1 (for K, n_out, a number of points ...), or a ``ValueError`` naming it."""
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise ValueError(f"{name} must be an integer >= 1; got {value!r}")
    return int(value)


def check_depth(depth):
    """``depth`` (hidden ReLU layers) as an int >= 1, or a ``ValueError``."""
    if isinstance(depth, bool) or int(depth) != depth or depth < 1:
        raise ValueError(f"depth must be an integer >= 1 (one ReLU layer at least); got {depth!r}")
    return int(depth)


def check_record_every(value):
    """``record_every``: an integer >= 0 (0: never), or a ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"record_every must be an integer >= 0 (0: never count regions); "
                         f"got {value!r}")
    return int(value)


def check_float_arrays(arrays, names):
    """Arrays that training updates in place: float64 NumPy arrays, or a ``ValueError``.

    A list, an int array or a Python float cannot be updated in place; the message says how
    to build the right thing.
    """
    for a, name in zip(arrays, names):
        if not (isinstance(a, np.ndarray) and a.dtype == np.float64):
            got = type(a).__name__ if not isinstance(a, np.ndarray) else f"{a.dtype} array"
            raise ValueError(f"{name} must be a float64 NumPy array (training updates it in "
                             f"place); got {got}: convert it with np.asarray(..., dtype=float)")


def check_epochs(epochs, name="epochs"):
    """A number of Adam steps: an integer >= 0, or a ``ValueError`` naming it."""
    if isinstance(epochs, bool) or int(epochs) != epochs or epochs < 0:
        raise ValueError(f"{name} must be an integer >= 0; got {epochs!r}")
    return int(epochs)


def check_peak_range(peak_low, peak_high):
    """Where random peaks are drawn: ``0 < peak_low < peak_high < 1``, or a ``ValueError``."""
    if not 0 < peak_low < peak_high < 1:
        raise ValueError(f"peaks must be drawn inside (0, 1), 0 < peak_low < peak_high < 1; "
                         f"got [{peak_low}, {peak_high}]")
    return float(peak_low), float(peak_high)


def check_budget(config):
    """The training budget of a configuration (``epochs``, ``pretrain_epochs``,
    ``pretrain_in_budget``, ``lr``, ``peak_low``, ``peak_high``, ``depth``, ``runs``,
    ``seeds``), or a ``ValueError`` naming what is wrong."""
    check_depth(config.depth)
    check_count(config.runs, "runs")
    check_count(config.epochs, "epochs")
    check_epochs(config.pretrain_epochs, "pretrain_epochs")
    if config.pretrain_in_budget and config.pretrain_epochs > config.epochs:
        raise ValueError(f"pretrain_epochs must lie in [0, epochs={config.epochs}] when phase 1 "
                         f"is part of the budget; got {config.pretrain_epochs}")
    seeds = list(config.seeds)
    if (not seeds or len(set(seeds)) != len(seeds)
            or any(isinstance(s, bool) or int(s) != s or s < 0 for s in seeds)):
        raise ValueError(f"seeds must be distinct integers >= 0, at least one; got {seeds}")
    if not (np.isfinite(config.lr) and config.lr > 0):
        raise ValueError(f"lr must be > 0; got {config.lr}")
    check_peak_range(config.peak_low, config.peak_high)
    return config


# --- networks and their data -------------------------------------------------------------

def check_layers(layers, n_in=None, n_out=None, one_network=False):
    """Validate a ``(W, b)`` list and return its runs shape (``()`` for one network).

    Parameters
    ----------
    layers : list of ``(W, b)``
    n_in, n_out : int or None, the number of inputs / outputs the caller needs
    one_network : bool, refuse a runs axis

    Raises
    ------
    ValueError naming the layer and the shapes when consecutive layers do not fit, when a
    weight is NaN or infinite, or when the network is not what the caller needs.
    """
    if not isinstance(layers, (list, tuple)) or len(layers) == 0:
        raise ValueError("layers must be a non-empty list of (W, b) pairs")
    runs = None
    for l, pair in enumerate(layers):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise ValueError(f"layers[{l}] must be a pair (W, b); got {pair!r:.60}")
        W, b = (np.asarray(p) for p in pair)
        if W.ndim < 2:
            raise ValueError(f"layers[{l}]: W must have shape (fan_out, fan_in); got {W.shape}")
        if b.shape != W.shape[:-1]:
            raise ValueError(f"layers[{l}]: b has shape {b.shape}, expected {W.shape[:-1]} "
                             f"for W of shape {W.shape}")
        if runs is None:
            runs = W.shape[:-2]
        elif W.shape[:-2] != runs:
            raise ValueError(f"layers[{l}]: runs axis {W.shape[:-2]} differs from layers[0]'s {runs}")
        if l > 0:
            prev = np.shape(layers[l - 1][0])
            if W.shape[-1] != prev[-2]:
                raise ValueError(f"layers[{l}]: W has fan_in {W.shape[-1]} but layers[{l-1}] "
                                 f"has fan_out {prev[-2]} (shapes {prev} and {W.shape})")
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
            raise ValueError(f"layers[{l}]: W and b must be finite (found NaN or inf)")
    first, last = np.shape(layers[0][0]), np.shape(layers[-1][0])
    if one_network and runs != ():
        raise ValueError(f"this takes one network; layers[0]'s W has shape {first}, with a "
                         f"runs axis: pick one run, [(W[r], b[r]) for W, b in layers]")
    if n_in is not None and first[-1] != n_in:
        want = "one input" if n_in == 1 else f"{n_in} inputs"
        raise ValueError(f"layers[0]: W has shape {first}; a network with {want} needs "
                         f"shape (width, {n_in})")
    if n_out is not None and last[-2] != n_out:
        want = "one output" if n_out == 1 else f"{n_out} outputs"
        raise ValueError(f"layers[{len(layers) - 1}] (the output layer): W has shape {last}; "
                         f"expected {want}, shape ({n_out}, {last[-1]})")
    return runs




def check_points(x, n_in, runs=(), name="x"):
    """Points as rows, checked: ``x`` as a float64 array (N, n_in) or (R, N, n_in).

    Parameters
    ----------
    x : (N,) (one input), (N, n_in); with a runs axis ``R`` also (R, N) (one input, each run
        its own points) or (R, N, n_in)
    n_in : int, the number of inputs of the network
    runs : tuple, the runs shape of the network (``()`` for one network)
    name : the argument's name, for the error messages
    """
    x = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite (found NaN or inf)")
    if n_in == 1 and (x.ndim == 1 or (runs and x.ndim == 2 and x.shape[0] == runs[0]
                                        and x.shape[-1] != 1)):
        x = x[..., None]
    if x.ndim < 2 or x.shape[-1] != n_in or x.shape[-2] == 0:
        raise ValueError(f"{name} has shape {x.shape}; the network takes {n_in} input(s), "
                         f"so {name} must be (N,) or (N, {n_in}) with N >= 1" if n_in == 1 else
                         f"{name} has shape {x.shape}; expected (N, {n_in}) with N >= 1")
    if x.ndim == 3 and (not runs or x.shape[0] != runs[0]):
        raise ValueError(f"{name} has {x.shape[0]} rows of points but there are "
                         f"{runs[0] if runs else 'no'} runs")
    if x.ndim > 3:
        raise ValueError(f"{name} has shape {x.shape}; expected at most one runs axis")
    return x


def check_columns(x, n_in, name="x"):
    """Finite float64 inputs already in the column layout ``(..., n_in, N)``, or a clear error."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2 or x.shape[-2] != n_in:
        raise ValueError(f"{name} has shape {x.shape}; there are D = {n_in} input dimension(s), "
                         f"so {name} must be (..., {n_in}, N) (points as columns)")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite; found NaN or inf")
    return x




def check_data(x, y, runs=None):
    """Training data of one-input networks, checked: x and y as float64 arrays.

    x : (N,) or (R, N) inputs; y : (N,) or (R, N) targets; runs : R, or None for one network
    without a runs axis (then x and y must be (N,)). Returns (x, y).
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    for name, v in (("x", x), ("y", y)):
        if v.ndim not in (1, 2) or v.shape[-1] == 0:
            raise ValueError(f"{name} must have shape (N,) or (R, N) with N >= 1; got {v.shape}")
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{name} must be finite; found NaN or inf")
        if np.max(np.abs(v)) > 1e150:
            raise ValueError(f"{name} has values as large as {np.max(np.abs(v)):.3g}: their "
                             f"squares overflow float64; rescale the data")
        if runs is None and v.ndim != 1:
            raise ValueError(f"{name} must have shape (N,) for one network; got {v.shape}")
        if runs is not None and v.ndim == 2 and v.shape[0] != runs:
            raise ValueError(f"{name} has {v.shape[0]} rows but there are {runs} runs")
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"x and y must hold the same number of points; got {x.shape} and {y.shape}")
    return x, y


# --- the construction ----------------------------------------------------------------------

def check_peaks(a, name="a"):
    """Return the peaks as a float64 array ``(..., d + 1)``, or raise a clear ``ValueError``.

    Every peak must lie in the open interval (0, 1), and there must be at least two
    (a depth-d network uses a_0 .. a_d, and d >= 1).
    """
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0 or a.shape[-1] < 2:
        raise ValueError(f"peaks {name} must have length d + 1 >= 2 (depth d >= 1); "
                         f"got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"peaks {name} must be finite; found NaN or inf")
    if np.any(a <= 0) or np.any(a >= 1):
        raise ValueError(f"every peak in {name} must lie in the open interval (0, 1); "
                         f"got values from {a.min():.6g} to {a.max():.6g}")
    return a



def check_sigma(sigma):
    """``sigma`` selects x - F (``-1``, convex shapes) or x + F (``+1``, concave shapes)."""
    if sigma not in (-1, 1, -1.0, 1.0):
        raise ValueError(f"sigma must be -1 (convex, x - F) or +1 (concave, x + F); got {sigma}")
    return float(sigma)




def check_map_params(params, sigma, lo, hi):
    """The weight map's arguments, checked (``construction.weight_map_forward``).

    Returns sigma (float), lo, hi (floats), a (..., d + 1) the peaks, and alpha, beta (...)
    broadcast to the peaks' leading shape; the scales are checked by ``construction.scales``.
    """
    sigma = check_sigma(sigma)
    lo, hi = check_interval(lo, hi)
    a = check_peaks(params["a"], name="params['a']")
    lead = a.shape[:-1]
    alpha = np.broadcast_to(np.asarray(params["alpha"], np.float64), lead)
    beta = np.broadcast_to(np.asarray(params["beta"], np.float64), lead)
    if not (np.all(np.isfinite(alpha)) and np.all(np.isfinite(beta))):
        raise ValueError("alpha and beta must be finite")
    return sigma, lo, hi, a, alpha, beta


def check_scales_shape(S, a):
    """The scale ratios S must be (..., d) for peaks a of shape (..., d + 1)."""
    want = a.shape[:-1] + (a.shape[-1] - 1,)
    if S.shape != want:
        raise ValueError(f"scales have shape {S.shape}; peaks {a.shape} need {want}")


def check_entries_finite(A, B, a):
    """The matrix entries A_i, B_i (..., d) must be finite: near-0 or near-1 peaks overflow."""
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B))):
        raise ValueError(f"the weight map overflows: an entry S_i / a_i or S_i / (a_i (1 - a_i)) "
                         f"is not finite for peaks from {a.min():.3g} to {a.max():.3g}; use peaks "
                         f"further from 0 and 1 (training keeps them in [1e-3, 1 - 1e-3])")


def check_weight_grads(grads, a):
    """``grads``: one ``(dW, db)`` per layer of the network that the peaks ``a`` (..., d + 1)
    build, with the layers' shapes (``construction.weight_map_backward``); else ValueError."""
    lead, d = a.shape[:-1], a.shape[-1] - 1
    if not isinstance(grads, (list, tuple)) or len(grads) != d + 1:
        raise ValueError(f"grads must hold one (dW, db) per layer of the depth-{d} network, "
                         f"{d + 1} in all; got {len(grads) if hasattr(grads, '__len__') else grads!r}")
    want = [((4, 1), (4,))] + [((4, 4), (4,))] * (d - 1) + [((1, 4), (1,))]
    for l, (pair, (W_shape, b_shape)) in enumerate(zip(grads, want)):
        if (len(pair) != 2 or np.shape(pair[0]) != lead + W_shape
                or np.shape(pair[1]) != lead + b_shape):
            raise ValueError(f"grads[{l}] must be (dW, db) of shapes {lead + W_shape} and "
                             f"{lead + b_shape}; got {[np.shape(p) for p in pair]}")
