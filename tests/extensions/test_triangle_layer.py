"""Chapter 7: the triangle layer, the construction as a learned activation."""
import numpy as np
import pytest

from minregion.extensions.triangle_layer import (CONSTRAINED_KEYS, constrained_stack_backward,
                                                 constrained_stack_forward, init_triangle_layer,
                                                 init_triangle_stack, raw_arrays,
                                                 raw_stack_backward, raw_stack_forward,
                                                 release_stack, triangle_layer_parameter_count,
                                                 triangle_stack_as_mlp,
                                                 triangle_stack_parameter_count)
from minregion.gradcheck import numerical_gradient, vector_rel_error
from minregion.mlp import mlp_predict

pytestmark = pytest.mark.ch07


# --- the triangle layer ---------------------------------------------------------------

def _small_net(rng, runs=None):
    x = rng.uniform(-1, 1, size=(2, 30))
    stack = init_triangle_stack(x, [(3, 2), (2, 1)], 3, rng, runs=runs)
    # check 10% inside the data range: the normalisation puts the extreme points exactly
    # on the kinks at 0 and 1, where a finite difference lies
    return stack, 0.9 * x, np.sum(x**2, axis=0)


def test_triangle_layer_constrained_gradients_match_finite_differences(rng):
    stack, x, y = _small_net(rng)

    def f():
        return 0.5 * float(np.sum((constrained_stack_forward(stack, x)[0][0] - y) ** 2))
    out, caches = constrained_stack_forward(stack, x)
    grads = constrained_stack_backward(out - y, caches)
    for params, g in zip(stack, grads):
        for k in CONSTRAINED_KEYS:
            assert vector_rel_error(g[k], numerical_gradient(f, params[k])) < 1e-7, k


def test_triangle_layer_raw_gradients_match_finite_differences(rng):
    stack, x, y = _small_net(rng)
    raw = release_stack(stack)

    def f():
        return 0.5 * float(np.sum((raw_stack_forward(raw, x)[0][0] - y) ** 2))
    out, caches = raw_stack_forward(raw, x)
    grads = raw_arrays(raw_stack_backward(out - y, caches))
    for p, g in zip(raw_arrays(raw), grads):
        assert vector_rel_error(g, numerical_gradient(f, p)) < 1e-7, p.shape


def test_projections_of_the_training_data_span_exactly_0_to_1(rng):
    x = rng.normal(size=(3, 50))
    params = init_triangle_layer(x, 4, 1, 2, rng)
    z = params["P"] @ x + params["c"][:, None]
    np.testing.assert_allclose(z.min(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(z.max(axis=1), 1.0, atol=1e-12)


def test_a_triangle_stack_is_one_block_diagonal_relu_network(rng):
    stack, x, _ = _small_net(rng, runs=2)
    raw = release_stack(stack)
    out = raw_stack_forward(raw, x)[0]
    for r in range(2):
        layers = triangle_stack_as_mlp(raw, run=r)
        np.testing.assert_allclose(mlp_predict(layers, x.T), out[r, 0], atol=1e-12)
    hidden = layers[1][0]                              # (12, 12): three 4x4 blocks
    assert hidden.shape == (12, 12)
    mask = np.kron(np.eye(3), np.ones((4, 4))) == 0
    assert np.all(hidden[mask] == 0)
    assert triangle_stack_parameter_count(raw) == (triangle_layer_parameter_count(2, 3, 2, 3)
                                                 + triangle_layer_parameter_count(2, 2, 1, 3))
