"""What float64 can and cannot settle in the region counter, and how doubtful stretches are
recounted exactly.

:mod:`minregion.regions` cuts [lo, hi] at the zeros of the preactivations, layer by layer.
This module is everything it does on top of that because the arithmetic is float64. Each
step is named; the measurements behind the thresholds, and exactly what a count promises,
are in docs/regions_float64.md.

What is counted
---------------
The *float-weight network*: the network whose weights are exactly the given float64
numbers, computed without rounding, with one convention, **touches**. A *dip* of a neuron
is a stretch where it is off, with the neuron on next to it. Its *relative depth* is the
largest ``-z / terms`` at the stretch's *kinks* (breakpoints of earlier layers, its ends
included, and lo or hi if it reaches them), where

    terms = sum_j |W_nj| |h_j| + |b_n|

is the size of the numbers that the preactivation ``z`` is the sum of. A dip no deeper
than ``TOUCH`` is a touch, and counted with the neuron on. The network itself is not
changed: later layers see it as it is. (Where a preactivation should only touch zero, as
at the valleys of the constructed waves, rounding of the weights makes it dip below by a
few units of rounding of its terms; genuine dips are far deeper.)

How float64 decides
-------------------
Every decision float64 can take for sure, it takes: a dip is a touch below ``SURE_TOUCH``,
a crossing above ``SURE_CROSSING``; a cell is there when it is wider than the possible
error of its ends (``POSITION_RTOL``); a jump of the output's slope is real above
``SURE_JUMP``. An input that is itself within rounding of zero is *noise*: it is taken as
anything in a small range, and the values that depend on it as ranges.

- **doubtful**: float64 cannot decide. The stretch is counted again, from the input layer,
  in exact rational arithmetic: the same functions of :mod:`minregion.regions` run on
  ``fractions.Fraction`` numbers (NumPy object arrays), on a window around the doubt, as
  long as ``EXACT_BUDGET`` lasts (:meth:`ExactRecount.settle`).
- **fragile**: the float-weight count is exact, but weights differing in their last bits
  (such as the real-number weights these were rounded from) could count otherwise: a bump
  above zero within rounding, a dip near ``TOUCH``, a preactivation flat within rounding, a
  sign at lo or hi that noise could flip.

Every stretch left doubtful or fragile widens the reported range (:func:`count_range`), and
:func:`warn_if_unresolved` issues a :class:`RegionResolutionWarning` with it.

The steps, for one hidden layer (:func:`check_layer`)
-----------------------------------------------------
1. :func:`measure_sizes`: the terms of every preactivation, and which inputs are noise;
2. :func:`count_touches_as_on`: absorb the slivers, i.e. find every dip and count the
   touches as on; flag what float64 cannot decide (and :func:`flag_hidden_dips`: dips too
   narrow to leave any zero in float64);
3. :func:`flag_flat_and_narrow`: flat preactivations, and cells no wider than the
   possible errors of their ends.

A zero that float64 put on the wrong side of its neighbour's is dropped at the cut
(:func:`drop_false_zeros`), and when the cells are split into chunks the seam goes into a
cell float64 settled (:func:`seam_cell`).

Then, per chunk of final cells (:class:`Tally`, driven by ``regions.count``):
:func:`output_sequence` (the output's slope on every cell), :func:`slope_jumps` (which jumps
between regions are sure), :meth:`ExactRecount.settle` (the doubtful stretches, exactly),
:func:`count_range` (the range that is left).
"""
import warnings
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

TOUCH = 2.0 ** -36            # a dip at most this deep, relative to its terms, is a touch
SURE_TOUCH = 2.0 ** -40       # float64 calls a dip a touch below this,
SURE_CROSSING = 2.0 ** -32    # and a crossing above this; in between: settled exactly
POSITION_RTOL = 2.0 ** -44    # a float64 breakpoint is this close (relative) to the exact one
SURE_JUMP = 2.0 ** -44        # a jump of the output's slope above this (relative) is real
EXACT_BUDGET = 5_000          # cell-layers we will redo in exact arithmetic per count
NONE = np.iinfo(np.int16).max  # "no doubt" / "not fragile" in the per-cell layer marks

RESOLUTION_FACTOR = 2.0 ** -44   # default_resolution = RESOLUTION_FACTOR * max(|lo|, |hi|)
SLOPE_RTOL = 1e-13               # with an explicit resolution: slope_tol = SLOPE_RTOL max|slope|
WARN_BAND = 8.0                  # with an explicit resolution: warn within this factor


class RegionResolutionWarning(UserWarning):
    """The region count is not settled, or is within rounding of another count."""


def times_transpose(h, W):
    """``h @ W.T`` for a tall ``h : (P, fan_in)`` and ``W : (fan_out, fan_in)`` -> (P, fan_out).

    Written with ``einsum``: for these tall, thin products the threads of the BLAS behind
    ``@`` cost more than they save. Fraction object arrays go through ``@`` (``einsum``
    takes object arrays only from NumPy 1.25 on).
    """
    if h.dtype == object or W.dtype == object:
        return h @ W.T
    return np.einsum("pi,oi->po", h, W)


def as_exact(layers):
    """Float64 ``(W, b)`` -> the same numbers as ``Fraction`` object arrays (exactly)."""
    to = np.vectorize(Fraction, otypes=[object])
    return [(to(W), to(b)) for W, b in layers]


def default_resolution(lo, hi):
    """``2^-44 max(|lo|, |hi|)``: 256 float spacings at the far end of [lo, hi]. Used only
    as a yardstick by an explicit ``resolution=`` (see :func:`count_at_resolution`)."""
    return RESOLUTION_FACTOR * max(abs(lo), abs(hi))


# ---------------------------------------------------------------------------------------
# The cut: float64's part
# ---------------------------------------------------------------------------------------

def drop_false_zeros(xs, old, on):
    """A new breakpoint across which nothing switches is no breakpoint: float64 rounding
    put a zero on the wrong side of its neighbour's. ``xs``, ``old`` (P' + 1,), ``on``
    (P', w) of a cut -> keep (P' + 1,) bool, the breakpoints to keep."""
    j = np.flatnonzero(~old[1:-1]) + 1
    keep = np.ones(len(xs), bool)
    keep[j[np.all(on[j] == on[j - 1], axis=1)]] = False
    return keep


# ---------------------------------------------------------------------------------------
# What is kept about every cell
# ---------------------------------------------------------------------------------------

@dataclass
class Marks:
    """What this module keeps about each of P cells (w neurons in the last layer).

    counted : (P, B) uint8, the on/off bits of every layer so far with the touches on,
        packed 8 to a byte (``np.packbits``)
    touched : (P,) bool, the cell lies in a touch (its slope is not its region's)
    scale : (P, w) size of the terms behind each preactivation at the cell's left end
        (a term that is itself noise counts with its own scale)
    error : (P + 1,) how far each breakpoint may be from the exact one
    doubt, fragile : (P,) int16, the first layer at which float64 could not settle the
        cell / at which its count became fragile; ``NONE`` if never
    made_by : (P + 1,) int, which neuron of the last layer has its zero at the breakpoint
        (-1 for breakpoints of earlier layers and the ends)
    end, end_scale : (w,) value and scale of the preactivations at the right end
    at_lo, at_hi : whether the ends are lo and hi (else they are seams between chunks)
    """
    counted: np.ndarray
    touched: np.ndarray
    scale: np.ndarray
    error: np.ndarray
    doubt: np.ndarray
    fragile: np.ndarray
    made_by: np.ndarray
    end: np.ndarray
    end_scale: np.ndarray
    at_lo: bool = True
    at_hi: bool = True


def first_marks(b, exact, at_lo, at_hi):
    """The marks of the one cell [a, b] before any layer (its "neuron" is x itself)."""
    zero = np.array([0], dtype=object if exact else np.float64)
    return Marks(counted=np.zeros((1, 0), np.uint8), touched=np.zeros(1, bool),
                 scale=zero[None], error=np.zeros(2), doubt=np.full(1, NONE, np.int16),
                 fragile=np.full(1, NONE, np.int16), made_by=np.full(2, -1),
                 end=np.array([b], dtype=zero.dtype), end_scale=zero.copy(),
                 at_lo=at_lo, at_hi=at_hi)


def check_layer(p, cut, W, b, k, touches=True):
    """Steps 1-3 for hidden layer k, ``(W, b)``: the marks of the new cells.

    Parameters
    ----------
    p : regions.Cells before the layer (P cells), with ``p.marks``
    cut : the cut of :func:`minregion.regions.split_at_zeros` (P' new cells); this
        function adds its work space to it
    touches : bool, count touches as on (False: the float-weight network as it is)

    Returns
    -------
    Marks of the P' new cells
    """
    prepare(p, cut, W, b)
    measure_sizes(p, cut, W, b)
    count_touches_as_on(p, cut, k, touches)
    flag_flat_and_narrow(cut, W)
    m, parent = p.marks, cut.parent
    counted = cut.on | cut.touch if cut.touched.any() else cut.on
    return Marks(
        counted=np.concatenate([np.take(m.counted, parent, axis=0),
                                np.packbits(counted, axis=1)], axis=1),
        touched=np.take(m.touched, parent) | cut.touched, scale=cut.scale, error=cut.error,
        doubt=_mark(np.take(m.doubt, parent), cut.doubt, k),
        fragile=_mark(np.take(m.fragile, parent), cut.fragile, k),
        made_by=cut.made_by, end=cut.z_end, end_scale=cut.scale_end,
        at_lo=m.at_lo, at_hi=m.at_hi)


def _mark(marks, flag, k):
    """Per-cell layer marks: the first layer at which ``flag`` was raised."""
    if flag.any():
        marks = marks.copy()
        marks[flag & (marks == NONE)] = k
    return marks


def prepare(p, cut, W, b):
    """The values this module reads from a cut: cut.zl (P', w) the preactivations at the
    left ends of the new cells, cut.width (P',), cut.error_old (P' + 1,) the position
    errors of the old breakpoints (0 for the new ones), and at the right end of the chunk
    cut.h_end (fan_in,) the layer's input and cut.z_end (w,) its preactivations."""
    cut.W, cut.b = W, b
    cut.zl = cut.value + cut.slope * (cut.xs[:-1] - cut.ref)[:, None]
    cut.width = cut.xs[1:] - cut.xs[:-1]
    cut.error_old = np.zeros(len(cut.xs))
    cut.error_old[cut.old] = p.marks.error            # old breakpoints keep their error
    cut.h_end = p.marks.end * p.on[-1]
    cut.z_end = cut.h_end @ W.T + b


# ---------------------------------------------------------------------------------------
# Step 1: the size of the numbers behind every preactivation
# ---------------------------------------------------------------------------------------

def inputs_at(cut, rows):
    """The layer's input (values, slopes) at the left ends of the new cells ``rows``."""
    parent = cut.parent[rows]
    hm = cut.h_slope[parent]
    return cut.h_value[parent] + hm * (cut.xs[rows] - cut.ref_old[parent])[:, None], hm


def measure_sizes(p, cut, W, b):
    """Step 1: how large the numbers behind each preactivation are, at every left end.

    The *terms* of preactivation n at x are ``sum_j |W_nj| |h_j(x)| + |b_n|``: rounding
    errors are relative to them, and touches are measured against them.

    An input may itself be *noise* at an old breakpoint: there it is within ``TOUCH`` of
    zero relative to its own scale (a touch, or a value inherited from one), or the
    breakpoint is its own zero. Its true value is then anything in ``[0, noise]`` (noise:
    ``2^-44 scale_j``, or at its own zero ``|slope_j| error``, the rounding of the zero's
    position), and the *scale* of a preactivation counts it with its own scale: the size
    of the numbers it came from.

    Fills cut.h (P', fan_in) the layer's input at the left ends; cut.terms,
    cut.scale (P', w); the noise: cut.noise_rows (n,) sorted and cut.noise_values
    (n, fan_in), cut.noisy_rows and cut.chain_rows (noise other than zeros); and at the
    right end cut.noise_end, cut.terms_end, cut.scale_end (w,).
    """
    m = p.marks
    exact = cut.slope.dtype == object
    aW, ab = np.abs(W), np.abs(b)
    ref_old = cut.ref_old[cut.parent]
    cut.h = cut.h_value[cut.parent] + cut.h_slope[cut.parent] * (cut.xs[:-1] - ref_old)[:, None]
    cut.terms = times_transpose(np.abs(cut.h), aW) + ab
    cut.scale = cut.terms
    touch = Fraction(TOUCH) if exact else TOUCH
    amount = Fraction(POSITION_RTOL) if exact else POSITION_RTOL
    # The old breakpoints are the left ends of the old cells, where p holds the values.
    z_prev = p.value + p.slope * (p.xs[:-1] - cut.ref_old)[:, None]
    noisy = (np.abs(z_prev) <= touch * m.scale) & (m.scale > 0)
    made = np.flatnonzero(m.made_by[:-1] >= 0)
    n = m.made_by[made]
    noisy[made, n] = False                    # an input at its own zero: below
    noise = np.where(noisy, amount * m.scale, 0 * m.scale)
    chain = np.flatnonzero(noisy.any(axis=1))
    if not exact and len(made):
        noisy[made, n] = True
        noise[made, n] = np.abs(p.slope[made, n]) * m.error[made]
    keep = np.zeros(len(noise), bool)
    keep[chain] = True
    keep[made] = True
    i = np.flatnonzero(keep)
    cut.noisy_rows, cut.chain_rows = cut.first[i], cut.first[chain]
    cut.noise_rows, cut.noise_values = cut.first[i], noise[i]     # sorted rows, (n, fan_in)
    if len(chain):                            # the scale counts noise with its own scale
        rows = cut.first[chain]
        h = np.abs(cut.h[rows])
        cut.scale = cut.terms.copy()
        cut.scale[rows] = times_transpose(np.where(noisy[chain], np.maximum(h, m.scale[chain]),
                                                   h), aW) + ab
    noisy_end = (np.abs(m.end) <= touch * m.end_scale) & (m.end_scale > 0)
    cut.noise_end = np.where(noisy_end, amount * m.end_scale, 0 * m.end_scale)
    cut.terms_end = np.abs(cut.h_end) @ aW.T + ab
    cut.scale_end = np.where(noisy_end, np.maximum(np.abs(cut.h_end), m.end_scale),
                             np.abs(cut.h_end)) @ aW.T + ab


# ---------------------------------------------------------------------------------------
# Step 2: absorb the slivers (count the touches as on)
# ---------------------------------------------------------------------------------------

def values_at_kinks(cut, rows):
    """Every preactivation at the old breakpoints ``rows`` (P' is the right end).

    At an old interior breakpoint the two neighbouring cells give two lines that meet at
    the kink; in float64 the kink lies within ``error`` of its stored position, so we take
    the lines' meeting point, clamped to that distance: it does not depend on where
    exactly the kink was rounded. In exact arithmetic both lines give the same value.
    Returns (len(rows), w).
    """
    P = len(cut.xs) - 1
    z = np.concatenate([cut.zl, cut.z_end[None]])[rows]
    if z.dtype == object:
        return z
    k = (rows > 0) & (rows < P)
    j = rows[k]
    m1, m2 = cut.slope[j - 1], cut.slope[j]
    v1, v2 = cut.zl[j - 1] + m1 * cut.width[j - 1][:, None], cut.zl[j]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(m1 != m2, (v2 - v1) / (m1 - m2), 0.0)
    e = cut.error_old[j][:, None]
    t = np.clip(np.nan_to_num(t, posinf=0.0, neginf=0.0), -e, e)
    z[k] = np.where(t >= 0, v2 + m2 * t, v1 + m1 * t)
    return z


def runs(on):
    """Maximal runs of equal state in every column of ``on`` (P, w).

    Returns (start, stop, neuron) arrays over all runs, in column order (a run covers
    cells start .. stop-1 of its column), and the run index of every (cell, neuron).
    """
    P, w = on.shape
    flat = on.T.reshape(-1)
    change = np.ones(P * w, bool)
    change[1:] = flat[1:] != flat[:-1]
    change[::P] = True                            # every column starts a run
    start = np.flatnonzero(change)
    stop = np.append(start[1:], P * w)
    neuron = start // P
    run_of = np.cumsum(change) - 1
    return start - neuron * P, stop - neuron * P, neuron, run_of.reshape(w, P).T


def _ratio(z, s):
    """z / s elementwise, 0 where s is 0 (z is 0 there too)."""
    if z.dtype == object:
        return np.array([a / c if c else Fraction(0) for a, c in zip(z.ravel(), s.ravel())],
                        dtype=object).reshape(z.shape)
    out = np.zeros(z.shape)
    np.divide(z, s, out=out, where=s > 0)
    return out


def kink_views(cut, rows):
    """What each preactivation is at the old breakpoints ``rows`` (P' is the right end),
    seen three ways: from the cell on the left (its right end), from the cell on the
    right (its left end), and at the kink itself (:func:`values_at_kinks`). Each view is
    (z, z_low, z_high, terms), (len(rows), w). Views that do not exist (left of lo, right
    of the right end) are None.

    Where some input is noise (see :func:`measure_sizes`), z_low .. z_high is the range of
    ``W h + b`` over the inputs' possible values: a noise input anywhere in ``[0, noise]``,
    the others as computed, up to ``|slope| error`` in float64 (the kink's position).
    Elsewhere the range is just z.
    """
    P = len(cut.xs) - 1
    aW, ab = np.abs(cut.W), np.abs(cut.b)
    exact = cut.slope.dtype == object
    w_in = cut.h_value.shape[1]
    # the noise of the inputs at each row
    noise = np.zeros((len(rows), w_in), dtype=cut.h_value.dtype)
    if len(cut.noise_rows):
        k = np.minimum(np.searchsorted(cut.noise_rows, rows), len(cut.noise_rows) - 1)
        hit = cut.noise_rows[k] == rows
        noise[hit] = cut.noise_values[k[hit]]
    noise[rows == P] = cut.noise_end
    noisy_row = np.any(noise != 0, axis=1)
    # the inputs at each row (from the cell on the right; at the end, the end's)
    inner = rows < P
    h = np.empty((len(rows), w_in), dtype=cut.h_value.dtype)
    hm = np.zeros_like(h)
    h[inner], hm[inner] = inputs_at(cut, rows[inner])
    h[~inner] = cut.h_end
    low = high = None
    if noisy_row.any():
        nh, nn, nhm = h[noisy_row], noise[noisy_row], hm[noisy_row]
        spread = 0 * nh if exact else np.abs(nhm) * np.append(cut.error_old[:-1], 0.0)[
            rows[noisy_row], None]
        is_noise = nn != 0
        lo_in = np.where(is_noise, 0 * nh, nh - spread)
        hi_in = np.where(is_noise, np.maximum(nn, nh + spread), nh + spread)
        Wp, Wn = np.maximum(cut.W, 0), np.minimum(cut.W, 0)
        low = times_transpose(lo_in, Wp) + times_transpose(hi_in, Wn) + cut.b
        high = times_transpose(hi_in, Wp) + times_transpose(lo_in, Wn) + cut.b

    def view(z, hv, m):
        """z at the rows selected by mask m, its range, and the terms."""
        terms = times_transpose(np.abs(hv), aW) + ab
        z_low, z_high = z, z
        sub = noisy_row[m]
        if sub.any():
            z_low, z_high = z.copy(), z.copy()
            at = np.flatnonzero(m & noisy_row)
            idx = np.searchsorted(np.flatnonzero(noisy_row), at)
            z_low[sub], z_high[sub] = low[idx], high[idx]
            if exact:                              # the exact value is in its own range
                z_low[sub] = np.minimum(z_low[sub], z[sub])
                z_high[sub] = np.maximum(z_high[sub], z[sub])
        return z, z_low, z_high, terms

    right = left = tip = None
    if inner.any():
        right = view(cut.zl[rows[inner]], h[inner], inner)
    m = rows > 0
    if m.any():
        r = rows[m]
        q = r[r < P] - 1
        hl = np.empty((len(r), w_in), dtype=h.dtype)
        z = np.empty((len(r), cut.slope.shape[1]), dtype=cut.slope.dtype)
        hq, hmq = inputs_at(cut, q)
        hl[r < P] = hq + hmq * cut.width[q][:, None]
        z[r < P] = cut.zl[q] + cut.slope[q] * cut.width[q][:, None]
        hl[r == P], z[r == P] = cut.h_end, cut.z_end
        left = view(z, hl, m)
    m = (rows > 0) & (rows < P)                    # at the kink itself
    if m.any():
        z, z_low, z_high, terms = view(values_at_kinks(cut, rows[m]), h[m], m)
        tip = z, z_low, z_high, np.maximum(terms, left[3][rows[rows > 0] < P])
    return left, right, tip


def count_touches_as_on(p, cut, k, touches):
    """Step 2: absorb the slivers. Find the dips of every neuron and count touches as on.

    A dip is a run of new cells where the neuron is off, next to a run where it is on (a
    bump is the other way round). Its relative depth is its largest ``-z / terms`` at its
    kinks (old breakpoints, ends included): inside the run at the kink itself, at its ends
    from its own cells (:func:`kink_views`). Fills cut.touch (P', w) bool, cut.touched
    (P',) bool, and marks doubtful / fragile cells (cut.doubt, cut.fragile (P',) bool):

    - a dip surely below SURE_TOUCH (in exact arithmetic: below TOUCH) is a touch;
    - a dip surely above SURE_CROSSING is a crossing; anything between is doubtful in
      float64, and in exact arithmetic decided by TOUCH but fragile;
    - a bump not surely above SURE_CROSSING is fragile (kept);
    - a neuron whose sign at lo or hi is not sure, without any zero, is fragile;
    - a run that reaches a seam between chunks and is not sure is doubtful.

    "Surely" allows for inputs that are noise. Only kinks where a preactivation may be
    within SURE_CROSSING of its terms are measured; a kink far below (above) zero makes
    its off (on) run surely deep (high).
    """
    P, w = cut.on.shape
    exact = cut.slope.dtype == object
    sure = Fraction(SURE_CROSSING) if exact else SURE_CROSSING
    inf = float("inf")
    start, stop, neuron, run_of = runs(cut.on)
    state = cut.on[start, neuron]
    # First the kinks where a preactivation is clearly far from zero (more than 2^-20 of
    # its terms and than the rounding of its value; inputs not noise): an off run with
    # one far below zero is surely deep, an on run with one far above surely high.
    zl = np.concatenate([cut.zl, cut.z_end[None]])
    margin = 2.0 ** -20 * np.concatenate([cut.terms, cut.terms_end[None]])
    # at noisy rows (inputs near zero) the left-end values may be mostly rounding: they
    # were carried along the cell, by ``step``, from its parent's reference point
    if not exact and len(cut.noisy_rows):
        r = cut.noisy_rows
        step = np.abs(cut.slope[r] * (cut.xs[r] - cut.ref_old[cut.parent[r]])[:, None])
        margin[r] = np.maximum(margin[r], 2.0 ** -40 * (np.abs(cut.zl[r]) + 2 * step))
    if len(cut.chain_rows):      # where inputs are noise: also more than they could move it
        noise = cut.noise_values[np.searchsorted(cut.noise_rows, cut.chain_rows)]
        margin[cut.chain_rows] += times_transpose(np.maximum(noise, np.abs(cut.h[
            cut.chain_rows])) * (noise != 0), np.abs(cut.W))
    clear = cut.old.copy()
    clear[P] = not np.any(cut.noise_end != 0)
    clear = clear[:, None] & (np.abs(zl) > margin)
    deep = _run_any(clear & (zl < 0), start, stop, neuron)
    high = _run_any(clear & (zl > 0), start, stop, neuron)
    # The others are measured where they can matter: in an off run not surely deep, an on
    # run not surely high, and at the two ends.
    lone = (start == 0) & (stop == P)
    need = ((~state & ~deep) | (state & ~high)) & ~lone
    sizes = stop[need] - start[need] + 1
    at = np.repeat(start[need] - np.cumsum(sizes) + sizes, sizes) + np.arange(sizes.sum())
    measure = np.zeros(P + 1, bool)
    measure[at] = True
    measure[[0, P]] = True
    rows = np.flatnonzero(measure & cut.old)

    # The readings: (run, z, z_low, z_high, terms) at every measured kink and neuron.
    left, right, tip = kink_views(cut, rows)
    readings = []
    has_left, has_right = rows > 0, rows < P
    interior = has_left & has_right
    run_l = run_of[np.maximum(rows - 1, 0)]                       # (len(rows), w)
    run_r = run_of[np.minimum(rows, P - 1)]
    same = interior[:, None] & (run_l == run_r)
    if tip is not None:
        m = same[interior]
        readings.append((run_r[interior][m], *(v[m] for v in tip)))
    if right is not None:
        m = ~same[has_right]
        readings.append((run_r[has_right][m], *(v[m] for v in right)))
    if left is not None:
        m = ~same[has_left]
        readings.append((run_l[has_left][m], *(v[m] for v in left)))
    run, z, low, high_z, terms = (np.concatenate(parts) for parts in zip(*readings))
    below, above = high_z < -sure * terms, low > sure * terms     # surely far from zero
    deep[run[below]] = True
    high[run[above]] = True
    m = ~below & ~above                   # the others: per run, relative to the terms, how
    best = {}                             # deep it may be, how shallow, how high, and its depth
    for name, values, sign in (("deepest", low, -1), ("shallowest", high_z, -1),
                               ("height", low, 1), ("depth", z, -1)):
        best[name] = np.full(len(start), -inf, dtype=object if exact else float)
        at = _ratio(sign * values[m], terms[m])
        if exact:
            for q, v in zip(run[m], at):
                best[name][q] = max(best[name][q], v)
        else:
            np.maximum.at(best[name], run[m], at)

    first, last = start == 0, stop == P
    seam = (first & (not p.marks.at_lo)) | (last & (not p.marks.at_hi))
    dip, bump = ~state & ~lone, state & ~lone
    sure_touch = dip & ~deep & (best["deepest"] <= SURE_TOUCH)
    sure_crossing = dip & (deep | (best["shallowest"] > SURE_CROSSING))
    touch = (dip & ~deep & (best["depth"] <= Fraction(TOUCH))) if exact else sure_touch
    touch &= ~seam
    unsure = (dip & ~sure_touch & ~sure_crossing) | \
             (bump & ~high & (best["height"] <= SURE_CROSSING))
    # a neuron in one state on the whole chunk, whose sign at lo or hi is not sure
    for view, e, is_end in ((right, 0, p.marks.at_lo), (left, -1, p.marks.at_hi)):
        if view is not None and is_end:
            unsure |= lone & ((view[1][e] < 0) & (view[2][e] > 0))[neuron]
    cut.touch = _per_cell(touch & touches, start, stop, neuron, P, w) & ~cut.on
    cut.touched = cut.touch.any(axis=1) if touches and touch.any() else np.zeros(P, bool)
    cut.fragile = _per_cell(unsure & ~seam, start, stop, neuron, P, w).any(axis=1)
    cut.doubt = _per_cell((~exact & unsure) | (seam & unsure), start, stop, neuron, P,
                           w).any(axis=1)
    if not exact:
        flag_hidden_dips(cut, measure)


def flag_hidden_dips(cut, measured):
    """A dip (or bump) narrower than a float spacing may leave no zero in float64 at all:
    the neuron is on on both sides of a kink, but its value at the kink is below zero
    (off on both sides, above zero). Look at the kinks where a preactivation is near
    zero and not measured yet; mark such places doubtful (settled exactly)."""
    P, w = cut.on.shape
    j = np.flatnonzero(cut.old[1:-1] & ~measured[1:-1]) + 1
    j = j[np.any(np.abs(cut.zl[j]) <= 2.0 ** -20 * cut.terms[j], axis=1)]
    if len(j) == 0:
        return
    z_low = z_high = values_at_kinks(cut, j)
    terms = cut.terms[j]
    noisy = np.zeros(P + 1, bool)                      # there: the range of the value
    noisy[cut.noise_rows] = True
    noisy = noisy[j]
    if noisy.any():
        z_low, z_high = z_low.copy(), z_high.copy()
        _, _, tip = kink_views(cut, j[noisy])
        z_low[noisy], z_high[noisy] = tip[1], tip[2]
    both_on = cut.on[j - 1] & cut.on[j]
    both_off = ~cut.on[j - 1] & ~cut.on[j]
    hidden = (both_on & (z_high < -SURE_TOUCH * terms)) | \
             (both_off & (z_low > SURE_TOUCH * terms))
    k = j[hidden.any(axis=1)]
    cut.doubt[k - 1] = True
    cut.doubt[k] = True


def _run_any(flags, start, stop, neuron):
    """Whether ``flags`` (P' + 1, w) is set at some breakpoint start .. stop of each run."""
    P1 = flags.shape[0]
    v = flags.T.reshape(-1).view(np.int8)
    base = neuron * P1
    # reduceat covers [start, next index): up to stop - 1, or for the last run of a
    # column up to the column's end (its stop); add the right end in both cases
    return (np.maximum.reduceat(v, base + start) | v[base + stop]) > 0


def _per_cell(run_flag, start, stop, neuron, P, w):
    """A per-run flag spread over the run's cells -> (P, w) bool."""
    out = np.zeros((w, P), bool)
    if run_flag.any():
        out.reshape(-1)[:] = np.repeat(run_flag, stop - start)
    return out.T


# ---------------------------------------------------------------------------------------
# Step 3: flat preactivations and narrow cells
# ---------------------------------------------------------------------------------------

def flag_flat_and_narrow(cut, W):
    """Step 3: flag what float64 cannot place.

    - flat: a preactivation whose slope is within rounding of zero (``|m| <= SURE_CROSSING
      |W| |h'|``) and small enough on its cell that such a slope could move a zero into
      it: fragile (the zero could be anywhere);
    - narrow (float64 only): a cell no wider than the possible errors of its two ends,
      and not part of a touch: doubtful. A zero is within ``POSITION_RTOL (|x| + terms /
      |slope|)`` of the exact one.

    Fills cut.error (P' + 1,), the position error of every breakpoint.
    """
    exact = cut.slope.dtype == object
    sure = Fraction(SURE_CROSSING) if exact else SURE_CROSSING
    # flat: the slope is the same on all new cells of an old one: test it there first
    aW = np.abs(W)
    old_terms = times_transpose(np.abs(cut.h_slope), aW)          # (P, w) |W| |h'|
    old_zm = np.take(cut.slope, cut.first, axis=0)
    maybe = np.any((old_terms > 0) & (np.abs(old_zm) <= sure * old_terms), axis=1)
    rows = np.flatnonzero(np.take(maybe, cut.parent)) if maybe.any() else []
    if len(rows):
        slope_terms = old_terms[cut.parent[rows]]
        zm, zl, width = cut.slope[rows], cut.zl[rows], cut.width[rows][:, None]
        flat = (slope_terms > 0) & (np.abs(zm) <= sure * slope_terms)
        ends = np.minimum(np.abs(zl), np.abs(zl + zm * width))
        flat &= ends <= sure * slope_terms * width
        hit = rows[flat.any(axis=1)]
        cut.fragile[hit] = True
        if not exact:
            cut.doubt[hit] = True
    cut.error = cut.error_old.copy()
    if exact:
        return
    j = np.flatnonzero(~cut.old)
    flat_at = j * cut.slope.shape[1] + cut.made_by[j]
    cut.error[j] = POSITION_RTOL * (np.abs(cut.xs[j]) + np.take(cut.terms, flat_at) /
                                    np.abs(np.take(cut.slope, flat_at)))
    narrow = cut.width <= cut.error[:-1] + cut.error[1:]
    if narrow.any():
        narrow &= ~cut.touched
    cut.doubt |= narrow


# ---------------------------------------------------------------------------------------
# Chunks: where to cut, and the marks of the two halves
# ---------------------------------------------------------------------------------------

def seam_cell(p):
    """The cell to put a seam in: the widest of the middle third that float64 settled
    and that lies outside any touch."""
    P = len(p.xs) - 1
    width = (p.xs[1:] - p.xs[:-1]).astype(float)
    middle = np.arange(P // 3, max(P // 3 + 1, 2 * P // 3))
    ok = (p.marks.doubt[middle] == NONE) & ~p.marks.touched[middle]
    return middle[np.argmax(np.where(ok, width[middle], -1.0))]


def split_marks(m, j, value_at_seam):
    """The marks of the two halves when cells 0 .. j and j .. P-1 go on apart (cell j
    is in both, cut at the seam; its preactivations there are ``value_at_seam`` (w,))."""
    cut = lambda name, a, e: getattr(m, name)[a:e]
    left = Marks(cut("counted", 0, j + 1), cut("touched", 0, j + 1), cut("scale", 0, j + 1),
                 np.append(m.error[:j + 1], 0.0), cut("doubt", 0, j + 1),
                 cut("fragile", 0, j + 1), np.append(m.made_by[:j + 1], -1), value_at_seam,
                 m.scale[j], m.at_lo, False)
    error = m.error[j:].copy()
    error[0] = 0.0
    right = Marks(cut("counted", j, None), cut("touched", j, None), cut("scale", j, None),
                  error, cut("doubt", j, None), cut("fragile", j, None),
                  np.append(-1, m.made_by[j + 1:]), m.end, m.end_scale, False, m.at_hi)
    return left, right


# ---------------------------------------------------------------------------------------
# From cells to counts
# ---------------------------------------------------------------------------------------

@dataclass
class Sequence:
    """The final cells of one chunk, ready to be counted (P cells).

    left : (P,) float64 left ends; right_end : float, the chunk's right end
    counted, patterns : (P, B) uint8 packed patterns (touches on / as they are)
    slope, terms : (P,) float64 output slope and the size of its terms
    form : (P, w) float64 slopes of the last hidden layer's outputs (the output's slope
        is ``form @ w_out``), w_out : (w,) the output weights
    exact : (P,) bool, the cell comes from a window counted in exact arithmetic
    exact_slope : (P,) object, its exact slope there (None elsewhere)
    touched : (P,) bool
    doubt, fragile : (P,) int16 layer marks (NONE if none)
    """
    left: np.ndarray
    right_end: float
    counted: np.ndarray
    patterns: np.ndarray
    slope: np.ndarray
    terms: np.ndarray
    form: np.ndarray
    w_out: np.ndarray
    exact: np.ndarray
    exact_slope: np.ndarray
    touched: np.ndarray
    doubt: np.ndarray
    fragile: np.ndarray

    def __len__(self):
        return len(self.left)


def output_sequence(p, W_out):
    """The final cells ``p`` (regions.Cells) and the output layer -> a Sequence."""
    hm = p.slope * p.on
    slope = times_transpose(hm, W_out)[:, 0]
    terms = times_transpose(np.abs(hm), np.abs(W_out))[:, 0]
    exact = p.xs.dtype == object
    m = p.marks
    return Sequence(left=p.xs[:-1].astype(float), right_end=float(p.xs[-1]),
                    counted=m.counted, patterns=p.patterns, slope=slope.astype(float),
                    terms=terms.astype(float), form=hm.astype(float),
                    w_out=np.asarray(W_out, dtype=float)[0],
                    exact=np.full(len(slope), exact),
                    exact_slope=slope if exact else np.full(len(slope), None, object),
                    touched=m.touched,
                    doubt=m.doubt, fragile=m.fragile)


def slope_jumps(s, rep):
    """The jumps of the output's slope between neighbouring activation regions, and the
    size below which a jump is taken as none.

    ``rep`` (R,): the cell whose slope is each region's. Between two regions whose slopes
    are both known exactly, the jump is exact and the tolerance 0. Otherwise the
    jump is computed from the difference of the two regions' forms (``(m_r - m_l) .
    w_out``, accurate even where the slopes themselves round to the same number), and the
    tolerance is ``SURE_JUMP`` times the size of the slopes' terms; a jump at or below it
    (zero included) is *doubtful*.

    Returns jump, tol (R - 1,) float64 and doubtful (R - 1,) bool.
    """
    a, b = rep[:-1], rep[1:]
    jump = np.abs((s.form[b] - s.form[a]) @ s.w_out)
    tol = SURE_JUMP * np.maximum(s.terms[a], s.terms[b])
    doubtful = ~(jump > tol)
    exact = np.flatnonzero(s.exact[a] & s.exact[b])
    if len(exact):
        differ = s.exact_slope[b[exact]] != s.exact_slope[a[exact]]
        jump[exact] = np.where(differ, np.maximum(jump[exact], np.finfo(float).tiny), 0.0)
        tol[exact] = 0.0
        doubtful[exact] = False
    return jump, tol, doubtful


def doubtful_stretches(s, rep, doubtful):
    """Cells that float64 could not settle: marked doubtful, or around a doubtful jump
    (``doubtful`` (R - 1,) from :func:`slope_jumps`). Returns (P,) bool."""
    flag = s.doubt != NONE
    for r in np.flatnonzero(doubtful) + 1:
        flag[rep[r - 1]:rep[r] + 1] = True
    return flag


def runs_of_true(flag):
    """(a, e) of every maximal run of True in a 1-D bool array."""
    change = np.diff(np.concatenate([[0], flag.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(change == 1), np.flatnonzero(change == -1)))


class ExactRecount:
    """Counts windows of [lo, hi] again in exact arithmetic, within ``EXACT_BUDGET``.

    ``count_window(layers, L, R, at_lo, at_hi)`` -> Sequence: the exact final cells of
    [L, R] (Fractions), from :mod:`minregion.regions`. The layers are turned into
    Fractions when first needed.
    """

    def __init__(self, layers, lo, hi, count_window):
        self.float_layers, self.lo, self.hi = layers, lo, hi
        self.count_window = count_window
        self.layers = None
        self.budget = EXACT_BUDGET
        self.settled = 0

    def settle(self, s, rep, doubtful):
        """Count the doubtful stretches of a Sequence again exactly (``rep``, ``doubtful``:
        its regions' cells and doubtful slope jumps, see :func:`doubtful_stretches`).

        Each doubtful stretch is widened until the cell on either side lies outside any
        touch and any doubt; its *window* runs from the midpoint of the one on the left to
        the midpoint of the one on the right (or to the chunk's end), points inside
        regions that both passes agree on. The window goes through every layer with
        Fractions, and its exact cells replace the float64 ones.

        A doubtful slope jump between two cells float64 settled (no doubt, no touch) needs
        no window: it is decided by their exact slopes (:meth:`slope_of`).

        Returns the new Sequence (``s`` itself if no window was counted).
        """
        doubtful = self.settle_jumps(s, rep, doubtful)
        flag = doubtful_stretches(s, rep, doubtful)
        if not flag.any():
            return s
        P = len(s)
        bad = flag | s.touched
        windows = []
        for a, e in runs_of_true(flag):
            while a > 0 and bad[a - 1]:
                a -= 1
            while e < P and bad[e]:
                e += 1
            if windows and a - 1 <= windows[-1][1]:          # shares a seam cell: merge
                windows[-1] = (windows[-1][0], e)
            else:
                windows.append((a, e))
        parts, pos, left, settled = [], 0, None, 0
        for a, e in windows:
            L = s.left[0] if a == 0 else _midpoint(s, a - 1)
            R = s.right_end if e == P else _midpoint(s, e)
            cost = (e - a + 2) * (len(self.float_layers) - 1)
            if cost > self.budget:
                continue
            self.budget -= cost
            if self.layers is None:
                self.layers = as_exact(self.float_layers)
            exact = self.count_window(self.layers, Fraction(L), Fraction(R),
                                      L == self.lo, R == self.hi)
            parts.append(_take(s, pos, a, left=left, right=L))
            parts.append(exact)
            pos, left = e, R
            self.settled += 1
            settled += 1
        if not settled:
            return s
        parts.append(_take(s, pos, P, left=left))
        return concat(parts)


    def settle_jumps(self, s, rep, doubtful):
        """Give the cells on both sides of each doubtful jump (``rep``, ``doubtful`` as for
        :meth:`settle`) their exact slopes, in place in ``s``, where both cells are settled
        (float64's on/off pattern there is the exact one), as long as the budget lasts (a
        cell costs one cell-layer per layer). Returns the jumps still doubtful."""
        doubtful = doubtful.copy()
        settled = lambda c: s.doubt[c] == NONE and not s.touched[c]
        for k in np.flatnonzero(doubtful):
            cells = [c for c in (rep[k], rep[k + 1]) if not s.exact[c]]
            cost = len(cells) * (len(self.float_layers) - 1)
            if not (settled(rep[k]) and settled(rep[k + 1])) or cost > self.budget:
                continue
            self.budget -= cost
            if self.layers is None:
                self.layers = as_exact(self.float_layers)
            for c in cells:
                s.exact_slope[c], s.exact[c] = self.slope_of(s.patterns[c]), True
            doubtful[k] = False
            self.settled += 1
        return doubtful

    def slope_of(self, pattern):
        """The exact output slope on a cell whose on/off bits are ``pattern`` (B,) uint8:
        ``W_out D_L W_L ... D_1 W_1``, D_k the 0/1 diagonal of layer k's bits."""
        slope, at = np.array([Fraction(1)], dtype=object), 0
        for W, _ in self.layers[:-1]:
            n = (W.shape[0] + 7) // 8                     # bytes of this layer's bits
            on = np.unpackbits(pattern[at:at + n])[:W.shape[0]].astype(bool)
            slope, at = (W @ slope) * on, at + n
        return (self.layers[-1][0] @ slope)[0]


def _midpoint(s, i):
    right = s.left[i + 1] if i + 1 < len(s.left) else s.right_end
    return s.left[i] + (right - s.left[i]) / 2


def _take(s, a, e, left=None, right=None):
    """Cells a .. e-1 of a Sequence, the first starting at ``left`` and the last ending at
    ``right`` if given."""
    out = Sequence(s.left[a:e].copy(), s.right_end if e >= len(s.left) else s.left[e],
                   s.counted[a:e], s.patterns[a:e], s.slope[a:e], s.terms[a:e], s.form[a:e],
                   s.w_out, s.exact[a:e], s.exact_slope[a:e], s.touched[a:e], s.doubt[a:e],
                   s.fragile[a:e])
    if right is not None:
        out.right_end = right
    if left is not None and e > a:
        out.left[0] = left
    return out


def last_cell(s, i):
    """Cell i of a Sequence alone, marked settled: it stands for its region in the next
    chunk."""
    out = _take(s, i, i + 1)
    out.doubt = out.fragile = np.full(1, NONE, np.int16)
    return out


def concat(parts):
    """Sequences one after another -> one Sequence."""
    parts = [q for q in parts if len(q.left)]
    cat = lambda name: np.concatenate([getattr(q, name) for q in parts])
    return Sequence(cat("left"), parts[-1].right_end, cat("counted"), cat("patterns"),
                    cat("slope"), cat("terms"), cat("form"), parts[0].w_out,
                    cat("exact"), cat("exact_slope"),
                    cat("touched"), cat("doubt"), cat("fragile"))


def count_range(s, region_start, piece_start, rep, doubtful, growth):
    """The range of counts that the stretches still doubtful or fragile allow.

    Parameters
    ----------
    s : Sequence of one chunk (P cells)
    region_start, piece_start : (P,) bool, where the counted regions and pieces start
    rep : (R,) the cell whose slope is each region's; doubtful (R - 1,) the doubtful jumps
    growth : growth[k], how many cells one cell after layer k can become by the end
        (the product of (width + 1) over the later layers)

    Every such stretch may hold anything from no region start to ``growth`` times its
    cells. Returns a dict: regions_low, regions_high, pieces_low, pieces_high (the range
    of the chunk's counts), unsettled, fragile (how many stretches are either).
    """
    P = len(s)
    regions, pieces = int(region_start.sum()), int(piece_start.sum())
    out = dict(regions_low=regions, regions_high=regions, pieces_low=pieces,
               pieces_high=pieces, unsettled=0, fragile=0)
    bad = (s.doubt != NONE) | (s.fragile != NONE)
    for r in np.flatnonzero(doubtful) + 1:
        bad[rep[r - 1]:rep[r] + 1] = True
    for a, e in runs_of_true(bad):
        layer = int(min(s.doubt[a:e].min(), s.fragile[a:e].min()))
        more = int(e - a + 1) * (growth[layer] if layer < len(growth) else 1)
        inside = slice(max(a, 1), min(e + 1, P))          # the boundaries a .. e
        out["regions_low"] -= int(region_start[inside].sum())
        out["regions_high"] += more
        out["pieces_low"] -= int(piece_start[inside].sum())
        out["pieces_high"] += more
        out["unsettled" if np.any(s.doubt[a:e] != NONE) or np.any(doubtful) else "fragile"] += 1
    return out


class Tally:
    """The counts of one network added up chunk by chunk, with their range; it also holds
    the exact recounts (:class:`ExactRecount`).

    ``count_window`` as for ExactRecount; ``keep_pieces``: keep the affine pieces' edges
    and slopes too.
    """

    def __init__(self, layers, lo, hi, count_window, keep_pieces=False):
        self.recount = ExactRecount(layers, lo, hi, count_window)
        self.growth = growth_per_layer(layers)
        self.lo, self.hi, self.keep_pieces = lo, hi, keep_pieces
        self.n = dict.fromkeys(["pieces", "activation_regions", "raw_activation_regions",
                                "regions_low", "regions_high", "pieces_low", "pieces_high",
                                "unsettled", "fragile"], 0)
        self.before = self.seam_pattern = self.last_left = None
        self.min_width, self.edges, self.slopes = np.inf, [], []

    def settle(self, s, grouped):
        """Recount what float64 could not settle in the chunk ``s`` (``grouped``: its
        regions_and_pieces) exactly -> the new Sequence."""
        _, rep, _, doubtful = grouped
        return self.recount.settle(s, rep, doubtful)

    def join(self, s):
        """Count the chunk's raw activation regions, and put the cell that stands for the
        last region of the chunk before in front of it (the chunks meet at a seam inside
        that region, so usually it goes on here; a zero exactly at the seam ends it)."""
        self.n["raw_activation_regions"] += int(
            np.any(s.patterns[1:] != s.patterns[:-1], axis=1).sum() +
            (self.before is None or np.any(self.seam_pattern != s.patterns[0])))
        self.seam_pattern = s.patterns[-1]
        return s if self.before is None else concat([self.before, s])

    def add(self, s, starts, rep, new_piece, doubtful):
        """Add the counts of a joined chunk ``s`` (``regions_and_pieces``) and their range."""
        region_start, piece_start = np.zeros(len(s), bool), np.zeros(len(s), bool)
        region_start[starts], piece_start[starts[new_piece]] = True, True
        region_start[0] = piece_start[0] = self.before is None    # else counted before
        self.before = last_cell(s, rep[-1])
        counts = count_range(s, region_start, piece_start, rep, doubtful, self.growth)
        counts.update(activation_regions=int(region_start.sum()), pieces=int(piece_start.sum()))
        for name, v in counts.items():
            self.n[name] += v
        lefts = s.left[region_start]                 # where regions start: their widths
        if self.last_left is not None:
            lefts = np.concatenate([[self.last_left], lefts])
        if len(lefts) > 1:
            self.min_width = min(self.min_width, float(np.min(np.diff(lefts))))
        self.last_left = lefts[-1] if len(lefts) else self.last_left
        if self.keep_pieces:
            pick = np.flatnonzero(piece_start)
            at = rep[np.searchsorted(starts, pick)]
            self.edges.append(s.left[pick])
            self.slopes.append(np.array([float(v) if v is not None else f for v, f in
                                         zip(s.exact_slope[at], s.slope[at])]))

    def result(self):
        """-> n (dict of RegionReport's counts and ranges), edges (K + 1,) and slopes (K,)
        of the affine pieces (None, None unless ``keep_pieces``)."""
        n = close_range(dict(self.n, settled=self.recount.settled))
        n.update(slivers=n["raw_activation_regions"] - n["activation_regions"],
                 min_width=min(self.min_width, self.hi - self.last_left))
        if not self.keep_pieces:
            return n, None, None
        edges = np.concatenate(self.edges + [[self.hi]])
        edges[0] = self.lo
        return n, edges, np.concatenate(self.slopes)


def growth_per_layer(layers):
    """growth[k]: how many cells one cell after hidden layer k can become by the end,
    the product of (width + 1) over the later hidden layers (Python ints)."""
    widths = [W.shape[0] for W, _ in layers[:-1]]
    return [int(np.prod([w + 1 for w in widths[k + 1:]], dtype=object))
            for k in range(len(widths))]


def close_range(n):
    """The range of the whole count ``n`` (a dict), with the counts themselves in it."""
    n["regions_low"] = max(min(n["regions_low"], n["activation_regions"]), 1)
    n["pieces_low"] = max(min(n["pieces_low"], n["pieces"]), 1)
    n["regions_high"] = max(n["regions_high"], n["activation_regions"])
    n["pieces_high"] = max(n["pieces_high"], n["pieces"])
    return n


# ---------------------------------------------------------------------------------------
# Telling the user
# ---------------------------------------------------------------------------------------

def warn_if_unresolved(report, stacklevel=3, why=None):
    """Warn when ``report`` holds a range instead of one settled, robust count (or, with an
    explicit resolution, for the reasons ``why``, a list of str)."""
    if why:
        warnings.warn(f"{report}: " + "; ".join(why), RegionResolutionWarning,
                      stacklevel=stacklevel)
        return
    if report.pieces_low == report.pieces_high and \
            report.regions_low == report.regions_high:
        return
    why = []
    if report.unsettled:
        why.append(f"{report.unsettled} stretch(es) could not be settled: float64 cannot "
                   f"tell them from rounding, and they were over the exact-arithmetic "
                   f"budget (or at the edge of an exact window)")
    if report.fragile:
        why.append(f"{report.fragile} stretch(es) are within rounding of the weights: "
                   f"weights differing in their last bits (such as the exact weights these "
                   f"were rounded from) can give another count")
    warnings.warn(f"{report}: " + "; ".join(why) + f"; affine pieces between "
                  f"{report.pieces_low} and {report.pieces_high}, activation regions "
                  f"between {report.regions_low} and {report.regions_high}",
                  RegionResolutionWarning, stacklevel=stacklevel)


def check_resolution(resolution, lo, hi):
    """None, or the explicit resolution as a float in [0, hi - lo); else ValueError."""
    if resolution is None:
        return None
    try:
        resolution = float(resolution)
    except (TypeError, ValueError):
        raise ValueError(f"resolution must be a number >= 0 or None; got {resolution!r}") \
            from None
    if not (np.isfinite(resolution) and 0.0 <= resolution < hi - lo):
        raise ValueError(f"resolution must be finite with 0 <= resolution < hi - lo = "
                         f"{hi - lo:g}; got {resolution}")
    return resolution


def count_at_resolution(chunks, W_out, lo, hi, resolution):
    """A plain width threshold instead, for comparison: absorb the raw activation regions
    narrower than ``resolution`` (no touches, no exact settling), and merge neighbours
    whose slopes differ by at most ``SLOPE_RTOL max|slope|``. Holds all cells.

    Parameters
    ----------
    chunks : list of regions.Cells, the float64 final cells of [lo, hi] (no touches)
    W_out : (1, w) the output layer's weights

    Returns
    -------
    counts : dict of RegionReport's fields
    edges (K + 1,), slopes (K,) : the affine pieces
    why : list of str, the reasons to warn (empty: none)
    """
    xs = np.concatenate([chunks[0].xs[:1]] + [q.xs[1:] for q in chunks])
    patterns = np.concatenate([q.patterns for q in chunks])
    slope = np.concatenate([times_transpose(q.slope * q.on, W_out)[:, 0] for q in chunks])
    same = np.all(patterns[1:] == patterns[:-1], axis=1)     # seams between chunks
    changes = np.flatnonzero(~same)
    first = np.concatenate([[0], changes + 1])
    edges = np.concatenate([[lo], xs[changes + 1], [hi]])
    raw_widths = np.diff(edges)
    raw = len(raw_widths)
    keep = raw_widths >= resolution
    if not np.any(keep):
        keep[np.argmax(raw_widths)] = True
    slivers = raw - int(keep.sum())
    first, widths, left = first[keep], raw_widths[keep], edges[:-1][keep]
    left[0] = lo
    same = np.all(patterns[first[:-1]] == patterns[first[1:]], axis=1)
    activation_regions = len(first) - int(same.sum())
    kept_slope = slope[first]
    slope_tol = SLOPE_RTOL * float(np.max(np.abs(kept_slope)))
    starts = np.concatenate([[True], np.abs(np.diff(kept_slope)) > slope_tol])
    pieces = int(starts.sum())
    counts = dict(pieces=pieces, activation_regions=activation_regions,
                  raw_activation_regions=raw, slivers=slivers,
                  min_width=float(widths.min()), resolution=resolution, slope_tol=slope_tol,
                  pieces_low=pieces, pieces_high=pieces, regions_low=activation_regions,
                  regions_high=activation_regions)
    why = []
    near = (raw_widths >= resolution / WARN_BAND) & (raw_widths < resolution * WARN_BAND)
    if resolution > 0 and np.any(near):
        why.append(f"{int(near.sum())} activation regions are between "
                   f"{resolution / WARN_BAND:.2g} and {resolution * WARN_BAND:.2g} wide, "
                   f"within a factor {WARN_BAND:g} of the resolution {resolution:.2g}")
    default = default_resolution(lo, hi)
    if resolution < default and counts["min_width"] < default:
        why.append(f"activation regions as narrow as {counts['min_width']:.2g} were kept, below the "
                   f"default resolution {default:.2g}: they may be rounding slivers")
    return counts, np.concatenate([left[starts], [hi]]), kept_slope[starts], why
