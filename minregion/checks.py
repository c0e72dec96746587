"""Argument checks shared by the modules: a clear ``ValueError`` naming what is wrong."""
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
