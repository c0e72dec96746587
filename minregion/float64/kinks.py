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


def noise_at(cut, sizes, rows):
    """The noise of the layer's inputs at the old breakpoints ``rows`` (P' is the right
    end; see ``sizes.measure_sizes``) -> (len(rows), fan_in), 0 where an input is not
    noise."""
    P = len(cut.xs) - 1
    noise = np.zeros_like(cut.h_value, shape=(len(rows), cut.h_value.shape[1]))
    if len(sizes.noise_rows):
        k = np.minimum(np.searchsorted(sizes.noise_rows, rows), len(sizes.noise_rows) - 1)
        hit = sizes.noise_rows[k] == rows
        noise[hit] = take_rows(sizes.noise_values, k[hit])
    noise[rows == P] = sizes.noise_end
    return noise


def noise_ranges(cut, ends, W, b, rows, h, hm, noise):
    """Where some input is noise, at the old breakpoints ``rows``: the range low .. high of
    ``W h + b`` over the inputs' possible values, a noise input anywhere in ``[0, noise]``,
    the others as computed, up to ``|slope| error`` in float64 (the kink's position).
    ``h``, ``hm`` (len(rows), fan_in): the inputs there and their slopes; ``noise``: as
    :func:`noise_at`. Returns low, high (len(rows), w)."""
    spread = 0 * h if is_exact(cut.slope) else \
        np.abs(hm) * np.append(ends.error_old[:-1], 0.0)[rows, None]
    is_noise = noise != 0
    lo_in = np.where(is_noise, 0 * h, h - spread)
    hi_in = np.where(is_noise, np.maximum(noise, h + spread), h + spread)
    n = len(rows)                  # both ends of the inputs' ranges in one product each
    both = np.concatenate([lo_in, hi_in])
    plus, minus = times_transpose(both, np.maximum(W, 0)), times_transpose(both, np.minimum(W, 0))
    low = plus[:n] + minus[n:] + b
    high = plus[n:] + minus[:n] + b
    return low, high


def kink_ranges(cut, ends, sizes, W, b, rows):
    """In float64, at the interior old breakpoints ``rows``: the range low .. high of every
    preactivation at the kink itself, the ``low`` and ``high`` of :func:`kink_views`' tip
    without its other views (:func:`noise_ranges` where some input is noise, else the
    value at the kink, :func:`values_at_kinks`) -> low, high (len(rows), w)."""
    noise = noise_at(cut, sizes, rows)
    noisy_row = any_in_row(noise != 0)
    quiet = ~noisy_row
    z_low = np.empty_like(cut.slope, shape=(len(rows), cut.slope.shape[1]))
    z_low[quiet] = values_at_kinks(cut, ends, rows[quiet])
    z_high = np.copy(z_low)
    if noisy_row.any():
        r = rows[noisy_row]
        h, hm = inputs_at(cut, r)
        z_low[noisy_row], z_high[noisy_row] = noise_ranges(cut, ends, W, b, r, h, hm,
                                                           noise[noisy_row])
    return z_low, z_high


def kink_views(cut, ends, sizes, W, b, rows):
    """What each preactivation is at the old breakpoints ``rows`` (P' is the right end),
    seen three ways: from the cell on the left (its right end), from the cell on the
    right (its left end), and at the kink itself (:func:`values_at_kinks`).

    Returns three Views (left, right, tip), (len(rows), w) each; a view that does not
    exist (left of lo, right of the right end) is None. Where some input is noise, low ..
    high is the range that noise allows (:func:`noise_ranges`).
    """
    P = len(cut.xs) - 1
    aW, ab = np.abs(W), np.abs(b)
    exact = is_exact(cut.slope)
    w_in = cut.h_value.shape[1]
    noise = noise_at(cut, sizes, rows)
    noisy_row = any_in_row(noise != 0)
    # the inputs at each row (from the cell on the right; at the end, the end's)
    inner = rows < P
    h = np.empty_like(cut.h_value, shape=(len(rows), w_in))
    hm = np.zeros_like(h)
    q = rows[(rows > 0) & inner] - 1             # the cells left of the interior kinks
    n = np.count_nonzero(inner)                  # (the inputs on both sides, at once)
    h_both, hm_both = inputs_at(cut, np.concatenate([rows[inner], q]))
    h[inner], hm[inner] = h_both[:n], hm_both[:n]
    h[~inner] = ends.h_end
    low = high = None
    if noisy_row.any():
        low, high = noise_ranges(cut, ends, W, b, rows[noisy_row], h[noisy_row],
                                 hm[noisy_row], noise[noisy_row])

    terms_h = times_transpose(np.abs(h), aW) + ab        # the terms of the inputs h

    def view(z, terms, m):
        """z at the rows selected by mask m, its range, and the terms."""
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
        right = view(take_rows(ends.zl, rows[inner]), terms_h[inner], inner)
    m = rows > 0
    if m.any():
        r = rows[m]
        hl = np.empty_like(h, shape=(len(r), w_in))
        z = np.empty_like(cut.slope, shape=(len(r), cut.slope.shape[1]))
        hl[r < P] = h_both[n:] + hm_both[n:] * ends.width[q][:, None]
        z[r < P] = take_rows(ends.zl, q) + take_rows(cut.slope, q) * ends.width[q][:, None]
        hl[r == P], z[r == P] = ends.h_end, ends.z_end
        left = view(z, times_transpose(np.abs(hl), aW) + ab, m)
    m = (rows > 0) & (rows < P)                    # at the kink itself
    if m.any():
        z, z_low, z_high, terms = view(values_at_kinks(cut, ends, rows[m]), terms_h[m], m)
        tip = View(z, z_low, z_high, np.maximum(terms, left.terms[rows[rows > 0] < P]))
    return left, right, tip
