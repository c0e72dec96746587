"""The targets of the extensions (SPEC section 8): non-convex 1-D, r^3 in 2-D, two spirals.

2-D data are in the column layout ``(2, N)``, as the triangle layer takes them.
"""
import numpy as np

from ..checks import (check_count, check_finite, check_generator, check_interval,
                      check_nonnegative)
from ..targets import Target, get_target
from .triangle_layer import check_input_columns

# Named non-convex 1-D targets [choice: x^3 - x on [-1, 1], where it has an inflection at 0;
# on [0, 1] it is convex (f'' = 6x >= 0) and would not exercise the difference]. Their sigma
# (-1) is the sign of both halves of the difference model.
NONCONVEX_TARGETS = {
    "x^3-x": Target("x^3-x", lambda x: x**3 - x, -1.0, "non-convex", lo=-1.0, hi=1.0),
    "sin(2 pi x)": Target("sin(2 pi x)", lambda x: np.sin(2 * np.pi * x), -1.0, "non-convex"),
}


def nonconvex_target(name):
    """A 1-D :class:`~minregion.targets.Target` by name: the non-convex ones, then the tables'."""
    if name in NONCONVEX_TARGETS:
        return NONCONVEX_TARGETS[name]
    try:
        return get_target(name)
    except ValueError:
        raise ValueError(f"unknown 1-D target {name!r}; known: "
                         f"{', '.join(NONCONVEX_TARGETS)} and the tables' targets") from None


def grid_2d(n, lo=-1.0, hi=1.0):
    """An n x n grid over [lo, hi]^2 as columns. Returns x : (2, n^2) float64."""
    lo, hi = check_interval(lo, hi)
    g = np.linspace(lo, hi, check_count(n, "n"))
    X, Y = np.meshgrid(g, g)
    return np.stack([X.ravel(), Y.ravel()])


def r_cubed(x):
    """``z = r^3``, ``r = sqrt(x^2 + y^2)``. x : (2, N) columns, finite. Returns z : (N,)."""
    x = check_input_columns(x, 2)
    if x.ndim != 2:
        raise ValueError(f"x must be (2, N), points as columns; got shape {x.shape}")
    return np.sqrt(np.sum(x ** 2, axis=0)) ** 3


def two_spirals(n, rng, turns=1.5, noise=0.04):
    """Two interleaved spirals in [-1, 1]^2, ``n`` points each, labels 0 and 1.

    Class 0 at angle ``2 pi turns t`` and radius ``t`` for ``t = sqrt(u)``, u ~ U(0.02, 1)
    (the square root spreads the points evenly along the arms); class 1 is class 0 turned by
    half a circle. Gaussian noise of standard deviation ``noise`` is added.

    Returns x : (2, 2n) columns, labels : (2n,) int.
    """
    n, rng = check_count(n, "n"), check_generator(rng)
    turns, noise = check_finite(turns, "turns"), check_nonnegative(noise, "noise")
    t = np.sqrt(rng.uniform(0.02, 1.0, size=n))
    arm = np.stack([t * np.cos(2 * np.pi * turns * t), t * np.sin(2 * np.pi * turns * t)])
    x = np.concatenate([arm, -arm], axis=1) + noise * rng.standard_normal((2, 2 * n))
    return x, np.repeat([0, 1], n)
