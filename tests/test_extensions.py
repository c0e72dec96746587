"""Chapter 7: the extensions: a difference of constructions, the triangle layer, exact 2-D
regions, and ``reproduce --tables ext``."""
import json

import numpy as np
import pytest

from minregion.cli import main
from minregion.construction import weight_map_forward
from minregion.difference import (difference_as_mlp, difference_parameter_count,
                                  difference_predict, difference_shape_loss_and_grads,
                                  difference_weight_map_forward,
                                  difference_weights_loss_and_grads, init_difference)
from minregion.extensions import (ExtConfig, adam_loop, matched_dense_widths, run_ext_block,
                                  train_difference)
from minregion.layers import softmax_cross_entropy_backward, softmax_cross_entropy_forward
from minregion.targets import two_spirals
from minregion.gradcheck import numerical_gradient, vector_rel_error
from minregion.init import init_kaiming
from minregion.mlp import mlp_predict
from minregion.regions import count_regions
from minregion.regions2d import (activation_patterns_2d, box_polygon, locate, region_partition)
from minregion.training import History, prepare_data
from minregion.triangle_layer import (SHAPE_KEYS, init_triangle_layer, init_triangle_net,
                                      raw_arrays, raw_net_backward, raw_net_forward,
                                      release_net, shape_layer_forward, shape_net_backward,
                                      shape_net_forward, triangle_layer_parameter_count,
                                      triangle_net_as_mlp, triangle_net_parameter_count)

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
    _, grads = difference_shape_loss_and_grads(params, X, Y, lo=-1.0, hi=1.0)
    for half in ("g1", "g2"):
        for k in params[half]:
            def f():
                return float(difference_shape_loss_and_grads(params, X, Y, lo=-1.0, hi=1.0)[0])
            num = numerical_gradient(f, params[half][k])
            assert vector_rel_error(grads[half][k], num) < 1e-7, (half, k)


def test_difference_gradients_match_finite_differences_on_raw_weights(rng):
    params, x, y = _difference(rng)
    X, Y = prepare_data(x, y)
    nets, _ = difference_weight_map_forward(params, lo=-1.0, hi=1.0)
    nets = [[(W + 0.01 * rng.standard_normal(W.shape), b.copy()) for W, b in n] for n in nets]
    _, grads = difference_weights_loss_and_grads(nets, X, Y)
    for n, g in zip(nets, grads):
        for (W, b), (dW, db) in zip(n, g):
            for p, dp in ((W, dW), (b, db)):
                def f():
                    return float(difference_weights_loss_and_grads(nets, X, Y)[0])
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
    assert history.phase == ["shape"] * 150 and np.all(losses[-1] < losses[0])
    for half in ("g1", "g2"):
        layers, _ = weight_map_forward(params[half], -1.0, -1.0, 1.0)
        for r in range(3):
            pieces = count_regions([(W[r], b[r]) for W, b in layers], -1.0, 1.0)
            assert pieces == 2**depth, (half, r, pieces)


# --- the triangle layer ---------------------------------------------------------------

def _small_net(rng, runs=None):
    x = rng.uniform(-1, 1, size=(2, 30))
    net = init_triangle_net(x, [(3, 2), (2, 1)], 3, rng, runs=runs)
    # check 10% inside the data range: the normalisation puts the extreme points exactly
    # on the kinks at 0 and 1, where a finite difference lies
    return net, 0.9 * x, np.sum(x**2, axis=0)


def test_triangle_layer_shape_gradients_match_finite_differences(rng):
    net, x, y = _small_net(rng)

    def f():
        return 0.5 * float(np.sum((shape_net_forward(net, x)[0][0] - y) ** 2))
    out, caches = shape_net_forward(net, x)
    grads = shape_net_backward(out - y, caches)
    for params, g in zip(net, grads):
        for k in SHAPE_KEYS:
            assert vector_rel_error(g[k], numerical_gradient(f, params[k])) < 1e-7, k


def test_triangle_layer_raw_gradients_match_finite_differences(rng):
    net, x, y = _small_net(rng)
    raw = release_net(net)

    def f():
        return 0.5 * float(np.sum((raw_net_forward(raw, x)[0][0] - y) ** 2))
    out, caches = raw_net_forward(raw, x)
    grads = raw_arrays(raw_net_backward(out - y, caches))
    for p, g in zip(raw_arrays(raw), grads):
        assert vector_rel_error(g, numerical_gradient(f, p)) < 1e-7, p.shape


def test_projections_of_the_training_data_span_exactly_0_to_1(rng):
    x = rng.normal(size=(3, 50))
    params = init_triangle_layer(x, 4, 1, 2, rng)
    z = params["P"] @ x + params["c"][:, None]
    np.testing.assert_allclose(z.min(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(z.max(axis=1), 1.0, atol=1e-12)


def test_a_triangle_net_is_one_block_diagonal_relu_network(rng):
    net, x, _ = _small_net(rng, runs=2)
    raw = release_net(net)
    out = raw_net_forward(raw, x)[0]
    for r in range(2):
        layers = triangle_net_as_mlp(raw, run=r)
        np.testing.assert_allclose(mlp_predict(layers, x.T), out[r, 0], atol=1e-12)
    hidden = layers[1][0]                              # (12, 12): three 4x4 blocks
    assert hidden.shape == (12, 12)
    mask = np.kron(np.eye(3), np.ones((4, 4))) == 0
    assert np.all(hidden[mask] == 0)
    assert triangle_net_parameter_count(raw) == (triangle_layer_parameter_count(2, 3, 2, 3)
                                                 + triangle_layer_parameter_count(2, 2, 1, 3))


# --- exact 2-D regions ----------------------------------------------------------------

def test_two_lines_cut_the_square_into_four_quadrants():
    layers = [(np.eye(2), np.zeros(2)), (np.ones((1, 2)), np.zeros(1))]
    part = region_partition(layers)
    assert len(part) == 4
    np.testing.assert_allclose(part.areas(), 1.0)
    assert sorted(map(tuple, part.patterns.astype(int))) == [(0, 0), (0, 1), (1, 0), (1, 1)]


@pytest.mark.parametrize("widths", [[2, 5, 5, 1], [2, 8, 8, 8, 1], [2, 12, 6, 12, 2]])
def test_exact_partition_agrees_with_a_dense_pattern_sample(rng, widths):
    layers = init_kaiming(widths, rng)
    part = region_partition(layers)
    np.testing.assert_allclose(part.areas().sum(), 4.0, rtol=1e-12)
    assert np.all(part.areas() > 0)
    assert len(np.unique(part.patterns, axis=0)) == len(part)   # one pattern per polygon
    points = rng.uniform(-1, 1, size=(20000, 2))
    sampled = activation_patterns_2d(layers, points)
    where = locate(part, points)
    assert np.all(where >= 0)
    # every sampled point lies in a polygon carrying its own pattern: never an undercount
    assert np.array_equal(part.patterns[where], sampled)
    assert len(np.unique(sampled, axis=0)) <= len(part)
    # and the output is the polygon's affine function there
    p = points[:200]
    exact = np.einsum("noj,nj->no", part.out_grad[where[:200]], p) + part.out_const[where[:200]]
    np.testing.assert_allclose(exact, mlp_predict(layers, p).reshape(200, -1), atol=1e-12)


def test_a_triangle_layer_has_many_more_regions_than_kaiming_of_its_size(rng):
    x = rng.uniform(-1, 1, size=(2, 100))
    net = init_triangle_net(x, [(3, 1)], 4, rng)
    layers = triangle_net_as_mlp(release_net(net))
    ours = region_partition(layers, box=(-0.5, 0.5, -0.5, 0.5))
    dense = region_partition(init_kaiming([2, 12, 12, 12, 12, 1], rng), box=(-0.5, 0.5, -0.5, 0.5))
    np.testing.assert_allclose(ours.areas().sum(), 1.0, rtol=1e-12)
    assert len(ours) > 3 * len(dense)


# --- losses, data, bad input ----------------------------------------------------------

def test_softmax_cross_entropy_gradient(rng):
    logits = rng.normal(size=(2, 3, 7))
    labels = rng.integers(0, 3, size=7)
    _, cache = softmax_cross_entropy_forward(logits, labels)
    def f():
        return float(np.sum(softmax_cross_entropy_forward(logits, labels)[0]))
    num = numerical_gradient(f, logits)
    assert vector_rel_error(softmax_cross_entropy_backward(cache), num) < 1e-8


@pytest.mark.parametrize("call, message", [
    (lambda r: init_triangle_layer(np.zeros((2, 5)), 0, 1, 3, r), "K must be"),
    (lambda r: init_triangle_layer(np.zeros((2, 5)), 2, 1, 0, r), "depth must be"),
    (lambda r: init_triangle_layer(np.full((2, 5), np.nan), 2, 1, 3, r), "finite"),
    (lambda r: shape_layer_forward(np.zeros((3, 5)),
                                   init_triangle_layer(np.eye(2), 2, 1, 2, r)), "D = 2"),
    (lambda r: init_difference(np.linspace(0, 1, 5), np.ones(5), 0, r), "depth must be"),
    (lambda r: init_difference(np.linspace(0, 1, 5), np.array([1, 2, np.nan, 4, 5]), 2, r),
     "finite"),
    (lambda r: region_partition(init_kaiming([3, 4, 1], r)), "2 inputs"),
    (lambda r: box_polygon((1, -1, 0, 1)), "x0 < x1"),
    (lambda r: two_spirals(0, r), "n must be"),
    (lambda r: ExtConfig(K_2d=0).check(), "K_2d must be"),
])
def test_bad_input_gets_a_clear_error(rng, call, message):
    with pytest.raises(ValueError, match=message):
        call(rng)


def test_a_diverging_loop_raises(rng):
    from minregion.training import TrainingDiverged
    w = np.ones(1)
    with pytest.raises(TrainingDiverged, match="diverged"):
        adam_loop([w], lambda: (np.array([np.inf]), [np.ones(1)]), 3, 1e-3, History(), "weights")


# --- the experiment -------------------------------------------------------------------

def test_same_seed_same_numbers():
    cfg = ExtConfig(runs=2, epochs=30, pretrain_epochs=10, record_every=10)
    for target in ("x^3-x", "spirals"):
        one = run_ext_block(cfg, target, "pretrain_theorem_3_1")
        two = run_ext_block(cfg, target, "pretrain_theorem_3_1")
        assert one["score"] == two["score"]


def test_reproduce_ext_writes_json_report_and_figures(tmp_path):
    out = tmp_path / "res"
    assert main(["reproduce", "--tables", "ext", "--quick", "--runs", "2", "--epochs", "40",
                 "--jobs", "1", "--out", str(out)]) == 0
    ext = json.loads((out / "ext.json").read_text())
    assert ext["config"]["runs"] == 2 and ext["config"]["epochs"] == 40
    for m in ("kaiming", "pretrain_theorem_3_1"):
        for t in ("x^3-x", "r^3", "spirals"):
            cell = ext["mse"][m][t]
            assert cell["min"] == min(ext["runs"][m][t])
            assert cell["mean"] == pytest.approx(np.mean(ext["runs"][m][t]))
    assert "error rate" in ext["statistic"]["spirals"]
    assert ext["parameters"]["pretrain_theorem_3_1"]["x^3-x"] == 186
    assert "Extensions" in (out / "report.md").read_text()
    for name in ("nonconvex", "r3", "regions2d", "spirals"):
        assert (out / f"ext_{name}.png").stat().st_size > 1000
