"""Reading a preactivation at a *kink*, an old breakpoint of the cut (a breakpoint of an
earlier layer): from the cell on its left, from the cell on its right, and at the kink
itself, each with the range that noise in the inputs allows."""
from collections import namedtuple

import numpy as np

from .arithmetic import is_exact, times_transpose
from .rows import any_in_row, take_rows
from .sizes import inputs_at

View = namedtuple("View", "z low high terms")
View.__doc__ = """Preactivations at some kinks, each (rows, w): the value z, the range
low .. high that noise in the inputs allows (z itself where there is none), and the terms."""


def values_at_kinks(cut, ends, rows):
    """Every preactivation at the old breakpoints ``rows`` (P' is the right end).

    At an old interior breakpoint the two neighbouring cells give two lines that meet at
    the kink; in float64 the kink lies within ``error`` of its stored position, so we take
    the lines' meeting point, clamped to that distance: it does not depend on where
    exactly the kink was rounded. In exact arithmetic both lines give the same value.
    Returns (len(rows), w).
    """
    P = len(cut.xs) - 1
    z = take_rows(ends.zl, rows)
    if is_exact(z):
        return z
    k = (rows > 0) & (rows < P)
    j = rows[k]
    m1, m2 = take_rows(cut.slope, j - 1), take_rows(cut.slope, j)
    v1 = take_rows(ends.zl, j - 1) + m1 * np.take(ends.width, j - 1)[:, None]
    v2 = take_rows(ends.zl, j)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        t = (v2 - v1) / (m1 - m2)
    t[~np.isfinite(t)] = 0.0                           # parallel lines (or overflow): 0
    e = np.take(ends.error_old, j)[:, None]
    t = np.minimum(np.maximum(t, -e), e)
    z[k] = np.where(t >= 0, v2 + m2 * t, v1 + m1 * t)
    return z


def kink_views(cut, ends, sizes, W, b, rows):
    """What each preactivation is at the old breakpoints ``rows`` (P' is the right end),
    seen three ways: from the cell on the left (its right end), from the cell on the
    right (its left end), and at the kink itself (:func:`values_at_kinks`).

    Returns three Views (left, right, tip), (len(rows), w) each; a view that does not
    exist (left of lo, right of the right end) is None.

    Where some input is noise (see ``sizes.measure_sizes``), low .. high is the range of
    ``W h + b`` over the inputs' possible values: a noise input anywhere in ``[0, noise]``,
    the others as computed, up to ``|slope| error`` in float64 (the kink's position).
    """
    P = len(cut.xs) - 1
    aW, ab = np.abs(W), np.abs(b)
    exact = is_exact(cut.slope)
    w_in = cut.h_value.shape[1]
    # the noise of the inputs at each row
    noise = np.zeros((len(rows), w_in), dtype=cut.h_value.dtype, order="F")
    if len(sizes.noise_rows):
        k = np.minimum(np.searchsorted(sizes.noise_rows, rows), len(sizes.noise_rows) - 1)
        hit = sizes.noise_rows[k] == rows
        noise[hit] = sizes.noise_values[k[hit]]
    noise[rows == P] = sizes.noise_end
    noisy_row = any_in_row(noise != 0)
    # the inputs at each row (from the cell on the right; at the end, the end's)
    inner = rows < P
    h = np.empty((len(rows), w_in), dtype=cut.h_value.dtype, order="F")
    hm = np.zeros_like(h)
    h[inner], hm[inner] = inputs_at(cut, rows[inner])
    h[~inner] = ends.h_end
    low = high = None
    if noisy_row.any():
        nh, nn, nhm = h[noisy_row], noise[noisy_row], hm[noisy_row]
        spread = 0 * nh if exact else np.abs(nhm) * np.append(ends.error_old[:-1], 0.0)[
            rows[noisy_row], None]
        is_noise = nn != 0
        lo_in = np.where(is_noise, 0 * nh, nh - spread)
        hi_in = np.where(is_noise, np.maximum(nn, nh + spread), nh + spread)
        Wp, Wn = np.maximum(W, 0), np.minimum(W, 0)
        low = times_transpose(lo_in, Wp) + times_transpose(hi_in, Wn) + b
        high = times_transpose(hi_in, Wp) + times_transpose(lo_in, Wn) + b

    def view(z, hv, m):
        """z at the rows selected by mask m, its range, and the terms."""
        terms = times_transpose(np.abs(hv), aW) + ab
        z_low, z_high = z, z
        sub = noisy_row[m]
        if sub.any():
            z_low, z_high = np.copy(z), np.copy(z)
            at = np.flatnonzero(m & noisy_row)
            idx = np.searchsorted(np.flatnonzero(noisy_row), at)
            z_low[sub], z_high[sub] = low[idx], high[idx]
            if exact:                              # the exact value is in its own range
                z_low[sub] = np.minimum(z_low[sub], z[sub])
                z_high[sub] = np.maximum(z_high[sub], z[sub])
        return View(z, z_low, z_high, terms)

    right = left = tip = None
    if inner.any():
        right = view(take_rows(ends.zl, rows[inner]), h[inner], inner)
    m = rows > 0
    if m.any():
        r = rows[m]
        q = r[r < P] - 1
        hl = np.empty((len(r), w_in), dtype=h.dtype, order="F")
        z = np.empty((len(r), cut.slope.shape[1]), dtype=cut.slope.dtype, order="F")
        hq, hmq = inputs_at(cut, q)
        hl[r < P] = hq + hmq * ends.width[q][:, None]
        z[r < P] = take_rows(ends.zl, q) + take_rows(cut.slope, q) * ends.width[q][:, None]
        hl[r == P], z[r == P] = ends.h_end, ends.z_end
        left = view(z, hl, m)
    m = (rows > 0) & (rows < P)                    # at the kink itself
    if m.any():
        z, z_low, z_high, terms = view(values_at_kinks(cut, ends, rows[m]), h[m], m)
        tip = View(z, z_low, z_high, np.maximum(terms, left.terms[rows[rows > 0] < P]))
    return left, right, tip
