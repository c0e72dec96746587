"""Argument checks shared by the modules: a clear ``ValueError`` naming what is wrong.

The maths files (``mlp``, ``construction``, ``triangle``, ...) call these at their doors, so
that each of them reads as its maths: forward, backward, predict.
"""
import math
import numbers
from decimal import Decimal

import numpy as np


def check_real_number(value, name):
    """A real number as a float (an int, a float, a NumPy scalar), or a ``ValueError``
    naming it: a string, None, a complex number or an array are refused, never converted."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a real number; got {value!r:.60} "
                         f"(a {type(value).__name__})")
    return float(value)


def check_real_array(value, name):
    """``value`` as a float64 array, or a ``ValueError`` naming it when it does not hold
    real numbers: strings, None, complex numbers (whose imaginary part would be dropped
    silently), ragged lists. Integers, floats and exact numbers (``Fraction``) are
    converted."""
    try:
        a = np.asarray(value)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be an array of real numbers; {err}") from None
    kind = a.dtype.kind
    if kind in "iuf":
        return a.astype(np.float64, copy=False)
    if kind == "c":
        raise ValueError(f"{name} must hold real numbers; got a complex array ({a.dtype}): "
                         f"minregion's networks are real, pass np.real(...) if the imaginary "
                         f"parts are zero")
    if kind == "O" and all(isinstance(v, (numbers.Real, Decimal))
                           and not isinstance(v, (bool, np.bool_)) for v in a.flat):
        return a.astype(np.float64)
    what = {"U": "strings", "S": "bytes", "b": "booleans", "O": "objects that are not real "
            "numbers"}.get(kind, f"{a.dtype}")
    raise ValueError(f"{name} must hold real numbers (ints or floats); got {what}, "
                     f"dtype {a.dtype}")


def check_interval(lo, hi):
    """Return ``(lo, hi)`` as floats; ``ValueError`` unless they are finite with ``lo < hi``."""
    try:
        lo, hi = check_real_number(lo, "lo"), check_real_number(hi, "hi")
    except ValueError:
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


def _kind(value):
    """How an argument of the wrong type is named in a message: ``'5' (a str)``."""
    return f"{value!r}" if isinstance(value, (int, float, np.number)) else \
        f"{value!r:.60} (a {type(value).__name__})"


def check_integer(value, name, minimum, why=""):
    """An integer >= ``minimum`` (an int, a NumPy integer, or a float with an integer
    value), or a ``ValueError`` naming it; never an OverflowError or TypeError for inf, NaN,
    None or a string."""
    if isinstance(value, (bool, np.bool_)):
        ok = False
    elif isinstance(value, (int, np.integer)):
        ok = True
    elif isinstance(value, (float, np.floating)):
        ok = bool(np.isfinite(value)) and float(value).is_integer()
    else:
        ok = False
    if not ok or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}{why}; got {_kind(value)}")
    return int(value)


def check_count(value, name):
    """An integer >= 1 (for K, n_out, a number of points ...), or a ``ValueError`` naming it."""
    return check_integer(value, name, 1)


def check_depth(depth):
    """``depth`` (hidden ReLU layers) as an int >= 1, or a ``ValueError``."""
    return check_integer(depth, "depth", 1, " (one ReLU layer at least)")


def check_positive(value, name):
    """A finite real number > 0 (``eps``, a step size ...), or a ``ValueError`` naming it."""
    if not check_real_number(value, name) > 0 or not np.isfinite(value):
        raise ValueError(f"{name} must be > 0 and finite; got {_kind(value)}")
    return float(value)


def check_nonnegative(value, name):
    """A finite real number >= 0 (a noise level ...), or a ``ValueError`` naming it."""
    if not check_real_number(value, name) >= 0 or not np.isfinite(value):
        raise ValueError(f"{name} must be >= 0 and finite; got {_kind(value)}")
    return float(value)


def check_finite(value, name):
    """A finite real number, or a ``ValueError`` naming it (NaN and inf too)."""
    if not np.isfinite(check_real_number(value, name)):
        raise ValueError(f"{name} must be a finite real number; got {_kind(value)}")
    return float(value)


def check_fraction(value, name):
    """A real number in [0, 1) (Adam's ``beta1``, ``beta2``), or a ``ValueError`` naming it."""
    if not 0 <= check_real_number(value, name) < 1:
        raise ValueError(f"{name} must lie in [0, 1); got {_kind(value)}")
    return float(value)


def check_instance(value, kind, name, what):
    """``value`` if it is a ``kind``, else a ``ValueError`` naming it and saying ``what`` it
    must be, instead of an AttributeError further down."""
    if not isinstance(value, kind):
        raise ValueError(f"{name} must be {what}; got {_kind(value)}")
    return value


def check_generator(rng, name="rng"):
    """A ``numpy.random.Generator``, or a ``ValueError``: None, a seed or the ``np.random``
    module (which would draw from NumPy's global state) are refused."""
    return check_instance(rng, np.random.Generator, name,
                          "a numpy.random.Generator (np.random.default_rng(seed))")


def check_verbose(verbose):
    """``verbose``: print a line every this many steps, an integer >= 0 (0: silent)."""
    return check_integer(verbose, "verbose", 0, " (a line every this many steps; 0: silent)")


def check_lr(lr, name="lr", schedule=False):
    """A learning rate: a finite real number > 0 (with ``schedule``, also a function
    ``lr(t)`` of the step), or a ``ValueError`` naming it (a string or a complex number too)."""
    if schedule and callable(lr):
        return lr
    if (isinstance(lr, (bool, np.bool_)) or not isinstance(lr, (int, float, np.integer,
                                                                 np.floating))
            or not (np.isfinite(lr) and lr > 0)):
        also = " or a schedule lr(t)" if schedule else ""
        raise ValueError(f"{name} must be > 0 and finite, a real number{also}; "
                         f"got {_kind(lr)}")
    return float(lr)


def check_record_every(value):
    """``record_every``: an integer >= 0 (0: never), or a ``ValueError``."""
    if isinstance(value, (float, np.floating)):
        raise ValueError(f"record_every must be an integer >= 0 (0: never count regions); "
                         f"got {value!r}")
    return check_integer(value, "record_every", 0, " (0: never count regions)")


def check_float_arrays(arrays, names, who="training"):
    """Arrays that training (or ``who``) updates in place: writable float64 NumPy arrays, or a
    ``ValueError``.

    A list, an int array or a Python float cannot be updated in place, nor can a read-only
    array; the message says how to build the right thing.
    """
    for a, name in zip(arrays, names):
        if not (isinstance(a, np.ndarray) and a.dtype == np.float64):
            got = type(a).__name__ if not isinstance(a, np.ndarray) else f"{a.dtype} array"
            raise ValueError(f"{name} must be a float64 NumPy array ({who} updates it in "
                             f"place); got {got}: convert it with np.asarray(..., dtype=float)")
        if not a.flags.writeable:
            raise ValueError(f"{name} is a read-only array, and {who} updates it in place: "
                             f"pass a writable copy (np.array(...) makes one)")


def check_epochs(epochs, name="epochs"):
    """A number of Adam steps: an integer >= 0, or a ``ValueError`` naming it."""
    return check_integer(epochs, name, 0)


def check_peak_range(peak_low, peak_high):
    """Where random peaks are drawn: ``0 < peak_low < peak_high < 1``, or a ``ValueError``."""
    peak_low = check_real_number(peak_low, "peak_low")
    peak_high = check_real_number(peak_high, "peak_high")
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
    check_lr(config.lr)
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
        W = check_real_array(pair[0], f"layers[{l}]: W")
        b = check_real_array(pair[1], f"layers[{l}]: b")
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




def check_forward(layers, x):
    """``mlp_forward``'s arguments, in a few tests per layer (it runs at every training step).

    layers : a non-empty list of ``(W, b)`` NumPy arrays of real numbers whose shapes fit;
    x : (..., n_in, N) finite real numbers, points as columns. Returns x; a ``ValueError``
    names what is wrong. The weights' values are not read here: :func:`check_layers` checks
    them where a network comes in (``mlp_predict``, the trainers, the region counter).
    """
    if not isinstance(layers, (list, tuple)) or len(layers) == 0:
        raise ValueError(f"layers must be a non-empty list of (W, b) pairs; got {_kind(layers)}")
    if not (isinstance(x, np.ndarray) and x.dtype == np.float64):
        x = check_real_array(x, "x")
    if x.ndim < 2:
        raise ValueError(f"x must have shape (..., n_in, N), points as columns; got {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("x must be finite (found NaN or inf)")
    rows, runs, source = x.shape[-2], x.shape[:-2], -1      # source: where runs comes from
    for l, pair in enumerate(layers):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise ValueError(f"layers[{l}] must be a pair (W, b); got {pair!r:.60}")
        W, b = pair
        if not (isinstance(W, np.ndarray) and isinstance(b, np.ndarray)
                and W.dtype.kind in "fiu" and b.dtype.kind in "fiu"):
            raise ValueError(f"layers[{l}]: W and b must be NumPy arrays of real numbers; got "
                             f"{[getattr(v, 'dtype', type(v).__name__) for v in (W, b)]}")
        if W.ndim < 2 or W.shape[-1] != rows or b.shape != W.shape[:-1]:
            before = f"layers[{l - 1}] has fan_out {rows}" if l else f"x has shape {x.shape}"
            raise ValueError(f"layers[{l}]: W must be (..., fan_out, {rows}) and b (..., "
                             f"fan_out), as {before}; got W {W.shape}, b {b.shape}")
        rows = W.shape[-2]
        if W.shape[:-2] != runs:                 # runs axes (cheap: only where they differ)
            try:
                runs = np.broadcast_shapes(runs, W.shape[:-2]) if runs else W.shape[:-2]
            except ValueError:
                what = (f"x (shape {x.shape})" if source < 0 else
                        f"layers[{source}]'s W (shape {np.shape(layers[source][0])})")
                raise ValueError(f"layers[{l}]: W has runs axes {W.shape[:-2]} (shape "
                                 f"{W.shape}) but {what} has {runs}: the runs axes must be "
                                 f"equal, or absent where every run shares the array") from None
            source = l
    return x


def check_caches(dout, caches):
    """``mlp_backward``'s arguments: every cache of one ``mlp_forward`` call (a ReLU on every
    layer but the last) and ``dout`` of the output's shape; else a ``ValueError``."""
    if not isinstance(caches, (list, tuple)) or len(caches) == 0:
        raise ValueError(f"caches must be the non-empty list that mlp_forward returns; got "
                         f"{_kind(caches)}")
    relu = [isinstance(c, tuple) and len(c) == 2 and c[1] is not None for c in caches]
    if relu != [True] * (len(caches) - 1) + [False]:
        raise ValueError(f"caches must hold every layer's cache from one mlp_forward call, the "
                         f"output layer's (no ReLU) last; got {len(caches)} with a ReLU at "
                         f"{relu}: pass all of them, not a slice")
    x, W = caches[-1][0]
    if not (isinstance(dout, np.ndarray) and dout.dtype == np.float64):
        dout = check_real_array(dout, "dout")
    if dout.shape[-2:] != (W.shape[-2], x.shape[-1]) or dout.ndim != max(W.ndim, x.ndim):
        raise ValueError(f"dout must have the output's shape, (..., {W.shape[-2]}, "
                         f"{x.shape[-1]}) with {max(W.ndim, x.ndim)} axes; got {dout.shape}")
    return dout


def check_targets(pred, y):
    """``mse_forward``'s arguments, in a few cheap tests (it runs at every training step):
    ``pred`` (..., N) with N >= 1 and ``y`` of one target per point, (N,) or shaped like
    ``pred`` (its leading axes 1 or ``pred``'s: broadcasting must not add axes, which would
    turn one loss per network into one per point). Returns (pred, y), float arrays; else a
    ``ValueError`` naming them and their shapes."""
    if not (isinstance(pred, np.ndarray) and pred.dtype.kind == "f"):
        pred = check_real_array(pred, "pred")
    if not (isinstance(y, np.ndarray) and y.dtype.kind == "f"):
        y = check_real_array(y, "y")
    if pred.ndim == 0 or pred.shape[-1] == 0:
        raise ValueError(f"pred must have shape (..., N) with N >= 1 points (one value per "
                         f"point); got shape {pred.shape}")
    if y.shape != pred.shape and (
            y.ndim == 0 or y.ndim > pred.ndim or y.shape[-1] != pred.shape[-1]
            or any(k != 1 and k != n for k, n in zip(y.shape[:-1], pred.shape[-y.ndim:-1]))):
        raise ValueError(f"y has shape {y.shape} and pred {pred.shape}: y must hold one target "
                         f"per point, shape ({pred.shape[-1]},) or pred's shape (one row per "
                         f"run); broadcasting them would give one loss per point, not per "
                         f"network")
    return pred, y


def check_finite_targets(loss, y):
    """``mse_forward``'s targets ``y`` must be finite, tested through its ``loss`` (a few
    numbers, where ``y`` has one per point): only when a loss is NaN or inf are the targets
    read, and a ``ValueError`` raised if they hold NaN or inf. A non-finite ``pred`` (a
    diverging training) is left to the training loops, which say what diverged and why."""
    total = loss if loss.ndim == 0 else np.add.reduce(loss, axis=None)
    if not math.isfinite(total) and not np.isfinite(y).all():
        raise ValueError("y must be finite; found NaN or inf in the targets")


def check_finite_output(out, who):
    """``out``, the values a network computed, or a ``ValueError`` when one overflowed
    float64 (inf, or NaN from inf - inf): never returned as if it were a result."""
    if not np.isfinite(out).all():
        largest = np.max(np.abs(out[np.isfinite(out)]), initial=0)
        raise ValueError(f"{who}: the network's output overflows float64 (inf or NaN) for these "
                         f"inputs, though weights and inputs are finite: they are too large "
                         f"together (largest |output| {largest:.3g} where finite); scale the "
                         f"weights or the inputs down")
    return out


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
    x = check_real_array(x, name)
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
    x = check_real_array(x, name)
    if x.ndim < 2 or x.shape[-2] != n_in:
        raise ValueError(f"{name} has shape {x.shape}; there are D = {n_in} input dimension(s), "
                         f"so {name} must be (..., {n_in}, N) (points as columns)")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite; found NaN or inf")
    return x




def check_samples(v, name):
    """One number per point, (N,) or (R, N) with N >= 1, finite and small enough to square:
    ``v`` as a float64 array, or a ``ValueError`` naming it."""
    v = check_real_array(v, name)
    if v.ndim not in (1, 2) or v.shape[-1] == 0:
        raise ValueError(f"{name} must have shape (N,) or (R, N) with N >= 1; got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be finite; found NaN or inf")
    if np.max(np.abs(v)) > 1e150:
        raise ValueError(f"{name} has values as large as {np.max(np.abs(v)):.3g}: their "
                         f"squares overflow float64; rescale the data")
    return v


def check_readout_data(g, y):
    """``readout.fit_alpha_beta``'s arguments: the feature ``g`` and the targets ``y``, each
    (N,) or (R, N) (:func:`check_samples`), with the same N, and the same R when both have
    rows. Returns (g, y) as float64 arrays; else a ``ValueError`` naming them."""
    g, y = check_samples(g, "g"), check_samples(y, "y")
    if g.shape[-1] != y.shape[-1]:
        raise ValueError(f"g and y must hold the same number of points; got shapes {g.shape} "
                         f"and {y.shape}")
    if g.ndim == y.ndim == 2 and g.shape[0] != y.shape[0]:
        raise ValueError(f"g has {g.shape[0]} rows (runs) and y {y.shape[0]}: one row per run "
                         f"each, or y of shape ({y.shape[-1]},), the same targets for every run")
    return g, y


def check_data(x, y, runs=None):
    """Training data of one-input networks, checked: x and y as float64 arrays.

    x : (N,) or (R, N) inputs; y : (N,) or (R, N) targets; runs : R, or None for one network
    without a runs axis (then x and y must be (N,)). Returns (x, y).
    """
    x, y = check_samples(x, "x"), check_samples(y, "y")
    for name, v in (("x", x), ("y", y)):
        if runs is None and v.ndim != 1:
            raise ValueError(f"{name} must have shape (N,) for one network; got {v.shape}")
        if runs is not None and v.ndim == 2 and v.shape[0] != runs:
            raise ValueError(f"{name} has {v.shape[0]} rows but there are {runs} runs")
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"x and y must hold the same number of points; got {x.shape} and {y.shape}")
    return x, y


def check_in_interval(x, lo, hi, name="x"):
    """Inputs of the construction, checked: every value of ``x`` (finite, already checked)
    in [lo, hi], the interval its input layer maps onto [0, 1]. Outside it the waves are not
    the paper's and a fit only degrades, silently; so a ``ValueError`` names the values found
    and an interval that holds them. Returns ``x``."""
    lo, hi = check_interval(lo, hi)
    low, high = float(np.min(x)), float(np.max(x))
    if low < lo or high > hi:
        raise ValueError(f"{name} must lie in [lo, hi] = [{lo:g}, {hi:g}], the interval the "
                         f"construction maps onto [0, 1]; got values in [{low:g}, {high:g}]: "
                         f"pass lo={min(lo, low)!r}, hi={max(hi, high)!r}")
    return x


# --- the construction ----------------------------------------------------------------------

def check_peaks(a, name="a"):
    """Return the peaks as a float64 array ``(..., d + 1)``, or raise a clear ``ValueError``.

    Every peak must lie in the open interval (0, 1), and there must be at least two
    (a depth-d network uses a_0 .. a_d, and d >= 1).
    """
    a = check_real_array(a, f"peaks {name}")
    if a.ndim == 0 or a.shape[-1] < 2:
        raise ValueError(f"peaks {name} must have length d + 1 >= 2 (depth d >= 1); "
                         f"got shape {a.shape}")
    return check_peak_values(a, name)


def check_peak_values(a, name):
    """Every entry of the float64 array ``a`` (non-empty) in the open interval (0, 1);
    else a ``ValueError`` naming the peaks ``name``. Returns ``a``."""
    if a.min() > 0 and a.max() < 1:         # two passes, NaN fails them too: the usual case
        return a
    if not np.all(np.isfinite(a)):
        raise ValueError(f"peaks {name} must be finite; found NaN or inf")
    if np.any(a <= 0) or np.any(a >= 1):
        raise ValueError(f"every peak in {name} must lie in the open interval (0, 1); "
                         f"got values from {a.min():.6g} to {a.max():.6g}")
    return a


def check_peak_vector(a, name="a"):
    """The peaks a_0 .. a_(K-1) of K waves: a vector (K,) (K = 0 allowed: no wave), every
    peak in (0, 1); else a ``ValueError`` naming them. Returns a float64 array."""
    a = check_real_array(a, f"peaks {name}")
    if a.ndim != 1:
        raise ValueError(f"peaks {name} must be a vector (K,), one peak per wave; got shape "
                         f"{a.shape}")
    return check_peak_values(a, name) if a.size else a


def check_unit_values(y, name):
    """Points of [0, 1], the domain of the triangle map T_a and of its waves: ``y`` as a
    float64 array, or a ``ValueError`` naming it (NaN and inf too). Outside [0, 1] the
    formulas are not T_a (T_a(2) would be -2 for a = 1/2, not a value of a wave)."""
    y = check_real_array(y, name)
    if y.size and not (y.min() >= 0 and y.max() <= 1):
        if not np.all(np.isfinite(y)):
            raise ValueError(f"{name} must be finite (found NaN or inf)")
        raise ValueError(f"{name} must lie in [0, 1], the domain of the triangle map T_a; got "
                         f"values from {y.min():.6g} to {y.max():.6g} (map [lo, hi] onto [0, 1] "
                         f"first: (x - lo) / (hi - lo))")
    return y



def check_sigma(sigma):
    """``sigma`` selects x - F (``-1``, convex shapes) or x + F (``+1``, concave shapes)."""
    number = isinstance(sigma, (int, float, np.integer, np.floating))
    if isinstance(sigma, (bool, np.bool_)) or not number or sigma not in (-1, 1):
        raise ValueError(f"sigma must be -1 (convex, x - F) or +1 (concave, x + F); "
                         f"got {_kind(sigma)}")
    return float(sigma)




def check_broadcast(value, shape, name):
    """``value`` (a number, or one per run) as a float64 array broadcast to ``shape``, or a
    ``ValueError`` naming it, instead of NumPy's broadcasting error."""
    value = check_real_array(value, name)
    try:
        return np.broadcast_to(value, shape)
    except ValueError:
        raise ValueError(f"{name} must be a number or an array of shape {shape} (one per "
                         f"run of the peaks); got shape {value.shape}") from None


def check_param_dict(params):
    """The construction's parameters: a dict with ``'a'``, ``'alpha'``, ``'beta'`` and one of
    ``'s0'`` (Theorem 3.1) or ``'S'`` (free scale ratios), nothing else; else a ``ValueError``."""
    if not isinstance(params, dict):
        raise ValueError(f"params must be a dict of the construction's parameters (see "
                         f"construction_params); got {_kind(params)}")
    keys = set(params)
    if ({"a", "alpha", "beta"} - keys or keys - {"a", "alpha", "beta", "s0", "S"}
            or ("s0" in keys) == ("S" in keys)):
        raise ValueError(f"params must hold the keys 'a', 'alpha', 'beta' and one of 's0' "
                         f"(Theorem 3.1) or 'S' (free scale ratios), and nothing else; got "
                         f"keys {sorted(map(repr, keys))}")
    return params


def check_param_shapes(params):
    """Parameters that training updates in place must not rely on broadcasting: with peaks
    ``a`` (..., d + 1), ``s0``, ``alpha``, ``beta`` must be (...) and ``S`` (..., d)."""
    lead, d = np.shape(params["a"])[:-1], np.shape(params["a"])[-1] - 1
    for k in params:
        want = np.shape(params["a"]) if k == "a" else lead + (d,) if k == "S" else lead
        if np.shape(params[k]) != want:
            raise ValueError(f"params[{k!r}] has shape {np.shape(params[k])}; with peaks a of "
                             f"shape {np.shape(params['a'])} training needs {want} (one value "
                             f"per run; construction_params(a, ...) builds them)")


def check_projection(params, margin, min_scale):
    """``construction.project_params``'s arguments, in a few cheap tests (it runs after every
    phase-1 step): ``params`` a dict whose ``'a'`` and ``'s0'`` (or ``'S'``) are writable
    float64 arrays (clipped in place), ``0 < margin <= 0.5`` (the peaks go into [margin,
    1 - margin], inside (0, 1) where the construction is defined) and ``min_scale`` > 0 and
    finite (a scale must stay > 0). Returns the scale's key; else a ``ValueError``."""
    if not (isinstance(params, dict) and "a" in params and ("s0" in params) != ("S" in params)):
        keys = sorted(map(repr, params)) if isinstance(params, dict) else None
        raise ValueError(f"params must be a dict of the construction's parameters holding 'a' "
                         f"and one of 's0' (Theorem 3.1) or 'S' (free scale ratios); got "
                         + (f"keys {keys}" if keys is not None else _kind(params)))
    key = "S" if "S" in params else "s0"
    a, s = params["a"], params[key]
    if not (isinstance(a, np.ndarray) and a.dtype.char == "d" and a.flags.writeable
            and isinstance(s, np.ndarray) and s.dtype.char == "d" and s.flags.writeable):
        check_float_arrays((a, s), ("params['a']", f"params[{key!r}]"), "project_params")
    if not (type(margin) is float and 0 < margin <= 0.5):      # (a float: the cheap test)
        if not 0 < check_real_number(margin, "margin") <= 0.5:
            raise ValueError(f"margin must lie in (0, 0.5]: the peaks are clipped into "
                             f"[margin, 1 - margin], inside (0, 1) where the construction is "
                             f"defined; got {_kind(margin)}")
    if not (type(min_scale) is float and 0 < min_scale < math.inf):
        check_positive(min_scale, "min_scale")
    return key


def check_map_params(params, sigma, lo, hi):
    """The weight map's arguments, checked (``construction.weight_map_forward``).

    Returns sigma (float), lo, hi (floats), a (..., d + 1) the peaks, and alpha, beta (...)
    broadcast to the peaks' leading shape; the scales are checked by ``construction.scales``.
    """
    sigma = check_sigma(sigma)
    lo, hi = check_interval(lo, hi)
    a = check_peaks(check_param_dict(params)["a"], name="params['a']")
    lead = a.shape[:-1]
    alpha = check_broadcast(params["alpha"], lead, "params['alpha']")
    beta = check_broadcast(params["beta"], lead, "params['beta']")
    if not (np.all(np.isfinite(alpha)) and np.all(np.isfinite(beta))):
        raise ValueError("alpha and beta must be finite")
    return sigma, lo, hi, a, alpha, beta


def check_scales_shape(S, a):
    """The scale ratios S must be (..., d) for peaks a of shape (..., d + 1)."""
    want = a.shape[:-1] + (a.shape[-1] - 1,)
    if S.shape != want:
        raise ValueError(f"scales have shape {S.shape}; peaks {a.shape} need {want}")


def check_scales_finite(s, S, free):
    """The scales ``s = cumprod(S)`` (..., d) must be finite: free ratios ``S`` whose product
    exceeds float64 (1e300 twice) are named, never passed on as inf weights or blamed on
    alpha and beta. (Under Theorem 3.1 the ratios after ``s_0`` are below 1: no overflow.)"""
    if free and not np.isfinite(s).all():
        raise ValueError(f"params['S']: the scales s_i = S_0 S_1 ... S_i overflow float64 (free "
                         f"scale ratios up to {np.max(S):.3g}, their product "
                         f"{'inf' if np.isinf(s).any() else 'NaN'}); use smaller ratios")


def check_offset_finite(offset, S):
    """The sum neuron's offset ``sum_i s_i`` (sigma = -1) must be finite: scales near the
    largest float64 add up to inf; else a ``ValueError`` naming the ratios ``S``."""
    if not np.isfinite(offset).all():
        raise ValueError(f"the scales s_i = S_0 S_1 ... S_i are too large: their sum, the sum "
                         f"neuron's offset (sigma = -1), overflows float64 (scale ratios S up "
                         f"to {np.max(S):.3g}); use smaller scales")


def check_entries_finite(A, B, a, S=None):
    """The matrix entries A_i, B_i (..., d) must be finite: near-0 or near-1 peaks overflow,
    or (``S`` given) huge scale ratios, named when ``1 / (a_i (1 - a_i))`` itself is finite."""
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B))):
        if S is not None:
            ai = a[..., :-1]
            with np.errstate(over="ignore", divide="ignore"):
                peaks_fit = np.isfinite(1.0 / (ai * (1.0 - ai))).all()
            if peaks_fit:
                raise ValueError(f"the scales are too large: the weight map's entries S_i / a_i "
                                 f"or S_i / (a_i (1 - a_i)) overflow float64 (scale ratios "
                                 f"S_i = s_i / s_(i-1), S_0 = s_0, up to {np.max(S):.3g}; peaks "
                                 f"from {a.min():.3g} to {a.max():.3g}); use smaller scales")
        raise ValueError(f"the weight map overflows: an entry S_i / a_i or S_i / (a_i (1 - a_i)) "
                         f"is not finite for peaks from {a.min():.3g} to {a.max():.3g}; use peaks "
                         f"further from 0 and 1 (training keeps them in [1e-3, 1 - 1e-3])")


def check_output_layer(W_out, b_out, alpha, beta, entries=None):
    """The output row ``alpha * (1, sigma A, -sigma B)`` and bias ``beta - alpha * offset``
    must be finite: a huge ``alpha`` or ``beta`` overflows them (or huge entries ``A``,
    ``B`` of the last map, ``entries``, named when given); else a ``ValueError``."""
    if not (np.isfinite(W_out).all() and np.isfinite(b_out).all()):
        also = "" if entries is None else (f", the last map's entries A, B up to "
                                           f"{max(np.max(np.abs(e)) for e in entries):.3g}")
        raise ValueError(f"alpha and beta are too large: the output layer's weights alpha * "
                         f"(1, sigma A, -sigma B) or its bias beta - alpha * offset overflow "
                         f"float64 (alpha up to {np.max(np.abs(alpha)):.3g}, beta up to "
                         f"{np.max(np.abs(beta)):.3g}{also}); scale the targets down instead")


WEIGHT_CACHE_KEYS = {"a", "S", "s", "A", "B", "alpha", "offset", "sigma", "free_scales"}


def check_weight_cache(cache):
    """``construction.weight_map_backward``'s cache: the dict ``weight_map_forward`` returns
    (its keys :data:`WEIGHT_CACHE_KEYS`); else a ``ValueError`` instead of a KeyError."""
    if not (isinstance(cache, dict) and cache.keys() == WEIGHT_CACHE_KEYS):
        got = f"keys {sorted(map(repr, cache))}" if isinstance(cache, dict) else _kind(cache)
        raise ValueError(f"cache must be the dict that weight_map_forward returns (keys "
                         f"{', '.join(sorted(WEIGHT_CACHE_KEYS))}); got {got}")
    return cache


def check_weight_grads(grads, a):
    """``grads``: one ``(dW, db)`` per layer of the network that the peaks ``a`` (..., d + 1)
    build, with the layers' shapes (``construction.weight_map_backward``), of real numbers;
    else ValueError. Returns them as a list of pairs of arrays (nested lists converted)."""
    lead, d = a.shape[:-1], a.shape[-1] - 1
    if not isinstance(grads, (list, tuple)) or len(grads) != d + 1:
        raise ValueError(f"grads must hold one (dW, db) per layer of the depth-{d} network, "
                         f"{d + 1} in all; got {len(grads) if hasattr(grads, '__len__') else grads!r}")
    want = [((4, 1), (4,))] + [((4, 4), (4,))] * (d - 1) + [((1, 4), (1,))]
    out = []
    for l, (pair, (W_shape, b_shape)) in enumerate(zip(grads, want)):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise ValueError(f"grads[{l}] must be a pair (dW, db); got {pair!r:.60}")
        dW, db = pair
        if not (isinstance(dW, np.ndarray) and dW.dtype.kind in "fiu"):
            dW = check_real_array(dW, f"grads[{l}]: dW")
        if not (isinstance(db, np.ndarray) and db.dtype.kind in "fiu"):
            db = check_real_array(db, f"grads[{l}]: db")
        if dW.shape != lead + W_shape or db.shape != lead + b_shape:
            raise ValueError(f"grads[{l}] must be (dW, db) of shapes {lead + W_shape} and "
                             f"{lead + b_shape}; got {[dW.shape, db.shape]}")
        out.append((dW, db))
    return out


# --- what the region counter can hold --------------------------------------------------------

MAX_COUNT_WIDTH = 1024          # neurons per layer that the region counter takes
MAX_COUNT_VALUE = 2.0 ** 500    # about 3e150: the largest value a layer may reach on [-1, 1]


def human_bytes(n):
    """A number of bytes for a message: ``1.28 GB``."""
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:.3g} {unit}"
        n /= 1000


def check_counter_network(layers):
    """What the exact region counter can hold, before it starts (``regions.count_regions``).

    layers : a one-input network already checked by :func:`check_layers`.

    Raises ``ValueError`` naming the layer

    - when a hidden layer has no neuron (width 0: the network is constant);
    - when a hidden layer is wider than ``MAX_COUNT_WIDTH`` neurons, with an estimate of the
      memory and the work: the counter keeps (cells x width) numbers for every layer and
      multiplies them by each weight matrix, and a layer of width w can cut every cell w
      times, so memory and time grow with the width (in depth, the counter's chunks bound
      the memory);
    - when the weights are so large that a layer's values on [-1, 1] could exceed
      ``MAX_COUNT_VALUE`` (float64 would overflow inside the counter): a bound from the
      largest row sums of |W| and the largest |b|, layer by layer.
    """
    widths = [np.shape(W)[-2] for W, _ in layers[:-1]]
    if 0 in widths:
        l = widths.index(0)
        raise ValueError(f"layers[{l}] has no neurons (W of shape {np.shape(layers[l][0])}): a "
                         f"hidden layer of width 0 makes the network constant, one affine piece "
                         f"on any interval; the region counter (minregion.regions) needs at "
                         f"least one neuron in every hidden layer")
    if widths and max(widths) > MAX_COUNT_WIDTH:
        # the costliest layer, with about the cells a random network has before it
        cost = [(1 + sum(widths[:l])) * np.shape(layers[l][0])[-1] * w
                for l, w in enumerate(widths)]
        l = int(np.argmax(cost))
        w, cells = widths[l], 1 + sum(widths[:l])
        raise ValueError(
            f"layers[{l}] has {w} neurons; the exact region counter takes at most "
            f"{MAX_COUNT_WIDTH} per layer. Its memory and time grow with the width: for each "
            f"layer it keeps (cells x width) numbers and multiplies them by the weights, and "
            f"a layer of width {w} can cut every cell {w} times. Here, with the {cells} "
            f"cells that a random network of these widths has before layers[{l}] (about), "
            f"that layer alone needs about {human_bytes(cells * w * 8 * 16)} and "
            f"{cost[l]:.2g} multiply-adds, and up to "
            f"{human_bytes(cells * (w + 1) * w * 8 * 16)} when every neuron cuts every cell. "
            f"Count a narrower network, or sample "
            f"(regions.count_activation_regions_sampled, a lower bound)")
    check_value_growth(layers, 1.0, "the region counter", "on [-1, 1]", "piece")


def check_value_growth(layers, reach, who, where, unit):
    """A ``ValueError`` naming the layer when the weights are so large that a layer's values
    or slopes could exceed ``MAX_COUNT_VALUE`` where ``who`` (a counter) computes them: a
    bound from the largest row sums of |W| and the largest |b|, layer by layer, the inputs
    at most ``reach`` in size (``where``, in words) with slopes at most 1; ``unit``: what
    scaling the network keeps ("piece", "region")."""
    value, slope = reach, 1.0
    for l, (W, b) in enumerate(layers):
        row = float(np.max(np.sum(np.abs(np.asarray(W, dtype=np.float64)), axis=-1)))
        value = row * value + float(np.max(np.abs(np.asarray(b, dtype=np.float64))))
        slope = row * slope
        if not (value <= MAX_COUNT_VALUE and slope <= MAX_COUNT_VALUE):
            raise ValueError(
                f"layers[{l}]: the weights are too large for {who}: the network's values "
                f"{where} can reach {max(value, slope):.3g} there (largest row sum of |W| "
                f"{row:.3g}), beyond the {MAX_COUNT_VALUE:.3g} that float64 holds with room "
                f"to spare. Scale the network down: dividing a layer's W and b and the b of "
                f"every later layer by the same c > 0 divides the output by c and keeps every "
                f"{unit}")
