"""The constrained weight map: the paper's parameters -> the ``(W, b)`` list of the network.

This is where the weights are built from the peaks (SPEC sections 3-5).

The parameters of the construction (a dict; every entry may carry leading runs axes ``...``):

- ``"a"``      : (..., d + 1) peaks a_0 .. a_d in (0, 1);
- ``"s0"``     : (...)        first scale s_0 > 0, with Theorem 3.1 tying the others to the
  peaks (``s_{i+1} = s_i (1 - a_{i+1}) a_{i+2}``); **or** ``"S"`` : (..., d) every scale free,
  the "no regularization" variant, held as the ratios ``S_i = s_i / s_{i-1}`` (> 0) [choice:
  the scales span orders of magnitude, so Adam steps on the ratios, the entries of M_i,
  rather than on the scales themselves; see docs/choices.md];
- ``"alpha"``, ``"beta"`` : (...) output scale and shift.

Hidden neurons, in order: ``sum, t1, t2, bias``. With ``S_i = s_i / s_{i-1}`` (``s_{-1} = 1``)
and the matrix entries ``A_i = S_i / a_i``, ``B_i = S_i / (a_i (1 - a_i))``,
``C_i = S_i a_{i+1}``, hidden map i is::

    M_i = [[1, sigma A_i, -sigma B_i,    0],
           [0,       A_i,       -B_i,    0],
           [0,       A_i,       -B_i, -C_i],
           [0,         0,          0,  S_i]]

Network of depth d (d ReLU layers, "4 x d" in the paper):

1. input layer 1 -> 4: ``W = (1, 1, 1, 0) / (hi - lo)``, ``b = (offset - u, -u, -a_0 - u, 1)``
   with ``u = lo / (hi - lo)``, so that after the ReLU the hidden state is
   ``[x' + offset, x', ReLU(x' - a_0), 1]`` for ``x' = (x - lo) / (hi - lo)`` in [0, 1];
2. hidden layers 4 -> 4, ``M_0 .. M_{d-2}``, zero biases;
3. output 4 -> 1: ``alpha * (row 0 of M_{d-1})``, bias ``beta - alpha * offset``. (Only row 0
   of the last map is needed, so ``C_{d-1}`` is never used: ``C`` has d - 1 entries.)

The network computes ``alpha (x' + sigma F(x')) + beta`` with ``F = sum_i s_i W_i``, and has
exactly 2^d linear pieces on [lo, hi].

**The ReLU on ``sum``** [choice]: with ``sigma = -1`` the running sum ``x' - sum_{j<i} s_j W_j``
could become negative (then the ReLU would clip it and the network would no longer be
``x' - F``). The input layer therefore gives ``sum`` the constant ``offset = sum_j s_j``
(waves are <= 1, so the neuron stays >= 0), and the output bias takes ``alpha * offset`` back
out. With ``sigma = +1`` the sum never falls below ``x' >= 0`` and the offset is 0. The offset
is a function of the scales and its gradient is carried exactly (it cancels in the output,
so the loss does not depend on it, and the backward pass shows this to rounding).

**Inputs on [lo, hi]** [choice]: the affine map onto [0, 1] is folded into the input layer.
"""
import numpy as np

from .checks import (check_broadcast, check_entries_finite, check_map_params,
                     check_offset_finite, check_output_layer, check_peaks, check_projection,
                     check_real_array, check_scales_finite, check_scales_shape,
                     check_weight_cache, check_weight_grads)
from .triangle import theorem31_ratios

PEAK_MARGIN = 1e-3     # [choice] peaks are kept in [PEAK_MARGIN, 1 - PEAK_MARGIN] by training
MIN_SCALE = 1e-12      # [choice] s_0 (and the free ratios S_i) are kept >= MIN_SCALE


def default_s0(a):
    """The default first scale ``s_0 = a_0 a_1`` [choice].

    With Theorem 3.1, ``F'(0) = s_0 / (a_0 a_1)``, so this is the largest ``s_0`` for which
    ``x - F`` is non-decreasing: its slope at 0 is exactly 0, like ``x^2`` (Yarotsky's
    ``a_i = 1/2`` gives ``s_0 = 1/4``).

    a : (..., d + 1) peaks in (0, 1), d >= 1 (else a ValueError). Returns s0 : (...) float64.
    """
    a = check_peaks(a)
    return a[..., 0] * a[..., 1]


def uses_free_scales(params):
    """True for the free-scale variant (key ``"S"``), False under Theorem 3.1 (key ``"s0"``)."""
    if ("S" in params) == ("s0" in params):
        raise ValueError("params must hold exactly one of 's0' (Theorem 3.1) and 'S' (free "
                         f"scale ratios); got keys {sorted(params)}")
    return "S" in params


def construction_params(a, s0=None, alpha=1.0, beta=0.0, free_scales=False):
    """Build the parameter dict of the construction (copies, safe to train in place).

    Parameters
    ----------
    a : (..., d + 1) peaks in (0, 1)
    s0 : float, (...) array or None (then :func:`default_s0`)
    alpha, beta : float or (...) arrays, finite
    free_scales : bool (True or False); if True the dict holds every scale ratio ``"S"``
        (initialised by Theorem 3.1) instead of ``"s0"``

    Returns
    -------
    params : dict of float64 arrays, keys ``a``, ``s0`` (or ``S``), ``alpha``, ``beta``
    """
    a = check_peaks(a).copy()
    lead = a.shape[:-1]
    if not isinstance(free_scales, (bool, np.bool_)):
        raise ValueError(f"free_scales must be True or False; got {free_scales!r:.60} (a "
                         f"{type(free_scales).__name__})")
    alpha, beta = check_broadcast(alpha, lead, "alpha"), check_broadcast(beta, lead, "beta")
    for name, v in (("alpha", alpha), ("beta", beta)):
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{name} must be finite (found NaN or inf)")
    if s0 is None:
        s0 = default_s0(a)
        if np.any(s0 <= 0):
            raise ValueError(f"the default s0 = a_0 a_1 underflows to 0 for peaks as small as "
                             f"{a[..., :2].min():.3g}: pass s0, or use peaks further from 0")
    else:
        s0 = check_broadcast(s0, lead, "s0")
    ratios = theorem31_ratios(a, s0)              # also checks s0 > 0
    params = {"a": a}
    if free_scales:
        params["S"] = ratios
    else:
        params["s0"] = np.array(s0, dtype=np.float64)
    params["alpha"] = np.array(alpha)
    params["beta"] = np.array(beta)
    return params


def scales(params):
    """The scale ratios ``S`` and the scales ``s`` of a parameter dict.

    Returns
    -------
    S : (..., d) float64, ``S_i = s_i / s_{i-1}``
    s : (..., d) float64, ``s_0 .. s_{d-1}``, the cumulative product of ``S``

    Raises ValueError naming ``S`` when free ratios are not finite and > 0, or when their
    product overflows float64.
    """
    free = uses_free_scales(params)
    if free:
        S = check_real_array(params["S"], "params['S']")
        if not np.all(np.isfinite(S)) or np.any(S <= 0):
            raise ValueError("every free scale ratio S_i must be finite and > 0")
    else:
        S = theorem31_ratios(params["a"], params["s0"])
    with np.errstate(over="ignore"):            # checked next, with a message
        s = np.cumprod(S, axis=-1)
    check_scales_finite(s, S, free)
    return S, s


def project_params(params, margin=PEAK_MARGIN, min_scale=MIN_SCALE):
    """Keep the parameters valid after a training step, in place [choice].

    Peaks are clipped into ``[margin, 1 - margin]`` (inside (0, 1), where the construction is
    defined), ``s_0`` or the free ratios ``S_i`` to ``>= min_scale``.

    params : dict holding ``"a"`` and ``"s0"`` (or ``"S"``) as writable float64 arrays
    margin : float in (0, 0.5]; min_scale : float > 0, finite (else a ValueError)
    """
    check_projection(params, margin, min_scale)
    # BEGIN SOLUTION ch05 project_params (section 2): clip the peaks into [margin, 1 - margin] and
    #   raise s0 (or the free ratios S) to at least min_scale, in place
    np.clip(params["a"], margin, 1.0 - margin, out=params["a"])
    key = "S" if uses_free_scales(params) else "s0"
    np.maximum(params[key], min_scale, out=params[key])
    # END SOLUTION


# --- forward: parameters -> entries -> layers -------------------------------------------

def matrix_entries(a, S):
    """The entries of the hidden maps: ``A_i = S_i / a_i``, ``B_i = S_i / (a_i (1 - a_i))``,
    ``C_i = S_i a_{i+1}``.

    a : (..., d + 1) peaks; S : (..., d) scale ratios.
    Returns A, B : (..., d) and C : (..., d - 1) (the last map only needs row 0, without C).
    """
    d = a.shape[-1] - 1
    # BEGIN SOLUTION ch02 matrix_entries (section 6): compute A, B (one entry per scale ratio) and
    #   C (one fewer) from the peaks and the ratios
    ai = a[..., :d]
    A = S / ai
    B = S / (ai * (1.0 - ai))
    C = S[..., : d - 1] * a[..., 1:d]
    # END SOLUTION
    return A, B, C


def hidden_matrix(A_i, B_i, C_i, S_i, sigma):
    """The hidden map ``M_i`` from its entries (rows and columns: sum, t1, t2, bias)::

        M_i = [[1, sigma A_i, -sigma B_i,    0],
               [0,       A_i,       -B_i,    0],
               [0,       A_i,       -B_i, -C_i],
               [0,         0,          0,  S_i]]

    Row 1 is the two-ReLU tent (``triangle.tent_from_relus``) scaled by ``S_i``; row 2 is the
    same shifted down by ``C_i = S_i a_{i+1}`` (the next tent's second ReLU); row 0 adds
    ``sigma`` times row 1 to the running sum; row 3 carries the scale.

    Parameters
    ----------
    A_i, B_i, C_i, S_i : (...) float64 arrays (one entry per run)
    sigma : -1 or +1

    Returns
    -------
    M : (..., 4, 4) float64
    """
    M = np.zeros(np.shape(A_i) + (4, 4))
    # BEGIN SOLUTION ch02 hidden_matrix (section 6): fill the non-zero entries of M_i (rows and
    #   columns: sum, t1, t2, bias)
    M[..., 0, 0] = 1.0
    M[..., 0, 1], M[..., 0, 2] = sigma * A_i, -sigma * B_i
    M[..., 1, 1], M[..., 1, 2] = A_i, -B_i
    M[..., 2, 1], M[..., 2, 2], M[..., 2, 3] = A_i, -B_i, -C_i
    M[..., 3, 3] = S_i
    # END SOLUTION
    return M


def assemble_layers(a, S, A, B, C, alpha, beta, offset, sigma, lo, hi):
    """Place the entries into the ``(W, b)`` list: input layer, ``M_0 .. M_{d-2}``, output row.

    Shapes as in :func:`weight_map_forward`; ``offset`` : (...) the sum neuron's offset.
    """
    lead, d = a.shape[:-1], a.shape[-1] - 1
    scale = 1.0 / (hi - lo)
    u = lo * scale
    W_in = np.zeros(lead + (4, 1))
    W_in[..., :3, 0] = scale
    b_in = np.stack(np.broadcast_arrays(offset - u, -u, -a[..., 0] - u, 1.0), axis=-1)
    layers = [(W_in, b_in)]
    for i in range(d - 1):
        M = hidden_matrix(A[..., i], B[..., i], C[..., i], S[..., i], sigma)
        layers.append((M, np.zeros(lead + (4,))))
    W_out = np.zeros(lead + (1, 4))
    W_out[..., 0, 0] = alpha
    W_out[..., 0, 1] = alpha * sigma * A[..., d - 1]
    W_out[..., 0, 2] = -alpha * sigma * B[..., d - 1]
    layers.append((W_out, (beta - alpha * offset)[..., None]))
    return layers


def weight_map_forward(params, sigma=-1.0, lo=0.0, hi=1.0):
    """Parameters -> the ``(W, b)`` list of the depth-d constructed network.

    Parameters
    ----------
    params : dict, see the module docstring (``a`` : (..., d + 1), ``s0`` : (...) or
        ``S`` : (..., d), ``alpha``, ``beta`` : (...))
    sigma : -1 or +1
    lo, hi : float, the input interval mapped onto [0, 1]

    Returns
    -------
    layers : list of d + 1 pairs ``(W, b)``: ``(..., 4, 1), (..., 4)`` for the input layer,
        ``(..., 4, 4), (..., 4)`` for each hidden ``M_i``, ``(..., 1, 4), (..., 1)`` at the output
    cache : dict, everything :func:`weight_map_backward` needs
    """
    sigma, lo, hi, a, alpha, beta = check_map_params(params, sigma, lo, hi)
    S, s = scales(params)
    check_scales_shape(S, a)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        A, B, C = matrix_entries(a, S)
    check_entries_finite(A, B, a, S)
    with np.errstate(over="ignore"):
        offset = s.sum(axis=-1) if sigma < 0 else np.zeros(a.shape[:-1])
    check_offset_finite(offset, S)
    with np.errstate(over="ignore", invalid="ignore"):
        layers = assemble_layers(a, S, A, B, C, alpha, beta, offset, sigma, lo, hi)
    check_output_layer(*layers[-1], alpha, beta, (A[..., -1], B[..., -1]))
    cache = dict(a=a, S=S, s=s, A=A, B=B, alpha=alpha, offset=offset, sigma=sigma,
                 free_scales=uses_free_scales(params))
    return layers, cache


# --- backward: the same stages in reverse ("tilt the triangles") ------------------------

def entries_backward(grads, cache):
    """Stage 1: dL/dW, dL/db of every layer -> dL/d of the entries and of alpha, beta.

    With ``G = dL/dM_i`` (SPEC section 5): ``dL/dA_i = sigma G[0,1] + G[1,1] + G[2,1]``,
    ``dL/dB_i = -(sigma G[0,2] + G[1,2] + G[2,2])``, ``dL/dC_i = -G[2,3]``,
    ``dL/dS_i = G[3,3]``; the output row gives the last ``A``, ``B`` and alpha, beta; the
    input layer's biases give the offset and ``a_0`` (the bias of ``t2`` is ``-a_0``).

    Returns a dict of arrays: ``A``, ``B``, ``S`` (..., d), ``C`` (..., d - 1), ``alpha``,
    ``beta``, ``offset`` (...) and ``a`` (..., d + 1) (only ``a_0`` is non-zero here).
    """
    a, S, A, B = (cache[k] for k in ("a", "S", "A", "B"))
    alpha, offset, sigma = cache["alpha"], cache["offset"], cache["sigma"]
    d = a.shape[-1] - 1
    # BEGIN SOLUTION ch04 entries_backward (section 3): collect dL/d of every entry (A, B, C, S of
    #   each M_i; the last A, B, alpha and beta from the output row; the offset and a_0 from the
    #   input biases)
    gA, gB, gS = np.zeros_like(S), np.zeros_like(S), np.zeros_like(S)
    gC = np.zeros(S.shape[:-1] + (d - 1,))
    for i in range(d - 1):
        G = grads[1 + i][0]
        gA[..., i] = sigma * G[..., 0, 1] + G[..., 1, 1] + G[..., 2, 1]
        gB[..., i] = -(sigma * G[..., 0, 2] + G[..., 1, 2] + G[..., 2, 2])
        gC[..., i] = -G[..., 2, 3]
        gS[..., i] = G[..., 3, 3]
    G_out, db_out = grads[-1][0][..., 0, :], grads[-1][1][..., 0]
    gA[..., d - 1] = alpha * sigma * G_out[..., 1]
    gB[..., d - 1] = -alpha * sigma * G_out[..., 2]
    g_alpha = (G_out[..., 0] + sigma * A[..., d - 1] * G_out[..., 1]
               - sigma * B[..., d - 1] * G_out[..., 2] - offset * db_out)
    db_in = grads[0][1]
    g_a = np.zeros_like(a)
    g_a[..., 0] -= db_in[..., 2]
    g_beta = db_out
    g_offset = db_in[..., 0] - alpha * db_out
    # END SOLUTION
    return dict(A=gA, B=gB, C=gC, S=gS, alpha=g_alpha, beta=g_beta, offset=g_offset, a=g_a)


def entries_to_ratios_backward(g, a, S):
    """Stage 2: ``A_i = S_i / a_i``, ``B_i = S_i / q_i`` with ``q_i = a_i (1 - a_i)``,
    ``C_i = S_i a_{i+1}`` -> add their gradients to ``g["S"]`` and ``g["a"]`` (in place).

    dA/dS = 1/a, dB/dS = 1/q, dC/dS = a_{i+1}; dA/da_i = -S/a_i^2,
    dB/da_i = -S q'/q^2 with q' = 1 - 2 a_i, dC/da_{i+1} = S_i.
    """
    d = a.shape[-1] - 1
    # BEGIN SOLUTION ch04 entries_to_ratios_backward (section 4): add the gradients of A, B and C
    #   (matrix_entries) to g['S'] and g['a'], in place
    ai = a[..., :d]
    q = ai * (1.0 - ai)
    dq = 1.0 - 2.0 * ai
    g["S"] += g["A"] / ai + g["B"] / q
    g["S"][..., : d - 1] += g["C"] * a[..., 1:d]
    g["a"][..., :d] += -g["A"] * S / ai**2 - g["B"] * S * dq / q**2
    g["a"][..., 1:d] += g["C"] * S[..., : d - 1]
    # END SOLUTION


def offset_backward(g_offset, s, sigma):
    """Stage 3: ``offset = sum_j s_j`` (sigma = -1; 0 for sigma = +1) -> dL/ds, (..., d)."""
    g_s = np.zeros_like(s)
    # BEGIN SOLUTION ch04 offset_backward (section 5): add dL/ds from the offset (sum_j s_j for
    #   sigma = -1, 0 for sigma = +1) to g_s
    if sigma < 0:
        g_s += g_offset[..., None]
    # END SOLUTION
    return g_s


def cumprod_backward(g_s, S, s):
    """Stage 4: ``s_j = S_0 S_1 ... S_j`` -> dL/dS, (..., d), in O(d) operations per run.

    g_s, S, s : (..., d). Chapter 4, section 6 derives the formula (the answers hold it).
    """
    # BEGIN SOLUTION ch04 cumprod_backward (section 6): compute gS = dL/dS from g_s = dL/ds for s =
    #   cumprod(S)
    gS = np.flip(np.cumsum(np.flip(g_s * s, -1), -1), -1) / S
    # END SOLUTION
    return gS


def theorem31_backward(gS, g_a, a):
    """Stage 5: ``S_0 = s_0``, ``S_i = (1 - a_i) a_{i+1}`` (i >= 1) -> dL/ds_0, and more
    dL/da added to ``g_a`` (in place).

    Returns g_s0 : (...).
    """
    d = a.shape[-1] - 1
    # BEGIN SOLUTION ch04 theorem31_backward (section 7): add dL/da from S_i = (1 - a_i) a_(i+1) to
    #   g_a in place, and set g_s0 = dL/ds0
    g_a[..., 1:d] -= gS[..., 1:] * a[..., 2:]
    g_a[..., 2:] += gS[..., 1:] * (1.0 - a[..., 1:d])
    g_s0 = gS[..., 0]
    # END SOLUTION
    return g_s0


def weight_map_backward(grads, cache):
    """Carry weight gradients back to the parameters ("tilt the triangles").

    The five stages, each the backward of one step of :func:`weight_map_forward`:
    weights -> entries (:func:`entries_backward`), entries -> ratios and peaks
    (:func:`entries_to_ratios_backward`), the offset -> scales (:func:`offset_backward`),
    scales -> ratios (:func:`cumprod_backward`), ratios -> peaks and ``s_0`` under Theorem 3.1
    (:func:`theorem31_backward`).

    Parameters
    ----------
    grads : list of ``(dW, db)``, dL/dW and dL/db for every layer of
        :func:`weight_map_forward` (same shapes). Gradients of entries the map holds fixed
        (input-layer weights, hidden biases, structural zeros) are ignored.
    cache : from :func:`weight_map_forward`

    The shapes of ``grads`` (arrays or nested lists of real numbers) and the cache's keys
    are checked (ValueError); the gradients' values are not: a NaN or inf gradient gives NaN
    or inf in ``dparams``. The training loops run this at every step and check every
    gradient right after it (``training.check_step``), where a divergence gets its message
    (the learning rate, or the starting point); a test here would replace that message with
    a ValueError and add a pass over the gradients to the fast step.

    Returns
    -------
    dparams : dict with the keys of ``params``: ``a`` (..., d + 1), ``s0`` (...) or ``S``
        (..., d), ``alpha`` (...), ``beta`` (...)
    """
    a, S, s = check_weight_cache(cache)["a"], cache["S"], cache["s"]
    grads = check_weight_grads(grads, a)
    g = entries_backward(grads, cache)
    entries_to_ratios_backward(g, a, S)
    g_s = offset_backward(g["offset"], s, cache["sigma"])
    gS = g["S"] + cumprod_backward(g_s, S, s)
    out = {"a": g["a"], "alpha": g["alpha"], "beta": g["beta"]}
    if cache["free_scales"]:
        out["S"] = gS
    else:
        out["s0"] = theorem31_backward(gS, g["a"], a)
    return out


def triangle_network(a, s0=None, sigma=-1.0, alpha=1.0, beta=0.0, lo=0.0, hi=1.0):
    """The ``(W, b)`` list of the constructed depth-d network for peaks ``a`` (Theorem 3.1).

    Parameters
    ----------
    a : (d + 1,) peaks a_0 .. a_d in (0, 1)
    s0 : float > 0 or None (then ``a_0 a_1``, see :func:`default_s0`)
    sigma : -1 (``x - F``, convex) or +1 (``x + F``, concave)
    alpha, beta : float, output scale and shift
    lo, hi : the input interval, mapped onto [0, 1]

    Returns
    -------
    layers : list of (W, b) with widths 1-4-...-4-1 (d hidden ReLU layers of width 4),
        computing ``alpha (x + sigma F(x)) + beta`` with exactly 2^d pieces on [lo, hi]
    """
    a = check_peaks(a)
    if a.ndim != 1:
        raise ValueError(f"a must be one vector of peaks (d + 1,); got shape {a.shape}")
    layers, _ = weight_map_forward(construction_params(a, s0, alpha, beta), sigma, lo, hi)
    return layers
