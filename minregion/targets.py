"""The target functions of the paper's tables and how their points are sampled.

Every target lives on [0, 1] [choice: the paper's plots use this domain]. ``sigma`` is the
construction's sign: -1 (``x - F``) for convex targets, +1 (``x + F``) for concave ones.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .checks import check_count, check_generator, check_integer, check_interval


@dataclass(frozen=True)
class Target:
    """A named 1-D target: ``f(x)`` on [lo, hi], its curvature and the construction's sign.

    ``curvature`` is ``"convex"`` (sigma = -1, ``x - F``), ``"concave"`` (sigma = +1,
    ``x + F``) or ``"non-convex"``.
    """
    name: str
    f: Callable
    sigma: float
    curvature: str
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
    if not isinstance(name, str):
        raise ValueError(f"the target's name must be a string, one of {', '.join(TARGETS)}; "
                         f"got {name!r:.60} (a {type(name).__name__})")
    if name not in TARGETS:
        raise ValueError(f"unknown target {name!r}; known targets: {', '.join(TARGETS)}")
    return TARGETS[name]


def dense_points(n=500, lo=0.0, hi=1.0):
    """Table 1 and 2 data [choice]: ``n`` evenly spaced points ``linspace(lo, hi, n)``.

    Returns x : (n,) float64.
    """
    n = check_integer(n, "n", 2)
    lo, hi = check_interval(lo, hi)
    return np.linspace(lo, hi, n)


def sparse_points(rng, n=10, runs=1, lo=0.0, hi=1.0):
    """Table 3 data [choice]: ``n`` points drawn uniformly on [lo, hi], sorted, per run.

    Returns x : (runs, n) float64.
    """
    rng = check_generator(rng)
    n, runs = check_count(n, "n"), check_count(runs, "runs")
    lo, hi = check_interval(lo, hi)
    return np.sort(rng.uniform(lo, hi, size=(runs, n)), axis=-1)
