"""Telling the user: the warning a count comes with when float64 could not settle it."""
import warnings


class RegionResolutionWarning(UserWarning):
    """The region count is not settled, or is within rounding of another count."""


def warn_if_unresolved(report, stacklevel=3, why=None):
    """Warn when ``report`` (regions.RegionReport) holds a range instead of one settled,
    robust count (or, with an explicit resolution, for the reasons ``why``, a list of
    str)."""
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
