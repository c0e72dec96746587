"""Chapter 8: the error against depth, the floor, and why phase 1 plateaus (the mirror bound)."""
import numpy as np
import pytest

from minregion import mlp_predict, triangle_network
from minregion.construction import construction_params, weight_map_forward
from minregion.reproduce.depth_study import (DEPTHS, METHODS, RATE, curvature_knots, depth_block,
                                   fitted_slope, interior_minimum, mirror_bound, mirror_gap,
                                   spline_floor, study_config, summarise_depth)
from minregion.targets import get_target

pytestmark = pytest.mark.ch08

CUBE = get_target("x^3").f


@pytest.mark.parametrize("sigma", [-1.0, 1.0])
def test_a_constructed_network_has_two_halves_of_one_shape(rng, sigma):
    """g(a0 t) - g(1 - (1 - a0) t) = alpha (t - 1) at any depth, for any peaks and scales."""
    t = np.linspace(0, 1, 301)
    for d in (1, 3, 6, 10):
        a = rng.uniform(0.2, 0.8, size=d + 1)
        alpha = rng.uniform(0.5, 2.0)
        net = triangle_network(a, s0=rng.uniform(0.05, 0.3), sigma=sigma, alpha=alpha,
                               beta=rng.normal())
        assert mirror_gap(net, a[0], alpha, t) < 1e-13, f"depth {d}"
        free = construction_params(a, alpha=alpha, free_scales=True)
        free["S"] *= rng.uniform(0.5, 2.0, size=d)                 # any scales at all
        assert mirror_gap(weight_map_forward(free, sigma)[0], a[0], alpha, t) < 1e-13


def test_the_mirror_bound_is_zero_only_for_a_parabola_split_in_half():
    assert mirror_bound(lambda x: x**2, 0.5) < 1e-30
    assert mirror_bound(lambda x: 3 * x**2 - x, 0.5) < 1e-30
    assert mirror_bound(CUBE, 0.5) > 1e-4
    a0, bound = interior_minimum(CUBE)
    assert a0 == pytest.approx(0.6033, abs=2e-3) and bound == pytest.approx(1.21e-5, rel=0.01)


def test_the_mirror_bound_agrees_with_a_plain_sum():
    """Gauss-Legendre against a fine midpoint rule, and the least-squares c by brute force."""
    a0, n = 0.6, 100_000
    t = (np.arange(n) + 0.5) / n
    D = CUBE(a0 * t) - CUBE(1 - (1 - a0) * t)
    c = np.sum(D * (t - 1)) / np.sum((t - 1) ** 2)
    plain = a0 * (1 - a0) * np.mean((D - c * (t - 1)) ** 2)
    assert mirror_bound(CUBE, a0) == pytest.approx(plain, rel=1e-6)
    around = [a0 * (1 - a0) * np.mean((D - cc * (t - 1)) ** 2)
              for cc in c + np.linspace(-0.05, 0.05, 21)]
    assert min(around) >= plain * (1 - 1e-12)               # c is the best split


def test_no_phase_1_network_beats_the_mirror_bound(rng):
    """Random constructions with the best alpha, beta: the MSE stays above the bound at a0."""
    x = np.linspace(0, 1, 4001)
    for _ in range(20):
        a = rng.uniform(0.3, 0.8, size=6)
        g = mlp_predict(triangle_network(a, s0=rng.uniform(0.5, 1.5) * a[0] * a[1]), x)
        A = np.stack([g, np.ones_like(g)], axis=1)
        coef, *_ = np.linalg.lstsq(A, CUBE(x), rcond=None)
        mse = np.mean((A @ coef - CUBE(x)) ** 2)
        assert mse >= 0.999 * mirror_bound(CUBE, a[0]), (a[0], mse)


def test_the_floor_follows_the_16_to_the_minus_d_rate():
    x = np.linspace(0, 1, 500)
    depths = np.arange(1, 7)
    floors = [spline_floor(CUBE, 2**d, x) for d in depths]
    assert fitted_slope(depths, floors) == pytest.approx(RATE, abs=0.05)
    assert spline_floor(lambda v: 2 * v - 1, 4, x) < 1e-28          # a line is fitted exactly
    assert fitted_slope([1, 2, 3], [16.0**-1, 16.0**-2, 16.0**-3]) == pytest.approx(RATE)


def test_knots_follow_the_curvature():
    knots = curvature_knots(lambda v: v**2, 8)                     # constant f'': uniform
    np.testing.assert_allclose(knots, np.linspace(0, 1, 9), atol=1e-9)
    knots = curvature_knots(lambda v: v**11, 8)                     # crowded where x^11 bends
    assert knots[0] == 0 and knots[-1] == 1 and np.all(np.diff(knots) > 0)
    assert np.diff(knots)[-1] < np.diff(knots)[0] / 5


def test_the_knots_of_x3_follow_the_two_fifths_rule():
    """f'' = 6x: the density (6x)^(2/5) integrates to a multiple of x^(7/5), so knot k of N
    stands at (k / N)^(5/7)."""
    knots = curvature_knots(CUBE, 32)
    np.testing.assert_allclose(knots, (np.arange(33) / 32) ** (5 / 7), atol=5e-6)


def test_the_knots_and_the_floor_on_another_interval():
    np.testing.assert_allclose(curvature_knots(lambda v: v**2, 6, -1.0, 2.0),
                               np.linspace(-1.0, 2.0, 7), atol=1e-9)
    x = np.linspace(-1.0, 2.0, 600)
    assert spline_floor(lambda v: 2 * v - 1, 4, x) < 1e-28          # fitted exactly there too


def test_the_floor_of_a_parabola_is_h4_over_180():
    """For x^2 the knots are uniform (width h) and the least-squares spline is the
    interpolant lowered by h^2/6: its MSE is h^4/180 (interpolation alone gives h^4/30)."""
    fine = np.linspace(0.0, 1.0, 20001)
    for pieces in (4, 8):
        assert spline_floor(lambda v: v**2, pieces, fine) == \
            pytest.approx(pieces**-4.0 / 180, rel=1e-3)


@pytest.mark.parametrize("a0", [0.3, 0.6])
def test_the_mirror_bound_of_x3_in_closed_form(a0):
    """D(t) = (a0^3 + (1 - a0)^3) t^3 - 3 (1 - a0)^2 t^2 + 3 (1 - a0) t - 1 is a cubic:
    integrate the bound exactly with polynomials."""
    P = np.polynomial.Polynomial
    D = P([-1.0, 3 * (1 - a0), -3 * (1 - a0) ** 2, a0**3 + (1 - a0) ** 3])
    u = P([-1.0, 1.0])

    def integral(p):
        return p.integ()(1.0) - p.integ()(0.0)

    c = integral(D * u) / integral(u * u)
    exact = a0 * (1 - a0) * integral((D - c * u) ** 2)
    assert mirror_bound(CUBE, a0) == pytest.approx(exact, rel=1e-10)


def test_one_cell_of_the_study_and_its_summary():
    config = study_config(runs=3, seeds=(0,)).with_overrides(epochs=40, pretrain_epochs=40)
    blocks = [depth_block(config, 0, "x^3", d, m) for d in (1, 2)
              for m in ("pretrain_theorem_3_1", "kaiming", "raai")]
    ours = blocks[3]
    assert ours["pieces_switch"] == [4, 4, 4] and ours["mirror_gap"] < 1e-13
    assert len(ours["mse"]) == len(ours["mse_switch"]) == len(ours["a0"]) == 3
    study = summarise_depth(config, blocks, depths=(1, 2), targets=("x^3",))
    assert set(study["mse"]) == set(METHODS)
    cell = study["mse"]["constrained"]["x^3"]["2"]
    assert cell["min"] == min(ours["mse_switch"]) and cell["min_range"][0] == cell["min"]
    assert study["regions"]["constrained"]["x^3"]["2"]["lowest"] == 4
    assert study["floor"]["x^3"]["1"] > study["floor"]["x^3"]["2"] > 0
    assert study["mirror"]["x^3"]["largest_identity_gap"] < 1e-13
    assert list(DEPTHS) == list(range(1, 9))
