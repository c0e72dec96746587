"""Chapter 3: the gradient-checking helpers themselves can tell right from wrong."""
import numpy as np
import pytest

from minregion.gradcheck import directional_check, numerical_gradient, rel_error

pytestmark = pytest.mark.ch03


def test_centred_differences_of_a_cubic(rng):
    x = rng.normal(size=(3, 2))
    g = numerical_gradient(lambda: float(np.sum(x**3)), x)
    assert rel_error(g, 3 * x**2) < 1e-8


def test_rel_error_is_zero_for_equal_and_large_for_different():
    assert rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert rel_error([1.0], [1.1]) > 1e-2


def test_directional_check_accepts_a_right_and_rejects_a_wrong_gradient(rng):
    p = [rng.normal(size=4), rng.normal(size=(2, 2))]

    def f():
        return float(np.sum(np.sin(p[0])) + np.sum(p[1] ** 2))

    right = [np.cos(p[0]), 2 * p[1]]
    num, ana = directional_check(f, p, right, rng)
    assert rel_error(num, ana) < 1e-8
    wrong = [np.cos(p[0]), p[1]]
    num, ana = directional_check(f, p, wrong, rng)
    assert rel_error(num, ana) > 1e-3
