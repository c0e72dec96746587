"""Chapter 3: the gradient-checking helpers themselves can tell right from wrong."""
import numpy as np
import pytest

from minregion.gradcheck import (compare, directional_check, numerical_gradient, rel_error,
                                 vector_rel_error)

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


def test_comparisons_refuse_mismatched_shapes_and_say_which():
    with pytest.raises(ValueError, match=r"shapes differ, \(7,\) against \(4,\)"):
        rel_error(np.zeros(7), np.zeros(4))
    with pytest.raises(ValueError, match=r"\(2, 3\) against \(3, 2\)"):
        vector_rel_error(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"db: .*\(7,\) against \(4,\)"):
        compare("db", np.zeros(7), np.zeros(4))


def test_compare_says_exact_close_and_the_difference(capsys):
    a = np.linspace(0, 1, 5)
    assert compare("same", a, a.copy())
    assert "exact: True" in capsys.readouterr().out
    assert compare("close", a + 1e-12, a)
    line = capsys.readouterr().out
    assert "exact: False" in line and "close: True" in line and "1.0e-12" in line
    assert not compare("far", a + 0.1, a)
    assert "close: False" in capsys.readouterr().out
