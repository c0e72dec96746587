"""One chunk of final cells, ready to be counted (:class:`Chunk`), and the jumps of the
output's slope between its activation regions."""
from dataclasses import dataclass, fields, replace

import numpy as np

from .arithmetic import is_exact, times_transpose
from .thresholds import SURE_JUMP


@dataclass
class Chunk:
    """The final cells of one chunk, ready to be counted (P cells, w neurons).

    left : (P,) float64 left ends; right_end : float, the chunk's right end
    counted, patterns : (P, B) uint8 packed patterns (touches on / as they are)
    slope, terms : (P,) float64 output slope and the size of its terms
    form : (P, w) float64 slopes of the last hidden layer's outputs (the output's slope
        is ``form @ w_out``), w_out : (w,) the output weights
    exact : (P,) bool, the cell comes from a window counted in exact arithmetic
    exact_slope : (P,) object, its exact slope there (None elsewhere)
    touched, doubtful, fragile : (P,) bool; since : (P,) int16 (see marks.CellMarks)
    """
    left: np.ndarray
    right_end: float
    counted: np.ndarray
    patterns: np.ndarray
    slope: np.ndarray
    terms: np.ndarray
    form: np.ndarray
    w_out: np.ndarray
    exact: np.ndarray
    exact_slope: np.ndarray
    touched: np.ndarray
    doubtful: np.ndarray
    fragile: np.ndarray
    since: np.ndarray

    def __len__(self):
        return len(self.left)

    def part(self, a, e, left=None, right=None):
        """Cells a .. e-1, the first starting at ``left`` and the last ending at ``right``
        if given."""
        out = replace(self, **{f: getattr(self, f)[a:e] for f in PER_CELL},
                      right_end=self.right_end if e >= len(self.left) else self.left[e])
        out.left = out.left.copy()
        if right is not None:
            out.right_end = right
        if left is not None and e > a:
            out.left[0] = left
        return out

    def stand_in(self, i):
        """Cell i alone, marked settled: it stands for its region in the next chunk."""
        out = self.part(i, i + 1)
        out.doubtful, out.fragile = np.zeros(1, bool), np.zeros(1, bool)
        return out


PER_CELL = [f.name for f in fields(Chunk) if f.name not in ("right_end", "w_out")]


def join_chunks(parts):
    """Chunks one after another -> one Chunk."""
    parts = [q for q in parts if len(q.left)]
    return replace(parts[0], right_end=parts[-1].right_end,
                   **{f: np.concatenate([getattr(q, f) for q in parts]) for f in PER_CELL})


def to_chunk(p, W_out):
    """The final cells ``p`` (regions.Cells, with ``p.marks``) and the output layer's
    weights ``W_out`` (1, w) -> a Chunk."""
    hm = p.slope * p.on
    slope = times_transpose(hm, W_out)[:, 0]
    terms = times_transpose(np.abs(hm), np.abs(W_out))[:, 0]
    exact = is_exact(p.xs)
    m = p.marks
    return Chunk(left=p.xs[:-1].astype(float), right_end=float(p.xs[-1]),
                 counted=m.counted, patterns=p.patterns, slope=slope.astype(float),
                 terms=terms.astype(float), form=np.ascontiguousarray(hm, dtype=float),
                 w_out=np.asarray(W_out, dtype=float)[0],
                 exact=np.full(len(slope), exact),
                 exact_slope=slope if exact else np.full(len(slope), None, object),
                 touched=m.touched, doubtful=m.doubtful, fragile=m.fragile, since=m.since)


def slope_jumps(s, rep):
    """The jumps of the output's slope between neighbouring activation regions, and the
    size below which a jump is taken as none.

    ``rep`` (A,): the cell of the Chunk ``s`` whose slope is each region's (A activation
    regions). Between two regions whose slopes are both known exactly, the jump is exact
    and the tolerance 0. Otherwise the jump is computed from the difference of the two
    regions' forms (``(m_r - m_l) . w_out``, accurate even where the slopes themselves
    round to the same number), and the tolerance is ``SURE_JUMP`` times the size of the
    slopes' terms; a jump at or below it (zero included) is *doubtful*.

    Returns jump, tol (A - 1,) float64 and doubtful (A - 1,) bool.
    """
    a, b = rep[:-1], rep[1:]
    jump = np.abs((np.take(s.form, b, axis=0) - np.take(s.form, a, axis=0)) @ s.w_out)
    tol = SURE_JUMP * np.maximum(s.terms[a], s.terms[b])
    doubtful = ~(jump > tol)
    exact = np.flatnonzero(s.exact[a] & s.exact[b])
    if len(exact):
        differ = s.exact_slope[b[exact]] != s.exact_slope[a[exact]]
        jump[exact] = np.where(differ, np.maximum(jump[exact], np.finfo(float).tiny), 0.0)
        tol[exact] = 0.0
        doubtful[exact] = False
    return jump, tol, doubtful


def true_stretches(flag):
    """(a, e) of every maximal stretch of True in a 1-D bool array."""
    change = np.diff(np.concatenate([[0], flag.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(change == 1), np.flatnonzero(change == -1)))


def unsettled_cells(s, rep, doubtful):
    """Cells of the Chunk ``s`` that float64 could not settle: marked doubtful, or around
    a doubtful jump (``rep`` (A,), ``doubtful`` (A - 1,) from :func:`slope_jumps`) ->
    (P,) bool."""
    flag = s.doubtful.copy()
    for r in np.flatnonzero(doubtful) + 1:
        flag[rep[r - 1]:rep[r] + 1] = True
    return flag
