"""An explicit ``resolution=``: a plain width threshold instead of the guard, kept only to
compare with (it counts raw float64 regions, and warns when the count depends on it)."""
import numpy as np

from .arithmetic import times_transpose
from .thresholds import SLOPE_RTOL, WARN_BAND, default_resolution


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
    """A plain width threshold, for comparison: absorb the raw activation regions
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
        why.append(f"activation regions as narrow as {counts['min_width']:.2g} were kept, "
                   f"below the default resolution {default:.2g}: they may be rounding "
                   f"slivers")
    return counts, np.concatenate([left[starts], [hi]]), kept_slope[starts], why
