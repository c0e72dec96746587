"""Assertions whose failures a student can read: the function first, then shapes, then values.

    assert_close("hidden_matrix: M", M, expected, rtol=1e-15)
    -> hidden_matrix: M has shape (4, 4, 2), expected (2, 4, 4)
    -> hidden_matrix: M: 3 of 16 entries differ by more than atol + rtol |expected| ...

    assert_gradient("dense_backward: dW", dW, numerical_gradient(f, W), tol=1e-8)
    -> dense_backward: dW max relative error 3.1e-01 (tolerance 1e-08); got [...], expected [...]

Each checks the shape before any value (broadcasting would hide the typical bug, a sum over
the wrong axis), and a value check never passes on NaN.
"""
import numpy as np

from minregion.gradcheck import rel_error, vector_rel_error


def show(a):
    """A short printout of an array: at most a few entries from each end."""
    with np.printoptions(precision=6, threshold=12, edgeitems=3, linewidth=120):
        return np.array2string(np.asarray(a), separator=", ").replace("\n", "")


def _arrays(name, got, expected):
    if got is None:
        raise AssertionError(f"{name} is None, expected an array of shape {np.shape(expected)} "
                             "(does the function return it?)")
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"{name} is {type(got).__name__} {got!r:.80}, expected an array "
                             f"of shape {np.shape(expected)}") from None
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        raise AssertionError(f"{name} has shape {got.shape}, expected {expected.shape}")
    return got, expected


def assert_shape(name, got, shape):
    """Only the shape (check every output's shape before any value)."""
    if got is None:
        raise AssertionError(f"{name} is None, expected an array of shape {tuple(shape)} "
                             "(does the function return it?)")
    if np.shape(got) != tuple(shape):
        raise AssertionError(f"{name} has shape {np.shape(got)}, expected {tuple(shape)}")


def returned(name, result, names):
    """The tuple a function returns, checked for its length: ``dx, dW, db = returned(...)``."""
    if not isinstance(result, tuple) or len(result) != len(names):
        what = (f"a tuple of {len(result)}" if isinstance(result, tuple)
                else type(result).__name__)
        raise AssertionError(f"{name} must return ({', '.join(names)}); got {what}")
    return result


def assert_close(name, got, expected, rtol=1e-7, atol=0.0):
    """Every entry within ``atol + rtol |expected|`` (numpy.testing.assert_allclose's rule)."""
    got, expected = _arrays(name, got, expected)
    diff = np.abs(got - expected)
    bad = ~(diff <= atol + rtol * np.abs(expected))
    if np.any(bad):
        where = np.unravel_index(np.argmax(np.where(bad, np.nan_to_num(diff, nan=np.inf), -1.0)),
                                 got.shape) if got.ndim else ()
        raise AssertionError(
            f"{name}: {int(bad.sum())} of {bad.size} entries differ by more than atol + rtol "
            f"|expected| (rtol {rtol:.0e}, atol {atol:.0e}); the largest difference is "
            f"{float(np.max(np.nan_to_num(diff, nan=np.inf))):.1e} at index {tuple(int(i) for i in where)}; "
            f"got {show(got)}, expected {show(expected)}")


def assert_equal(name, got, expected):
    """Bit-for-bit equal, shape first."""
    got_arr = np.asarray(got)
    expected = np.asarray(expected)
    if got is None or got_arr.shape != expected.shape:
        shape = "None" if got is None else f"shape {got_arr.shape}"
        raise AssertionError(f"{name} has {shape}, expected shape {expected.shape}")
    if not np.array_equal(got_arr, expected):
        bad = got_arr != expected
        raise AssertionError(f"{name}: {int(np.sum(bad))} of {bad.size} entries differ; "
                             f"got {show(got_arr)}, expected {show(expected)}")


def assert_gradient(name, got, expected, tol, measure="max"):
    """A gradient against centred differences (``expected``).

    measure "max": the largest elementwise relative error (``gradcheck.rel_error``) must be
    below ``tol``; "vector": the relative error of the whole vector
    (``gradcheck.vector_rel_error``), for gradients whose entries span many orders of magnitude.
    """
    got, expected = _arrays(name, got, expected)
    if measure == "max":
        err, what = rel_error(got, expected), "max relative error"
    else:
        err, what = vector_rel_error(got, expected), "relative error (whole vector)"
    if not err < tol:
        raise AssertionError(f"{name} {what} {err:.1e} (tolerance {tol:.0e}); got {show(got)}, "
                             f"expected (centred differences) {show(expected)}")


def arrays_in(obj):
    """Copies of every array in a nested tuple, list or dict: what a call must leave as it
    was (compare later with :func:`assert_unchanged`)."""
    if isinstance(obj, np.ndarray):
        return obj.copy()
    if isinstance(obj, (list, tuple)):
        return type(obj)(arrays_in(x) for x in obj)
    if isinstance(obj, dict):
        return {k: arrays_in(v) for k, v in obj.items()}
    return obj


def assert_unchanged(name, kept, obj, where="argument"):
    """Every array of ``obj`` still equals its copy in ``kept`` (from :func:`arrays_in`)."""
    if isinstance(obj, np.ndarray):
        if not np.array_equal(obj, kept):
            raise AssertionError(f"{name} changed its {where} in place (the caller's array); "
                                 f"it was {show(kept)}, it is {show(obj)}: write new arrays")
    elif isinstance(obj, (list, tuple)):
        for k, (a, b) in enumerate(zip(kept, obj)):
            assert_unchanged(name, a, b, f"{where}[{k}]")
    elif isinstance(obj, dict):
        for k in obj:
            assert_unchanged(name, kept[k], obj[k], f"{where}[{k!r}]")
