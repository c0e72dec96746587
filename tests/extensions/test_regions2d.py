"""Chapter 7: the exact linear regions of a network with two inputs, as polygons."""
import numpy as np
import pytest

from minregion.extensions.regions2d import (activation_patterns_2d, locate, region_partition)
from minregion.extensions.triangle_layer import init_triangle_stack, release_stack, triangle_stack_as_mlp
from minregion.init import init_kaiming
from minregion.mlp import mlp_predict

pytestmark = pytest.mark.ch07


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
    stack = init_triangle_stack(x, [(3, 1)], 4, rng)
    layers = triangle_stack_as_mlp(release_stack(stack))
    ours = region_partition(layers, box=(-0.5, 0.5, -0.5, 0.5))
    dense = region_partition(init_kaiming([2, 12, 12, 12, 12, 1], rng), box=(-0.5, 0.5, -0.5, 0.5))
    np.testing.assert_allclose(ours.areas().sum(), 1.0, rtol=1e-12)
    assert len(ours) > 3 * len(dense)


@pytest.mark.parametrize("tol", [float("nan"), -1.0, 10.0, "1e-9"])
def test_a_bad_tolerance_is_refused(rng, tol):
    with pytest.raises(ValueError, match="tol_rel must be a number in"):
        region_partition(init_kaiming([2, 4, 1], rng), tol_rel=tol)
