"""Step 2 of the guard: absorb the slivers. Find the *dips* of every neuron (a stretch of
cells where it is off, with it on next to it), count the *touches* (dips within rounding
of zero) as on, and flag what float64 cannot decide."""
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .arithmetic import in_kind, is_exact, ratio, times_transpose
from .kinks import kink_ranges, kink_views
from .narrow import zero_by_form
from .rows import any_in_row, take_rows
from .thresholds import SURE_CROSSING, SURE_TOUCH, TOUCH


@dataclass(frozen=True)
class StateStretches:
    """Maximal stretches of cells over which one neuron keeps its on/off state, every
    neuron's in turn: stretch i covers cells start[i] .. stop[i] - 1 of neuron[i]
    (P cells, w neurons)."""
    start: np.ndarray
    stop: np.ndarray
    neuron: np.ndarray
    P: int
    w: int

    def at(self, cells):
        """The stretch of every neuron at ``cells`` (n,) -> (n, w) int."""
        flat = self.start + self.neuron * self.P
        return np.searchsorted(flat, cells[:, None] + self.P * np.arange(self.w), "right") - 1


def state_stretches(on):
    """The StateStretches of ``on`` (P, w) bool."""
    P, w = on.shape
    flat = on.T.reshape(-1)
    change = np.ones(P * w, bool)
    change[1:] = flat[1:] != flat[:-1]
    change[::P] = True                            # every column starts a stretch
    start = np.flatnonzero(change)
    stop = np.append(start[1:], P * w)
    neuron = start // P
    return StateStretches(start - neuron * P, stop - neuron * P, neuron, P, w)


def signs_in_stretch(kinks, below, above, st):
    """Whether ``below`` (``above``), (K, w) bool at the breakpoints ``kinks`` (K,), is set
    at some breakpoint start .. stop of each stretch of ``st`` -> two (stretches,) bool."""
    P1 = st.P + 1
    code = np.zeros((st.w, P1), np.int8)
    code[:, kinks] = (below + 2 * above.astype(np.int8)).T
    v = code.reshape(-1)
    base = st.neuron * P1
    # reduceat covers [start, next index): up to stop - 1, or for the last stretch of a
    # column up to the column's end (its stop); add the right end in both cases
    hit = np.bitwise_or.reduceat(v, base + st.start) | v[base + st.stop]
    return (hit & 1) > 0, (hit & 2) > 0


def spread_over_cells(flag, st, P, w):
    """A flag per stretch of ``st`` spread over the stretch's cells -> (P, w) bool."""
    out = np.zeros((w, P), bool)
    if flag.any():
        out.reshape(-1)[:] = np.repeat(flag, st.stop - st.start)
    return out.T


@dataclass(frozen=True)
class Dips:
    """What step 2 finds about the P' new cells of a layer (w neurons).

    touch : (P', w) bool, the neuron is off here, in a touch: counted as on
    touched : (P',) bool, some neuron of the cell is in a touch
    doubtful, fragile : (P',) bool, float64 could not settle the cell / its count is
        within rounding of the weights
    """
    touch: np.ndarray
    touched: np.ndarray
    doubtful: np.ndarray
    fragile: np.ndarray


def find_dips(cut, ends, sizes, W, b, at_lo, at_hi, touches=True):
    """Step 2: absorb the slivers. Find the dips of every neuron and count touches as on.

    A dip is a stretch of new cells where the neuron is off, next to a stretch where it is
    on (a bump is the other way round). Its relative depth is its largest ``-z / terms``
    at its kinks (old breakpoints, ends included): inside the stretch at the kink itself,
    at its ends from its own cells (``kinks.kink_views``).

    - a dip surely below SURE_TOUCH (in exact arithmetic: below TOUCH) is a touch;
    - a dip surely above SURE_CROSSING is a crossing; anything between is doubtful in
      float64, and in exact arithmetic decided by TOUCH but fragile;
    - a bump not surely above SURE_CROSSING is fragile (kept);
    - a neuron whose sign at lo or hi is not sure, without any zero, is fragile;
    - a stretch that reaches a seam between chunks and is not sure is doubtful.

    "Surely" allows for inputs that are noise. Only kinks where a preactivation may be
    within SURE_CROSSING of its terms are measured; a kink far below (above) zero makes
    its off (on) stretch surely deep (high).

    cut : regions.Cut (P' new cells); ends : sizes.Ends; sizes : sizes.Sizes; ``(W, b)``
    the layer; at_lo, at_hi : whether the chunk's ends are lo and hi (else seams);
    touches : bool, count touches as on (False: the float-weight network as it is).
    Returns Dips.
    """
    P, w = cut.on.shape
    exact = is_exact(cut.slope)
    sure = in_kind(SURE_CROSSING, cut.slope)
    inf = float("inf")
    st = state_stretches(cut.on)
    state = cut.on[st.start, st.neuron]
    if len(st.start) == w and not (at_lo or at_hi):
        # no neuron switches in a chunk between two seams (as in the first layers of an
        # exact window): no dip, no bump, no end to read; only dips hidden at kinks remain
        nothing = np.zeros(P, bool)
        measured = np.zeros(P + 1, bool)
        measured[[0, P]] = True
        doubtful = nothing if exact else hidden_dips(cut, ends, sizes, W, b, measured)
        return Dips(touch=np.zeros_like(cut.on), touched=nothing, doubtful=doubtful,
                    fragile=nothing)
    # First the kinks where a preactivation is clearly far from zero (more than 2^-20 of
    # its terms and than the rounding of its value; inputs not noise): an off stretch with
    # one far below zero is surely deep, an on stretch with one far above surely high.
    kinks = np.append(cut.first, P)       # (K,) old breakpoints (kink i starts old cell i)
    zl = take_rows(ends.zl, kinks)
    margin = 2.0 ** -20 * np.concatenate([take_rows(sizes.terms, cut.first),
                                          sizes.terms_end[None]])
    # at noisy rows (inputs near zero) the left-end values may be mostly rounding: they
    # were carried along the cell, by ``step``, from its parent's reference point
    if not exact and len(sizes.noise_rows):
        r = sizes.noise_rows
        i = np.take(cut.parent, r)                                 # their kinks
        step = np.abs(take_rows(cut.slope, r) *
                      (np.take(cut.xs, r) - np.take(cut.ref_old, i))[:, None])
        margin[i] = np.maximum(take_rows(margin, i),
                               2.0 ** -40 * (np.abs(take_rows(zl, i)) + 2 * step))
    if len(sizes.chain_rows):    # where inputs are noise: also more than they could move it
        noise = take_rows(sizes.noise_values, np.searchsorted(sizes.noise_rows, sizes.chain_rows))
        margin[np.take(cut.parent, sizes.chain_rows)] += times_transpose(np.maximum(
            noise, np.abs(take_rows(sizes.h, sizes.chain_rows))) * (noise != 0),
            np.abs(W))
    clear = np.abs(zl) > margin
    clear[-1] &= not np.any(sizes.noise_end != 0)
    deep, high = signs_in_stretch(kinks, clear & (zl < 0), clear & (zl > 0), st)
    # The others are measured where they can matter: in an off stretch not surely deep,
    # an on stretch not surely high, and at the two ends.
    lone = (st.start == 0) & (st.stop == P)
    need = ((~state & ~deep) | (state & ~high)) & ~lone
    lengths = st.stop[need] - st.start[need] + 1
    at = np.repeat(st.start[need] - np.cumsum(lengths) + lengths, lengths) + \
        np.arange(lengths.sum())
    measured = np.zeros(P + 1, bool)
    measured[at] = True
    measured[[0, P]] = True
    rows = np.flatnonzero(measured & cut.old)

    # The readings: (stretch, z, low, high, terms) at every measured kink and neuron.
    left, right, tip = kink_views(cut, ends, sizes, W, b, rows)
    readings = []
    has_left, has_right = rows > 0, rows < P
    interior = has_left & has_right
    on_left = st.at(np.maximum(rows - 1, 0))                      # (len(rows), w)
    on_right = st.at(np.minimum(rows, P - 1))
    same = interior[:, None] & (on_left == on_right)
    if tip is not None:
        m = same[interior]
        readings.append((on_right[interior][m], *(v[m] for v in tip)))
    if right is not None:
        m = ~same[has_right]
        readings.append((on_right[has_right][m], *(v[m] for v in right)))
    if left is not None:
        m = ~same[has_left]
        readings.append((on_left[has_left][m], *(v[m] for v in left)))
    which, z, low, high_z, terms = (np.concatenate(parts) for parts in zip(*readings))
    below, above = high_z < -sure * terms, low > sure * terms     # surely far from zero
    deep[which[below]] = True
    high[which[above]] = True
    m = ~below & ~above                   # the others: per stretch, relative to the terms,
    best = {}                             # how deep it may be, how shallow, how high, its depth
    for name, values, sign in (("deepest", low, -1), ("shallowest", high_z, -1),
                               ("height", low, 1), ("depth", z, -1)):
        best[name] = np.full(len(st.start), -inf, dtype=object if exact else float)
        at = ratio(sign * values[m], terms[m])
        if exact:
            for q, v in zip(which[m], at):
                best[name][q] = max(best[name][q], v)
        else:
            np.maximum.at(best[name], which[m], at)

    first, last = st.start == 0, st.stop == P
    seam = (first & (not at_lo)) | (last & (not at_hi))
    dip, bump = ~state & ~lone, state & ~lone
    sure_touch = dip & ~deep & (best["deepest"] <= SURE_TOUCH)
    sure_crossing = dip & (deep | (best["shallowest"] > SURE_CROSSING))
    touch = (dip & ~deep & (best["depth"] <= in_kind(TOUCH, cut.slope))) if exact \
        else sure_touch
    touch &= ~seam
    unsure = (dip & ~sure_touch & ~sure_crossing) | \
             (bump & ~high & (best["height"] <= SURE_CROSSING))
    # a neuron in one state on the whole chunk, whose sign at lo or hi is not sure
    for view, e, is_end in ((right, 0, at_lo), (left, -1, at_hi)):
        if view is not None and is_end:
            unsure |= lone & ((view.low[e] < 0) & (view.high[e] > 0))[st.neuron]
    touch_cells = spread_over_cells(touch & touches, st, P, w) & ~cut.on
    touched = any_in_row(touch_cells) if touches and touch.any() else np.zeros(P, bool)
    doubtful = any_in_row(spread_over_cells(unsure & seam if exact else unsure, st, P, w))
    if not exact:
        doubtful |= hidden_dips(cut, ends, sizes, W, b, measured)
    return Dips(touch=touch_cells, touched=touched, doubtful=doubtful,
                fragile=any_in_row(spread_over_cells(unsure & ~seam, st, P, w)))


def hidden_dips(cut, ends, sizes, W, b, measured):
    """A dip (or bump) narrower than a float spacing may leave no zero in float64 at all:
    the neuron is on on both sides of a kink, but its value at the kink is below zero
    (off on both sides, above zero). Look at the kinks where a preactivation is near zero
    and that were not ``measured`` (P' + 1,) yet -> (P',) bool, the cells on both sides
    of such a kink (doubtful: settled exactly)."""
    P, w = cut.on.shape
    doubtful = np.zeros(P, bool)
    j = np.flatnonzero(cut.old[1:-1] & ~measured[1:-1]) + 1
    j = j[any_in_row(np.abs(take_rows(ends.zl, j)) <=
                     2.0 ** -20 * take_rows(sizes.terms, j))]
    if len(j) == 0:
        return doubtful
    # how far the value at the kink moves within the kink's position error
    slope_l, slope_r = take_rows(cut.slope, j - 1), take_rows(cut.slope, j)
    reach = np.maximum(np.abs(slope_l), np.abs(slope_r)) * np.take(ends.error_old, j)[:, None]
    z_low, z_high = kink_ranges(cut, ends, sizes, W, b, j)   # where noise: its range
    terms = take_rows(sizes.terms, j)
    on_l, on_r = take_rows(cut.on, j - 1), take_rows(cut.on, j)
    both_on, both_off = on_l & on_r, ~on_l & ~on_r
    hidden = (both_on & (z_high < -SURE_TOUCH * terms)) | \
             (both_off & (z_low > SURE_TOUCH * terms))
    # a bump whose zeros float64 put on the wrong sides of the kink: off on both sides,
    # rising to the kink and falling after it, with a value there within reach of zero
    # (not where it is 0 by its form, as a wave whose inputs are all off there)
    bump = both_off & (slope_l > 0) & (slope_r < 0) & (z_high > -reach)
    some = np.flatnonzero(any_in_row(bump))          # (the form read only where needed)
    if len(some):
        hidden[some] |= take_rows(bump, some) & ~zero_by_form(cut, j[some], W, b)
    k = j[any_in_row(hidden)]
    doubtful[k - 1] = True
    doubtful[k] = True
    return doubtful


def lost_at_ends(on, z, terms, at_lo, at_hi):
    """A zero that float64 rounded outside [lo, hi] leaves a cell at lo or hi that it does
    not see. Against the exact preactivations at lo and hi (``z`` (2, w) Fractions, and
    ``terms(e, n)`` their terms): a neuron on in the first (last) cell whose exact value
    there is below zero beyond a touch, or off with an exact value above zero. ``on``
    (P', w) -> (P',) bool, the first or last cell when so (doubtful: settled exactly)."""
    out = np.zeros(len(on), bool)
    touch = Fraction(TOUCH)
    for e, is_end in ((0, at_lo), (1, at_hi)):
        if is_end:
            cell = on[-e]
            dip = [bool(cell[n] and z[e, n] < 0 and -z[e, n] > touch * terms(e, n))
                   for n in range(len(cell))]
            bump = ~cell & np.array([v > 0 for v in z[e]], dtype=bool)
            out[-e] |= bool(np.any(np.array(dip, dtype=bool) | bump))
    return out
