"""Gradient checking helpers: centred differences, relative error, a directional check.

ReLU networks have kinks, where a finite difference lies. Check at points away from
breakpoints (the activation pattern must be the same at ``x + h`` and ``x - h``), in float64,
and expect a relative error of about 1e-7 or better.
"""
import numpy as np

from .checks import check_generator, check_positive, check_real_array


def check_same_shape(a, b, name="a and b"):
    """Both arrays as float64, or a ``ValueError`` that says which shapes differ.

    Broadcasting would hide the typical bug (``db`` summed over the wrong axis has the
    shape of the points, not of ``b``), so the comparisons below refuse it.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"{name}: shapes differ, {a.shape} against {b.shape}")
    return a, b


def check_finite_pair(a, b, name):
    """Two arrays to compare must be finite: a relative error of NaN or inf is not a number
    to compare with a tolerance (``nan < 1e-7`` is False, and so is ``nan > 1e-3``); else a
    ``ValueError`` naming the argument and how many entries are not finite."""
    for arg, v in (("a", a), ("b", b)):
        bad = ~np.isfinite(v)
        if bad.any():
            raise ValueError(f"{name}: {arg} must be finite; {int(bad.sum())} of {v.size} "
                             f"entries are NaN or inf (first at index "
                             f"{tuple(int(i) for i in np.argwhere(bad)[0])})")


def rel_error(a, b):
    """Largest relative error ``|a - b| / max(1e-12, |a| + |b|)`` over all entries.

    a, b : finite arrays of the same shape (a ``ValueError`` names both shapes otherwise, or
    the argument holding NaN or inf).
    """
    a, b = check_same_shape(a, b, "rel_error(a, b)")
    check_finite_pair(a, b, "rel_error(a, b)")
    return float(np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b)), initial=0.0))


def vector_rel_error(a, b):
    """Relative error of a whole gradient, ``||a - b|| / (||a|| + ||b||)``.

    Use it when some entries are many orders of magnitude smaller than others: a centred
    difference carries an absolute rounding error of about ``1e-16 |f| / h``, which swamps the
    elementwise relative error of a tiny entry but not the error of the vector.

    a, b : finite arrays of the same shape (else a ``ValueError``, as :func:`rel_error`).
    """
    a, b = check_same_shape(a, b, "vector_rel_error(a, b)")
    check_finite_pair(a, b, "vector_rel_error(a, b)")
    return float(np.linalg.norm(a - b) / max(1e-300, np.linalg.norm(a) + np.linalg.norm(b)))


def compare(name, got, expected, rtol=1e-7):
    """Print one line comparing your array with a reference, and return whether it is close.

    ``name | exact: True/False | close: True/False | max difference: 1.2e-16`` (in the spirit
    of nn-zero-to-hero's ``cmp``): *exact* means bit for bit, *close* means
    ``vector_rel_error(got, expected) <= rtol``.

    Parameters
    ----------
    name : str, what is compared (``"dW"``, ``"dL/da"`` ...)
    got, expected : arrays of the same shape (a ``ValueError`` names both shapes otherwise);
        NaN or inf in either is never *close* (the line says where it is)
    rtol : float, the tolerance of *close*

    Returns
    -------
    close : bool
    """
    got, expected = check_same_shape(got, expected, f"{name}: got and expected")
    exact = bool(np.array_equal(got, expected))
    finite = bool(np.isfinite(got).all() and np.isfinite(expected).all())
    close = exact or (finite and vector_rel_error(got, expected) <= rtol)
    with np.errstate(invalid="ignore"):          # inf - inf: the line says NaN or inf below
        diff = float(np.max(np.abs(got - expected), initial=0.0))
    note = "" if finite else " (NaN or inf in " + " and ".join(
        n for n, v in (("got", got), ("expected", expected)) if not np.isfinite(v).all()) + ")"
    print(f"{name:<14s} | exact: {exact!s:5} | close: {close!s:5} | max difference: "
          f"{diff:.1e}{note}")
    return close


def numerical_gradient(f, x, h=1e-6):
    """Centred differences ``(f(x + h e_i) - f(x - h e_i)) / 2h`` for every entry of ``x``.

    Parameters
    ----------
    f : callable taking no arguments and returning a finite float (else a ValueError); it
        must read ``x``, which this function perturbs in place (and restores, also when ``f``
        raises)
    x : float64 array of any shape (a writable NumPy array of floats: an int array would
        round ``x + h`` back to ``x``, a list or a copy would not reach ``f``)
    h : float > 0, the step

    Returns
    -------
    grad : float64 array of the shape of ``x``
    """
    check_callable(f, "f")
    check_perturbed(x, "x")
    check_positive(h, "h")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        try:
            x[i] = old + h
            fp = f()
            x[i] = old - h
            fm = f()
        finally:
            x[i] = old
        check_loss_values(fp, fm, f"x[{', '.join(map(str, i))}]")
        grad[i] = (fp - fm) / (2.0 * h)
    return grad


def check_loss_values(fp, fm, where):
    """The two values of a centred difference must be finite real numbers: a NaN or inf
    loss gives a NaN gradient, never to be returned as if it were one; else a ``ValueError``
    naming ``f`` and where it was evaluated."""
    for v, sign in ((fp, "+"), (fm, "-")):
        if not (np.ndim(v) == 0 and np.asarray(v).dtype.kind in "iuf" and np.isfinite(v)):
            raise ValueError(f"f must return one finite real number; got {v!r:.60} at "
                             f"{where} {sign} h")


def check_callable(f, name):
    """``f`` must be a function of no arguments (the loss); else a ``ValueError``."""
    if not callable(f):
        raise ValueError(f"{name} must be a function of no arguments returning the loss (it "
                         f"reads the arrays perturbed in place); got {f!r:.60} (a "
                         f"{type(f).__name__})")


def check_perturbed(x, name):
    """An array that a gradient check perturbs in place: a writable NumPy array of floats;
    else a ``ValueError`` naming it and saying how to build the right thing."""
    if not (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
        got = f"{x.dtype} array" if isinstance(x, np.ndarray) else \
            f"{x!r:.60} (a {type(x).__name__})"
        raise ValueError(f"{name} must be a NumPy array of floats, which the check perturbs in "
                         f"place by h (f must read that very array); got {got}: build it "
                         f"with np.asarray(..., dtype=float) and let f read it")
    if not x.flags.writeable:
        raise ValueError(f"{name} is a read-only array, and the check perturbs it in place: "
                         f"pass a writable copy (np.array(...) makes one) that f reads")


def directional_check(f, params, grads, rng, h=1e-6):
    """Compare the analytic and the numerical derivative along one random direction.

    Two evaluations of ``f`` check any number of parameters at once (the HIPS autograd trick):
    with a random unit direction ``v``, ``(f(p + h v) - f(p - h v)) / 2h`` must equal
    ``sum_k <grads_k, v_k>``.

    Parameters
    ----------
    f : callable taking no arguments, returning a finite float; it reads the arrays in
        ``params``
    params : list of float64 arrays, perturbed in place and restored (exactly, also when
        ``f`` raises)
    grads : list of float64 arrays, the analytic gradients: one per parameter, shapes as
        ``params`` (a ``ValueError`` names a missing, extra or misshapen one)
    rng : numpy.random.Generator
    h : float > 0

    Returns
    -------
    (numeric, analytic) : the two directional derivatives, floats
    """
    rng = check_generator(rng)
    check_callable(f, "f")
    check_positive(h, "h")
    params, grads = check_directions(params, grads)
    dirs = [rng.standard_normal(p.shape) for p in params]
    norm = np.sqrt(sum(np.sum(v * v) for v in dirs))
    dirs = [v / norm for v in dirs]
    before = [p.copy() for p in params]
    try:
        for p, v in zip(params, dirs):
            p += h * v
        fp = f()
        for p, v in zip(params, dirs):
            p -= 2 * h * v
        fm = f()
    finally:
        for p, old in zip(params, before):
            p[...] = old
    check_loss_values(fp, fm, "params")
    analytic = float(sum(np.sum(g * v) for g, v in zip(grads, dirs)))
    return (fp - fm) / (2 * h), analytic


def check_directions(params, grads):
    """``directional_check``'s arrays: ``params`` a non-empty list of arrays it can perturb,
    ``grads`` one real array per parameter of its shape (``zip`` would drop the extra ones
    silently) -> (params, grads) as lists, the gradients as float64 arrays."""
    if isinstance(params, np.ndarray) or not isinstance(params, (list, tuple)) or not params:
        raise ValueError(f"params must be a non-empty list of float arrays (perturbed in "
                         f"place); got {params!r:.60} (a {type(params).__name__})")
    if isinstance(grads, np.ndarray) or not isinstance(grads, (list, tuple)):
        raise ValueError(f"grads must be a list of arrays, one per parameter; got "
                         f"{grads!r:.60} (a {type(grads).__name__})")
    for k, p in enumerate(params):
        check_perturbed(p, f"params[{k}]")
    if len(grads) != len(params):
        raise ValueError(f"grads must hold one gradient per parameter; got {len(grads)} "
                         f"gradients for {len(params)} parameters")
    grads = [check_real_array(g, f"grads[{k}]") for k, g in enumerate(grads)]
    for k, (p, g) in enumerate(zip(params, grads)):
        if g.shape != p.shape:
            raise ValueError(f"grads[{k}] has shape {g.shape}; params[{k}] has {p.shape}")
    return list(params), grads
