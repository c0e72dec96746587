"""The triangle map T_a, the waves W_i, their weighted sum F and Theorem 3.1's scales.

Pure mathematics, evaluated directly (no network): the construction in
:mod:`minregion.construction` must reproduce these functions exactly.

SPEC section 2:

    T_a(y) = y / a               for 0 <= y <= a
           = (1 - y) / (1 - a)   for a <= y <= 1
    W_{-1}(x) = x,   W_i = T_{a_i} o W_{i-1},   F(x) = sum_i s_i W_i(x)

W_i has exactly 2^(i+1) linear pieces on [0, 1]. The paper writes the waves W_i; in code
they are ``wave[i]``, because ``W`` is a weight matrix everywhere else.
"""
import numpy as np

from .checks import (check_broadcast, check_finite, check_peak_vector, check_peaks,
                     check_real_array, check_sigma, check_unit_values)


def tent(y, a):
    """The triangle map T_a on [0, 1] (peak 1 at ``y = a``, zero at 0 and 1).

    Parameters
    ----------
    y : array of any shape, values in [0, 1] (else a ValueError, NaN included)
    a : float in (0, 1)

    Returns
    -------
    T_a(y) : array of the shape of ``y``
    """
    check_peaks([a, 0.5])
    y = check_unit_values(y, "y")
    return np.where(y <= a, y / a, (1.0 - y) / (1.0 - a))


def tent_from_relus(y, a):
    """T_a written with two ReLUs, as a network computes it (SPEC section 2).

    ``T_a(y) = ReLU(y) / a - ReLU(y - a) / (a (1 - a))`` on [0, 1]: the first ReLU climbs with
    slope 1/a, the second switches on at the peak and turns the slope into
    ``1/a - 1/(a (1 - a)) = -1/(1 - a)``.

    Parameters
    ----------
    y : array of any shape, values in [0, 1] (else a ValueError, NaN included)
    a : float in (0, 1)

    Returns
    -------
    T_a(y) : array of the shape of ``y`` (equal to :func:`tent` up to rounding)
    """
    check_peaks([a, 0.5])
    y = check_unit_values(y, "y")
    # BEGIN SOLUTION ch02 tent_from_relus (section 2): compute T_a(y) from two ReLUs (np.maximum)
    out = np.maximum(y, 0.0) / a - np.maximum(y - a, 0.0) / (a * (1.0 - a))
    # END SOLUTION
    return out


def waves(x, a):
    """The waves W_0 .. W_{K-1} for peaks a_0 .. a_{K-1}.

    Parameters
    ----------
    x : (N,) float64, in [0, 1] (any shape: ``wave`` is then (K,) + x.shape)
    a : (K,) float64, peaks in (0, 1)

    Returns
    -------
    wave : (K, N) float64, ``wave[i] = T_{a_i}(wave[i-1])`` with ``wave[-1] = x``: the paper's
        W_i

    Raises ValueError naming ``x`` or the peaks ``a`` when they are outside these domains.
    """
    a = check_peak_vector(a)
    check_unit_values(x, "x")
    wave = np.empty((len(a),) + np.shape(x))
    w = np.asarray(x, dtype=np.float64)
    for i, ai in enumerate(a):
        w = tent(w, ai)
        wave[i] = w
    return wave


def theorem31_scales(a, s0):
    """Scales s_0 .. s_{d-1} tied to the peaks by Theorem 3.1.

    ``s_{i+1} = s_i (1 - a_{i+1}) a_{i+2}``, i.e. ``s_i = s_0 prod_{k=1..i} (1 - a_k) a_{k+1}``.

    Parameters
    ----------
    a : (..., d + 1) peaks a_0 .. a_d in (0, 1)
    s0 : float or (...) array, s_0 > 0 (one per run of the peaks, or one for all)

    Returns
    -------
    s : (..., d) float64
    """
    S = theorem31_ratios(a, s0)                      # checks a and s0
    return np.cumprod(S, axis=-1)


def theorem31_ratios(a, s0):
    """Ratios S_i = s_i / s_{i-1} under Theorem 3.1: S_0 = s_0, S_i = (1 - a_i) a_{i+1}.

    Parameters
    ----------
    a : (..., d + 1) peaks in (0, 1), d >= 1; s0 : float or (...) array, finite and > 0 (one
        per run of the peaks, or one for all)

    Returns
    -------
    S : (..., d) float64
    """
    a = check_peaks(a)
    s0 = check_real_array(s0, "s0")
    if s0.shape != a.shape[:-1]:
        check_broadcast(s0, a.shape[:-1], "s0")      # names s0 and the shape it must have
    if not np.all(np.isfinite(s0)) or np.any(s0 <= 0):
        raise ValueError(f"s0 must be finite and > 0; got {s0}")
    S = np.empty(a.shape[:-1] + (a.shape[-1] - 1,))
    # BEGIN SOLUTION ch02 theorem31_ratios (section 5): fill S with S_0 = s0 and S_i = (1 - a_i)
    #   a_(i+1) for i >= 1 (a runs axis may lead)
    S[..., 0] = s0
    S[..., 1:] = (1.0 - a[..., 1:-1]) * a[..., 2:]
    # END SOLUTION
    return S


def F(x, a, s):
    """``F(x) = sum_i s_i W_i(x)`` for the waves of peaks ``a[:len(s)]``.

    Parameters
    ----------
    x : (N,) in [0, 1]; a : (K,) peaks, K >= len(s); s : (d,) finite scales

    Returns
    -------
    F : (N,) float64
    """
    s = check_real_array(s, "s")
    if s.ndim != 1 or not np.all(np.isfinite(s)):
        raise ValueError(f"scales s must be a finite vector (d,); got shape {s.shape}"
                         + ("" if s.ndim != 1 else " with NaN or inf"))
    if np.ndim(a) != 1 or len(a) < len(s):
        raise ValueError(f"F needs a peak per scale, a : (K,) with K >= len(s) = {len(s)}; got "
                         f"peaks of shape {np.shape(a)}")
    return np.tensordot(s, waves(x, np.asarray(a)[: len(s)]), axes=1)


def construction_function(x, a, s, sigma=-1.0, alpha=1.0, beta=0.0):
    """What the constructed network computes: ``alpha (x + sigma F(x)) + beta``.

    Parameters
    ----------
    x : (N,) in [0, 1]; a : (d + 1,) peaks; s : (d,) scales; sigma : -1 or +1
    alpha, beta : finite real numbers

    Returns
    -------
    y : (N,) float64
    """
    check_sigma(sigma)
    check_finite(alpha, "alpha")
    check_finite(beta, "beta")
    return alpha * (np.asarray(x, dtype=np.float64) + sigma * F(x, a, s)) + beta
