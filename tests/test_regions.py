"""Chapter 1: ReLU networks are piecewise linear. Counting their linear regions exactly.

The networks are built by hand (tests/networks.py: Telgarsky's tent, the width-4 network of
SPEC section 3), so these tests check the counter on its own, without chapter 2's code.
"""

import warnings
from fractions import Fraction

import numpy as np
import pytest

from minregion.regions import (RegionResolutionWarning, activation_patterns, breakpoints,
                               count_regions, count_activation_regions_sampled,
                               merge_equal_slopes, region_report, zero_crossings)

from assertions import assert_close, assert_equal, assert_shape
from exact_rational import check_against_exact
from networks import constructed_network, forward, random_network, tent_network


# ---------------------------------------------------------------------------------------
# The two steps a student writes (they run first: a blank stops here)
# ---------------------------------------------------------------------------------------

@pytest.mark.ch01
@pytest.mark.parametrize("exact", [False, True], ids=["float64", "Fraction"])
def test_zero_crossings_keeps_the_zeros_strictly_inside_their_own_cell(exact):
    """Two cells [-1, 0] (reference point 0) and [0, 1/2] (reference point 0), three
    preactivations each, given by their slopes and their values at the reference points."""
    num = (lambda v: Fraction(v) if np.isfinite(v) else v) if exact else float
    arr = lambda rows: np.array([[num(v) for v in row] for row in rows],
                                dtype=object if exact else np.float64)
    xs = arr([[-1, 0, 0.5]])[0]
    ref = arr([[0, 0]])[0]
    # cell 0: zero at -0.25 (inside), at -1 (its left end: not inside), flat (none)
    # cell 1: zero at 0.25 (inside), at 0.5 (its right end), at 0 (its left end)
    slope = arr([[2, 1, 0], [4, -4, 1]])
    value = arr([[0.5, 1, 1], [-1, 2, 0]])
    inf = np.inf
    expected = arr([[-0.25, inf, inf], [0.25, inf, inf]])
    root = zero_crossings(slope, value, ref, xs)
    assert_shape("zero_crossings: root", root, (2, 3))
    assert_equal("zero_crossings: root", root.astype(float), expected.astype(float))
    if exact:
        assert all(isinstance(v, Fraction) for v in root[np.isfinite(root.astype(float))]), \
            f"zero_crossings: the zeros must stay Fractions in exact arithmetic; got {root}"


@pytest.mark.ch01
def test_zero_crossings_of_the_tent_composed_twice():
    """The worked example of the notebook (section 3): layer 1 of the tent on the two cells
    [0, 1/2], [1/2, 1]; preactivations 2t and 4t - 2 of t = 2x, 2 - 2x."""
    xs = np.array([0.0, 0.5, 1.0])
    ref = np.array([0.0, 0.5])                 # each cell's point nearest 0: its left end
    slope = np.array([[4.0, 8.0], [-4.0, -8.0]])
    value = np.array([[0.0, -2.0], [2.0, 2.0]])
    root = zero_crossings(slope, value, ref, xs)
    assert_shape("zero_crossings: root", root, (2, 2))
    assert_equal("zero_crossings: root", root, [[np.inf, 0.25], [np.inf, 0.75]])


@pytest.mark.ch01
def test_merge_equal_slopes_starts_a_piece_at_every_jump_above_the_tolerance():
    jump = np.array([0.0, 2.0, 1e-20, 3.0, 1e-13])
    tol = np.array([1e-13, 1e-13, 1e-13, 0.0, 1e-13])
    new = merge_equal_slopes(jump, tol)
    assert_shape("merge_equal_slopes: new", new, (6,))
    assert new.dtype == bool, f"merge_equal_slopes: new has dtype {new.dtype}, expected bool"
    assert_equal("merge_equal_slopes: new", new, [True, False, True, False, True, False])
    assert_equal("merge_equal_slopes: new (one region)", merge_equal_slopes(np.zeros(0),
                                                                            np.zeros(0)), [True])


# ---------------------------------------------------------------------------------------
# Exact counts on networks whose answer we know
# ---------------------------------------------------------------------------------------

@pytest.mark.ch01
def test_the_hand_built_networks_compute_what_they_claim():
    """The helpers above are right: the tent is a tent, the construction is x - F."""
    x = np.linspace(0, 1, 1001)
    assert_close("tent_network(1)", forward(tent_network(1), x), 1 - np.abs(2 * x - 1), atol=1e-15)
    # Yarotsky: all peaks 1/2, s0 = 1/4, depth 3 interpolates x^2 at multiples of 1/8
    knots = np.arange(9) / 8
    y = forward(constructed_network(np.full(4, 0.5), s0=0.25), knots)
    assert_close("constructed_network (Yarotsky, depth 3) at multiples of 1/8", y, knots ** 2,
                 atol=1e-15)


@pytest.mark.ch01
@pytest.mark.parametrize("k", range(1, 13))
def test_tent_composed_k_times_has_2_to_the_k_pieces(k):
    report = region_report(tent_network(k))
    assert report.pieces == 2 ** k, f"regions = {report.pieces}, expected 2^{k} = {2 ** k}"
    assert report.activation_regions == 2 ** k, \
        f"activation regions = {report.activation_regions}, expected 2^{k} = {2 ** k}"
    assert report.slivers == 0, f"slivers = {report.slivers}, expected 0 (float64 is exact here)"


@pytest.mark.ch01
def test_breakpoints_of_the_tent_composed_twice():
    assert_equal("breakpoints(tent composed twice)", breakpoints(tent_network(2)), [0.25, 0.5, 0.75])


@pytest.mark.ch01
@pytest.mark.parametrize("sigma", [-1.0, 1.0])
def test_constructed_network_has_2_to_the_d_pieces(sigma):
    for d in range(1, 17):
        a = np.random.default_rng(d).uniform(0.2, 0.8, size=d + 1)
        report = region_report(constructed_network(a, sigma=sigma))
        assert report.pieces == 2 ** d, f"d = {d}: regions = {report.pieces}, expected {2 ** d}"
        assert report.activation_regions == 2 ** d, \
            f"d = {d}: activation regions = {report.activation_regions}, expected {2 ** d}"


@pytest.mark.ch01
def test_depth_20_has_2_to_the_20_pieces():
    """How long this takes is measured by `make bench`, not asserted here."""
    a = np.random.default_rng(20).uniform(0.3, 0.7, size=21)
    pieces = count_regions(constructed_network(a))
    assert pieces == 2 ** 20, f"regions = {pieces}, expected 2^20 = {2 ** 20}"


# ---------------------------------------------------------------------------------------
# Floating point, faced openly
# ---------------------------------------------------------------------------------------

@pytest.mark.ch01
def test_yarotsky_network_is_exact_in_float64_even_without_resolution():
    """All peaks 1/2 and s0 = 1/4: every weight is a power of two, no rounding at all."""
    d = 14
    report = region_report(constructed_network(np.full(d + 1, 0.5), s0=0.25), resolution=0)
    assert report.raw_activation_regions == 2 ** d
    assert report.pieces == 2 ** d and report.slivers == 0
    assert report.min_width == 2.0 ** -d


@pytest.mark.ch01
def test_random_peaks_leave_rounding_slivers_that_the_touches_absorb():
    """Where a neuron should only touch 0 (a wave's valley), rounding makes it dip below:
    two extra breakpoints about 1e-16 apart. resolution=0 counts them and warns; the
    default count takes such a dip as a touch (the neuron counted on) and gives exactly 2^d."""
    d = 10
    layers = constructed_network(np.random.default_rng(0).uniform(0.3, 0.7, size=d + 1))

    gaps = np.diff(breakpoints(layers))
    assert np.sum(gaps < 1e-15) > 0                      # the slivers, as computed
    assert np.all((gaps < 1e-15) | (gaps > 1e-6))        # and nothing in between

    with pytest.warns(RegionResolutionWarning, match="default resolution"):
        raw = region_report(layers, resolution=0)
    assert raw.pieces > 2 ** d and raw.min_width < 1e-15

    report = region_report(layers)                       # no warning: all touches
    assert report.pieces == 2 ** d
    assert report.slivers == report.raw_activation_regions - 2 ** d > 0
    assert report.resolution == 2.0 ** -44 and report.min_width > 1e-6


# ---------------------------------------------------------------------------------------
# Exact against brute force, and what sampling misses
# ---------------------------------------------------------------------------------------

@pytest.mark.ch01
def test_exact_count_agrees_with_a_very_fine_grid_on_small_random_networks():
    """1-3-3-1 networks with normal weights on [-3, 3], 50 seeds. Where every region is
    at least 10 grid steps wide, the grid sees every region: the counts must be equal, and
    (checked on the first 10 seeds) each pattern change on the grid brackets exactly one
    exact breakpoint."""
    lo, hi, n = -3.0, 3.0, 200_001
    x = np.linspace(lo, hi, n)
    compared = 0
    for seed in range(50):
        layers = random_network(np.random.default_rng(seed), [1, 3, 3, 1])
        report = region_report(layers, lo, hi)
        sampled = count_activation_regions_sampled(layers, lo, hi, n)
        assert report.activation_regions >= sampled, f"seed {seed}"
        assert report.pieces <= report.activation_regions, f"seed {seed}"
        wide_enough = report.min_width > 10 * (hi - lo) / (n - 1)
        if wide_enough:
            compared += 1
            assert report.activation_regions == sampled, f"seed {seed}"
        if wide_enough and seed < 10:
            on = activation_patterns(layers, x)
            cells = np.flatnonzero(np.any(on[1:] != on[:-1], axis=1))  # x[k] < bp <= x[k+1]
            cell_of = np.searchsorted(x, breakpoints(layers, lo, hi)) - 1
            assert_equal(f"seed {seed}: grid cells holding the exact breakpoints", cell_of, cells)
    assert compared >= 40, f"only {compared} of 50 seeds had all regions wide enough"


@pytest.mark.ch01
def test_sampling_misses_narrow_pieces_and_saturates():
    d = 10
    layers = constructed_network(np.random.default_rng(2).uniform(0.3, 0.7, size=d + 1))
    sampled = count_activation_regions_sampled(layers, n=100)
    exact = count_regions(layers)
    assert sampled <= 100 < exact == 2 ** d, f"sampled {sampled}, exact {exact}"


@pytest.mark.ch01
def test_activation_patterns_shape():
    layers = random_network(np.random.default_rng(3), [1, 3, 5, 1])
    on = activation_patterns(layers, np.linspace(0, 1, 7))
    assert on.shape == (7, 3 + 5) and on.dtype == bool


# ---------------------------------------------------------------------------------------
# Affine pieces versus activation regions
# ---------------------------------------------------------------------------------------

@pytest.mark.ch01
def test_a_neuron_with_zero_outgoing_weight_splits_regions_but_not_pieces():
    """y = ReLU(x) + 0 * ReLU(x - 1/2): the second neuron switches at 1/2, the output is x."""
    layers = [(np.array([[1.0], [1.0]]), np.array([0.0, -0.5])),
              (np.array([[1.0, 0.0]]), np.array([0.0]))]
    report = region_report(layers)
    assert report.activation_regions == 2, \
        f"activation regions = {report.activation_regions}, expected 2"
    assert report.pieces == 1, f"pieces = {report.pieces}, expected 1 (equal slopes merge)"
    assert_equal("breakpoints", breakpoints(layers), [0.5])


@pytest.mark.ch01
def test_random_networks_have_far_fewer_than_2_to_the_d_pieces():
    """Kaiming-uniform width-4 networks: the count grows with neurons, not like 2^depth."""
    for depth in range(5, 11):
        counts = [count_regions(random_network(np.random.default_rng(seed),
                                               [1] + [4] * depth + [1], kaiming=True))
                  for seed in range(30)]
        assert np.median(counts) < 2 ** depth / 4, f"depth {depth}: median {np.median(counts)}"


@pytest.mark.ch01
def test_degenerate_networks():
    z = np.zeros
    nets = {
        "zero hidden layer": ([(np.ones((3, 1)), np.array([0., -.5, .5])), (z((3, 3)), z(3)),
                               (np.ones((1, 3)), z(1))], 1),
        "identical rows": ([(np.array([[1.], [1.], [2.]]), np.array([-.3, -.3, -.6])),
                            (np.array([[1., -1., .5]]), z(1))], 2),
        "kink exactly at lo": ([(np.array([[1.]]), z(1)), (np.array([[1.]]), z(1))], 1),
        "kink exactly at hi": ([(np.array([[1.]]), np.array([-1.])),
                                (np.array([[1.]]), z(1))], 1),
        "zero outgoing weight": ([(np.array([[1.], [1.]]), np.array([0., -.5])),
                                  (np.array([[1., 0.]]), z(1))], 1),
        "cancelling neurons": ([(np.array([[1.], [1.]]), np.array([-.5, -.5])),
                                (np.array([[1., -1.]]), z(1))], 1),
        "all off": ([(np.array([[-1.], [-2.]]), np.array([-.1, -.2])),
                     (np.array([[1., 1.]]), z(1))], 1),
    }
    for name, (layers, expected) in nets.items():
        report, warned = check_against_exact(layers, what=name)
        assert report.pieces == expected and not warned, \
            f"{name}: {report.pieces} pieces, expected {expected}; warned: {warned}"


# ---------------------------------------------------------------------------------------
# The package's public name
# ---------------------------------------------------------------------------------------

@pytest.mark.ch01
def test_count_regions_is_a_public_name_of_the_package():
    import minregion
    assert minregion.count_regions is count_regions


# ---------------------------------------------------------------------------------------
# Bad input gets a clear error
# ---------------------------------------------------------------------------------------

def good_network():
    return [(np.ones((3, 1)), np.zeros(3)), (np.ones((2, 3)), np.zeros(2)),
            (np.ones((1, 2)), np.zeros(1))]


@pytest.mark.ch01
@pytest.mark.parametrize("lo, hi, message", [
    (1.0, 0.0, "lo < hi"),
    (0.5, 0.5, "lo < hi"),
    (0.0, np.inf, "finite"),
    (np.nan, 1.0, "finite"),
])
def test_bad_interval(lo, hi, message):
    with pytest.raises(ValueError, match=message):
        count_regions(good_network(), lo, hi)


@pytest.mark.ch01
def test_bad_layers():
    net = good_network()
    with pytest.raises(ValueError, match="non-empty list"):
        count_regions([])
    with pytest.raises(ValueError, match=r"layers\[0\]: W has shape \(3, 2\).*\(width, 1\)"):
        count_regions([(np.ones((3, 2)), np.zeros(3))] + net[1:])
    with pytest.raises(ValueError, match=r"layers\[2\].*one output, shape \(1, 2\)"):
        count_regions(net[:2] + [(np.ones((2, 2)), np.zeros(2))])
    with pytest.raises(ValueError, match=r"layers\[1\]: W has fan_in 4 but layers\[0\] "
                                         r"has fan_out 3"):
        count_regions([net[0], (np.ones((2, 4)), np.zeros(2)), net[2]])
    with pytest.raises(ValueError, match=r"layers\[1\]: b has shape \(3,\), expected \(2,\)"):
        count_regions([net[0], (np.ones((2, 3)), np.zeros(3)), net[2]])
    bad = np.ones((2, 3))
    bad[1, 1] = np.nan
    with pytest.raises(ValueError, match=r"layers\[1\].*NaN or inf"):
        count_regions([net[0], (bad, np.zeros(2)), net[2]])
    with pytest.raises(ValueError, match=r"layers\[2\].*NaN or inf"):
        count_regions(net[:2] + [(np.ones((1, 2)), np.array([np.inf]))])


@pytest.mark.ch01
def test_bad_resolution_and_sample_count():
    with pytest.raises(ValueError, match="resolution"):
        region_report(good_network(), resolution=-1.0)
    with pytest.raises(ValueError, match="resolution"):
        region_report(good_network(), resolution=2.0)   # wider than [0, 1]
    with pytest.raises(ValueError, match="n .*integer >= 2"):
        count_activation_regions_sampled(good_network(), n=1)


@pytest.mark.ch01
def test_a_subnormal_weight_is_counted_without_an_overflow_warning(rng):
    layers = random_network(rng, [1, 4, 4, 1])
    layers[0][0][0, 0] = 5e-324                         # the smallest subnormal float64
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # no RuntimeWarning from the divide
        pieces = count_regions(layers)
    report, _ = check_against_exact(layers, what="a subnormal first weight")
    assert pieces == report.pieces
