"""The width-4 construction (chapter 2) and the constrained weight map's backward (chapter 4)."""
import numpy as np
import pytest

from minregion import count_regions, mlp_predict, triangle_network
from minregion.construction import (assemble_layers, construction_params, cumprod_backward,
                                    entries_backward, entries_to_ratios_backward, hidden_matrix,
                                    matrix_entries, offset_backward, theorem31_backward,
                                    weight_map_backward, weight_map_forward)
from minregion.gradcheck import directional_check, numerical_gradient
from minregion.layers import mse_backward, mse_forward
from minregion.mlp import mlp_backward, mlp_forward
from minregion.regions import affine_pieces
from minregion.triangle import construction_function, theorem31_ratios, theorem31_scales

from assertions import (arrays_in, assert_close, assert_equal, assert_gradient, assert_shape,
                        assert_unchanged, returned)

ch02, ch04 = pytest.mark.ch02, pytest.mark.ch04


# --- the network computes alpha (x + sigma F(x)) + beta ----------------------------------

@ch02
@pytest.mark.parametrize("sigma", [-1.0, 1.0])
def test_network_equals_x_plus_sigma_F(rng, sigma):
    for d in (1, 2, 5, 10, 16):
        a = rng.uniform(0.2, 0.8, size=d + 1)
        s0, alpha, beta = rng.uniform(0.05, 0.3), rng.uniform(0.5, 2), rng.normal()
        x = np.linspace(0, 1, 1001)
        net = mlp_predict(triangle_network(a, s0, sigma, alpha, beta), x)
        direct = construction_function(x, a, theorem31_scales(a, s0), sigma, alpha, beta)
        assert_close(f"triangle_network (depth {d}, sigma {sigma}): output against "
                     "alpha (x + sigma F) + beta", net, direct, rtol=0, atol=1e-12)


@ch02
def test_the_layout_is_1_4_4_4_1_and_hidden_layers_are_the_matrices_M_i():
    a = np.array([0.3, 0.6, 0.4, 0.5])
    layers = triangle_network(a, s0=0.1, sigma=-1.0)
    shapes = [W.shape for W, _ in layers]
    assert shapes == [(4, 1), (4, 4), (4, 4), (1, 4)], \
        f"triangle_network: weight shapes {shapes}, expected [(4, 1), (4, 4), (4, 4), (1, 4)]"
    M1 = layers[2][0]
    S1 = (1 - a[1]) * a[2]  # Theorem 3.1
    A, B, C = S1 / a[1], S1 / (a[1] * (1 - a[1])), S1 * a[2]
    assert_close("triangle_network: layers[2] W, the matrix M_1", M1,
                 [[1, -A, B, 0], [0, A, -B, 0], [0, A, -B, -C], [0, 0, 0, S1]], rtol=1e-15)
    assert_equal("triangle_network: layers[2] b", layers[2][1], np.zeros(4))


@ch02
def test_matrix_entries_one_by_one_with_a_runs_axis(rng):
    """A_i = S_i / a_i, B_i = S_i / (a_i (1 - a_i)) for i < d; C_i = S_i a_(i+1) for i < d - 1."""
    R, d = 2, 4
    a = rng.uniform(0.2, 0.8, size=(R, d + 1))
    S = rng.uniform(0.1, 0.5, size=(R, d))
    A, B, C = returned("matrix_entries", matrix_entries(a, S), ("A", "B", "C"))
    for name, got, shape in (("A", A, (R, d)), ("B", B, (R, d)), ("C", C, (R, d - 1))):
        assert_shape(f"matrix_entries: {name}", got, shape)
    for r in range(R):
        assert_close(f"matrix_entries: A of run {r}", A[r],
                     [S[r, i] / a[r, i] for i in range(d)], rtol=1e-15)
        assert_close(f"matrix_entries: B of run {r}", B[r],
                     [S[r, i] / (a[r, i] * (1 - a[r, i])) for i in range(d)], rtol=1e-14)
        assert_close(f"matrix_entries: C of run {r}", C[r],
                     [S[r, i] * a[r, i + 1] for i in range(d - 1)], rtol=1e-15)
    one = matrix_entries(a[0], S[0])
    for k, name in enumerate("ABC"):
        assert_close(f"matrix_entries: {name} of one network", one[k], (A, B, C)[k][0], rtol=0)


@ch02
@pytest.mark.parametrize("sigma", [-1.0, 1.0])
def test_hidden_matrix_places_each_entry(sigma):
    A, B, C, S = 2.0, 5.0, 0.3, 0.7
    expected = [[1, sigma * A, -sigma * B, 0], [0, A, -B, 0], [0, A, -B, -C], [0, 0, 0, S]]
    assert_close(f"hidden_matrix(A, B, C, S, sigma={sigma})", hidden_matrix(A, B, C, S, sigma),
                 expected, rtol=0)
    runs = [np.array([A, 1.0]), np.array([B, 3.0]), np.array([C, 0.1]), np.array([S, 0.2])]
    second = [[1, sigma * 1.0, -sigma * 3.0, 0], [0, 1.0, -3.0, 0], [0, 1.0, -3.0, -0.1],
              [0, 0, 0, 0.2]]
    assert_close(f"hidden_matrix with a runs axis of 2 (sigma={sigma})",
                 hidden_matrix(*runs, sigma), [expected, second], rtol=0)


@ch02
def test_the_sum_neuron_never_clips_even_for_a_large_s0(rng):
    """s_0 > a_0 a_1 makes x - F dip below 0; the offset sum_j s_j keeps the sum neuron's ReLU open."""
    a = rng.uniform(0.3, 0.7, size=7)
    x = np.linspace(0, 1, 2001)
    s0 = 3 * a[0] * a[1]
    direct = construction_function(x, a, theorem31_scales(a, s0), -1.0)
    assert direct.min() < -0.1
    assert_close("triangle_network with s0 = 3 a_0 a_1: output against x - F",
                 mlp_predict(triangle_network(a, s0), x), direct, rtol=1e-7, atol=1e-12)


@ch02
def test_inputs_on_any_interval(rng):
    a = rng.uniform(0.3, 0.7, size=6)
    lo, hi = -2.0, 3.0
    x = np.linspace(lo, hi, 777)
    net = mlp_predict(triangle_network(a, sigma=1.0, lo=lo, hi=hi), x)
    assert_close("triangle_network on [-2, 3] against the same on [0, 1]", net,
                 mlp_predict(triangle_network(a, sigma=1.0), (x - lo) / (hi - lo)), rtol=1e-7,
                 atol=1e-12)
    pieces = count_regions(triangle_network(a, lo=lo, hi=hi), lo, hi)
    assert pieces == 2**5, f"triangle_network on [-2, 3]: {pieces} pieces, expected 2^5 = 32"


# --- exactly 2^d affine pieces ---------------------------------------------------------

@ch02
@pytest.mark.parametrize("sigma", [-1.0, 1.0])
def test_exactly_2_to_the_d_pieces_for_random_peaks(rng, sigma):
    for d in range(1, 17):
        a = rng.uniform(0.2, 0.8, size=d + 1)
        pieces = count_regions(triangle_network(a, sigma=sigma), 0.0, 1.0)
        assert pieces == 2**d, f"depth {d}: {pieces} pieces, expected 2^{d} = {2**d}"


# --- the analytic oracles --------------------------------------------------------------

@ch02
def test_yarotsky_all_peaks_one_half_approximate_x_squared_with_error_2_to_minus_2d_minus_2():
    for d in range(1, 13):
        layers = triangle_network(np.full(d + 1, 0.5), s0=0.25, sigma=-1.0)
        x = np.linspace(0, 1, 2 ** (d + 2) + 1)  # contains every midpoint, where the error peaks
        err = np.max(np.abs(mlp_predict(layers, x) - x**2))
        assert err == pytest.approx(2.0 ** (-2 * d - 2), rel=1e-9), (
            f"triangle_network (all peaks 1/2, depth {d}): max |output - x^2| = {err:.6e}, "
            f"expected 2^(-2d-2) = {2.0 ** (-2 * d - 2):.6e}")


@ch02
def test_yarotsky_pieces_are_the_chords_of_x_squared():
    """Piece k is [k h, (k + 1) h] with h = 2^-d, and its slope is the chord's, (2k + 1) h."""
    d = 8
    edges, slopes = affine_pieces(triangle_network(np.full(d + 1, 0.5), s0=0.25))
    h = 2.0**-d
    k = np.arange(2**d)
    assert_close("affine_pieces of Yarotsky's network (depth 8): edges", edges,
                 np.arange(2**d + 1) * h, rtol=1e-7, atol=1e-15)
    assert_close("affine_pieces of Yarotsky's network (depth 8): slopes", slopes, (2 * k + 1) * h,
                 rtol=1e-12)


@ch02
def test_telgarsky_k_fold_tent_has_2_to_the_k_pieces():
    """The symmetric tent T_{1/2} = 2 ReLU(x) - 4 ReLU(x - 1/2), composed k times."""
    for k in range(1, 13):
        layers = [(np.array([[1.0], [1.0]]), np.array([0.0, -0.5]))]
        for _ in range(k - 1):
            layers.append((np.array([[2.0, -4.0], [2.0, -4.0]]), np.array([0.0, -0.5])))
        layers.append((np.array([[2.0, -4.0]]), np.zeros(1)))
        assert count_regions(layers, 0.0, 1.0) == 2**k


# --- the weight map's backward (chapter 4) ---------------------------------------------

def _random_functional_check(params, sigma, rng):
    """d<R, weights>/d params by the backward, against two evaluations along a direction.

    The weight map is smooth in its parameters (no ReLU inside), so this check is exact up
    to the finite-difference error, with any random weight gradients R.
    """
    layers, cache = weight_map_forward(params, sigma)
    R = [(rng.normal(size=W.shape), rng.normal(size=b.shape)) for W, b in layers]

    def f():
        new, _ = weight_map_forward(params, sigma)
        return float(sum(np.sum(W * dW) + np.sum(b * db) for (W, b), (dW, db) in zip(new, R)))

    grads = weight_map_backward(R, cache)
    keys = sorted(params)
    for k in keys:
        assert_gradient(f"weight_map_backward: d{k} (depth {len(params['a']) - 1}, sigma {sigma})",
                        grads[k], numerical_gradient(f, params[k]), tol=1e-7)
    num, ana = directional_check(f, [params[k] for k in keys], [grads[k] for k in keys], rng)
    assert_gradient("weight_map_backward: derivative along a random direction", ana, num,
                    tol=1e-7)


@ch04
@pytest.mark.parametrize("sigma", [-1.0, 1.0])
@pytest.mark.parametrize("free_scales", [False, True])
def test_weight_map_backward_matches_centred_differences(rng, sigma, free_scales):
    for d in (1, 2, 5):
        params = construction_params(rng.uniform(0.2, 0.8, size=d + 1), s0=rng.uniform(0.05, 0.3),
                              alpha=rng.uniform(0.5, 2), beta=rng.normal(),
                              free_scales=free_scales)
        _random_functional_check(params, sigma, rng)


@ch04
@pytest.mark.parametrize("sigma", [-1.0, 1.0])
@pytest.mark.parametrize("free_scales", [False, True])
def test_loss_gradient_through_network_and_weight_map(rng, sigma, free_scales):
    """The whole chain: MSE -> network backward -> weight map backward -> peaks."""
    params = construction_params(rng.uniform(0.3, 0.7, size=6), s0=0.15, alpha=1.2, beta=-0.1,
                          free_scales=free_scales)
    x = rng.uniform(size=(1, 50))  # 50 points as columns
    y = x[0] ** 3

    def loss():
        layers, _ = weight_map_forward(params, sigma)
        return float(mse_forward(mlp_forward(layers, x)[0][0], y)[0])

    layers, cache = weight_map_forward(params, sigma)
    out, caches = mlp_forward(layers, x)
    _, mcache = mse_forward(out[0], y)
    wgrads, _ = mlp_backward(mse_backward(1.0, mcache)[None, :], caches)
    grads = weight_map_backward(wgrads, cache)
    for k in params:
        # a step small enough that no breakpoint moves across one of the 50 points; the
        # last peaks matter little (entries near 1e-6), so compare whole vectors
        assert_gradient(f"weight_map_backward after mlp_backward: dL/d{k}", grads[k],
                        numerical_gradient(loss, params[k], h=1e-6), tol=1e-7, measure="vector")


@ch04
def test_batched_weight_map_equals_one_network_at_a_time(rng):
    a = rng.uniform(0.2, 0.8, size=(3, 5))
    params = construction_params(a, s0=np.array([0.1, 0.2, 0.05]), alpha=[1.0, 2.0, 0.5])
    layers, _ = weight_map_forward(params, 1.0)
    for r in range(3):
        one = triangle_network(a[r], params["s0"][r], 1.0, params["alpha"][r], 0.0)
        for l, ((W, b), (W1, b1)) in enumerate(zip(layers, one)):
            assert_equal(f"weight_map_forward with runs: W of layer {l}, run {r}", W[r], W1)
            assert_equal(f"weight_map_forward with runs: b of layer {l}, run {r}", b[r], b1)


# --- each backward stage against centred differences of its own forward stage ------------

def _entries(rng, R=2, d=4):
    """Random peaks and scale ratios with a runs axis, and the entries built from them."""
    a = rng.uniform(0.2, 0.8, size=(R, d + 1))
    S = rng.uniform(0.1, 0.6, size=(R, d))
    return a, S


def _against_differences(name, f, grads, arrays, tol=1e-7):
    for key, x in arrays.items():
        assert_gradient(f"{name}: d{key}", grads[key], numerical_gradient(f, x), tol=tol)


@ch04
@pytest.mark.parametrize("sigma", [-1.0, 1.0])
def test_entries_backward_stage(rng, sigma):
    """Forward stage: the entries (and alpha, beta, offset, a_0) -> the (W, b) list."""
    a, S = _entries(rng)
    A, B, C = matrix_entries(a, S)
    alpha, beta, offset = rng.uniform(0.5, 2, size=2), rng.normal(size=2), rng.uniform(size=2)
    inputs = dict(a=a, S=S, A=A, B=B, C=C, alpha=alpha, beta=beta, offset=offset)
    layers = assemble_layers(a, S, A, B, C, alpha, beta, offset, sigma, -0.5, 2.0)
    R = [(rng.normal(size=W.shape), rng.normal(size=b.shape)) for W, b in layers]

    def f():
        new = assemble_layers(a, S, A, B, C, alpha, beta, offset, sigma, -0.5, 2.0)
        return float(sum(np.sum(W * dW) + np.sum(b * db) for (W, b), (dW, db) in zip(new, R)))

    cache = dict(a=a, S=S, A=A.copy(), B=B.copy(), alpha=alpha.copy(), offset=offset.copy(),
                 sigma=sigma)
    g = entries_backward(R, cache)
    assert isinstance(g, dict), f"entries_backward returns a dict; got {type(g).__name__}"
    for key, x in inputs.items():
        assert key in g, f"entries_backward: the returned dict has no key '{key}'"
        assert_shape(f"entries_backward: d{key}", g[key], x.shape)
    _against_differences("entries_backward", f, g, inputs)


@ch04
def test_entries_to_ratios_backward_stage(rng):
    """Forward stage: matrix_entries (a, S) -> (A, B, C)."""
    a, S = _entries(rng)
    gA, gB = rng.normal(size=S.shape), rng.normal(size=S.shape)
    gC = rng.normal(size=(S.shape[0], S.shape[1] - 1))

    def f():
        A, B, C = matrix_entries(a, S)
        return float(np.sum(A * gA) + np.sum(B * gB) + np.sum(C * gC))

    g = dict(A=gA, B=gB, C=gC, S=np.zeros_like(S), a=np.zeros_like(a))
    entries_to_ratios_backward(g, a, S)
    _against_differences("entries_to_ratios_backward (adds to g['S'] and g['a'])", f, g,
                         dict(S=S, a=a))
    extra = dict(A=gA, B=gB, C=gC, S=np.ones_like(S), a=np.ones_like(a))
    entries_to_ratios_backward(extra, a, S)
    assert_close("entries_to_ratios_backward: g['S'] must be added to, not overwritten",
                 extra["S"], g["S"] + 1.0, rtol=1e-14)


@ch04
@pytest.mark.parametrize("sigma", [-1.0, 1.0])
def test_offset_backward_stage(rng, sigma):
    """Forward stage: offset = sum_j s_j for sigma = -1, and 0 for sigma = +1 (the module
    docstring of construction.py)."""
    s = rng.uniform(0.01, 0.5, size=(2, 5))
    g_offset = rng.normal(size=2)

    def f():
        offset = s.sum(axis=-1) if sigma < 0 else np.zeros(2)
        return float(np.sum(offset * g_offset))

    g_s = offset_backward(g_offset, s, sigma)
    assert_gradient(f"offset_backward (sigma {sigma}): ds", g_s, numerical_gradient(f, s),
                    tol=1e-8)


@ch04
def test_cumprod_backward_stage(rng):
    """Forward stage: s = cumprod(S) along the last axis."""
    _, S = _entries(rng)
    g_s = rng.normal(size=S.shape)

    def f():
        return float(np.sum(np.cumprod(S, axis=-1) * g_s))

    gS = cumprod_backward(g_s, S, np.cumprod(S, axis=-1))
    assert_gradient("cumprod_backward: dS", gS, numerical_gradient(f, S), tol=1e-8)


@ch04
def test_theorem31_backward_stage(rng):
    """Forward stage: theorem31_ratios (a, s0) -> S."""
    a, _ = _entries(rng)
    s0 = rng.uniform(0.05, 0.3, size=2)
    gS = rng.normal(size=(2, a.shape[-1] - 1))

    def f():
        return float(np.sum(theorem31_ratios(a, s0) * gS))

    g_a = np.zeros_like(a)
    g_s0 = theorem31_backward(gS, g_a, a)
    assert_gradient("theorem31_backward: ds0 (returned)", g_s0, numerical_gradient(f, s0),
                    tol=1e-8)
    assert_gradient("theorem31_backward: da (added to g_a in place)", g_a,
                    numerical_gradient(f, a), tol=1e-8)


@ch04
def test_the_stages_keep_the_runs_apart_and_leave_what_they_read(rng):
    """With a runs axis every stage acts on the last axis alone (R networks at once equal R
    networks one at a time), and changes only the arrays it is meant to add to."""
    a, S = _entries(rng, R=3)
    s = np.cumprod(S, axis=-1)
    g_s, g_offset = rng.normal(size=S.shape), rng.normal(size=3)
    for name, stage, args in (
            ("cumprod_backward(g_s, S, s)", cumprod_backward, (g_s, S, s)),
            ("offset_backward(g_offset, s, -1.0)", offset_backward, (g_offset, s, -1.0))):
        kept = arrays_in(args)
        together = stage(*args)
        assert_unchanged(name, kept, args)
        for r in range(3):
            one = stage(*[x[r] if isinstance(x, np.ndarray) else x for x in args])
            assert_close(f"{name}, run {r} alone", one, together[r], rtol=1e-14)
    g = dict(A=rng.normal(size=S.shape), B=rng.normal(size=S.shape),
             C=rng.normal(size=(3, S.shape[1] - 1)), S=np.zeros_like(S), a=np.zeros_like(a))
    kept = arrays_in((a, S))
    entries_to_ratios_backward(g, a, S)
    assert_unchanged("entries_to_ratios_backward(g, a, S)", kept, (a, S), "a or S")
    for r in range(3):
        one = dict(A=g["A"][r], B=g["B"][r], C=g["C"][r], S=np.zeros_like(S[r]),
                   a=np.zeros_like(a[r]))
        entries_to_ratios_backward(one, a[r], S[r])
        for key in ("S", "a"):
            assert_close(f"entries_to_ratios_backward: g[{key!r}], run {r} alone", one[key],
                         g[key][r], rtol=1e-14)


# --- bad input -------------------------------------------------------------------------

@ch02
def test_bad_input_gets_a_clear_error():
    with pytest.raises(ValueError, match=r"open interval \(0, 1\)"):
        triangle_network([0.5, 1.2, 0.5])
    with pytest.raises(ValueError, match=r"open interval \(0, 1\)"):
        triangle_network([0.0, 0.5])
    with pytest.raises(ValueError, match="depth d >= 1"):
        triangle_network([0.5])
    with pytest.raises(ValueError, match="NaN"):
        triangle_network([0.5, np.nan])
    with pytest.raises(ValueError, match="sigma"):
        triangle_network([0.5, 0.5], sigma=0.5)
    with pytest.raises(ValueError, match="non-empty"):
        triangle_network([0.5, 0.5], lo=1.0, hi=1.0)
    with pytest.raises(ValueError, match="finite"):
        triangle_network([0.5, 0.5], lo=0.0, hi=np.inf)
    with pytest.raises(ValueError, match="s0"):
        triangle_network([0.5, 0.5], s0=0.0)
    with pytest.raises(ValueError, match="alpha"):
        triangle_network([0.5, 0.5], alpha=np.nan)


@ch02
def test_peaks_and_intervals_that_float64_cannot_hold_are_refused_with_the_real_cause():
    with pytest.raises(ValueError, match="default s0 = a_0 a_1 underflows"):
        triangle_network([1e-300] * 4)
    with pytest.raises(ValueError, match="weight map overflows"):
        triangle_network([1e-310, 0.5, 0.5], s0=0.5)
    for lo, hi in ((0.0, 1e-320), (-1e308, 1e308)):
        with pytest.raises(ValueError, match="width that float64 can divide by"):
            triangle_network([0.3, 0.5], lo=lo, hi=hi)


@ch04
def test_weight_map_backward_refuses_gradients_that_do_not_fit():
    params = construction_params([0.3, 0.5, 0.6])
    layers, cache = weight_map_forward(params)
    grads = [(np.zeros_like(W), np.zeros_like(b)) for W, b in layers]
    with pytest.raises(ValueError, match="one \\(dW, db\\) per layer of the depth-2 network, 3"):
        weight_map_backward(grads[:-1], cache)
    with pytest.raises(ValueError, match=r"grads\[1\] must be \(dW, db\) of shapes \(4, 4\)"):
        weight_map_backward([grads[0], (np.zeros((4, 3)), np.zeros(4)), grads[2]], cache)
