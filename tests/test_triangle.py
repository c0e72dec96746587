"""Chapter 2: the triangle map, the waves and Theorem 3.1's scales, evaluated directly."""
import numpy as np
import pytest

from minregion.triangle import F, tent, tent_from_relus, theorem31_ratios, theorem31_scales, waves

from assertions import assert_close

pytestmark = pytest.mark.ch02


def test_tent_maps_the_unit_interval_onto_itself():
    for a in (0.1, 0.5, 0.83):
        assert tent(0.0, a) == 0.0 and tent(1.0, a) == 0.0 and tent(a, a) == 1.0
        y = np.linspace(0, 1, 1001)
        assert tent(y, a).min() >= 0 and tent(y, a).max() <= 1


def test_tent_is_two_relus():
    """T_a(y) = ReLU(y)/a - ReLU(y - a)/(a(1 - a)) on [0, 1], since 1/a + 1/(1-a) = 1/(a(1-a))."""
    y = np.linspace(0, 1, 1001)
    for a in (0.2, 0.5, 0.7):
        two_relus = np.maximum(y, 0) / a - np.maximum(y - a, 0) / (a * (1 - a))
        np.testing.assert_allclose(tent(y, a), two_relus, atol=1e-14)


def test_wave_i_has_2_to_the_i_plus_1_pieces(rng):
    """Count the kinks of W_i exactly from its breakpoints: the preimages of the peaks."""
    a = rng.uniform(0.2, 0.8, size=6)
    kinks = np.array([a[0]])  # W_0 = T_{a_0}: one kink at a_0
    ends = np.array([0.0, a[0], 1.0])
    for i in range(1, len(a)):
        # on each monotone piece of W_{i-1}, W_{i-1} crosses a_i exactly once
        x = np.linspace(0, 1, 2_000_001)
        w = waves(x, a[:i])[-1]
        crossings = np.flatnonzero(np.diff(np.sign(w - a[i])))
        kinks = np.sort(np.concatenate([kinks, x[crossings]]))
        # every earlier kink stays a kink, and each piece gains one
        assert len(kinks) + 1 == 2 ** (i + 1)
    assert len(ends) == 3


def test_theorem31_scales():
    a = np.array([0.3, 0.6, 0.4, 0.7])
    s = theorem31_scales(a, 0.2)
    assert_close("theorem31_scales(a, 0.2)", s,
                 [0.2, 0.2 * 0.4 * 0.4, 0.2 * 0.4 * 0.4 * 0.6 * 0.7], rtol=1e-15)


def test_theorem31_ratios_one_network_and_a_runs_axis():
    """S_0 = s_0, S_i = (1 - a_i) a_(i+1): each ratio by hand, then two runs at once."""
    a = np.array([0.3, 0.6, 0.4, 0.7])
    assert_close("theorem31_ratios(a, 0.2)", theorem31_ratios(a, 0.2),
                 [0.2, (1 - 0.6) * 0.4, (1 - 0.4) * 0.7], rtol=1e-15)
    a2 = np.array([[0.3, 0.6, 0.4, 0.7], [0.5, 0.2, 0.9, 0.1]])
    expected = [[0.2, 0.4 * 0.4, 0.6 * 0.7], [0.05, 0.8 * 0.9, 0.1 * 0.1]]
    assert_close("theorem31_ratios(a of shape (2, 4), s0 of shape (2,))",
                 theorem31_ratios(a2, np.array([0.2, 0.05])), expected, rtol=1e-15)
    assert_close("theorem31_ratios(a of depth 1, 0.3)", theorem31_ratios([0.4, 0.8], 0.3), [0.3],
                 rtol=0)


def test_under_theorem31_the_slope_of_F_at_zero_tends_to_s0_over_a0_a1(rng):
    """The first piece of F narrows with depth; its slope tends to s_0 / (a_0 a_1)."""
    a = rng.uniform(0.3, 0.7, size=41)
    s = theorem31_scales(a, 0.1)
    h = 1e-14  # inside the first piece, which is about prod(a) ~ 1e-12 wide
    assert F(np.array([h]), a, s)[0] / h == pytest.approx(0.1 / (a[0] * a[1]), rel=1e-6)


def test_bad_peaks_are_rejected():
    with pytest.raises(ValueError, match=r"open interval \(0, 1\)"):
        theorem31_scales([0.5, 1.0], 0.25)
    with pytest.raises(ValueError, match="depth d >= 1"):
        theorem31_scales([0.5], 0.25)
    with pytest.raises(ValueError, match="s0"):
        theorem31_scales([0.5, 0.5], -1.0)
    with pytest.raises(ValueError, match="NaN"):
        waves(np.zeros(3), [0.5, np.nan])


def test_tent_from_two_relus_equals_the_tent(rng):
    y = np.concatenate([[0.0, 1.0], rng.uniform(size=200)])
    for a in (0.2, 0.5, 0.77):
        assert_close(f"tent_from_relus(y, {a}) against tent(y, {a})", tent_from_relus(y, a),
                     tent(y, a), rtol=1e-7, atol=1e-14)
    assert_close("tent_from_relus(0.3, 0.3), the peak", tent_from_relus(0.3, 0.3), 1.0, rtol=0,
                 atol=1e-15)
