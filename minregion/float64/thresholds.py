"""The thresholds of the float64 guard, each a power of two; why these values:
docs/regions_float64.md, sections 2 and 3."""

TOUCH = 2.0 ** -36            # a dip at most this deep, relative to its terms, is a touch
SURE_TOUCH = 2.0 ** -40       # float64 calls a dip a touch below this,
SURE_CROSSING = 2.0 ** -32    # and a crossing above this; in between: settled exactly
POSITION_RTOL = 2.0 ** -44    # a float64 breakpoint is this close (relative) to the exact one
SURE_JUMP = 2.0 ** -44        # a jump of the output's slope above this (relative) is real
EXACT_BUDGET = 5_000          # cell-layers we will redo in exact arithmetic per count

RESOLUTION_FACTOR = 2.0 ** -44   # default_resolution = RESOLUTION_FACTOR * max(|lo|, |hi|)
SLOPE_RTOL = 1e-13               # with an explicit resolution: slope_tol = SLOPE_RTOL max|slope|
WARN_BAND = 8.0                  # with an explicit resolution: warn within this factor


def default_resolution(lo, hi):
    """``2^-44 max(|lo|, |hi|)``: 256 float spacings at the far end of [lo, hi]. Used only
    as a yardstick by an explicit ``resolution=`` (see ``width_threshold``)."""
    return RESOLUTION_FACTOR * max(abs(lo), abs(hi))
