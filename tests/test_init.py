"""Chapter 1: the random initialisers the paper compares against."""
import numpy as np
import pytest

from minregion.init import RAAI_SIGMA, init_kaiming, init_raai

pytestmark = pytest.mark.ch01


def test_kaiming_is_pytorch_default_uniform(rng):
    layers = init_kaiming([1, 4, 4, 1], rng, runs=2000)
    for W, b in layers:
        bound = 1 / np.sqrt(W.shape[-1])
        assert np.abs(W).max() <= bound and np.abs(b).max() <= bound
        # the variance of U(-c, c) is c^2 / 3
        assert np.var(W) == pytest.approx(bound**2 / 3, rel=0.05)


def test_raai_has_one_beta_entry_per_neuron(rng):
    fan_in, R = 4, 4000
    (W, b), = init_raai([fan_in, 3], rng, runs=R)
    V = np.concatenate([W, b[..., None]], axis=-1)  # (R, 3, fan_in + 1)
    # per neuron: fan_in entries N(0, 0.6007^2 / fan_in) and one Beta(2, 1) entry,
    # whose mean is 2/3 and whose mean square is 1/2
    assert np.mean(V) == pytest.approx(2 / 3 / (fan_in + 1), abs=0.01)
    assert np.mean(V**2) == pytest.approx((RAAI_SIGMA**2 + 1 / 2) / (fan_in + 1), rel=0.03)


def test_same_seed_same_networks():
    a = init_raai([1, 4, 1], np.random.default_rng(5))
    b = init_raai([1, 4, 1], np.random.default_rng(5))
    for (Wa, ba), (Wb, bb) in zip(a, b):
        np.testing.assert_array_equal(Wa, Wb)
        np.testing.assert_array_equal(ba, bb)


def test_bad_widths(rng):
    with pytest.raises(ValueError, match="widths"):
        init_kaiming([1], rng)
    with pytest.raises(ValueError, match="widths"):
        init_raai([1, 0, 1], rng)
