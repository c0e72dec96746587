"""Gradient checking helpers: centred differences, relative error, a directional check.

ReLU networks have kinks, where a finite difference lies. Check at points away from
breakpoints (the activation pattern must be the same at ``x + h`` and ``x - h``), in float64,
and expect a relative error of about 1e-7 or better.
"""
import numpy as np

from .checks import check_generator


def check_same_shape(a, b, name="a and b"):
    """Both arrays as float64, or a ``ValueError`` that says which shapes differ.

    Broadcasting would hide the typical bug (``db`` summed over the wrong axis has the
    shape of the points, not of ``b``), so the comparisons below refuse it.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"{name}: shapes differ, {a.shape} against {b.shape}")
    return a, b


def rel_error(a, b):
    """Largest relative error ``|a - b| / max(1e-12, |a| + |b|)`` over all entries.

    a, b : arrays of the same shape (a ``ValueError`` names both shapes otherwise).
    """
    a, b = check_same_shape(a, b, "rel_error(a, b)")
    return float(np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b)), initial=0.0))


def vector_rel_error(a, b):
    """Relative error of a whole gradient, ``||a - b|| / (||a|| + ||b||)``.

    Use it when some entries are many orders of magnitude smaller than others: a centred
    difference carries an absolute rounding error of about ``1e-16 |f| / h``, which swamps the
    elementwise relative error of a tiny entry but not the error of the vector.
    """
    a, b = check_same_shape(a, b, "vector_rel_error(a, b)")
    return float(np.linalg.norm(a - b) / max(1e-300, np.linalg.norm(a) + np.linalg.norm(b)))


def compare(name, got, expected, rtol=1e-7):
    """Print one line comparing your array with a reference, and return whether it is close.

    ``name | exact: True/False | close: True/False | max difference: 1.2e-16`` (in the spirit
    of nn-zero-to-hero's ``cmp``): *exact* means bit for bit, *close* means
    ``vector_rel_error(got, expected) <= rtol``.

    Parameters
    ----------
    name : str, what is compared (``"dW"``, ``"dL/da"`` ...)
    got, expected : arrays of the same shape (a ``ValueError`` names both shapes otherwise)
    rtol : float, the tolerance of *close*

    Returns
    -------
    close : bool
    """
    got, expected = check_same_shape(got, expected, f"{name}: got and expected")
    exact = bool(np.array_equal(got, expected))
    close = exact or vector_rel_error(got, expected) <= rtol
    diff = float(np.max(np.abs(got - expected), initial=0.0))
    print(f"{name:<14s} | exact: {exact!s:5} | close: {close!s:5} | max difference: {diff:.1e}")
    return close


def numerical_gradient(f, x, h=1e-6):
    """Centred differences ``(f(x + h e_i) - f(x - h e_i)) / 2h`` for every entry of ``x``.

    Parameters
    ----------
    f : callable taking no arguments and returning a float; it must read ``x``, which this
        function perturbs in place (and restores)
    x : float64 array of any shape
    h : float, the step

    Returns
    -------
    grad : float64 array of the shape of ``x``
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        fp = f()
        x[i] = old - h
        fm = f()
        x[i] = old
        grad[i] = (fp - fm) / (2.0 * h)
    return grad


def directional_check(f, params, grads, rng, h=1e-6):
    """Compare the analytic and the numerical derivative along one random direction.

    Two evaluations of ``f`` check any number of parameters at once (the HIPS autograd trick):
    with a random unit direction ``v``, ``(f(p + h v) - f(p - h v)) / 2h`` must equal
    ``sum_k <grads_k, v_k>``.

    Parameters
    ----------
    f : callable taking no arguments, returning a float; it reads the arrays in ``params``
    params : list of float64 arrays, perturbed in place and restored
    grads : list of float64 arrays, the analytic gradients, shapes as ``params``
    rng : numpy.random.Generator
    h : float

    Returns
    -------
    (numeric, analytic) : the two directional derivatives, floats
    """
    rng = check_generator(rng)
    dirs = [rng.standard_normal(p.shape) for p in params]
    norm = np.sqrt(sum(np.sum(v * v) for v in dirs))
    dirs = [v / norm for v in dirs]
    for p, v in zip(params, dirs):
        p += h * v
    fp = f()
    for p, v in zip(params, dirs):
        p -= 2 * h * v
    fm = f()
    for p, v in zip(params, dirs):
        p += h * v
    analytic = float(sum(np.sum(g * v) for g, v in zip(grads, dirs)))
    return (fp - fm) / (2 * h), analytic
