"""Step 3 of the guard: what float64 cannot place. Preactivations flat within rounding,
the position error of every breakpoint, and cells no wider than the errors of their ends."""
from dataclasses import dataclass

import numpy as np

from .arithmetic import in_kind, is_exact, times_transpose
from .rows import any_in_row, take_rows
from .thresholds import POSITION_RTOL, SURE_CROSSING


@dataclass(frozen=True)
class Placement:
    """How well float64 places the P' new cells of a layer.

    error : (P' + 1,) how far each breakpoint may be from the exact one
    flat : (P',) bool, a preactivation flat within rounding could move a zero into the cell
    narrow : (P',) bool, the cell is no wider than the errors of its ends (float64 only)
    """
    error: np.ndarray
    flat: np.ndarray
    narrow: np.ndarray


def place_cells(cut, ends, sizes, W, touched):
    """Step 3: flag what float64 cannot place.

    - flat: a preactivation whose slope is within rounding of zero (``|m| <= SURE_CROSSING
      |W| |h'|``) and small enough on its cell that such a slope could move a zero into
      it (the zero could be anywhere);
    - narrow (float64 only): a cell no wider than the possible errors of its two ends,
      and not part of a touch (``touched`` (P',) bool). A zero is within
      ``POSITION_RTOL (|x| + terms / |slope|)`` of the exact one.

    cut : regions.Cut; ends : sizes.Ends; sizes : sizes.Sizes; W : the layer's weights.
    Returns Placement.
    """
    P = len(cut.xs) - 1
    exact = is_exact(cut.slope)
    sure = in_kind(SURE_CROSSING, cut.slope)
    flat_cells = np.zeros(P, bool)
    # flat: the slope is the same on all new cells of an old one: test it there first
    aW = np.abs(W)
    old_terms = times_transpose(np.abs(cut.h_slope), aW)          # (P, w) |W| |h'|
    old_zm = take_rows(cut.slope, cut.first)
    maybe = any_in_row((old_terms > 0) & (np.abs(old_zm) <= sure * old_terms))
    rows = np.flatnonzero(np.take(maybe, cut.parent)) if maybe.any() else []
    if len(rows):
        slope_terms = take_rows(old_terms, cut.parent[rows])
        zm, zl = take_rows(cut.slope, rows), take_rows(ends.zl, rows)
        width = ends.width[rows][:, None]
        flat = (slope_terms > 0) & (np.abs(zm) <= sure * slope_terms)
        closest = np.minimum(np.abs(zl), np.abs(zl + zm * width))
        flat &= closest <= sure * slope_terms * width
        flat_cells[rows[flat.any(axis=1)]] = True
    error = ends.error_old.copy()
    if exact:
        return Placement(error, flat_cells, np.zeros(P, bool))
    j = np.flatnonzero(~cut.old)
    n = cut.made_by[j]                        # the neuron whose zero each one is
    error[j] = POSITION_RTOL * (np.abs(cut.xs[j]) + sizes.terms[j, n] / np.abs(cut.slope[j, n]))
    narrow = ends.width <= error[:-1] + error[1:]
    if narrow.any():
        narrow &= ~touched
    return Placement(error, flat_cells, narrow)


def coinciding(cut, counted, W, b):
    """Breakpoints where float64 saw zeros coincide: a neuron of the layer switches at an
    old breakpoint, or besides the one whose zero made a new one (``counted`` (P', w): its
    states with the touches on; a touch is no switch). Its zero was computed within
    rounding of the breakpoint, on the wrong side of it or merged with it: the exact
    network may hold a cell there, narrower than a float spacing, that float64 lost.

    Not at an old breakpoint where the neuron's preactivation is exactly 0 by its form:
    :func:`zero_by_form` (a wave at its valley). ``(W, b)``: the layer. -> (P',) bool, the
    cells on both sides of such a breakpoint.
    """
    switched = counted[1:] != counted[:-1]                  # (P' - 1, w) at breakpoints 1..
    made = cut.made_by[1:-1]
    own = np.flatnonzero(made >= 0)
    switched[own, made[own]] = False
    j = np.flatnonzero(any_in_row(switched)) + 1
    j_old = j[cut.old[j]]
    if len(j_old):
        switched[j_old - 1] &= ~zero_by_form(cut, j_old, W, b)
        j = np.flatnonzero(any_in_row(switched)) + 1
    out = np.zeros(len(counted), bool)
    out[j - 1] = out[j] = True
    return out


def zero_by_form(cut, j, W, b):
    """Whether each preactivation is exactly 0 at the old breakpoints ``j`` by its form:
    no bias, and no weight on an input that is on on both sides (its inputs are all off
    or switching there) -> (len(j), w) bool."""
    on_old = (cut.h_slope != 0) | (cut.h_value != 0)     # (P, fan_in) not 0 on the cell
    steady = take_rows(on_old, np.take(cut.parent, j - 1)) & \
        take_rows(on_old, np.take(cut.parent, j))
    return ~((steady.astype(float) @ (W != 0).T.astype(float)) > 0) & (b == 0)
