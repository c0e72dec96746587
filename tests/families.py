"""Random constructions whose peaks sit near 0 or 1, where float64 is at its limits: the
families the counter's promise is fuzzed on (tests/test_regions_exact.py, and at length by
``python benchmarks/regions_float64.py fuzz``).

A member is the library's construction (``construction.triangle_network``, chapter 2) of
depth 2-7 with

- peaks ``1 - 10^U(-6, -2)`` ("near 1"), ``10^U(-6, -2)`` ("near 0"), or each peak one of
  these or ``U(0.05, 0.95)`` ("mixed");
- s0 the default ``a_0 a_1`` or ``a_0 a_1 10^U(-2, 0.3)``, sigma -1 or +1, alpha and beta
  1 and 0 or ``+-10^U(-2, 2)`` and ``U(-2, 2)``;
- the interval [0, 1], or [lo, hi] of width ``10^U(-3, 3)`` with ``lo = width U(-c, c)``
  (``c = FAR``: the input map onto [0, 1] cancels by at most about that factor);

counted on its own interval and on a very wide one, ``[-10^U(2, 14), 10^U(2, 14)]``
around it.
"""
import numpy as np

from minregion.construction import triangle_network

KINDS = ("near 1", "near 0", "mixed")
FAR = 1.0          # |lo| <= FAR (hi - lo): how far from 0 an interval lies, in its widths


def peaks(rng, kind, n):
    """n peaks of one family -> (n,) float64."""
    near0, near1 = 10 ** rng.uniform(-6, -2, n), 1 - 10 ** rng.uniform(-6, -2, n)
    if kind == "near 1":
        return near1
    if kind == "near 0":
        return near0
    which = rng.integers(0, 3, n)
    return np.choose(which, [near0, near1, rng.uniform(0.05, 0.95, n)])


def member(rng, kind, far=FAR):
    """One member of a family -> (what, layers, [(lo, hi) of its own, (lo, hi) wide]),
    ``what`` a dict of its arguments (to say which failed)."""
    d = int(rng.integers(2, 8))
    a = peaks(rng, kind, d + 1)
    s0 = None if rng.random() < 0.5 else float(a[0] * a[1] * 10 ** rng.uniform(-2, 0.3))
    sigma = float(rng.choice([-1.0, 1.0]))
    alpha, beta = 1.0, 0.0
    if rng.random() < 0.5:
        alpha = float(rng.choice([-1.0, 1.0]) * 10 ** rng.uniform(-2, 2))
        beta = float(rng.uniform(-2, 2))
    lo, hi = 0.0, 1.0
    if rng.random() < 0.6:
        width = float(10 ** rng.uniform(-3, 3))
        lo = width * float(rng.uniform(-far, far))
        hi = lo + width
    wide = float(10 ** rng.uniform(2, 14))
    what = dict(a=a.tolist(), s0=s0, sigma=sigma, alpha=alpha, beta=beta, lo=lo, hi=hi)
    layers = triangle_network(a, s0, sigma, alpha, beta, lo, hi)
    return what, layers, [(lo, hi), (min(lo, -wide), max(hi, wide))]
