"""Gradient checking helpers: centred differences, relative error, a directional check.

ReLU networks have kinks, where a finite difference lies. Check at points away from
breakpoints (the activation pattern must be the same at ``x + h`` and ``x - h``), in float64,
and expect a relative error of about 1e-7 or better.
"""
import numpy as np


def rel_error(a, b):
    """Largest relative error ``|a - b| / max(1e-12, |a| + |b|)`` over all entries."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b))))


def vector_rel_error(a, b):
    """Relative error of a whole gradient, ``||a - b|| / (||a|| + ||b||)``.

    Use it when some entries are many orders of magnitude smaller than others: a centred
    difference carries an absolute rounding error of about ``1e-16 |f| / h``, which swamps the
    elementwise relative error of a tiny entry but not the error of the vector.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(1e-300, np.linalg.norm(a) + np.linalg.norm(b)))


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
