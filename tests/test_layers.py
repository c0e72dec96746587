"""Chapter 3: every forward/backward pair agrees with centred differences (float64)."""
import numpy as np
import pytest

from minregion.gradcheck import numerical_gradient
from minregion.layers import (dense_backward, dense_forward, mse_backward, mse_forward,
                              relu_backward, relu_forward)
from minregion.mlp import mlp_backward, mlp_forward, mlp_predict

from assertions import (arrays_in, assert_close, assert_gradient, assert_shape, assert_unchanged,
                        returned)

pytestmark = pytest.mark.ch03


def test_dense_backward_matches_centred_differences(rng):
    x, W, b = rng.normal(size=(3, 7)), rng.normal(size=(4, 3)), rng.normal(size=4)  # 7 points
    dout = rng.normal(size=(4, 7))
    out, cache = dense_forward(x, W, b)
    assert out.shape == (4, 7)
    dx, dW, db = returned("dense_backward", dense_backward(dout, cache), ("dx", "dW", "db"))
    for name, got, like in (("dx", dx, x), ("dW", dW, W), ("db", db, b)):
        assert_shape(f"dense_backward: {name}", got, like.shape)

    def f():
        return float(np.sum(dense_forward(x, W, b)[0] * dout))

    assert_gradient("dense_backward: dx", dx, numerical_gradient(f, x), tol=1e-8)
    assert_gradient("dense_backward: dW", dW, numerical_gradient(f, W), tol=1e-8)
    assert_gradient("dense_backward: db", db, numerical_gradient(f, b), tol=1e-8)


def test_relu_backward_matches_centred_differences_away_from_zero(rng):
    z = rng.normal(size=(5, 6))
    z[np.abs(z) < 1e-3] = 0.5  # keep clear of the kink, where differences lie
    dout = rng.normal(size=z.shape)
    _, cache = relu_forward(z)

    def f():
        return float(np.sum(relu_forward(z)[0] * dout))

    assert_gradient("relu_backward: dz", relu_backward(dout, cache), numerical_gradient(f, z),
                    tol=1e-8)


def test_mse_value_and_backward(rng):
    pred, y = rng.normal(size=9), rng.normal(size=9)
    loss, cache = mse_forward(pred, y)
    assert loss == pytest.approx(np.mean((pred - y) ** 2), rel=1e-15)

    def f():
        return float(mse_forward(pred, y)[0])

    assert_gradient("mse_backward: dpred", mse_backward(1.0, cache), numerical_gradient(f, pred),
                    tol=1e-8)


def test_mse_backward_scales_with_the_upstream_gradient(rng):
    """dL/dpred = dloss * dMSE/dpred: the upstream gradient is a factor, one per network."""
    pred, y = rng.normal(size=(3, 9)), rng.normal(size=(3, 9))        # 3 networks, 9 points
    _, cache = mse_forward(pred, y)
    unit = 2.0 * (pred - y) / 9
    assert_close("mse_backward(1.0, cache)", mse_backward(1.0, cache), unit, rtol=1e-14)
    assert_close("mse_backward(2.5, cache)", mse_backward(2.5, cache), 2.5 * unit, rtol=1e-14)
    dloss = np.array([1.0, -2.0, 0.5])
    assert_close("mse_backward(dloss of shape (3,), cache)", mse_backward(dloss, cache),
                 dloss[:, None] * unit, rtol=1e-14)


def test_mlp_backward_matches_centred_differences(rng):
    widths = [2, 5, 4, 3, 1]
    layers = [(rng.normal(size=(o, i)), rng.normal(size=o)) for i, o in zip(widths, widths[1:])]
    x, y = rng.normal(size=(2, 30)), rng.normal(size=30)  # 30 points as columns
    out, caches = mlp_forward(layers, x)
    loss, mcache = mse_forward(out[0], y)
    grads, dx = returned("mlp_backward", mlp_backward(mse_backward(1.0, mcache)[None, :], caches),
                         ("grads", "dx"))
    assert isinstance(grads, list) and len(grads) == len(layers), \
        f"mlp_backward: grads must be a list of {len(layers)} pairs (dW, db), one per layer"

    def f():
        return float(mse_forward(mlp_forward(layers, x)[0][0], y)[0])

    for l, ((W, b), (dW, db)) in enumerate(zip(layers, grads)):
        assert_shape(f"mlp_backward: dW of layer {l}", dW, W.shape)
        assert_shape(f"mlp_backward: db of layer {l}", db, b.shape)
    assert_shape("mlp_backward: dx", dx, x.shape)
    for l, ((W, b), (dW, db)) in enumerate(zip(layers, grads)):
        assert_gradient(f"mlp_backward: dW of layer {l}", dW, numerical_gradient(f, W), tol=1e-6)
        assert_gradient(f"mlp_backward: db of layer {l}", db, numerical_gradient(f, b), tol=1e-6)
    assert_gradient("mlp_backward: dx", dx, numerical_gradient(f, x), tol=1e-6)


def test_backward_passes_leave_dout_and_their_caches_as_they_were(rng):
    """A backward pass reads the upstream gradient and its cache and writes new arrays: the
    caller's arrays stay as they were (a dout masked or zeroed in place corrupts whoever
    holds it: the layer above, an optimiser, a second backward pass)."""
    x, W, b = rng.normal(size=(3, 7)), rng.normal(size=(4, 3)), rng.normal(size=4)
    _, dense_cache = dense_forward(x, W, b)
    _, relu_cache = relu_forward(rng.normal(size=(4, 7)))
    _, mse_cache = mse_forward(rng.normal(size=(2, 7)), rng.normal(size=(2, 7)))
    layers = [(rng.normal(size=(o, i)), rng.normal(size=o)) for i, o in ((1, 4), (4, 4), (4, 1))]
    _, caches = mlp_forward(layers, rng.normal(size=(1, 7)))
    for name, backward, args in (
            ("dense_backward", dense_backward, (rng.normal(size=(4, 7)), dense_cache)),
            ("relu_backward", relu_backward, (rng.normal(size=(4, 7)), relu_cache)),
            ("mse_backward", mse_backward, (rng.normal(size=2), mse_cache)),
            ("mlp_backward", mlp_backward, (rng.normal(size=(1, 7)), caches))):
        kept = arrays_in(args)
        backward(*args)
        assert_unchanged(f"{name}(dout, cache)", kept, args)


def test_backward_with_a_runs_axis_equals_one_network_at_a_time(rng):
    """R networks trained together: every backward must act on the last two axes only."""
    R, widths = 3, [1, 4, 4, 1]
    layers = [(rng.normal(size=(R, o, i)), rng.normal(size=(R, o)))
              for i, o in zip(widths, widths[1:])]
    x, y = rng.uniform(size=(R, 1, 20)), rng.normal(size=(R, 20))
    out, caches = mlp_forward(layers, x)
    _, mcache = mse_forward(out[:, 0, :], y)
    grads, dx = mlp_backward(mse_backward(1.0, mcache)[:, None, :], caches)
    for l, ((W, b), (dW, db)) in enumerate(zip(layers, grads)):
        assert_shape(f"mlp_backward with runs: dW of layer {l}", dW, W.shape)
        assert_shape(f"mlp_backward with runs: db of layer {l}", db, b.shape)
    assert_shape("mlp_backward with runs: dx", dx, x.shape)
    for r in range(R):
        one = [(W[r], b[r]) for W, b in layers]
        out1, caches1 = mlp_forward(one, x[r])
        _, mcache1 = mse_forward(out1[0], y[r])
        grads1, dx1 = mlp_backward(mse_backward(1.0, mcache1)[None, :], caches1)
        for l, ((dW, db), (dW1, db1)) in enumerate(zip(grads, grads1)):
            assert_close(f"mlp_backward with runs: dW of layer {l}, run {r}", dW[r], dW1,
                         rtol=1e-12, atol=1e-15)
            assert_close(f"mlp_backward with runs: db of layer {l}, run {r}", db[r], db1,
                         rtol=1e-12, atol=1e-15)
        assert_close(f"mlp_backward with runs: dx, run {r}", dx[r], dx1, rtol=1e-12, atol=1e-15)


def test_a_runs_axis_is_only_a_batch_axis(rng):
    """R networks evaluated together give the same numbers as R networks one at a time."""
    R, widths = 3, [1, 4, 4, 1]
    layers = [(rng.normal(size=(R, o, i)), rng.normal(size=(R, o)))
              for i, o in zip(widths, widths[1:])]
    x = rng.uniform(size=(R, 20))
    together = mlp_predict(layers, x)
    assert together.shape == (R, 20)
    for r in range(R):
        alone = mlp_predict([(W[r], b[r]) for W, b in layers], x[r])
        np.testing.assert_array_equal(together[r], alone)


def test_mlp_predict_rejects_bad_input(rng):
    layers = [(rng.normal(size=(4, 1)), rng.normal(size=4)), (rng.normal(size=(1, 4)), np.zeros(1))]
    with pytest.raises(ValueError, match="finite"):
        mlp_predict(layers, np.array([0.1, np.nan]))
    with pytest.raises(ValueError, match="input"):
        mlp_predict(layers, np.zeros((5, 3)))
    bad = [(rng.normal(size=(4, 1)), rng.normal(size=4)), (rng.normal(size=(1, 3)), np.zeros(1))]
    with pytest.raises(ValueError, match=r"layers\[1\].*fan_in 3.*fan_out 4"):
        mlp_predict(bad, np.zeros(5))
    with pytest.raises(ValueError, match="b has shape"):
        mlp_predict([(np.ones((4, 1)), np.zeros(3))], np.zeros(5))
    with pytest.raises(ValueError, match="non-empty"):
        mlp_predict([], np.zeros(5))


def test_mlp_predict_takes_nested_lists_and_keeps_no_caches():
    import tracemalloc
    as_lists = [[[[1.0], [2.0]], [0.0, 1.0]], [[[1.0, 1.0]], [0.5]]]
    np.testing.assert_allclose(mlp_predict(as_lists, [0.1, 0.2]), [1.8, 2.1])
    deep = [(np.ones((4, 1)), np.zeros(4))] + [(np.eye(4), np.zeros(4))] * 20 \
        + [(np.ones((1, 4)), np.zeros(1))]
    x = np.linspace(0, 1, 1_000_000)
    tracemalloc.start()
    try:
        y = mlp_predict(deep, x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_allclose(y, 4 * x)
    # the caches of 21 layers of 4 x 1e6 floats would be 21 * 2 * 32 MB; chunks keep it small
    assert peak < 100e6, f"mlp_predict peaked at {peak / 1e6:.0f} MB"
