"""Chapter 7: the difference of two constructions, a non-convex 1-D model."""
import numpy as np
import pytest

from minregion.construction import weight_map_forward
from minregion.extensions.difference import (difference_as_mlp, difference_backward,
                                             difference_constrained_loss_and_grads,
                                             difference_forward,
                                             difference_parameter_count, difference_predict,
                                             difference_raw_loss_and_grads,
                                             difference_weight_map_forward, init_difference)
from minregion.extensions.train import matched_dense_widths, train_difference
from minregion.gradcheck import numerical_gradient, vector_rel_error
from minregion.layers import mse_backward, mse_forward
from minregion.mlp import mlp_predict, prepare_data
from minregion.regions import count_regions

pytestmark = pytest.mark.ch07


# --- the difference model -------------------------------------------------------------

def _difference(rng, depth=4, runs=None, n=40):
    x = np.sort(rng.uniform(-1, 1, n))
    y = x**3 - x
    params = init_difference(x, y, depth, rng, runs=runs, lo=-1.0, hi=1.0)
    return params, x, y


def test_difference_gradients_match_finite_differences_through_the_weight_map(rng):
    params, x, y = _difference(rng)
    for half in ("g1", "g2"):             # leave the least-squares optimum, where
        params[half]["alpha"] *= 1.1      # dL/dalpha = dL/dbeta = 0 exactly
        params[half]["beta"] += 0.05
    X, Y = prepare_data(x, y)
    _, grads = difference_constrained_loss_and_grads(params, X, Y, lo=-1.0, hi=1.0)
    for half in ("g1", "g2"):
        for k in params[half]:
            def f():
                return float(difference_constrained_loss_and_grads(params, X, Y, lo=-1.0, hi=1.0)[0])
            num = numerical_gradient(f, params[half][k])
            assert vector_rel_error(grads[half][k], num) < 1e-7, (half, k)


@pytest.mark.parametrize("runs", [None, 3])
def test_difference_backward_matches_centred_differences_with_and_without_a_runs_axis(rng, runs):
    params, x, y = _difference(rng, runs=runs)
    X, Y = prepare_data(x, y, runs)
    nets, _ = difference_weight_map_forward(params, lo=-1.0, hi=1.0)
    # raw weights moved off the construction, so that no kink sits on a point
    nets = [[(W + 0.01 * rng.standard_normal(W.shape), b.copy()) for W, b in n] for n in nets]
    out, cache = difference_forward(nets, X)
    loss, mcache = mse_forward(out, Y)
    grads = difference_backward(mse_backward(1.0, mcache), cache)
    assert len(grads) == 2, "difference_backward returns the two halves' lists of (dW, db)"
    for half, n, g in zip(("g1", "g2"), nets, grads):
        assert [(dW.shape, db.shape) for dW, db in g] == [(W.shape, b.shape) for W, b in n], half
        for layer, ((W, b), (dW, db)) in enumerate(zip(n, g)):
            for name, p, dp in (("W", W, dW), ("b", b, db)):
                def f():
                    return float(np.sum(mse_forward(difference_forward(nets, X)[0], Y)[0]))
                assert vector_rel_error(dp, numerical_gradient(f, p)) < 1e-7, \
                    f"difference_backward: d{name} of layer {layer} of {half}"


def test_difference_gradients_match_finite_differences_on_raw_weights(rng):
    params, x, y = _difference(rng)
    X, Y = prepare_data(x, y)
    nets, _ = difference_weight_map_forward(params, lo=-1.0, hi=1.0)
    nets = [[(W + 0.01 * rng.standard_normal(W.shape), b.copy()) for W, b in n] for n in nets]
    _, grads = difference_raw_loss_and_grads(nets, X, Y)
    for n, g in zip(nets, grads):
        for (W, b), (dW, db) in zip(n, g):
            for p, dp in ((W, dW), (b, db)):
                def f():
                    return float(difference_raw_loss_and_grads(nets, X, Y)[0])
                assert vector_rel_error(dp, numerical_gradient(f, p)) < 1e-7


def test_difference_is_one_block_diagonal_network_and_counts_parameters(rng):
    params, x, _ = _difference(rng, depth=5)
    nets, _ = difference_weight_map_forward(params, lo=-1.0, hi=1.0)
    one = difference_as_mlp(nets)
    np.testing.assert_allclose(mlp_predict(one, x), difference_predict(nets, x), atol=1e-12)
    assert [W.shape for W, _ in one] == [(8, 1)] + [(8, 8)] * 4 + [(1, 8)]
    assert np.all(one[1][0][:4, 4:] == 0) and np.all(one[1][0][4:, :4] == 0)
    n_params = sum(p.size for net in nets for pair in net for p in pair)
    assert n_params == difference_parameter_count(5) == 186
    widths = matched_dense_widths(186, 1, 1, 5)
    assert widths == [1, 6, 6, 6, 6, 6, 1]          # 187 parameters, the nearest


def test_each_half_keeps_2_to_the_d_pieces_in_phase_1(rng):
    depth = 5
    params, x, y = _difference(rng, depth=depth, runs=3, n=200)
    nets, history = train_difference(params, x, y, pretrain_epochs=150, epochs=150,
                                     lo=-1.0, hi=1.0)
    losses = history.loss_array()
    assert history.phase == ["constrained"] * 150 and np.all(losses[-1] < losses[0])
    for half in ("g1", "g2"):
        layers, _ = weight_map_forward(params[half], -1.0, -1.0, 1.0)
        for r in range(3):
            pieces = count_regions([(W[r], b[r]) for W, b in layers], -1.0, 1.0)
            assert pieces == 2**depth, (half, r, pieces)
