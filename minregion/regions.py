"""Exact linear regions of a ReLU network with one input (SPEC section 10).

A ReLU network with one input is piecewise linear. On an interval [lo, hi] we count

- **activation regions**: maximal intervals on which every hidden neuron keeps one on/off
  state (one *activation pattern*);
- **affine pieces**: maximal intervals on which the output is affine (neighbouring
  activation regions whose output slopes are equal are one piece),

so ``pieces <= activation_regions``. Nothing is sampled: every breakpoint is found.

The algorithm
-------------
**Cells.** Breakpoints ``lo = x_0 < x_1 < ... < x_P = hi`` cut [lo, hi] into P *cells*. On
cell p every neuron of the current layer is affine in x: we keep its slope ``m_p`` and its
value at the cell's *reference point* ``r_p``, the point of the cell nearest 0 (where
float64 numbers are densest), so that on ``[x_p, x_(p+1)]``

    z(x) = z(r_p) + m_p (x - r_p).

At the start there is one cell, [lo, hi], and one "neuron": the input, z(x) = x.

**One layer (W, b)** (:func:`split_at_zeros`).

1. The ReLU of the layer before: a neuron that is on passes z on, one that is off passes
   0, so its output h has slope ``on * m`` and value ``on * z(r)``.
2. The preactivations ``z = W h + b`` are affine on every cell too: slope ``W h'``, value
   ``W h(r_p) + b``; for all cells at once ``h' @ W.T`` and ``h(r) @ W.T + b``, (P, w).
3. The cut: preactivation k is zero at ``x* = r_p - z_k(r_p) / m_pk``. Every zero strictly
   inside its own cell, ``x_p < x* < x_(p+1)``, is a new breakpoint
   (:func:`zero_crossings`); a zero outside belongs to the formula, not to the network,
   which follows the formula only on cell p.
4. On a new cell no preactivation changes sign any more: its sign at the cell's midpoint
   says which neurons are on. The on/off bits of all layers so far are the pattern.

**Counting.** After the last hidden layer the output's slope on a cell is ``W_out h'``.
Activation regions are runs of cells with equal patterns
(:func:`group_activation_regions`); affine pieces are runs of regions with equal output
slopes (:func:`merge_equal_slopes`); :func:`regions_and_pieces` runs these steps.

**Memory.** Once a layer leaves more than ``CHUNK_CELLS`` cells, they are split in two
at a *seam* inside a wide cell, and each half goes through the remaining layers on its
own, left half first (:func:`final_cells`). At most one half per layer waits its turn,
so memory grows with the depth, not with the number of cells. The counts add up.

**Float64.** Some of these decisions are unsure in float64: where a neuron should only
touch zero, rounded weights make it dip below by a hair; a cell can be narrower than the
error of its ends; two slopes can agree to rounding. The *guard*, the folder
``minregion/float64/``, watches every layer: it counts such a *touch* with the neuron on,
recounts what float64 cannot settle in exact rational arithmetic (this module's functions,
run on ``fractions.Fraction`` arrays), and reports what is still open as a range, with a
:class:`RegionResolutionWarning`. Every call into it reads ``float64.<name>``; you need not
read it to follow the algorithm. What is counted and guaranteed, and the measurements
behind it: docs/regions_float64.md.
"""
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from . import float64
from .checks import check_counter_network, check_interval, check_layers, check_points
from .float64 import RegionResolutionWarning, default_resolution  # noqa: F401 (public)

CHUNK_CELLS = 2 ** 14         # past this many cells, carry on in two halves


@dataclass(frozen=True)
class RegionReport:
    """The linear regions of a one-input ReLU network on [lo, hi] (SPEC section 10).

    pieces, activation_regions : int, the counts (touches counted as on)
    raw_activation_regions : int, activation regions as float64 computes them, touches too
    slivers : int, ``raw_activation_regions - activation_regions``: regions absorbed as
        touches (with an explicit ``resolution``: as narrower than it)
    min_width : float, width of the narrowest activation region counted
    resolution : float, the explicit ``resolution``, else ``default_resolution(lo, hi)``
    slope_tol : float, relative size below which a slope jump is settled exactly
    pieces_low, pieces_high, regions_low, regions_high : int, the range that holds the
        counts (equal to them unless a RegionResolutionWarning was issued)
    settled, unsettled, fragile : int, doubtful stretches and slope jumps counted again
        exactly, stretches left open, and stretches whose count is within rounding of the
        weights
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
    pieces_low: int = None
    pieces_high: int = None
    regions_low: int = None
    regions_high: int = None
    settled: int = 0
    unsettled: int = 0
    fragile: int = 0

    @property
    def flagged(self):
        """True when the counts come as a range (``pieces_low < pieces_high`` or the same for
        the regions): the count :func:`region_report` warns about."""
        return self.pieces_low != self.pieces_high or self.regions_low != self.regions_high

    def __str__(self):
        rng = (f", between {self.pieces_low} and {self.pieces_high} pieces"
               if self.pieces_low != self.pieces_high else "")
        return (f"{self.pieces} affine pieces, {self.activation_regions} activation regions "
                f"on [{self.lo:g}, {self.hi:g}] (raw {self.raw_activation_regions}, "
                f"{self.slivers} absorbed, narrowest {self.min_width:.2g}{rng})")


def check_scalar_network(layers):
    """Check a one-input, one-output network without a runs axis -> float64 ``(W, b)``
    pairs; else ValueError naming the layer and the shapes (``checks.check_layers``)."""
    check_layers(layers, n_in=1, n_out=1, one_network=True)
    check_counter_network(layers)       # width and size of the weights the counter can hold
    return [(np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64))
            for W, b in layers]


# ---------------------------------------------------------------------------------------
# The cells, one layer at a time
# ---------------------------------------------------------------------------------------

@dataclass
class Cells:
    """[a, b] cut into P cells ``[xs[p], xs[p+1]]`` after some layers, w neurons in the last.

    xs : (P + 1,) breakpoints, float64 (or Fractions in exact arithmetic)
    slope, value : (P, w) each preactivation: slope on the cell, value at its reference point
    on : (P, w) bool, which neurons are on
        (in a tall chunk the (P, w) arrays are stored neuron-major, for speed:
        ``float64/rows.py``)
    patterns : (P, B) uint8, the on/off bits of every layer so far, 8 to a byte
        (``np.packbits``); equal rows are equal activation patterns
    marks : float64.CellMarks, what the guard keeps about every cell
    """
    xs: np.ndarray
    slope: np.ndarray
    value: np.ndarray
    on: np.ndarray
    patterns: np.ndarray
    marks: float64.CellMarks

    def __len__(self):
        return len(self.xs) - 1


def reference_points(xs):
    """The point of each cell ``[xs[p], xs[p+1]]`` nearest 0 -> (P,)."""
    return np.minimum(np.maximum(0 * xs[:-1], xs[:-1]), xs[1:])


def zero_crossings(slope, value, ref, xs):
    """Where each preactivation crosses zero strictly inside its cell.

    slope, value : (P, w) each preactivation's slope on cell p and its value at ref[p]
    ref : (P,) the cells' reference points; xs : (P + 1,) their ends

    Returns root : (P, w), the zero ``ref - value / slope`` where it lies strictly between
    xs[p] and xs[p + 1]; +inf elsewhere (and where the preactivation is flat).

    The same function runs on float64 arrays and on object arrays of ``fractions.Fraction``
    (the exact recount, chapter 1 section 5): a Fraction divided by 0 raises instead of
    giving inf, so it divides by 1 where the slope is 0 (and sets +inf there), and
    ``root`` keeps the dtype of ``slope``.
    """
    # BEGIN SOLUTION ch01 zero_crossings (section 3): root (P, w), of the dtype of slope:
    #   ref - value / slope, dividing by 1 where the slope is 0 (Fractions cannot divide by
    #   0); +inf where the slope is 0 and where the zero is not strictly inside its own cell
    flat = slope == 0                             # a flat preactivation has no zero
    root = ref[:, None] - value / np.where(flat, 1, slope)
    root[flat | (root <= xs[:-1, None]) | (root >= xs[1:, None])] = np.inf
    # END SOLUTION
    return root


@dataclass(frozen=True)
class Cut:
    """P old cells cut into P' new ones by one layer (:func:`split_at_zeros`).

    xs : (P' + 1,) the new breakpoints; old : (P' + 1,) bool, the breakpoint was there
        before; made_by : (P' + 1,) the neuron whose zero made it (-1 if old)
    parent : (P',) the old cell each new one lies in; first : (P,) where the old cells
        start now
    slope, value : (P', w) the layer's preactivations, value at ref (P',); on : (P', w)
    h_slope, h_value : (P, fan_in) the layer's input on the old cells, value at ref_old (P,)
    """
    xs: np.ndarray
    old: np.ndarray
    made_by: np.ndarray
    parent: np.ndarray
    first: np.ndarray
    slope: np.ndarray
    value: np.ndarray
    ref: np.ndarray
    on: np.ndarray
    h_slope: np.ndarray
    h_value: np.ndarray
    ref_old: np.ndarray


def split_at_zeros(p, W, b):
    """Steps 1-4 of the module docstring: cut the cells ``p`` at the zeros of layer
    ``(W, b)``'s preactivations, and switch its neurons on or off -> a Cut."""
    h_slope, h_value = p.slope * p.on, p.value * p.on        # (P, fan_in) the ReLU
    ref_old = reference_points(p.xs)                          # (P,)
    slope = float64.times_transpose(h_slope, W)               # (P, w) = h_slope @ W.T
    value = float64.times_transpose(h_value, W) + b           # (P, w) at ref_old
    with np.errstate(over="ignore"):    # value / a subnormal slope: +-inf, no zero in the cell
        root = zero_crossings(slope, value, ref_old, p.xs)    # (P, w)
    # The new cells: every old cell, followed by its zeros in increasing order.
    root, order, keep = sort_zeros(root)
    sizes = 1 + float64.count_in_row(keep)                   # keep.sum(axis=1)
    parent = np.repeat(np.arange(len(ref_old)), sizes)
    old = np.zeros(len(parent) + 1, bool)
    old[np.cumsum(sizes) - sizes] = old[-1] = True
    cell, k = np.divmod(np.flatnonzero(np.ascontiguousarray(keep)), keep.shape[1])
    xs = np.empty(len(old), dtype=p.xs.dtype)
    xs[old], xs[~old] = p.xs, root[cell, k]        # root[keep] (faster on neuron-major)
    made_by = np.full(len(xs), -1)
    made_by[~old] = order[cell, k]
    slope, value = float64.take_rows(slope, parent), float64.take_rows(value, parent)
    mid = xs[:-1] + (xs[1:] - xs[:-1]) / 2
    on = value + slope * (mid - ref_old[parent])[:, None] > 0
    keep = switching(old, made_by, on)                 # float64 can misplace a zero (rare)
    if not keep.all():
        i, cells = np.flatnonzero(keep), np.flatnonzero(keep[:-1])
        xs, old, made_by = (np.take(a, i) for a in (xs, old, made_by))
        on, parent, slope, value = (float64.take_rows(a, cells)
                                    for a in (on, parent, slope, value))
    ref = reference_points(xs)                                # values move to the new refs
    value = value + slope * (ref - ref_old[parent])[:, None]
    return Cut(xs=xs, old=old, made_by=made_by, parent=parent,
               first=np.flatnonzero(old[:-1]), slope=slope, value=value, ref=ref, on=on,
               h_slope=h_slope, h_value=h_value, ref_old=ref_old)


def sort_zeros(root):
    """Each cell's zeros ``root`` (P, w) (+inf: none) in increasing order -> root (P, w),
    order (P, w), the neuron of each, and keep (P, w) bool, the zeros that are breakpoints
    (two equal zeros are one breakpoint, the first neuron's). Only cells with two zeros
    or more need sorting (most have at most one)."""
    keep = root != np.inf
    order = np.empty_like(root, dtype=np.intp)
    order[:] = np.arange(root.shape[1])
    many = np.flatnonzero(float64.count_in_row(keep) > 1)
    if len(many):
        some = np.take(root, many, axis=0)
        o = np.argsort(some, axis=1, kind="stable")
        some = np.take_along_axis(some, o, axis=1)
        k = some != np.inf
        k[:, 1:] &= some[:, 1:] != some[:, :-1]          # two equal zeros: one breakpoint
        root = np.copy(root)                             # (keeps its order in memory)
        root[many], order[many], keep[many] = some, o, k
    return root, order, keep


def switching(old, made_by, on):
    """A new breakpoint across which no neuron switches is no breakpoint (float64 can put
    a zero on the wrong side of its neighbour's). ``old``, ``made_by`` (P' + 1,) and
    ``on`` (P', w) of a cut -> keep (P' + 1,) bool, the breakpoints to keep."""
    j = np.flatnonzero(~old[1:-1]) + 1
    n = made_by[j]                             # first the neuron whose zero it is
    j = j[on[j, n] == on[j - 1, n]]
    keep = np.ones(len(old), bool)
    keep[j[np.all(on[j] == on[j - 1], axis=1)]] = False
    return keep


def final_cells(layers, lo, hi, exact=False, touches=True, at_lo=True, at_hi=True):
    """Pass [lo, hi] through every hidden layer; yield the final Cells, chunk by chunk,
    left to right (``exact``: layers and ends are Fractions)."""
    xs = np.array([Fraction(lo), Fraction(hi)] if exact else [lo, hi],
                  dtype=object if exact else np.float64)
    first = Cells(xs, slope=np.ones((1, 1), xs.dtype), value=reference_points(xs)[:, None],
                   on=np.ones((1, 1), bool), patterns=np.zeros((1, 0), np.uint8),
                   marks=float64.start_marks(xs[1], exact, at_lo, at_hi))    # z(x) = x
    stack = [(0, first)]
    while stack:
        k, p = stack.pop()
        while k < len(layers) - 1:
            W, b = layers[k]
            cut = split_at_zeros(p, W, b)
            patterns = np.concatenate([np.take(p.patterns, cut.parent, axis=0),  # packed bits:
                                       float64.pack_rows(cut.on)], axis=1)  # np.packbits
            marks = float64.mark_layer(p, cut, W, b, k, touches)   # touches, doubts ...
            p = Cells(cut.xs, cut.slope, cut.value, cut.on, patterns, marks)
            k += 1
            if len(p) > CHUNK_CELLS and k < len(layers) - 1 and not exact:  # windows: small
                p, right = split_in_two(p)
                stack.append((k, right))             # waits until the left half is done
        yield p


def split_in_two(p):
    """Cut the cells at a seam inside cell j, at the golden ratio of it (no round
    number); cell j goes into both halves. Returns (left, right) Cells."""
    j = float64.seam_cell(p.xs, p.marks)
    seam = p.xs[j] + (p.xs[j + 1] - p.xs[j]) * 0.6180339887498949
    ref_j = reference_points(p.xs[j:j + 2])[0]
    at = lambda x: p.value[j] + p.slope[j] * (x - ref_j)    # cell j's values at x
    xs_l, xs_r = np.append(p.xs[:j + 1], seam), np.append([seam], p.xs[j + 1:])
    value_l, value_r = np.copy(p.value[:j + 1]), np.copy(p.value[j:])
    value_l[-1] = at(reference_points(xs_l[-2:])[0])
    value_r[0] = at(reference_points(xs_r[:2])[0])
    marks_l, marks_r = float64.split_marks(p.marks, j, at(seam))
    return (Cells(xs_l, p.slope[:j + 1], value_l, p.on[:j + 1], p.patterns[:j + 1], marks_l),
            Cells(xs_r, p.slope[j:], value_r, p.on[j:], p.patterns[j:], marks_r))


# ---------------------------------------------------------------------------------------
# From cells to counts
# ---------------------------------------------------------------------------------------

def group_activation_regions(patterns, rank):
    """Activation regions: maximal runs of cells with equal patterns.

    patterns : (P, B) packed on/off bits (touches counted as on)
    rank : (P,) int, how little a cell's slope is to be trusted for its region's (0: best)

    Returns starts (A,) the first cell of each of the A regions, and rep (A,) the cell
    whose slope is the region's: the first of lowest rank.
    """
    P = len(patterns)
    new = np.ones(P, bool)
    new[1:] = float64.rows_differ(patterns)   # np.any(patterns[1:] != patterns[:-1], axis=1)
    starts = np.flatnonzero(new)
    return starts, np.minimum.reduceat(np.arange(P) + P * rank, starts) % P


def merge_equal_slopes(jump, tol):
    """Affine pieces: a region starts a new piece unless its output slope equals the one
    of the region before it.

    jump : (A - 1,) |slope of region k + 1 - slope of region k|, A activation regions
    tol : (A - 1,) the largest jump taken as none (float64 rounding: see
        ``float64.slope_jumps``)

    Returns new (A,) bool: True where region k starts an affine piece (always region 0).
    """
    # BEGIN SOLUTION ch01 merge_equal_slopes (section 2): new (A,) bool, True for region 0 and for
    #   every region whose slope jumps by more than tol from the region before it
    new = np.ones(len(jump) + 1, bool)
    new[1:] = jump > tol
    # END SOLUTION
    return new


def regions_and_pieces(s):
    """The counting steps, on a chunk's final cells ``s`` (float64.Chunk):

    1. absorb the slivers: ``s.counted`` are the patterns with every touch counted as on,
       as the guard decided them layer by layer;
    2. group the activation regions (:func:`group_activation_regions`);
    3. merge equal slopes (:func:`merge_equal_slopes`), with the jumps and tolerances of
       ``float64.slope_jumps``.

    Returns starts (A,), rep (A,), new_piece (A,) bool, and doubtful (A - 1,) bool: the
    jumps float64 could not settle.
    """
    rank = s.touched + 2 * ~s.exact      # a region's slope: outside touches, exact if known
    starts, rep = group_activation_regions(s.counted, rank)
    jump, tol, doubtful = float64.slope_jumps(s, rep)
    return starts, rep, merge_equal_slopes(jump, tol), doubtful


def count(layers, lo, hi, keep_pieces=False):
    """Count a checked network on [lo, hi], chunk by chunk -> (dict of RegionReport's
    counts and ranges, the affine pieces' edges (K + 1,) and slopes (K,) or None, None)."""
    tally = float64.Tally(layers, lo, hi, exact_window, keep_pieces)   # sums, ranges
    for p in final_cells(layers, lo, hi):
        s = float64.to_chunk(p, layers[-1][0])         # + the output's slope on each cell
        s = tally.settle(s, regions_and_pieces(s))     # recount what float64 cannot settle
        s = tally.join(s)                              # the chunk before's last region
        tally.add(s, *regions_and_pieces(s))
    return tally.result()


def exact_window(layers, left, right, at_lo, at_hi):
    """The final cells of [left, right] in exact arithmetic (Fraction layers and ends),
    as a float64.Chunk."""
    (p,) = final_cells(layers, left, right, exact=True, at_lo=at_lo, at_hi=at_hi)
    return float64.to_chunk(p, layers[-1][0])


# ---------------------------------------------------------------------------------------
# The public functions
# ---------------------------------------------------------------------------------------

def _report(layers, lo, hi, resolution=None, keep_pieces=False, warn=True):
    """(RegionReport, edges, slopes) of :func:`region_report` and :func:`affine_pieces`."""
    lo, hi = check_interval(lo, hi)
    layers = check_scalar_network(layers)
    resolution, why = float64.check_resolution(resolution, lo, hi), None
    if resolution is None:
        n, edges, slopes = count(layers, lo, hi, keep_pieces)
        report = RegionReport(resolution=default_resolution(lo, hi),
                              slope_tol=float64.SURE_JUMP, lo=lo, hi=hi, **n)
    else:                                   # a plain width threshold, for comparison
        chunks = list(final_cells(layers, lo, hi, touches=False))
        n, edges, slopes, why = float64.count_at_resolution(chunks, layers[-1][0], lo, hi,
                                                            resolution)
        report = RegionReport(lo=lo, hi=hi, **n)
    if warn:
        float64.warn_if_unresolved(report, stacklevel=4, why=why)
    return report, edges, slopes


def region_report(layers, lo=0.0, hi=1.0, resolution=None, warn=True):
    """Count the affine pieces and activation regions of a network on [lo, hi], exactly.

    layers : list of ``(W, b)``, ``W : (fan_out, fan_in)``, ``b : (fan_out,)``; one input
        and one output, ReLU after every layer but the last
    lo, hi : float, the interval, lo < hi
    resolution : None (the count of the module docstring), or a float >= 0 to see what a
        plain width threshold does instead: activation regions narrower than it are
        absorbed into their neighbours (0 keeps every cell float64 produces), with a
        warning when the count depends on it
    warn : bool, issue the warning below (False: the caller reads ``report.flagged``)

    Returns a RegionReport. Warns (RegionResolutionWarning) when float64 could not settle
    the count, or it is within rounding of the weights: ``pieces_low .. pieces_high`` and
    ``regions_low .. regions_high`` then hold the range (``report.flagged``).
    """
    if not isinstance(warn, bool):
        raise ValueError(f"warn must be True or False; got {warn!r}")
    return _report(layers, lo, hi, resolution, warn=warn)[0]


def count_regions(layers, lo=0.0, hi=1.0, resolution=None):
    """The exact number of affine pieces of a one-input ReLU network on [lo, hi], an int
    (see :func:`region_report`; same arguments)."""
    return region_report(layers, lo, hi, resolution).pieces


def affine_pieces(layers, lo=0.0, hi=1.0, resolution=None):
    """The affine pieces that :func:`region_report` counts: edges (K + 1,) float64
    (``edges[0] = lo``, ``edges[-1] = hi``; piece k is ``[edges[k], edges[k + 1]]``, ends
    rounded to float64) and slopes (K,), the output's slope on each. Holds every piece."""
    return _report(layers, lo, hi, resolution, keep_pieces=True)[1:]


def breakpoints(layers, lo=0.0, hi=1.0):
    """Interior points of [lo, hi] where some neuron switches on or off, as float64
    computes them (touches included), sorted: (K,), ``K + 1`` raw activation regions."""
    lo, hi = check_interval(lo, hi)
    out = []
    for p in final_cells(check_scalar_network(layers), lo, hi, touches=False):
        out.append(p.xs[1:-1][float64.rows_differ(p.patterns)])
    return np.concatenate(out)


# ---------------------------------------------------------------------------------------
# Sampling, to show what it misses
# ---------------------------------------------------------------------------------------

def activation_patterns(layers, x):
    """The on/off state of every hidden neuron at each input ``x`` (N,) -> (N, H) bool,
    H hidden neurons in layer order; True where the preactivation is > 0. A NaN or inf in
    ``x`` is a ValueError (it has no pattern)."""
    layers = check_scalar_network(layers)
    h = check_points(x, 1)                                  # (N, 1)
    on = []
    for W, b in layers[:-1]:
        z = float64.times_transpose(h, W) + b               # (N, width)
        on.append(z > 0)
        h = np.maximum(z, 0.0)
    return np.concatenate(on, axis=1) if on else np.zeros((len(h), 0), dtype=bool)


def count_activation_regions_sampled(layers, lo=0.0, hi=1.0, n=1000):
    """Activation regions counted by sampling ``np.linspace(lo, hi, n)``: 1 + the number of
    neighbouring samples whose patterns differ.

    Only to compare with the exact count: it misses every region narrower than the grid
    step and never reports more than n (a lower bound, up to rounding).
    """
    lo, hi = check_interval(lo, hi)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n (the number of samples) must be an integer >= 2; got {n!r}")
    on = activation_patterns(layers, np.linspace(lo, hi, int(n)))
    return 1 + int(np.sum(np.any(on[1:] != on[:-1], axis=1)))
