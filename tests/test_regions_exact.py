"""The float64 guard of the region counter (minregion/float64/) against exact rational
counts (tests/exact_rational.py). Marker ``float64``: none of this is a chapter's exercise.

What is promised (docs/regions_float64.md): the count of the network whose weights are the
given float64 numbers, computed exactly, with touches counted as touches; a
RegionResolutionWarning with a range (pieces_low .. pieces_high) whenever float64 could not
settle a stretch within the exact budget, or the count is within rounding of the weights.
So every test checks: no warning -> the exact count; warning -> the range holds the exact
count (and, for a construction, the count of its ideal network, 2^d).

The networks are built by hand (tests/networks.py), except in the last two sections, which
run the library's own construction (chapter 2): its cases, and a fuzz of its families with
peaks near 0 and 1 (tests/families.py).
"""
import warnings
from fractions import Fraction

import numpy as np
import pytest

import minregion.regions as regions
from minregion.float64 import as_exact
from minregion.regions import RegionResolutionWarning, count_regions, region_report

import families
from exact_rational import (check_against_exact, exact_report, ideal_count,
                            report_and_warning)
from networks import constructed_network, random_network

pytestmark = pytest.mark.float64


# ---------------------------------------------------------------------------------------
# Float64 at its limits: exact, or a warning whose range holds the exact count
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("d", [5, 6, 8])
def test_peaks_near_1_are_counted_exactly(d):
    """Peaks 1 - 1e-3: pieces narrower than the error of their ends near x = 1 are settled
    in exact arithmetic (a width threshold undercounts them)."""
    layers = constructed_network([1 - 1e-3] * (d + 1))
    report, warned = check_against_exact(layers, ideal=2 ** d, what=f"peaks 1 - 1e-3, depth {d}")
    assert report.pieces == 2 ** d and not warned


@pytest.mark.parametrize("d", [5, 6, 7])
def test_peaks_near_0_are_exact_or_warn_with_the_ideal_count_in_range(d):
    """Peaks 1e-3: rounding noise near x = 1 is amplified a thousandfold per layer, so the
    float-weight network can differ from the ideal one: the counter must say so."""
    a = [1e-3] * (d + 1)
    layers = constructed_network(a)
    report, warned = check_against_exact(layers, ideal=2 ** d, what=f"peaks 1e-3, depth {d}")
    if exact_report(layers).pieces != 2 ** d:
        assert warned, f"depth {d}: the float-weight network is not the ideal one, but no warning"


def test_a_huge_interval_does_not_swallow_the_pieces_near_0():
    """Position errors are local (relative to |x|): on [-1e14, 1e14] the pieces in [0, 1]
    are still seen."""
    layers = constructed_network([.3, .6, .5, .4])
    counts = [check_against_exact(layers, -s, s, what="[.3, .6, .5, .4]") for s in (1e6, 1e12, 1e14)]
    assert all(not warned for _, warned in counts)
    assert len({r.pieces for r, _ in counts}) == 1, [r.pieces for r, _ in counts]


def test_a_peak_of_1e_300_warns_with_the_ideal_count_in_range():
    """A peak of 1e-300: the float weights S/a and S/(a - a^2) are the same number, so one
    preactivation is flat: the float-weight network loses a piece, and the counter says
    that its count is fragile."""
    a = [1e-300, .5, .5]
    report, warned = check_against_exact(constructed_network(a), ideal=ideal_count(a),
                                         what="peaks [1e-300, .5, .5]")
    assert warned and report.fragile > 0
    assert report.pieces_low <= 4 <= report.pieces_high


@pytest.mark.parametrize("where", [0, 1, 2])
def test_a_peak_of_1_minus_1e_16_is_counted_or_warned(where):
    a = [.5, .5, .5]
    a[where] = 1 - 1e-16
    report, _ = check_against_exact(constructed_network(a), ideal=4, what=f"peaks {a}")
    assert report.pieces == 4


def test_the_range_is_reported_and_ordered():
    report, warned = report_and_warning(constructed_network([1e-3] * 7))
    assert warned
    assert report.pieces_low <= report.pieces <= report.pieces_high
    assert report.regions_low <= report.activation_regions <= report.regions_high


def test_pieces_below_float64_reach_are_settled_or_in_the_warned_range():
    """Peaks 0.02 (and 0.98): the narrowest piece is about 0.02^d wide (1e-17 at d = 10),
    below the spacing of float64 numbers near 0.5. The counter recounts such stretches in
    exact arithmetic; what is over its budget widens the warned range, which holds 2^d."""
    d = 10
    for peak in (0.02, 0.98):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RegionResolutionWarning)
            report = region_report(constructed_network(np.full(d + 1, peak)))
        warned = any(issubclass(w.category, RegionResolutionWarning) for w in caught)
        said = (f"peaks {peak}, depth {d}: {report.pieces} pieces in [{report.pieces_low}, "
                f"{report.pieces_high}], {'with' if warned else 'without'} a warning, "
                f"{report.settled} stretches settled exactly")
        assert report.settled > 0, said
        if warned:
            assert report.pieces_low <= 2 ** d <= report.pieces_high, said
        else:
            assert report.pieces == 2 ** d and report.pieces_low == report.pieces_high, said


def test_a_coarse_resolution_absorbs_genuine_pieces_and_warns():
    d = 10
    layers = constructed_network(np.random.default_rng(1).uniform(0.3, 0.7, size=d + 1))
    narrowest = region_report(layers).min_width
    with pytest.warns(RegionResolutionWarning, match="resolution"):
        report = region_report(layers, resolution=2 * narrowest)
    assert report.pieces < 2 ** d and report.slivers > 0


# ---------------------------------------------------------------------------------------
# Every family against exact rational counts
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("sigma", [-1.0, 1.0])
def test_random_constructions_are_exactly_2_to_the_d(sigma):
    """Peaks in [0.05, 0.95]: rounding makes the valleys dip below zero (the float-weight
    network has extra regions, far narrower than a float spacing), and the touches
    absorb them."""
    rng = np.random.default_rng(int(sigma > 0))
    extra = 0
    for d in range(1, 8):
        a = rng.uniform(0.05, 0.95, d + 1)
        layers = constructed_network(a, sigma=sigma)
        report, warned = check_against_exact(layers, ideal=2 ** d, what=f"peaks {a}")
        assert not warned and report.pieces == report.activation_regions == 2 ** d
        extra += exact_report(layers, touch=None).activation_regions - 2 ** d
    assert extra > 0, "no touch at all: this test no longer tests the convention"


def test_yarotsky_is_exact_without_slivers():
    """All peaks 1/2, s0 = 1/4: every weight is a power of two, nothing is rounded."""
    for d in (1, 4, 8, 14):
        layers = constructed_network(np.full(d + 1, .5), s0=.25)
        report, warned = report_and_warning(layers)
        assert report.pieces == 2 ** d and report.slivers == 0 and not warned, report
        if d <= 8:
            check_against_exact(layers, ideal=2 ** d, what=f"Yarotsky, depth {d}")


@pytest.mark.parametrize("kaiming", [True, False])
def test_random_networks_against_exact_counts(kaiming):
    """Widths 2..16, depths 1..6, on [0, 1] and [-3, 3]; small enough for Fractions."""
    rng = np.random.default_rng(3 + kaiming)
    tried = 0
    while tried < 12:
        widths = [1] + [int(rng.integers(2, 17)) for _ in range(int(rng.integers(1, 7)))] + [1]
        layers = random_network(rng, widths, kaiming)
        lo, hi = (0.0, 1.0) if tried % 2 else (-3.0, 3.0)
        if region_report(layers, lo, hi).raw_activation_regions > 300:
            continue
        tried += 1
        check_against_exact(layers, lo, hi, what=f"random network {widths}")


@pytest.mark.parametrize("lo, hi", [(1e6, 1e6 + 1), (-1e-6, 1e-6), (-1e14, 1e14)])
def test_far_and_narrow_intervals(lo, hi):
    a = np.random.default_rng(6).uniform(0.2, 0.8, 7)
    check_against_exact(constructed_network(a, lo=lo, hi=hi), lo, hi, ideal=2 ** 6,
                        what="construction for the interval")
    check_against_exact(constructed_network(a), lo, hi, what="construction for [0, 1]")


# ---------------------------------------------------------------------------------------
# The exact arithmetic is the same code, and memory is bounded
# ---------------------------------------------------------------------------------------

def test_the_pass_in_fractions_finds_the_reference_breakpoints():
    a = np.random.default_rng(9).uniform(0.1, 0.9, 6)
    layers = regions.check_scalar_network(constructed_network(a))
    (p,) = regions.final_cells(as_exact(layers), Fraction(0), Fraction(1), exact=True,
                                touches=False)
    change = np.any(p.patterns[1:] != p.patterns[:-1], axis=1)
    got = list(p.xs[1:-1][change])
    expected = exact_report(layers, touch=None).breakpoints
    assert got == expected, f"{len(got)} breakpoints in Fractions, expected {len(expected)}"


def test_chunks_give_the_same_counts_and_hold_bounded_pieces(monkeypatch):
    a = np.random.default_rng(12).uniform(0.05, 0.95, 12)
    layers = constructed_network(a)
    whole = region_report(layers)
    monkeypatch.setattr(regions, "CHUNK_CELLS", 64)
    sizes = [len(p) for p in regions.final_cells(regions.check_scalar_network(layers), 0.0, 1.0)]
    chunked = region_report(layers)
    assert (chunked.pieces, chunked.activation_regions) == (whole.pieces, whole.activation_regions)
    assert len(sizes) > 10 and max(sizes) <= 2 * 5 * 64     # one split layer: (w + 1) x


@pytest.mark.house
def test_memory_grows_with_the_depth_not_with_the_cells(monkeypatch):
    """Chunks of 2^10 cells: each extra layer adds at most one waiting half, so the peak
    memory of a count grows by about the same amount from depth 16 to 18 as from 14 to 16,
    and stays below what the slopes of all 2^18 cells take (4 float64 each); anything kept
    per cell or per region would grow fourfold."""
    import tracemalloc
    monkeypatch.setattr(regions, "CHUNK_CELLS", 2 ** 10)
    peak = {}
    for d in (14, 16, 18):
        layers = constructed_network(np.random.default_rng(d).uniform(0.3, 0.7, d + 1))
        tracemalloc.start()
        try:
            assert count_regions(layers) == 2 ** d
            peak[d] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    said = ", ".join(f"depth {d}: {v / 1e6:.1f} MB" for d, v in peak.items())
    assert peak[18] < 4 * 8 * 2 ** 18, f"peak memory {said}: as much as 4 float64 per cell"
    assert peak[18] - peak[16] < 2.5 * (peak[16] - peak[14]), f"peak memory {said}"


def test_a_zero_exactly_at_a_seam_is_not_lost(monkeypatch):
    """Yarotsky's breakpoints are dyadic; seams are not, but a seam on one must count."""
    monkeypatch.setattr(regions, "CHUNK_CELLS", 32)
    layers = constructed_network(np.full(13, .5), s0=.25)
    assert count_regions(layers) == 2 ** 12


# ---------------------------------------------------------------------------------------
# The library's construction (chapter 2), where float64 once went wrong silently
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("d", [5, 6, 8])
def test_triangle_network_with_peaks_near_1_has_2_to_the_d_pieces(d):
    """Peaks 1 - 1e-3 (a width threshold gave 31, 51 and 71 here without a warning)."""
    from minregion.construction import triangle_network
    report, warned = check_against_exact(triangle_network([1 - 1e-3] * (d + 1)), ideal=2 ** d,
                                         what=f"triangle_network, peaks 1 - 1e-3, depth {d}")
    assert report.pieces == 2 ** d and not warned


def test_triangle_network_on_a_huge_interval():
    """[.3, .6, .5, .4] on [-1e14, 1e14]: 11 pieces (a width threshold of 2^-44 * 1e14
    absorbed the 8 pieces of [0, 1]: 2)."""
    from minregion.construction import triangle_network
    report, warned = check_against_exact(triangle_network([.3, .6, .5, .4]), -1e14, 1e14,
                                         what="triangle_network([.3, .6, .5, .4])")
    assert report.pieces == 11 and not warned


def test_triangle_network_with_every_peak_within_1e_3_of_1():
    """A piece 1.4e-17 wide at x = 0.9995536307857075, narrower than the float spacing
    there: the zero of a neuron of layer 4 lies that far right of a breakpoint of layer 3,
    and float64 puts it on the breakpoint (15 pieces, without a warning, before the guard
    looked for zeros merged with a breakpoint)."""
    from minregion.construction import triangle_network
    a = [0.9995532930481291, 0.999243936734213, 0.9999966291000141, 0.9999878953611651,
         0.9999960658624446]
    report, _ = check_against_exact(triangle_network(a), ideal=16, what=f"peaks {a}")
    assert report.pieces == 16


def test_a_zero_rounded_outside_the_interval_is_found():
    """The construction for an interval away from 0: the valley at hi is a genuine dip one
    float spacing wide (its zero 1.8e-12 left of hi), which float64 puts beyond hi."""
    from minregion.construction import triangle_network
    lo, hi = -12170.864906757468, -12164.223229417807
    a = [0.9996249290508922, 0.5166689457282422, 0.07389682138511769]
    report, _ = check_against_exact(triangle_network(a, sigma=1.0, lo=lo, hi=hi), lo, hi,
                                    what=f"peaks {a} on [{lo}, {hi}]")
    assert report.pieces == 5


def test_a_bump_on_the_wrong_sides_of_a_kink_is_not_silent():
    """Peaks near 0 and near 1 in one network: next to x = a_0 a neuron has bumps about
    1e-16 wide whose zeros float64 puts on the wrong sides of a kink (off on both sides).
    Without looking for them the count was 28 without a warning; exactly 32."""
    from minregion.construction import triangle_network
    a = [0.8443757251307893, 0.999998799298391, 3.203497205726274e-05, 0.7500357546239296,
         0.9999987958412322, 0.836132246007238]
    report, warned = check_against_exact(triangle_network(a), what=f"peaks {a}")
    assert warned or report.pieces == 32


# ---------------------------------------------------------------------------------------
# Fuzzing: constructions with peaks near 0 and 1 (tests/families.py)
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", families.KINDS)
def test_fuzz_peaks_near_0_and_1_count_exactly_or_warn_with_the_exact_count_in_range(kind):
    """Four members of the family (a fixed seed), each on its own interval and a very wide
    one: exact without a warning, or a warning whose range holds the exact count.
    ``python benchmarks/regions_float64.py fuzz 100`` runs a hundred of each."""
    rng = np.random.default_rng(2026 + families.KINDS.index(kind))
    for _ in range(4):
        what, layers, intervals = families.member(rng, kind)
        for lo, hi in intervals:
            check_against_exact(layers, lo, hi, what=f"peaks {kind}, {what}")


@pytest.mark.parametrize("w", [0, 1, 4, 7, 8, 9, 16, 33])
def test_the_fast_row_helpers_equal_numpy(w):
    """``float64.rows`` does with loops over the few columns what NumPy does along axis 1;
    the results must be the same arrays, of the same dtype, on every width."""
    from minregion.float64 import rows
    rng = np.random.default_rng(w)
    for P in (0, 1, 5, 300):
        bits = rng.random((P, w)) < 0.3
        packed = np.packbits(bits, axis=1)
        for mine, numpy_own in ((rows.pack_rows(bits), packed),
                                (rows.any_in_row(bits), bits.any(axis=1)),
                                (rows.count_in_row(bits), bits.sum(axis=1)),
                                (rows.rows_differ(packed),
                                 np.any(packed[1:] != packed[:-1], axis=1))):
            assert mine.dtype == numpy_own.dtype and np.array_equal(mine, numpy_own)


def test_the_exact_product_of_nonzero_terms_equals_numpys_own():
    """``arithmetic.exact_times_transpose`` skips the zero terms of ``h @ W.T`` on Fraction
    arrays: the same exact values, zeros and ints included, of every shape the counter
    uses."""
    from minregion.float64.arithmetic import exact_times_transpose, times_transpose
    rng = np.random.default_rng(3)
    to = np.vectorize(Fraction, otypes=[object])
    for P, fan_in, fan_out in ((1, 1, 4), (5, 4, 4), (7, 4, 1), (0, 4, 4), (3, 6, 2)):
        h = to(rng.integers(-3, 4, (P, fan_in)) / rng.choice([1, 2, 3], (P, fan_in)))
        W = to(rng.integers(-2, 3, (fan_out, fan_in)) / 4)
        W[0] = 0                                            # a neuron with no inputs at all
        if P:
            h[0, 0] = 0                                     # an int among the Fractions
        want = h @ W.T
        for got in (exact_times_transpose(h, W), times_transpose(h, W)):
            assert got.shape == want.shape and got.dtype == object
            assert all(g == v for g, v in zip(got.ravel(), want.ravel()))


def lane_order_sum(row, weights):
    """One output of ``arithmetic.neuron_major_product`` in plain Python floats, in the
    order its docstring states: each lane's products added in ``lane_order``, then the
    two lanes, then + 0.0."""
    from minregion.float64.arithmetic import lane_order
    lanes = []
    for lane in lane_order(len(row)):
        if lane:
            total = weights[lane[0]] * row[lane[0]]
            for i in lane[1:]:
                total = total + weights[i] * row[i]
            lanes.append(total)
    total = lanes[0] + lanes[1] if len(lanes) > 1 else (lanes[0] if lanes else 0.0)
    return total + 0.0


@pytest.mark.parametrize("fan_in", [0, 1, 2, 3, 4, 7, 8, 9, 16, 19])
def test_the_neuron_major_product_adds_in_the_stated_order(fan_in):
    """``arithmetic.neuron_major_product`` equals, bit for bit (signs of zeros too), the sum
    of each output's products in the order of ``lane_order``, written out in Python
    floats."""
    from minregion.float64.arithmetic import neuron_major_product
    rng = np.random.default_rng(fan_in)
    for P in (0, 1, 6, 40):
        h = rng.standard_normal((P, fan_in)) * np.exp(rng.uniform(-30, 30, (P, fan_in)))
        h[rng.random((P, fan_in)) < 0.3] = -0.0
        W = rng.standard_normal((3, fan_in))
        W[rng.random((3, fan_in)) < 0.3] = 0.0
        want = np.array([[lane_order_sum(list(row), list(w)) for w in W] for row in h])
        got = neuron_major_product(np.ascontiguousarray(h.T), W).T
        assert got.shape == (P, 3) and np.array_equal(got, want.reshape(P, 3))
        assert np.array_equal(np.signbit(got), np.signbit(want.reshape(P, 3)))


@pytest.mark.parametrize("fan_in", [1, 4, 7, 8, 19])
def test_the_counters_product_gives_einsums_numbers(fan_in):
    """``times_transpose`` gives the numbers of ``np.einsum("pi,oi->po")`` on a row-major
    ``h``, bit for bit, small and tall, from a row-major or a neuron-major ``h``; a tall
    one comes back neuron-major where the neuron-major sum is used."""
    from minregion.float64.arithmetic import (SMALL_PRODUCT, einsum_adds_in_lane_order,
                                              times_transpose)
    rng = np.random.default_rng(fan_in)
    for P in (1, 6, SMALL_PRODUCT // (3 * fan_in) + 1):
        h = rng.standard_normal((P, fan_in)) * np.exp(rng.uniform(-30, 30, (P, fan_in)))
        h[rng.random((P, fan_in)) < 0.3] = -0.0
        W = rng.standard_normal((3, fan_in))
        want = np.einsum("pi,oi->po", h, W)
        for layout in (h, np.asfortranarray(h)):
            got = times_transpose(layout, W)
            assert np.array_equal(got, want) and np.array_equal(np.signbit(got),
                                                                np.signbit(want))
        if P * W.size > SMALL_PRODUCT and einsum_adds_in_lane_order(fan_in):
            assert got.flags.f_contiguous


def test_take_rows_equals_numpys_take_and_keeps_the_layout():
    """``rows.take_rows`` gives ``np.take(a, i, axis=0)`` for row-major and neuron-major
    arrays, views of them and 1-D arrays, and a neuron-major result from a neuron-major
    array."""
    from minregion.float64.rows import take_rows
    rng = np.random.default_rng(5)
    a = rng.standard_normal((50, 4))
    i = np.array([0, 0, 3, 49, 7, 7, 7])
    for x in (a, np.asfortranarray(a), np.asfortranarray(a)[10:], a[:, 0], a > 0):
        got = take_rows(x, i[i < len(x)])
        want = np.take(x, i[i < len(x)], axis=0)
        assert got.dtype == want.dtype and np.array_equal(got, want)
    assert take_rows(np.asfortranarray(a), i).flags.f_contiguous
