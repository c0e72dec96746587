"""The triangle layer: K constructed 1-D networks on K projections of the input (SPEC section 8).

The 1-D construction becomes a *learned activation* for inputs of any dimension D::

    x : (..., D, N)
      -> z = P x + c                  (..., K, N)   K projections (a dense layer, no ReLU)
      -> y_k = g_k(z_k), k = 1..K     (..., K, N)   K depth-d width-4 constructions
      -> out = V y + e                (..., n_out, N)  a linear combination

Each ``g_k`` is the network of :func:`minregion.construction.weight_map_forward` with its own peaks
``a_k`` and first scale ``s_0k`` (Theorem 3.1), ``alpha = 1`` and ``beta = 0`` [choice: the
combination ``V, e`` carries the scale and the shift, so the sub-networks' ``alpha, beta``
would only duplicate it]. The K networks are batched along an axis of length K: the weight
map and ``mlp_forward`` already take leading axes, so ``W`` of hidden layer i has shape
``(..., K, 4, 4)``, the K blocks ``M_i^(k)``. Written as one dense layer of 4K neurons this
is a block-diagonal matrix with 4x4 blocks (:func:`triangle_stack_as_mlp` builds it), which
is how the construction replaces a dense layer. Layers can be stacked: a *triangle stack* is
a list of layers, the outputs of one being the inputs of the next. (Not to be confused with
:func:`minregion.triangle_network`, the 1-D construction itself.)

Mapping each projection into [0, 1] [choice]: at initialisation ``P`` and ``c`` are rescaled
so that the projections of the layer's training inputs span exactly [0, 1] (affine
normalisation from the data's range, folded into ``P`` and ``c``; the constructions keep
lo = 0, hi = 1). After that ``P`` and ``c`` are trained like any weight, with no clamping:
a projection that leaves [0, 1] meets the sub-network's ReLU extension, affine on each side
(every wave is off there) and constant where the ``sum`` neuron has fallen to 0.

Two phases, as in 1-D (:mod:`minregion.training`): phase 1 (constrained) trains the peaks
and first scales ``a, s0`` through the weight map, and ``P, c, V, e`` directly (they are not
part of the construction); phase 2 (raw) releases every weight: ``P, c``, each
sub-network's ``(W, b)`` list and ``V, e``.

Constrained parameters of a layer (a dict; ``...`` is an optional runs axis R):
``P`` (..., K, D), ``c`` (..., K), ``a`` (..., K, d + 1), ``s0`` (..., K),
``V`` (..., n_out, K), ``e`` (..., n_out).
Raw parameters (phase 2): ``P, c, V, e`` and ``layers``, the K sub-networks' ``(W, b)`` list
(``W`` : (..., K, 4, 1), (..., K, 4, 4), ..., (..., K, 1, 4)).
"""
import numpy as np

from ..checks import (check_columns, check_count, check_depth, check_generator, check_peak_range,
                      check_real_array, check_sigma)
from ..construction import default_s0, project_params, weight_map_backward, weight_map_forward
from ..layers import dense_backward, dense_forward
from ..mlp import mlp_backward, mlp_forward
from ..readout import lstsq_readout

CONSTRAINED_KEYS = ("P", "c", "a", "s0", "V", "e")


def triangle_layer_parameter_count(n_in, K, n_out, depth):
    """Raw weights and biases of one triangle layer (phase 2 trains all of them).

    ``K (D + 1)`` projection + ``K (13 + 20 (d - 1))`` sub-networks + ``n_out (K + 1)``
    combination.
    """
    K, n_out = check_count(K, "K"), check_count(n_out, "n_out")
    return K * (n_in + 1) + K * (13 + 20 * (check_depth(depth) - 1)) + n_out * (K + 1)


def check_input_columns(x, n_in, name="x"):
    """Inputs as columns ``(..., n_in, N)``: finite real numbers, N >= 1, as float64; else a
    ``ValueError`` naming ``name``, with a hint when the points look like rows (N, n_in)."""
    x = check_real_array(x, name)
    if x.ndim >= 2 and x.shape[-2] != n_in and x.shape[-1] == n_in:
        fix = f"{name}.T" if x.ndim == 2 else f"np.swapaxes({name}, -1, -2)"
        raise ValueError(f"points are columns ({n_in}, N) here (D = {n_in} inputs); {name} has "
                         f"shape {x.shape}, points as rows: pass {fix}")
    x = check_columns(x, n_in, name)
    if x.shape[-1] == 0:
        raise ValueError(f"{name} has shape {x.shape}, no points: N must be >= 1")
    return x


def check_output_lead(runs, x):
    """The leading (runs) axes of a network's output on inputs ``x`` (..., D, N): the
    network's ``runs`` and x's leading axes together, or a ``ValueError``."""
    try:
        return np.broadcast_shapes(tuple(runs), x.shape[:-2])
    except ValueError:
        raise ValueError(f"x has shape {x.shape}, leading axes {x.shape[:-2]} that do not fit "
                         f"the network's runs axis {tuple(runs)}: pass x as (D, N), the same "
                         f"points for every run, or {tuple(runs) + x.shape[-2:]}") from None


def check_target_shape(y, want, name="y"):
    """Targets ``y`` of a one-output model whose output is ``runs + (1, N)``, given as
    ``want = runs + (N,)``: ``y`` must be (N,) (the same for every run) or ``runs + (N,)``
    (axes of length 1 broadcast); else a ``ValueError`` naming it."""
    n = want[-1]
    if not (1 <= y.ndim <= len(want) and y.shape[-1] == n
            and all(t in (1, w) for t, w in zip(y.shape[-2::-1], want[-2::-1]))):
        runs = f" or {want}, one row per run" if len(want) > 1 else ""
        raise ValueError(f"{name} has shape {y.shape}; the model's output has shape "
                         f"{want[:-1] + (1, n)}, so {name} must be ({n},){runs}")
    return y


# --- initialisation -------------------------------------------------------------------

def init_triangle_layer(x, K, n_out, depth, rng, runs=None, peak_low=0.25, peak_high=0.75):
    """A triangle layer whose projections map the training inputs onto [0, 1] [choice].

    Parameters
    ----------
    x : (D, N) or (R, D, N) the layer's training inputs as columns (for the normalisation),
        finite real numbers, at least as many points as dimensions (N >= D, N >= 2)
    K : int >= 1, number of projections (and of sub-networks)
    n_out : int >= 1, outputs of the combination
    depth : int >= 1, ReLU layers of each sub-network
    rng : numpy.random.Generator
    runs : int or None, independent copies (leading axis R)
    peak_low, peak_high : peaks drawn U(peak_low, peak_high)

    Returns
    -------
    params : dict of float64 arrays, keys ``P, c, a, s0, V, e`` (shapes in the module
        docstring). ``c`` and the scale of ``P`` come from the data's range; ``V`` is
        Kaiming-uniform (``U(+-1/sqrt(K))``), ``e = 0``. The directions of ``P`` [choice]: for
        D = 2, K directions equally spaced around the whole circle (angles
        ``2 pi (k + u) / K``, one random offset u per run); otherwise Kaiming-uniform. Each
        sub-network ``x' - F(x')`` carries a linear part ``x' = p_k . x + c_k``; around the
        whole circle these cancel in the sum, so the start is not tilted (it trained better
        on r^3 than random directions; docs/choices.md gives the numbers).
    """
    K, n_out, depth = check_count(K, "K"), check_count(n_out, "n_out"), check_depth(depth)
    rng = check_generator(rng)
    x = check_real_array(x, "x")
    if x.ndim not in (2, 3):
        raise ValueError(f"x must be (D, N) or (R, D, N) columns; got shape {x.shape}")
    x = check_columns(x, x.shape[-2])
    D = x.shape[-2]
    if x.shape[-1] < max(D, 2):
        fix = "x.T" if x.ndim == 2 else "np.swapaxes(x, -1, -2)"
        raise ValueError(f"points are columns (D, N) and the layer maps their projections onto "
                         f"[0, 1], which takes N >= 2 points and at least as many as "
                         f"dimensions, N >= D; got x of shape {x.shape}: {x.shape[-1]} point(s) "
                         f"in {D} dimensions. If the points are rows, pass {fix}")
    lead = () if runs is None else (check_count(runs, "runs"),)
    if x.ndim == 3 and (not lead or x.shape[0] != lead[0]):
        raise ValueError(f"x has shape {x.shape}, a runs axis of {x.shape[0]}, but runs={runs}")
    check_peak_range(peak_low, peak_high)
    if D == 2:   # [choice] K directions equally spaced around the circle, random offset
        theta = 2 * np.pi * (np.arange(K) + rng.uniform(0.0, 1.0, size=lead + (1,))) / K
        P = np.stack([np.cos(theta), np.sin(theta)], axis=-1)
    else:
        P = rng.uniform(-1.0, 1.0, size=lead + (K, D)) / np.sqrt(D)
    z = P @ x                                                # (..., K, N)
    zmin, zmax = z.min(axis=-1), z.max(axis=-1)
    width = np.maximum(zmax - zmin, 1e-12)
    a = rng.uniform(peak_low, peak_high, size=lead + (K, depth + 1))
    return dict(P=P / width[..., None], c=-zmin / width, a=a, s0=default_s0(a),
                V=rng.uniform(-1.0, 1.0, size=lead + (n_out, K)) / np.sqrt(K),
                e=np.zeros(lead + (n_out,)))


def fit_combination(params, x, y, sigma=-1.0):
    """Least-squares ``V, e`` of a one-output layer for its current projections [choice].

    With everything else fixed the output ``V g + e`` is linear in ``V, e``: the read-out of
    :func:`minregion.readout.lstsq_readout` with the K sub-networks' outputs as features.
    Updates ``params["V"]`` (..., 1, K) and ``params["e"]`` (..., 1) in place.

    x : (..., D, N) the layer's inputs; y : (N,) or (R, N) finite targets.
    """
    if np.shape(params["V"])[-2] != 1:
        raise ValueError("fit_combination fits a layer with one output (n_out = 1)")
    layers, _ = weight_map_forward(sub_network_params(params), check_sigma(sigma))
    x = check_input_columns(x, np.shape(params["P"])[-1])
    y = check_real_array(y, "y")
    check_target_shape(y, check_output_lead(np.shape(params["P"])[:-2], x) + x.shape[-1:])
    if not np.isfinite(y).all():
        raise ValueError("y must be finite; found NaN or inf")
    z, _ = dense_forward(x, params["P"], params["c"])
    g = mlp_forward(layers, z[..., None, :])[0][..., 0, :]          # (..., K, N)
    params["V"][..., 0, :], params["e"][..., 0] = lstsq_readout(g, y)


# --- the layer, forward and backward --------------------------------------------------

def triangle_layer_forward(x, P, c, layers, V, e):
    """``out = V g(P x + c) + e`` with K sub-networks ``g_k`` batched along an axis.

    Parameters
    ----------
    x : (..., D, N) inputs as columns
    P : (..., K, D), c : (..., K) the projections
    layers : the K sub-networks' ``(W, b)`` list, ``W`` : (..., K, fan_out, fan_in),
        ``b`` : (..., K, fan_out); one input and one output each
    V : (..., n_out, K), e : (..., n_out) the combination

    Returns
    -------
    out : (..., n_out, N)
    cache : for :func:`triangle_layer_backward`
    """
    x = check_columns(x, np.shape(P)[-1])
    z, proj_cache = dense_forward(x, P, c)                   # (..., K, N)
    g, net_cache = mlp_forward(layers, z[..., None, :])      # (..., K, 1, N)
    out, comb_cache = dense_forward(g[..., 0, :], V, e)      # (..., n_out, N)
    return out, (proj_cache, net_cache, comb_cache)


def triangle_layer_backward(dout, cache):
    """Backward of :func:`triangle_layer_forward`.

    dout : (..., n_out, N). Returns ``dx`` (..., D, N), ``dP``, ``dc``, ``dlayers`` (list of
    ``(dW, db)``), ``dV``, ``de``, each shaped like its parameter.
    """
    proj_cache, net_cache, comb_cache = cache
    dg, dV, de = dense_backward(dout, comb_cache)            # dg : (..., K, N)
    dlayers, dz = mlp_backward(dg[..., None, :], net_cache)  # dz : (..., K, 1, N)
    dx, dP, dc = dense_backward(dz[..., 0, :], proj_cache)
    return dx, dP, dc, dlayers, dV, de


def sub_network_params(params):
    """The sub-networks' parameter dict for the weight map (alpha = 1, beta = 0 [choice])."""
    lead = np.shape(params["s0"])
    return dict(a=params["a"], s0=params["s0"], alpha=np.ones(lead), beta=np.zeros(lead))


def constrained_layer_forward(x, params, sigma=-1.0):
    """Phase 1 forward: parameters -> weight map -> :func:`triangle_layer_forward`.

    x : (..., D, N); params : dict with keys ``P, c, a, s0, V, e``; sigma : -1 or +1 for all
    K sub-networks. Returns out : (..., n_out, N), cache.
    """
    layers, wcache = weight_map_forward(sub_network_params(params), check_sigma(sigma))
    out, cache = triangle_layer_forward(x, params["P"], params["c"], layers, params["V"],
                                        params["e"])
    return out, (cache, wcache)


def constrained_layer_backward(dout, cache):
    """Backward of :func:`constrained_layer_forward`: through the layer, then the weight map.

    Returns dx : (..., D, N) and dparams : dict shaped like ``params`` (``P, c, a, s0, V, e``).
    """
    cache, wcache = cache
    dx, dP, dc, dlayers, dV, de = triangle_layer_backward(dout, cache)
    dsub = weight_map_backward(dlayers, wcache)
    return dx, dict(P=dP, c=dc, a=dsub["a"], s0=dsub["s0"], V=dV, e=de)


def release_layer(params, sigma=-1.0):
    """Phase 1 -> phase 2: the layer's raw parameters (copies), keys ``P, c, layers, V, e``."""
    layers, _ = weight_map_forward(sub_network_params(params), check_sigma(sigma))
    return dict(P=params["P"].copy(), c=params["c"].copy(),
                layers=[(W.copy(), b.copy()) for W, b in layers],
                V=params["V"].copy(), e=params["e"].copy())


def raw_layer_forward(x, raw):
    """Phase 2 forward of one layer from its raw dict. Returns out, cache."""
    return triangle_layer_forward(x, raw["P"], raw["c"], raw["layers"], raw["V"], raw["e"])


def raw_layer_backward(dout, cache):
    """Backward of :func:`raw_layer_forward`: ``dx`` and a dict shaped like ``raw``."""
    dx, dP, dc, dlayers, dV, de = triangle_layer_backward(dout, cache)
    return dx, dict(P=dP, c=dc, layers=dlayers, V=dV, e=de)


# --- triangle stacks: stacked layers --------------------------------------------------

def init_triangle_stack(x, sizes, depth, rng, runs=None, **peaks):
    """A stack of triangle layers, each normalised on the previous layer's training outputs.

    Parameters
    ----------
    x : (D, N) or (R, D, N) training inputs as columns
    sizes : list of ``(K, n_out)``, one pair per layer; layer l+1 takes layer l's n_out inputs
    depth, rng, runs, peaks : as :func:`init_triangle_layer`

    Returns
    -------
    stack : list of parameter dicts, one per layer
    """
    if len(sizes) < 1:
        raise ValueError("sizes must list at least one (K, n_out) pair")
    stack, h = [], check_real_array(x, "x")
    for K, n_out in sizes:
        params = init_triangle_layer(h, K, n_out, depth, rng, runs=runs, **peaks)
        stack.append(params)
        h = constrained_layer_forward(h, params)[0]
    return stack


def chain_forward(layer_forward, stack, x):
    """Run ``layer_forward(x, params)`` through the layers of a stack, keeping the caches."""
    caches = []
    for params in stack:
        x, cache = layer_forward(x, params)
        caches.append(cache)
    return x, caches


def chain_backward(layer_backward, dout, caches):
    """Backward of :func:`chain_forward`: one gradient dict per layer, in layer order."""
    grads = []
    for cache in reversed(caches):
        dout, dparams = layer_backward(dout, cache)
        grads.append(dparams)
    return grads[::-1]


def constrained_stack_forward(stack, x, sigma=-1.0):
    """Phase 1 forward of a stack: x (..., D, N) -> out (..., n_out, N), caches."""
    return chain_forward(lambda h, params: constrained_layer_forward(h, params, sigma), stack, x)


def constrained_stack_backward(dout, caches):
    """Backward of :func:`constrained_stack_forward`: a list of dparams dicts, one per layer."""
    return chain_backward(constrained_layer_backward, dout, caches)


def release_stack(stack, sigma=-1.0):
    """Phase 1 -> phase 2 for a stack: a list of raw dicts."""
    return [release_layer(params, sigma) for params in stack]


def raw_stack_forward(raw_stack, x):
    """Phase 2 forward of a stack: x (..., D, N) -> out (..., n_out, N), caches."""
    return chain_forward(raw_layer_forward, raw_stack, x)


def raw_stack_backward(dout, caches):
    """Backward of :func:`raw_stack_forward`: a list of raw gradient dicts, one per layer."""
    return chain_backward(raw_layer_backward, dout, caches)


def constrained_arrays(stack):
    """Every array phase 1 trains, in a fixed order (for ``optim.Adam``)."""
    return [params[k] for params in stack for k in CONSTRAINED_KEYS]


def raw_arrays(raw_stack):
    """Every array phase 2 trains, in a fixed order (``P, c``, the sub-networks, ``V, e``)."""
    out = []
    for raw in raw_stack:
        out += [raw["P"], raw["c"]] + [p for pair in raw["layers"] for p in pair]
        out += [raw["V"], raw["e"]]
    return out


def project_stack(stack):
    """Keep the peaks inside (0, 1) and ``s0 > 0`` after a phase-1 step (in place)."""
    for params in stack:
        project_params(params)


def triangle_stack_parameter_count(raw_stack):
    """Raw parameters of one model of a stack (the runs axis, if any, not counted)."""
    runs = np.shape(raw_stack[0]["e"])[:-1]
    return sum(int(p.size // max(1, int(np.prod(runs)))) for p in raw_arrays(raw_stack))


def triangle_stack_as_mlp(raw_stack, run=None):
    """A stack of triangle layers written as one plain ReLU network ``(W, b)`` list.

    Each layer becomes d ReLU layers of 4K neurons: the first is ``blockdiag(W_in^(k)) P``,
    the hidden ones ``blockdiag(M_i^(k))`` (4x4 blocks), and the sub-networks' output rows are
    multiplied into ``V``. Linear maps with no ReLU between them (``V`` of one layer and ``P``
    of the next) are multiplied into one.

    raw_stack : list of raw dicts; run : which run to take when they carry a runs axis.
    Returns layers : list of ``(W, b)`` (``W`` : (fan_out, fan_in)), for
    ``mlp.mlp_predict`` or ``regions2d.region_partition``.
    """
    affine = []                                     # (W, b, relu) in order
    for raw in raw_stack:
        pick = (lambda v: v) if run is None else (lambda v: v[run])
        P, c, V, e = (pick(raw[k]) for k in ("P", "c", "V", "e"))
        if P.ndim != 2:
            raise ValueError("the layers carry a runs axis: pass run=r to pick one model")
        layers = [(pick(W), pick(b)) for W, b in raw["layers"]]
        K = P.shape[0]
        affine.append((P, c, False))
        for l, (W, b) in enumerate(layers):
            if l == 0:                              # (K, 4, 1): each block reads z_k
                Wb = np.zeros((4 * K, K))
                for k in range(K):
                    Wb[4 * k:4 * k + 4, k] = W[k, :, 0]
            else:
                Wb = block_diagonal(W)
            affine.append((Wb, b.reshape(-1), l < len(layers) - 1))
        affine.append((V, e, False))
    out = []
    W, b, _ = affine[0]
    for W2, b2, relu in affine[1:]:                 # merge linear maps with no ReLU between
        W, b = W2 @ W, W2 @ b + b2
        if relu:
            out.append((W, b))
            W, b = np.eye(W.shape[0]), np.zeros(W.shape[0])
    out.append((W, b))
    return out


def block_diagonal(blocks):
    """(K, m, n) blocks -> the (K m, K n) block-diagonal matrix."""
    K, m, n = blocks.shape
    out = np.zeros((K * m, K * n))
    for k in range(K):
        out[k * m:(k + 1) * m, k * n:(k + 1) * n] = blocks[k]
    return out
