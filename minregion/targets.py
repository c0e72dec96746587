"""The target functions of the paper's tables and how their points are sampled.

Every target lives on [0, 1] [choice: the paper's plots use this domain]. ``sigma`` is the
construction's sign: -1 (``x - F``) for convex targets, +1 (``x + F``) for concave ones.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .checks import check_count


@dataclass(frozen=True)
class Target:
    """A named 1-D target: ``f(x)`` on [lo, hi] and the construction's sign for it."""
    name: str
    f: Callable
    sigma: float
    shape: str
    lo: float = 0.0
    hi: float = 1.0


TARGETS = {
    "x^3": Target("x^3", lambda x: x**3, -1.0, "convex"),
    "x^11": Target("x^11", lambda x: x**11, -1.0, "convex"),
    "sin(x)": Target("sin(x)", np.sin, 1.0, "concave"),
    "tanh(3x)": Target("tanh(3x)", lambda x: np.tanh(3 * x), 1.0, "concave"),
}


def get_target(name):
    """The :class:`Target` called ``name``; a ``ValueError`` lists the known names."""
    if name not in TARGETS:
        raise ValueError(f"unknown target {name!r}; known targets: {', '.join(TARGETS)}")
    return TARGETS[name]


def dense_points(n=500, lo=0.0, hi=1.0):
    """Table 1 and 2 data [choice]: ``n`` evenly spaced points ``linspace(lo, hi, n)``.

    Returns x : (n,) float64.
    """
    if n < 2:
        raise ValueError(f"n must be >= 2; got {n}")
    return np.linspace(lo, hi, n)


def sparse_points(rng, n=10, runs=1, lo=0.0, hi=1.0):
    """Table 3 data [choice]: ``n`` points drawn uniformly on [lo, hi], sorted, per run.

    Returns x : (runs, n) float64.
    """
    if n < 1:
        raise ValueError(f"n must be >= 1; got {n}")
    return np.sort(rng.uniform(lo, hi, size=(runs, n)), axis=-1)


# --- the extensions' targets (SPEC section 8) -----------------------------------------

# Named non-convex 1-D targets [choice: x^3 - x on [-1, 1], where it has an inflection at 0;
# on [0, 1] it is convex (f'' = 6x >= 0) and would not exercise the difference]. Their sigma
# (-1) is the sign of both halves of the difference model.
NONCONVEX_TARGETS = {
    "x^3-x": Target("x^3-x", lambda x: x**3 - x, -1.0, "non-convex", lo=-1.0, hi=1.0),
    "sin(2 pi x)": Target("sin(2 pi x)", lambda x: np.sin(2 * np.pi * x), -1.0, "non-convex"),
}


def nonconvex_target(name):
    """A 1-D :class:`~minregion.targets.Target` by name: the non-convex ones, then the core's."""
    if name in NONCONVEX_TARGETS:
        return NONCONVEX_TARGETS[name]
    try:
        return get_target(name)
    except ValueError:
        raise ValueError(f"unknown 1-D target {name!r}; known: "
                         f"{', '.join(NONCONVEX_TARGETS)} and the tables' targets") from None


def grid_2d(n, lo=-1.0, hi=1.0):
    """An n x n grid over [lo, hi]^2 as columns. Returns x : (2, n^2) float64."""
    g = np.linspace(lo, hi, check_count(n, "n"))
    X, Y = np.meshgrid(g, g)
    return np.stack([X.ravel(), Y.ravel()])


def r_cubed(x):
    """``z = r^3``, ``r = sqrt(x^2 + y^2)``. x : (2, N) columns. Returns z : (N,)."""
    return np.sqrt(np.sum(np.asarray(x, np.float64) ** 2, axis=0)) ** 3


def two_spirals(n, rng, turns=1.5, noise=0.04):
    """Two interleaved spirals in [-1, 1]^2, ``n`` points each, labels 0 and 1.

    Class 0 at angle ``2 pi turns t`` and radius ``t`` for ``t = sqrt(u)``, u ~ U(0.02, 1)
    (the square root spreads the points evenly along the arms); class 1 is class 0 turned by
    half a circle. Gaussian noise of standard deviation ``noise`` is added.

    Returns x : (2, 2n) columns, labels : (2n,) int.
    """
    n = check_count(n, "n")
    t = np.sqrt(rng.uniform(0.02, 1.0, size=n))
    arm = np.stack([t * np.cos(2 * np.pi * turns * t), t * np.sin(2 * np.pi * turns * t)])
    x = np.concatenate([arm, -arm], axis=1) + noise * rng.standard_normal((2, 2 * n))
    return x, np.repeat([0, 1], n)
