"""Chapter 1: ReLU networks are piecewise linear. Counting their linear regions exactly.

The networks here are built by hand in this file (Telgarsky's tent, the width-4 network of
SPEC section 3), so these tests check the counter on its own.
"""

import numpy as np
import pytest

from minregion.regions import (RegionResolutionWarning, activation_patterns, breakpoints,
                               count_regions, count_activation_regions_sampled, region_report)

from assertions import assert_close, assert_equal


# ---------------------------------------------------------------------------------------
# Networks built by hand
# ---------------------------------------------------------------------------------------

def tent_network(k):
    """Telgarsky's tent t(y) = ReLU(2y) - ReLU(4y - 2), composed k times: 2^k pieces."""
    W_in, b_in = np.array([[2.0], [4.0]]), np.array([0.0, -2.0])
    out = np.array([[1.0, -1.0]])                    # t = h_0 - h_1
    layers = [(W_in, b_in)]
    for _ in range(k - 1):
        layers.append((W_in @ out, b_in))            # the next tent reads t
    layers.append((out, np.zeros(1)))
    return layers


def constructed_network(a, s0=None, sigma=-1.0, alpha=1.0, beta=0.0, offset=1.0):
    """The width-4, depth-d network of SPEC section 3 (d = len(a) - 1), built directly.

    Hidden neurons [sum, t1, t2, bias]; scales by Theorem 3.1: S_0 = s0,
    S_i = (1 - a_i) a_{i+1}. The sum neuron carries a constant offset, taken out at the output.
    """
    a = np.asarray(a, dtype=np.float64)
    d = len(a) - 1
    S = np.empty(d)
    S[0] = a[0] * a[1] if s0 is None else s0
    S[1:] = (1 - a[1:d]) * a[2:]

    def M(i):
        p, q = S[i] / a[i], S[i] / (a[i] - a[i] ** 2)
        return np.array([[1, sigma * p, -sigma * q, 0],
                         [0, p, -q, 0],
                         [0, p, -q, -S[i] * a[i + 1]],
                         [0, 0, 0, S[i]]])

    layers = [(np.array([[1.0], [1.0], [1.0], [0.0]]), np.array([offset, 0.0, -a[0], 1.0]))]
    layers += [(M(i), np.zeros(4)) for i in range(d - 1)]
    layers.append((alpha * M(d - 1)[:1], np.array([-alpha * offset + beta])))
    return layers


def random_network(rng, widths, kaiming=False):
    """Random (W, b) list for layer widths [1, ..., 1]: normal, or PyTorch's default
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases ("Kaiming uniform")."""
    layers = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        if kaiming:
            k = 1 / np.sqrt(fan_in)
            layers.append((rng.uniform(-k, k, (fan_out, fan_in)), rng.uniform(-k, k, fan_out)))
        else:
            layers.append((rng.normal(size=(fan_out, fan_in)), rng.normal(size=fan_out)))
    return layers


def forward(layers, x):
    """Network output at x : (N,) -> (N,)."""
    h = x[:, None]
    for W, b in layers[:-1]:
        h = np.maximum(h @ W.T + b, 0)
    return (h @ layers[-1][0].T + layers[-1][1])[:, 0]


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
def test_random_peaks_leave_rounding_slivers_that_the_resolution_absorbs():
    """Where a neuron should only touch 0 (a wave's valley), rounding makes it dip below:
    two extra breakpoints about 1e-16 apart. resolution=0 counts them and warns; the
    default resolution (2^-44 on [0, 1]) absorbs them and gives exactly 2^d."""
    d = 10
    layers = constructed_network(np.random.default_rng(0).uniform(0.3, 0.7, size=d + 1))

    gaps = np.diff(breakpoints(layers))
    assert np.sum(gaps < 1e-15) > 0                      # the slivers, as computed
    assert np.all((gaps < 1e-15) | (gaps > 1e-6))        # and nothing in between

    with pytest.warns(RegionResolutionWarning, match="default resolution"):
        raw = region_report(layers, resolution=0)
    assert raw.pieces > 2 ** d and raw.min_width < 1e-15

    report = region_report(layers)                       # no warning: slivers far below
    assert report.pieces == 2 ** d
    assert report.slivers == report.raw_activation_regions - 2 ** d > 0
    assert report.resolution == 2.0 ** -44 and report.min_width > 1e-6


@pytest.mark.ch01
def test_pieces_below_float64_reach_are_reported_not_hidden():
    """Peaks 0.02: the narrowest piece is about 0.02^d wide (1e-17 at d = 10), below the
    spacing of float64 numbers near 0.5. The count falls short of 2^d, and says so."""
    d = 12
    layers = constructed_network(np.full(d + 1, 0.02))
    with pytest.warns(RegionResolutionWarning, match="cannot tell them from rounding"):
        report = region_report(layers)
    assert report.pieces < 2 ** d
    with pytest.warns(RegionResolutionWarning):
        assert count_regions(constructed_network(np.full(d + 1, 0.98))) < 2 ** d


@pytest.mark.ch01
def test_a_coarse_resolution_absorbs_genuine_pieces_and_warns():
    d = 10
    layers = constructed_network(np.random.default_rng(1).uniform(0.3, 0.7, size=d + 1))
    narrowest = region_report(layers).min_width
    with pytest.warns(RegionResolutionWarning, match="resolution"):
        report = region_report(layers, resolution=2 * narrowest)
    assert report.pieces < 2 ** d and report.slivers > 0


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
