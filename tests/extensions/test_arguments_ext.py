"""Chapter 7: the extensions' doors name a bad argument and what it must be, before any
step; nothing comes back as NaN or as the fit of data the model cannot see."""
import numpy as np
import pytest

from minregion.extensions.difference import init_difference
from minregion.extensions.targets import grid_2d
from minregion.extensions.train import train_difference

X11 = np.linspace(-1.0, 1.0, 40)        # x^3 - x lives on [-1, 1]
Y11 = X11 ** 3 - X11
XG = grid_2d(5)                         # (2, 25) columns


# --- the difference model: x inside [lo, hi], sigmas a pair -----------------------------------

@pytest.mark.ch07
@pytest.mark.parametrize("sigmas", [-1, 1.0, None, "ab", (-1,), (-1, 1, 1), (-1, 0),
                                    np.array([[-1], [1]])])
def test_sigmas_that_are_not_a_pair_of_signs_are_named(rng, sigmas):
    match = r"sigmas must be a pair \(sigma_1, sigma_2\) of -1 or \+1, one sign per half"
    with pytest.raises(ValueError, match=match):
        init_difference(X11, Y11, 2, rng, sigmas=sigmas, lo=-1.0, hi=1.0)
    params = init_difference(X11, Y11, 2, rng, lo=-1.0, hi=1.0)
    with pytest.raises(ValueError, match=match):
        train_difference(params, X11, Y11, 1, 2, sigmas=sigmas, lo=-1.0, hi=1.0)


