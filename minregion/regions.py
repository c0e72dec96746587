"""Exact linear regions of a ReLU network with one input (SPEC section 10).

A ReLU network is piecewise linear. On an interval [lo, hi] of its single input it splits
into pieces, and "linear region" can mean two different things; we report both:

- **affine pieces**: maximal intervals on which the output is affine (two neighbouring
  activation regions whose output slopes agree are one piece);
- **activation regions**: maximal intervals on which every hidden neuron keeps one on/off
  state (one activation pattern).

An affine piece is a union of activation regions, so ``pieces <= activation_regions``.

How the counter works (exact, no sampling)
------------------------------------------
On every piece between two breakpoints, each neuron is an affine function of the input,
``h(x) = m x + c``. We keep the sorted breakpoints ``xs`` and, per piece, the slopes ``m`` and
intercepts ``c`` of all neurons of the current layer, arrays of shape (P, width). For a
layer ``(W, b)`` the preactivations have slopes ``m @ W.T`` and intercepts ``c @ W.T + b``.
A preactivation is zero at ``x* = -c / m``; every zero strictly inside its piece is a new
breakpoint. The new pieces inherit their parent's affine forms and the ReLU switches off
the neurons whose preactivation is negative at the piece's midpoint. One layer is a handful
of array operations over all pieces at once, so a depth-20 network with 2^20 pieces takes
about a second.

What floating point can and cannot resolve
------------------------------------------
In exact arithmetic the width-4 network of SPEC section 3 has exactly 2^d affine pieces on
[0, 1]. (The measurements below use ``minregion.construction.triangle_network`` and random
peaks.) In float64 two things go wrong, and the counter says so instead of hiding them:

1. **Rounding slivers.** At a valley of a wave a neuron's preactivation should only touch 0.
   Rounded weights make it dip slightly below 0 instead, which gives two extra breakpoints a
   few float spacings apart (measured on [0, 1], depth 1 to 21: at most 1.9e-15 wide for
   random peaks in [0.2, 0.8], 3.7e-15 for peaks in [0.1, 0.9]; about 20 % extra raw
   regions at depth 20). Peaks that are all 1/2 (Yarotsky) use only powers of two: there the
   arithmetic is exact and no sliver appears.
2. **Pieces below float64's reach.** With peaks near 0 or 1 the narrowest piece of a depth-d
   network is about ``min(a, 1 - a)^d`` wide (0.02^10 = 1e-17), narrower than the spacing of
   float64 numbers near 0.5 (1.1e-16). Such pieces cannot be represented at all.

So the counter works at a **resolution**: breakpoints closer together than ``resolution``
are one breakpoint, i.e. activation regions narrower than ``resolution`` are absorbed into
their neighbours and counted in ``RegionReport.slivers``. The default is

    resolution = 2^-44 * max(|lo|, |hi|)        (5.7e-14 on [0, 1])

Float64 numbers near x are 2^-52 |x| apart, so this is 256 float spacings at the far end of
the interval: 15 times the widest rounding sliver we measured (3.7e-15), and 600 times
below the narrowest genuine piece of a depth-20 construction with peaks in [0.3, 0.7]
(0.3^20 = 3.5e-11 in the worst case; 2.2e-11 measured at depth 21, peaks in [0.2, 0.8]).

A ``RegionResolutionWarning`` is issued whenever the answer depends on that choice:

- some raw activation region is within a factor ``8`` of the resolution (between
  ``resolution / 8`` and ``8 * resolution`` wide): it could be a genuine narrow piece or a
  rounding sliver, and float64 cannot tell which; or
- ``resolution`` is below the default and pieces narrower than the default were kept
  (they are likely rounding slivers, e.g. with ``resolution=0``).

Slivers far below the resolution (narrower than ``resolution / 8 = 7.1e-15`` on [0, 1],
1.9 times the widest rounding sliver measured) are absorbed without a warning, but they
are always counted in ``RegionReport.slivers``. With these defaults every constructed
network we tried counts exactly 2^d without a warning: depth 1 to 21 with random peaks in
[0.2, 0.8], depth 1 to 19 with peaks in [0.1, 0.9]. At depth 20 with peaks in [0.1, 0.9]
genuine pieces 7e-14 wide and slope jumps near ``slope_tol`` appear: the count is still
2^d, but the counter warns, because it is at the edge of what it can tell.

**Equal slopes.** Two neighbouring activation regions are one affine piece when their
output slopes differ by at most ``slope_tol = 1e-13 * max|slope|`` (the largest |slope| on
[lo, hi]). Measured against float80 (``np.longdouble``) slopes of constructed networks of
depth 12 to 20 (both signs): the rounding error of a slope is at most 1.2e-15 * max|slope|,
while the smallest genuine slope jump is 4.8e-11 * max|slope| at depth 20 with peaks in
[0.2, 0.8] (5.8e-7 at depth 12; 1.5e-13 at depth 20 with peaks in [0.1, 0.9], which warns).
A tolerance relative to each slope alone would not work: near a flat part of the curve the
rounding error is up to 1.5e-9 of the slope itself, more than the smallest jump relative
to its own slopes (9e-11). A slope jump within a factor 8 of ``slope_tol`` also raises the
warning.

What the counter cannot do: tell a genuine piece narrower than about ``resolution / 8``
from a rounding sliver (both are absorbed, and ``slivers`` counts them), or find a piece
narrower than the float64 spacing at all. Networks must have one input and one output.
"""
import warnings
from dataclasses import dataclass

import numpy as np

from .checks import check_interval
from .mlp import check_layers

RESOLUTION_FACTOR = 2.0 ** -44   # default resolution = RESOLUTION_FACTOR * max(|lo|, |hi|)
SLOPE_RTOL = 1e-13               # slope_tol = SLOPE_RTOL * max|slope| on [lo, hi]
WARN_BAND = 8.0                  # warn about widths / slope jumps within this factor


class RegionResolutionWarning(UserWarning):
    """The region count depends on the resolution: float64 cannot settle it."""


@dataclass(frozen=True)
class RegionReport:
    """The linear regions of a one-input ReLU network on [lo, hi] (SPEC section 10).

    Attributes
    ----------
    pieces : int, affine pieces (maximal intervals on which the output is affine)
    activation_regions : int, maximal intervals with one on/off pattern of all neurons,
        after absorbing slivers
    raw_activation_regions : int, activation regions as float64 computes them, slivers
        included
    slivers : int, activation regions narrower than ``resolution`` that were absorbed
        into their neighbours (``raw_activation_regions - activation_regions`` before
        regions with equal patterns on both sides of a sliver are joined)
    min_width : float, width of the narrowest activation region kept
    resolution : float, breakpoints closer than this are treated as one
    slope_tol : float, output slopes closer than this are treated as equal
    lo, hi : float, the interval
    """

    pieces: int
    activation_regions: int
    raw_activation_regions: int
    slivers: int
    min_width: float
    resolution: float
    slope_tol: float
    lo: float
    hi: float

    def __str__(self):
        return (f"{self.pieces} affine pieces, {self.activation_regions} activation regions "
                f"on [{self.lo:g}, {self.hi:g}] (raw {self.raw_activation_regions}, "
                f"{self.slivers} slivers narrower than {self.resolution:.2g} absorbed, "
                f"narrowest piece {self.min_width:.2g})")


# ---------------------------------------------------------------------------------------
# Checking the input
# ---------------------------------------------------------------------------------------

def check_scalar_network(layers):
    """Check a one-input, one-output network without a runs axis; float64 ``(W, b)`` pairs.

    Parameters
    ----------
    layers : list of ``(W, b)`` with ``W : (fan_out, fan_in)`` and ``b : (fan_out,)``;
        ``layers[0]`` has ``fan_in = 1`` and ``layers[-1]`` has ``fan_out = 1``

    Raises
    ------
    ValueError naming the layer index, the shape received and the shape expected (see
    :func:`minregion.mlp.check_layers`).
    """
    check_layers(layers, n_in=1, n_out=1, one_network=True)
    return [(np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64))
            for W, b in layers]


def default_resolution(lo, hi):
    """The default resolution ``2^-44 max(|lo|, |hi|)``: 256 float spacings at the far end."""
    return RESOLUTION_FACTOR * max(abs(lo), abs(hi))


# ---------------------------------------------------------------------------------------
# The exact layer-by-layer pass
# ---------------------------------------------------------------------------------------

def times_transpose(h, W):
    """``h @ W.T`` for a tall ``h : (P, fan_in)`` and ``W : (fan_out, fan_in)`` -> (P, fan_out).

    Written with ``einsum``: for these tall, thin products the threads of the BLAS behind
    ``@`` cost more than they save (0.5 s against 0.07 s for 2^20 pieces of width 4 on a
    busy 2-core machine).
    """
    return np.einsum("pi,oi->po", h, W)


def split_at_zeros(layers, lo, hi):
    """Cut [lo, hi] at every zero of every preactivation, layer by layer, into *cells*.

    Parameters
    ----------
    layers : list of float64 ``(W, b)``, already checked by :func:`check_scalar_network`
    lo, hi : float

    Returns
    -------
    xs : (P + 1,) sorted breakpoints, ``xs[0] = lo``, ``xs[-1] = hi``; cell p is
        ``[xs[p], xs[p + 1]]``
    patterns : (P, bytes) uint8, the on/off bits of all hidden neurons on each cell,
        packed 8 per byte (``np.packbits``); equal rows mean equal activation patterns
    slope : (P,) output slope on each cell
    """
    xs = np.array([lo, hi])
    m = np.ones((1, 1))                  # h(x) = x on the single piece: slope 1,
    c = np.zeros((1, 1))                 # intercept 0
    patterns = np.zeros((1, 0), dtype=np.uint8)
    for W, b in layers[:-1]:
        zm = times_transpose(m, W)       # (P, width) preactivation slopes, m @ W.T
        zc = times_transpose(c, W) + b   # (P, width) preactivation intercepts
        with np.errstate(divide="ignore", invalid="ignore"):
            root = -zc / zm              # (P, width) zero of each preactivation
        inside = (root > xs[:-1, None]) & (root < xs[1:, None])
        new_xs = np.unique(np.concatenate([xs, root[inside]]))
        # Each new piece comes from the old piece holding its left end.
        parent = np.searchsorted(xs, new_xs[:-1], side="right") - 1
        mid = 0.5 * (new_xs[:-1] + new_xs[1:])
        # np.take(a, parent, axis=0) is a[parent], several times faster on big arrays
        zm, zc = np.take(zm, parent, axis=0), np.take(zc, parent, axis=0)
        on = zm * mid[:, None] + zc > 0  # (P, width) the ReLU's on/off at the midpoint
        m, c = zm * on, zc * on
        patterns = np.concatenate([np.take(patterns, parent, axis=0),
                                   np.packbits(on, axis=1)], axis=1)
        xs = new_xs
    return xs, patterns, times_transpose(m, layers[-1][0])[:, 0]


def breakpoints(layers, lo=0.0, hi=1.0):
    """Interior points of [lo, hi] where some neuron switches on or off.

    These are the raw activation-region boundaries exactly as float64 computes them,
    rounding slivers included (see the module docstring); no resolution is applied.

    Parameters
    ----------
    layers : list of ``(W, b)``, ``W : (fan_out, fan_in)``, ``b : (fan_out,)``; one input
        and one output, ReLU after every layer but the last
    lo, hi : float, the interval, lo < hi

    Returns
    -------
    x : (K,) float64, sorted; ``K + 1`` is the number of raw activation regions
    """
    lo, hi = check_interval(lo, hi)
    xs, patterns, _ = split_at_zeros(check_scalar_network(layers), lo, hi)
    changes = np.any(patterns[:-1] != patterns[1:], axis=1)
    return xs[1:-1][changes]


def _check_resolution(resolution, lo, hi):
    default = default_resolution(lo, hi)
    if resolution is None:
        return default, default
    try:
        resolution = float(resolution)
    except (TypeError, ValueError):
        raise ValueError(f"resolution must be a number >= 0 or None; got {resolution!r}") \
            from None
    if not (np.isfinite(resolution) and 0.0 <= resolution < hi - lo):
        raise ValueError(f"resolution must be finite with 0 <= resolution < hi - lo = "
                         f"{hi - lo:g}; got {resolution}")
    return resolution, default


def _resolve(layers, lo, hi, resolution):
    """The shared work of :func:`region_report` and :func:`affine_pieces`.

    Returns the report and the kept regions' left edges (K,), output slopes (K,) and
    whether each starts a new affine piece (K,) bools.
    """
    lo, hi = check_interval(lo, hi)
    layers = check_scalar_network(layers)
    resolution, default = _check_resolution(resolution, lo, hi)

    xs, patterns, slope = split_at_zeros(layers, lo, hi)

    # Raw activation regions: join the pieces whose patterns are equal.
    changes = np.flatnonzero(np.any(patterns[:-1] != patterns[1:], axis=1))
    first = np.concatenate([[0], changes + 1])          # first piece of each region
    edges = np.concatenate([[lo], xs[changes + 1], [hi]])
    raw_widths = np.diff(edges)                         # (R,) raw region widths
    raw = len(raw_widths)

    # Absorb the slivers: regions narrower than the resolution disappear, and the
    # breakpoints around them become one.
    keep = raw_widths >= resolution
    if not np.any(keep):                                # everything below resolution
        keep[np.argmax(raw_widths)] = True
    slivers = raw - int(keep.sum())
    first, widths, left = first[keep], raw_widths[keep], edges[:-1][keep]
    left[0] = lo
    # Two kept neighbours with one pattern (a sliver between them) are one region.
    same = np.all(patterns[first[:-1]] == patterns[first[1:]], axis=1)
    activation_regions = len(first) - int(same.sum())

    # Affine pieces: join neighbours whose output slopes agree.
    kept_slope = slope[first]
    slope_tol = SLOPE_RTOL * float(np.max(np.abs(kept_slope)))
    jumps = np.abs(np.diff(kept_slope))
    starts = np.concatenate([[True], jumps > slope_tol])
    pieces = int(starts.sum())

    report = RegionReport(pieces=pieces, activation_regions=activation_regions,
                          raw_activation_regions=raw, slivers=slivers,
                          min_width=float(widths.min()), resolution=resolution,
                          slope_tol=slope_tol, lo=lo, hi=hi)
    warn_if_unresolved(report, raw_widths, jumps, default, stacklevel=4)
    return report, left, kept_slope, starts


def region_report(layers, lo=0.0, hi=1.0, resolution=None):
    """Count the affine pieces and activation regions of a network on [lo, hi], exactly.

    Parameters
    ----------
    layers : list of ``(W, b)``, ``W : (fan_out, fan_in)``, ``b : (fan_out,)``; one input
        and one output, ReLU after every layer but the last
    lo, hi : float, the interval, lo < hi
    resolution : float >= 0 or None; breakpoints closer than this are one breakpoint.
        None means ``2^-44 max(|lo|, |hi|)``; 0 keeps every piece float64 produces.

    Returns
    -------
    report : RegionReport

    Warns
    -----
    RegionResolutionWarning when the counts depend on ``resolution`` or ``slope_tol``
    (see the module docstring).
    """
    return _resolve(layers, lo, hi, resolution)[0]


def affine_pieces(layers, lo=0.0, hi=1.0, resolution=None):
    """The affine pieces themselves: where each starts and the output's slope on it.

    The same pieces that :func:`region_report` counts (slivers absorbed, neighbours with
    equal slopes merged), so ``len(slopes) == region_report(...).pieces``.

    Parameters
    ----------
    layers, lo, hi, resolution : as :func:`region_report`

    Returns
    -------
    edges : (K + 1,) float64, ``edges[0] = lo``, ``edges[-1] = hi``; piece k is
        ``[edges[k], edges[k + 1]]`` (an edge is known to within ``resolution``)
    slopes : (K,) float64, the output's slope on each piece
    """
    report, left, kept_slope, starts = _resolve(layers, lo, hi, resolution)
    return np.concatenate([left[starts], [report.hi]]), kept_slope[starts]


def warn_if_unresolved(report, raw_widths, jumps, default, stacklevel=3):
    """Warn when the counts of ``report`` depend on the resolution or the slope tolerance.

    raw_widths : (R,) widths of the raw activation regions
    jumps : (K - 1,) |slope jump| between neighbouring kept regions
    default : float, the default resolution on this interval
    """
    res, tol, why = report.resolution, report.slope_tol, []
    near = (raw_widths >= res / WARN_BAND) & (raw_widths < res * WARN_BAND)
    if res > 0 and np.any(near):
        why.append(f"{int(near.sum())} activation regions are between {res / WARN_BAND:.2g} "
                   f"and {res * WARN_BAND:.2g} wide, within a factor {WARN_BAND:g} of the "
                   f"resolution {res:.2g}: float64 cannot tell them from rounding slivers")
    if res < default and report.min_width < default:
        why.append(f"pieces as narrow as {report.min_width:.2g} were kept, below the "
                   f"default resolution {default:.2g}: they may be rounding slivers")
    near = (jumps > tol / WARN_BAND) & (jumps <= tol * WARN_BAND)
    if tol > 0 and np.any(near):
        why.append(f"{int(near.sum())} slope jumps are within a factor {WARN_BAND:g} of the "
                   f"slope tolerance {tol:.2g}")
    if why:
        warnings.warn(f"{report}: " + "; ".join(why), RegionResolutionWarning,
                      stacklevel=stacklevel)


def count_regions(layers, lo=0.0, hi=1.0, resolution=None):
    """The exact number of affine pieces of a one-input ReLU network on [lo, hi].

    An affine piece is a maximal interval on which the output is affine. See
    :func:`region_report` for activation regions and for what float64 can resolve.

    Parameters
    ----------
    layers : list of ``(W, b)``, ``W : (fan_out, fan_in)``, ``b : (fan_out,)``; one input
        and one output, ReLU after every layer but the last
    lo, hi : float, the interval, lo < hi
    resolution : float >= 0 or None (the default ``2^-44 max(|lo|, |hi|)``)

    Returns
    -------
    pieces : int
    """
    return region_report(layers, lo, hi, resolution).pieces


# ---------------------------------------------------------------------------------------
# Sampling, to show what it misses
# ---------------------------------------------------------------------------------------

def activation_patterns(layers, x):
    """The on/off state of every hidden neuron at each input.

    Parameters
    ----------
    layers : list of ``(W, b)``, one input and one output
    x : (N,) inputs

    Returns
    -------
    on : (N, H) bool, ``H`` = number of hidden neurons (all layers but the last, in
        order); True where the preactivation is > 0
    """
    layers = check_scalar_network(layers)
    h = np.asarray(x, dtype=np.float64).reshape(-1, 1)      # (N, 1)
    on = []
    for W, b in layers[:-1]:
        z = times_transpose(h, W) + b                       # (N, width)
        on.append(z > 0)
        h = np.maximum(z, 0.0)
    return np.concatenate(on, axis=1) if on else np.zeros((len(h), 0), dtype=bool)


def count_activation_regions_sampled(layers, lo=0.0, hi=1.0, n=1000):
    """Count activation regions by sampling: pattern changes on a grid, plus 1.

    Shown only to compare with the exact counters: sampling misses every region narrower
    than the grid step ``(hi - lo) / (n - 1)`` and can never report more than ``n``. It is
    a lower bound of the number of activation regions (up to rounding slivers).

    Parameters
    ----------
    layers : list of ``(W, b)``, one input and one output
    lo, hi : float, the interval, lo < hi
    n : int >= 2, number of samples ``np.linspace(lo, hi, n)``

    Returns
    -------
    regions : int, 1 + number of neighbouring samples whose patterns differ
    """
    lo, hi = check_interval(lo, hi)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n (the number of samples) must be an integer >= 2; got {n!r}")
    on = activation_patterns(layers, np.linspace(lo, hi, int(n)))
    return 1 + int(np.sum(np.any(on[1:] != on[:-1], axis=1)))
