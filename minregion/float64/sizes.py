"""Step 1 of the guard, for one hidden layer: the values at the cells' left ends, and the
size of the numbers behind every preactivation (its *terms*), against which rounding and
touches are measured."""
from dataclasses import dataclass

import numpy as np

from .arithmetic import in_kind, is_exact, row_times_transpose, times_transpose
from .rows import any_in_row, take_rows
from .thresholds import POSITION_RTOL, TOUCH


@dataclass(frozen=True)
class Ends:
    """The cut of one layer at the left ends of its P' new cells (w neurons, fan_in inputs).

    zl : (P' + 1, w) the preactivations at the left ends, and at the right end (row P')
    width : (P',) the cells' widths
    error_old : (P' + 1,) the position errors of the old breakpoints (0 for the new ones)
    h_end, z_end : (fan_in,), (w,) the layer's input and preactivations at the chunk's
        right end
    """
    zl: np.ndarray
    width: np.ndarray
    error_old: np.ndarray
    h_end: np.ndarray
    z_end: np.ndarray


def read_ends(p, cut, W, b):
    """The Ends of ``cut`` (regions.Cut), made from the cells ``p`` (regions.Cells, with
    ``p.marks``) by the layer ``(W, b)``."""
    error_old = np.zeros(len(cut.xs))
    error_old[cut.old] = p.marks.error              # old breakpoints keep their error
    h_end = p.marks.end * p.on[-1]
    zl = np.empty_like(cut.value, shape=(len(cut.xs), W.shape[0]))   # (its layout)
    zl[:-1] = cut.value + cut.slope * (cut.xs[:-1] - cut.ref)[:, None]
    zl[-1] = row_times_transpose(h_end, W) + b
    return Ends(zl=zl, width=cut.xs[1:] - cut.xs[:-1], error_old=error_old, h_end=h_end,
                z_end=zl[-1])


def inputs_at(cut, rows):
    """The layer's input (values, slopes) at the left ends of the new cells ``rows``."""
    parent = np.take(cut.parent, rows)
    hm = take_rows(cut.h_slope, parent)
    return take_rows(cut.h_value, parent) + hm * (
        np.take(cut.xs, rows) - np.take(cut.ref_old, parent))[:, None], hm


@dataclass(frozen=True)
class Sizes:
    """The size of the numbers behind each preactivation, at every left end (P' rows).

    h : (P', fan_in) the layer's input
    terms : (P', w) ``sum_j |W_nj| |h_j| + |b_n|``
    scale : (P', w) the same, with an input that is noise counted with its own scale
    noise_rows : (n,) sorted rows (old breakpoints) where some input is noise;
        noise_values : (n, fan_in) how large it may be there (0: not noise)
    chain_rows : the rows of noise_rows whose noise is not a zero of the input itself
    noise_end : (fan_in,), terms_end, scale_end : (w,) the same at the right end
    """
    h: np.ndarray
    terms: np.ndarray
    scale: np.ndarray
    noise_rows: np.ndarray
    noise_values: np.ndarray
    chain_rows: np.ndarray
    noise_end: np.ndarray
    terms_end: np.ndarray
    scale_end: np.ndarray


def measure_sizes(p, cut, ends, W, b):
    """Step 1: how large the numbers behind each preactivation are, at every left end.

    The *terms* of preactivation n at x are ``sum_j |W_nj| |h_j(x)| + |b_n|``: rounding
    errors are relative to them, and touches are measured against them.

    An input may itself be *noise* at an old breakpoint: there it is within ``TOUCH`` of
    zero relative to its own scale (a touch, or a value inherited from one), or the
    breakpoint is its own zero. Its true value is then anything in ``[0, noise]`` (noise:
    ``2^-44 scale_j``, or at its own zero ``|slope_j| error``, the rounding of the zero's
    position), and the *scale* of a preactivation counts it with its own scale: the size
    of the numbers it came from.

    p : regions.Cells before the layer (P cells); cut : regions.Cut (P' new cells);
    ends : Ends. Returns Sizes.
    """
    m = p.marks
    exact = is_exact(cut.slope)
    aW, ab = np.abs(W), np.abs(b)
    ref_old = np.take(cut.ref_old, cut.parent)
    h = take_rows(cut.h_value, cut.parent) + take_rows(cut.h_slope, cut.parent) * \
        (cut.xs[:-1] - ref_old)[:, None]
    terms = times_transpose(np.abs(h), aW) + ab
    scale = terms
    touch, amount = in_kind(TOUCH, cut.slope), in_kind(POSITION_RTOL, cut.slope)
    # The old breakpoints are the left ends of the old cells, where p holds the values.
    z_prev = p.value + p.slope * (p.xs[:-1] - cut.ref_old)[:, None]
    noisy = (np.abs(z_prev) <= touch * m.scale) & (m.scale > 0)
    made = np.flatnonzero(m.made_by[:-1] >= 0)
    n = m.made_by[made]
    noisy[made, n] = False                    # an input at its own zero: below
    chain = np.flatnonzero(any_in_row(noisy))
    keep = np.zeros(len(noisy), bool)
    keep[chain] = True
    keep[made] = True
    i = np.flatnonzero(keep)                  # the rows with noise, and how large it is
    scale_i = take_rows(m.scale, i)
    noise = np.where(take_rows(noisy, i), amount * scale_i, 0 * scale_i)
    if not exact and len(made):
        noisy[made, n] = True
        noise[np.searchsorted(i, made), n] = np.abs(p.slope[made, n]) * m.error[made]
    if len(chain):                            # the scale counts noise with its own scale
        rows = cut.first[chain]
        hc = np.abs(take_rows(h, rows))
        scale = np.copy(terms)
        scale[rows] = times_transpose(np.where(take_rows(noisy, chain),
                                               np.maximum(hc, take_rows(m.scale, chain)),
                                               hc), aW) + ab
    noisy_end = (np.abs(m.end) <= touch * m.end_scale) & (m.end_scale > 0)
    h_end = np.abs(ends.h_end)
    return Sizes(
        h=h, terms=terms, scale=scale, noise_rows=cut.first[i], noise_values=noise,
        chain_rows=cut.first[chain],
        noise_end=np.where(noisy_end, amount * m.end_scale, 0 * m.end_scale),
        terms_end=row_times_transpose(h_end, aW) + ab,
        scale_end=row_times_transpose(np.where(noisy_end, np.maximum(h_end, m.end_scale),
                                               h_end), aW) + ab)
