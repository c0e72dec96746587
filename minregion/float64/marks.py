"""What the guard keeps about every cell, layer after layer (:class:`CellMarks`), and
how a chunk of cells is cut in two at a seam."""
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .arithmetic import as_exact, row_times_transpose, times_transpose
from .dips import find_dips, lost_at_ends
from .narrow import coinciding, place_cells
from .rows import pack_rows
from .sizes import measure_sizes, read_ends


@dataclass(frozen=True)
class CellMarks:
    """What the guard keeps about each of P cells (w neurons in the last layer).

    counted : (P, B) uint8, the on/off bits of every layer so far with the touches on,
        packed 8 to a byte (``np.packbits``)
    touched : (P,) bool, the cell lies in a touch (its slope is not its region's)
    scale : (P, w) size of the terms behind each preactivation at the cell's left end
        (a term that is itself noise counts with its own scale)
    error : (P + 1,) how far each breakpoint may be from the exact one
    doubtful : (P,) bool, float64 could not settle the cell (it is counted again exactly)
    fragile : (P,) bool, its count is within rounding of the weights
    since : (P,) int16, where the cell is doubtful or fragile: the first layer at which it
        became so
    made_by : (P + 1,) int, which neuron of the last layer has its zero at the breakpoint
        (-1 for breakpoints of earlier layers and the ends)
    end, end_scale : (w,) value and scale of the preactivations at the right end
    at_lo, at_hi : whether the ends are lo and hi (else they are seams between chunks)
    exact_ends : (2, w) Fractions, the exact preactivations at lo and hi, once some were
        near zero (float64 only; None before)
    path : ((W, b), ...) the layers so far; span : (lo, hi)
    """
    counted: np.ndarray
    touched: np.ndarray
    scale: np.ndarray
    error: np.ndarray
    doubtful: np.ndarray
    fragile: np.ndarray
    since: np.ndarray
    made_by: np.ndarray
    end: np.ndarray
    end_scale: np.ndarray
    at_lo: bool = True
    at_hi: bool = True
    exact_ends: np.ndarray = None
    path: tuple = ()
    span: tuple = None


def start_marks(b, exact, at_lo, at_hi):
    """The marks of the one cell [a, b] before any layer (its "neuron" is x itself)."""
    zero = np.array([0], dtype=object if exact else np.float64)
    return CellMarks(counted=np.zeros((1, 0), np.uint8), touched=np.zeros(1, bool),
                     scale=zero[None], error=np.zeros(2), doubtful=np.zeros(1, bool),
                     fragile=np.zeros(1, bool), since=np.zeros(1, np.int16),
                     made_by=np.full(2, -1), end=np.array([b], dtype=zero.dtype),
                     end_scale=zero.copy(), at_lo=at_lo, at_hi=at_hi)


def mark_layer(p, cut, W, b, k, touches=True):
    """The guard's work on hidden layer k, ``(W, b)``, in three steps -> CellMarks of the
    new cells.

    1. ``sizes.measure_sizes``: the terms of every preactivation, and which inputs are
       noise;
    2. ``dips.find_dips``: absorb the slivers (count the touches as on), and flag what
       float64 cannot decide;
    3. ``narrow.place_cells``: flat preactivations, and cells no wider than the possible
       errors of their ends; ``narrow.coinciding``: zeros float64 merged with a breakpoint.

    p : regions.Cells before the layer (P cells), with ``p.marks``
    cut : regions.Cut, the cut of ``regions.split_at_zeros`` (P' new cells)
    touches : bool, count touches as on (False: the float-weight network as it is)
    """
    m, parent = p.marks, cut.parent
    exact = cut.slope.dtype == object
    ends = read_ends(p, cut, W, b)
    sizes = measure_sizes(p, cut, ends, W, b)
    dips = find_dips(cut, ends, sizes, W, b, m.at_lo, m.at_hi, touches)
    placed = place_cells(cut, ends, sizes, W, dips.touched)
    counted = cut.on | dips.touch if dips.touched.any() else cut.on
    doubtful_before, fragile_before = np.take(m.doubtful, parent), np.take(m.fragile, parent)
    doubtful = dips.doubtful | placed.narrow | (placed.flat & (not exact))
    z_ends = None
    if not exact:
        doubtful |= coinciding(cut, counted, W, b)
        if m.at_lo or m.at_hi:            # (a chunk between two seams has neither end)
            z_ends, terms = exact_at_ends(p, ends, sizes, W, b)
        if z_ends is not None:
            doubtful |= lost_at_ends(cut.on, z_ends, terms, m.at_lo, m.at_hi)
    fragile = dips.fragile | placed.flat
    since = np.take(m.since, parent)
    since[(doubtful | fragile) & ~(doubtful_before | fragile_before)] = k
    return CellMarks(
        counted=np.concatenate([np.take(m.counted, parent, axis=0),
                                pack_rows(counted)], axis=1),
        touched=np.take(m.touched, parent) | dips.touched, scale=sizes.scale,
        error=placed.error, doubtful=doubtful_before | doubtful,
        fragile=fragile_before | fragile, since=since, made_by=cut.made_by,
        end=ends.z_end, end_scale=sizes.scale_end, at_lo=m.at_lo, at_hi=m.at_hi,
        exact_ends=z_ends, path=m.path + ((W, b),), span=span_of(p))


def span_of(p):
    """(lo, hi) of the count: the ends of the one cell before the first layer."""
    return p.marks.span if p.marks.span is not None else (p.xs[0], p.xs[-1])


def exact_at_ends(p, ends, sizes, W, b):
    """The preactivations of the layer ``(W, b)`` at lo and hi, exactly (one point each, in
    Fractions) -> z (2, w) object array, and ``terms(e, n)``: the terms of preactivation n
    at end e (0: lo, 1: hi), exactly. Or None, None while no preactivation at lo or hi has
    come within 2^-10 of its terms in float64 (none is near a zero that float64 could
    round outside [lo, hi]); once one has, the exact values are carried on layer by layer."""
    m = p.marks
    if m.exact_ends is None:
        z = ends.zl[[0, -1]]
        terms = np.stack([sizes.terms[0], sizes.terms_end])
        if not np.any(np.abs(z) <= 2.0 ** -10 * terms):
            return None, None
        lo, hi = span_of(p)
        h = np.array([[Fraction(lo)], [Fraction(hi)]], dtype=object)   # x, not rectified
        for W_k, b_k in as_exact(list(m.path)):
            h = np.maximum(times_transpose(h, W_k) + b_k, 0)
    else:
        h = np.maximum(m.exact_ends, 0)
    (We, be), = as_exact([(W, b)])
    return times_transpose(h, We) + be, \
        lambda e, n: row_times_transpose(np.abs(h[e]), np.abs(We[n:n + 1]))[0] + abs(be[n])


def seam_cell(xs, m):
    """The cell to put a seam in, of the cells ``[xs[p], xs[p+1]]`` with marks ``m``: the
    widest of the middle third that float64 settled and that lies outside any touch."""
    P = len(xs) - 1
    width = (xs[1:] - xs[:-1]).astype(float)
    middle = np.arange(P // 3, max(P // 3 + 1, 2 * P // 3))
    ok = ~m.doubtful[middle] & ~m.touched[middle]
    return middle[np.argmax(np.where(ok, width[middle], -1.0))]


def split_marks(m, j, value_at_seam):
    """The marks of the two halves when cells 0 .. j and j .. P-1 go on apart (cell j
    is in both, cut at the seam; its preactivations there are ``value_at_seam`` (w,))."""
    cut = lambda name, a, e: getattr(m, name)[a:e]
    names = ("counted", "touched", "scale", "doubtful", "fragile", "since")
    error = m.error[j:].copy()
    error[0] = 0.0
    left = CellMarks(**{n: cut(n, 0, j + 1) for n in names},
                     error=np.append(m.error[:j + 1], 0.0),
                     made_by=np.append(m.made_by[:j + 1], -1), end=value_at_seam,
                     end_scale=m.scale[j], at_lo=m.at_lo, at_hi=False,
                     exact_ends=m.exact_ends, path=m.path, span=m.span)
    right = CellMarks(**{n: cut(n, j, None) for n in names}, error=error,
                      made_by=np.append(-1, m.made_by[j + 1:]), end=m.end,
                      end_scale=m.end_scale, at_lo=False, at_hi=m.at_hi,
                      exact_ends=m.exact_ends, path=m.path, span=m.span)
    return left, right
