"""Reference counter in exact rational arithmetic (``fractions.Fraction``), for tests.

It counts the linear regions of a one-input ReLU network on [lo, hi] with no rounding at
all. Every float64 weight is converted exactly (a float64 number is a rational m 2^e), so
the answer is exact for *the network whose weights are the given floats*: the
"float-weight network". It is written independently of ``minregion.regions`` (plain Python
lists, one cell at a time, affine forms in global coordinates ``m x + c``) so that the two
can be compared. It is slow and meant for small networks (a few thousand cells).

The algorithm, layer by layer:

1. on a cell between two breakpoints every neuron is affine, ``h(x) = m x + c``;
2. a layer ``(W, b)`` gives preactivations ``z = (W m) x + (W c + b)``; each zero
   ``x* = -c / m`` strictly inside a cell is a new breakpoint;
3. on each new cell a neuron is on when its preactivation is > 0 at the midpoint;
4. the touch convention (skipped with ``touch=None``): a *dip* of neuron n is a maximal
   stretch of new cells on which n is off, with n on next to it on at least one side. Its
   *relative depth* is the largest ``-z_n(x) / scale_n(x)`` over its *kinks* (the
   breakpoints of earlier layers in the closed stretch) and over lo and hi if the stretch
   reaches them, where ``scale_n(x) = sum_j |W_nj| |h_j(x)| + |b_n|`` is the size of the
   terms of the sum. A dip of relative depth <= ``touch`` is a *touch*: its cells are
   *counted* with n on. The affine forms are not changed: later layers see the
   float-weight network as it is.

Counting: activation regions are maximal runs of cells with equal counted patterns; a
region's output slope is that of its cells outside any touch; affine pieces are maximal
runs of regions with equal slopes. With ``touch=None`` these are the exact counts of the
float-weight network.

For the constructed networks, :func:`ideal_triangle_network` builds the weights from the
peaks in exact arithmetic (no rounding anywhere): the "ideal" network, which has exactly
2^d pieces on [lo, hi].
"""
import warnings
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

TOUCH = Fraction(1, 2 ** 36)     # the touch threshold of minregion.regions


def to_fraction(v):
    """A float (exactly), an int or a Fraction -> Fraction."""
    if isinstance(v, Fraction):
        return v
    if isinstance(v, (int, np.integer)):
        return Fraction(int(v))
    return Fraction(float(v))          # exact: every finite float is a rational number


def exact_layers(layers):
    """``[(W, b)]`` of floats (or Fractions) -> lists of rows of Fractions."""
    out = []
    for W, b in layers:
        W = [[to_fraction(w) for w in row] for row in np.asarray(W, dtype=object)]
        b = [to_fraction(v) for v in np.asarray(b, dtype=object).reshape(-1)]
        out.append((W, b))
    return out


def _dot(row, vec):
    return sum((w * v for w, v in zip(row, vec)), Fraction(0))


@dataclass
class Cell:
    """One cell [left, right] of the input."""
    left: Fraction
    right: Fraction
    m: list                      # slopes of the current layer's outputs
    c: list                      # intercepts
    fw: tuple = ()               # on/off of every hidden neuron so far (float-weight net)
    counted: tuple = ()          # the same with touches counted as on
    touched: bool = False        # some neuron of this cell is in a touch
    # work space of the current layer
    zm: list = field(default_factory=list)
    zc: list = field(default_factory=list)
    on: list = field(default_factory=list)
    bits: list = field(default_factory=list)
    kink_left: bool = False      # the left edge is a breakpoint of an earlier layer


def _relative_depth(q, n, row, bias, x):
    """``-z_n(x) / scale_n(x)`` on cell q (0 where the scale is 0, and then z is 0 too)."""
    z = q.zm[n] * x + q.zc[n]
    scale = sum((abs(w) * abs(a * x + c) for w, a, c in zip(row, q.m, q.c)),
                Fraction(0)) + abs(bias)
    return -z / scale if scale else Fraction(0)


def _layer(cells, W, b, lo, hi, touch):
    """One hidden layer: cut at the zeros, switch the neurons, count the touches as on."""
    new = []
    for p in cells:
        zm = [_dot(row, p.m) for row in W]
        zc = [_dot(row, p.c) + bo for row, bo in zip(W, b)]
        roots = sorted({-c_ / m_ for m_, c_ in zip(zm, zc)
                        if m_ != 0 and p.left < -c_ / m_ < p.right})
        edges = [p.left] + roots + [p.right]
        for e, (x0, x1) in enumerate(zip(edges[:-1], edges[1:])):
            mid = (x0 + x1) / 2
            on = [m_ * mid + c_ > 0 for m_, c_ in zip(zm, zc)]
            new.append(Cell(x0, x1, p.m, p.c, p.fw, p.counted, p.touched,
                             zm, zc, on, list(on), e == 0))
    if touch is not None:
        for n in range(len(b)):
            _count_touches_as_on(new, n, W[n], b[n], lo, hi, touch)
    for q in new:
        q.m = [m_ if o else Fraction(0) for m_, o in zip(q.zm, q.on)]
        q.c = [c_ if o else Fraction(0) for c_, o in zip(q.zc, q.on)]
        q.touched = q.touched or q.bits != q.on
        q.fw += tuple(q.on)
        q.counted += tuple(q.bits)
    return new


def _count_touches_as_on(new, n, row, bias, lo, hi, touch):
    i = 0
    while i < len(new):
        j = i
        while j + 1 < len(new) and new[j + 1].on[n] == new[i].on[n]:
            j += 1
        whole = i == 0 and j == len(new) - 1
        if not new[i].on[n] and not whole:
            depth = [_relative_depth(q, n, row, bias, q.left)
                     for q in new[i:j + 1] if q.kink_left or q.left == lo]
            last = new[j]
            if (j + 1 < len(new) and new[j + 1].kink_left) or last.right == hi:
                depth.append(_relative_depth(last, n, row, bias, last.right))
            if max(depth, default=Fraction(0)) <= touch:
                for q in new[i:j + 1]:
                    q.bits[n] = True
        i = j + 1


def split_exact(layers, lo=0.0, hi=1.0, touch=TOUCH):
    """Cut [lo, hi] at every zero of every preactivation, exactly.

    Parameters
    ----------
    layers : list of ``(W, b)``, floats (converted exactly) or Fractions
    lo, hi : floats or Fractions
    touch : Fraction or None (None: no touch convention)

    Returns
    -------
    cells : list of Cell, each with ``out_slope``, the output's exact slope on it
    """
    layers = exact_layers(layers)
    lo, hi = to_fraction(lo), to_fraction(hi)
    cells = [Cell(lo, hi, [Fraction(1)], [Fraction(0)])]
    for W, b in layers[:-1]:
        cells = _layer(cells, W, b, lo, hi, touch)
    W, _ = layers[-1]
    for p in cells:
        p.out_slope = _dot(W[0], p.m)
    return cells


@dataclass
class ExactReport:
    """Exact counts on [lo, hi].

    pieces, activation_regions : with touches counted as on (unless ``touch=None``)
    raw_activation_regions : of the float-weight network as it is
    edges, slopes : the affine pieces, ``edges`` (K + 1,) and ``slopes`` (K,), Fractions
    breakpoints : every interior breakpoint of the float-weight network (Fractions)
    """
    pieces: int
    activation_regions: int
    raw_activation_regions: int
    edges: list
    slopes: list
    breakpoints: list


def exact_report(layers, lo=0.0, hi=1.0, touch=TOUCH):
    """Exact counts of a small network (see the module docstring)."""
    cells = split_exact(layers, lo, hi, touch)
    regions = [[cells[0]]]
    for p in cells[1:]:
        if p.counted == regions[-1][-1].counted:
            regions[-1].append(p)
        else:
            regions.append([p])
    raw = 1 + sum(a.fw != b.fw for a, b in zip(cells[:-1], cells[1:]))
    edges, slopes = [], []
    for reg in regions:
        clean = [p for p in reg if not p.touched] or reg
        if not slopes or clean[0].out_slope != slopes[-1]:
            edges.append(reg[0].left)
            slopes.append(clean[0].out_slope)
    edges.append(cells[-1].right)
    return ExactReport(len(slopes), len(regions), raw, edges, slopes,
                       [p.left for p in cells[1:]])


def exact_count(layers, lo=0.0, hi=1.0, touch=TOUCH):
    """The exact number of affine pieces on [lo, hi] (see :func:`exact_report`)."""
    return exact_report(layers, lo, hi, touch).pieces


# ---------------------------------------------------------------------------------------
# The constructed network with exact weights (no rounding anywhere)
# ---------------------------------------------------------------------------------------

def ideal_triangle_network(a, s0=None, sigma=-1, alpha=1, beta=0, lo=0, hi=1):
    """The width-4 network of SPEC section 3 (like ``construction.triangle_network``), with
    every weight computed exactly from the peaks (floats converted exactly, or Fractions).

    Returns a list of ``(W, b)`` as lists of Fractions; it has exactly 2^d pieces.
    """
    a = [to_fraction(v) for v in a]
    d = len(a) - 1
    s0 = a[0] * a[1] if s0 is None else to_fraction(s0)
    sigma, alpha, beta = to_fraction(sigma), to_fraction(alpha), to_fraction(beta)
    lo, hi = to_fraction(lo), to_fraction(hi)
    S = [s0] + [(1 - a[i]) * a[i + 1] for i in range(1, d)]
    s, acc = [], Fraction(1)
    for v in S:
        acc *= v
        s.append(acc)
    A = [S[i] / a[i] for i in range(d)]
    B = [S[i] / (a[i] * (1 - a[i])) for i in range(d)]
    C = [S[i] * a[i + 1] for i in range(d - 1)]
    offset = sum(s) if sigma < 0 else Fraction(0)
    scale = 1 / (hi - lo)
    u = lo * scale
    zero, one = Fraction(0), Fraction(1)
    layers = [([[scale], [scale], [scale], [zero]], [offset - u, -u, -a[0] - u, one])]
    for i in range(d - 1):
        layers.append(([[one, sigma * A[i], -sigma * B[i], zero],
                        [zero, A[i], -B[i], zero],
                        [zero, A[i], -B[i], -C[i]],
                        [zero, zero, zero, S[i]]], [zero] * 4))
    layers.append(([[alpha, alpha * sigma * A[d - 1], -alpha * sigma * B[d - 1], zero]],
                   [beta - alpha * offset]))
    return layers


# ---------------------------------------------------------------------------------------
# The promise of minregion.regions, checked on one network against the exact count
# ---------------------------------------------------------------------------------------

def report_and_warning(layers, lo=0.0, hi=1.0):
    """(minregion's region_report, whether it warned) without letting the warning escape."""
    from minregion.regions import RegionResolutionWarning, region_report
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RegionResolutionWarning)
        report = region_report(layers, lo, hi)
    return report, any(issubclass(w.category, RegionResolutionWarning) for w in caught)


def check_against_exact(layers, lo=0.0, hi=1.0, ideal=None, what="network"):
    """The promise, on one network: exact without a warning, or a range that holds it
    (and the ideal count, if given). Returns (report, warned)."""
    report, warned = report_and_warning(layers, lo, hi)
    exact = exact_report(layers, lo, hi)
    said = (f"{what} on [{lo:g}, {hi:g}]: region_report gave {report.pieces} pieces "
            f"[{report.pieces_low}, {report.pieces_high}], {report.activation_regions} "
            f"activation regions [{report.regions_low}, {report.regions_high}], "
            f"{'with' if warned else 'without'} a warning; exact count {exact.pieces} pieces, "
            f"{exact.activation_regions} activation regions" +
            (f"; ideal network {ideal} pieces" if ideal is not None else ""))
    assert report.pieces_low <= report.pieces <= report.pieces_high, said
    if not warned:
        assert report.pieces_low == report.pieces_high, said
        assert report.pieces == exact.pieces, said
        assert report.activation_regions == exact.activation_regions, said
        if ideal is not None:
            assert report.pieces == ideal, said
    else:
        assert report.pieces_low <= exact.pieces <= report.pieces_high, said
        assert report.regions_low <= exact.activation_regions <= report.regions_high, said
        if ideal is not None:
            assert report.pieces_low <= ideal <= report.pieces_high, said
    return report, warned


def ideal_count(a, lo=0, hi=1, **kw):
    """The number of affine pieces of the ideal construction (exact weights)."""
    return exact_report(ideal_triangle_network(a, lo=lo, hi=hi, **kw), lo, hi,
                        touch=None).pieces
