"""Counting again, in exact rational arithmetic, the stretches that float64 could not
settle (:class:`ExactRecount`)."""
from fractions import Fraction

import numpy as np

from .arithmetic import as_exact
from .chunk import join_chunks, true_stretches, unsettled_cells
from .thresholds import EXACT_BUDGET


class ExactRecount:
    """Counts windows of [lo, hi] again in exact arithmetic, within ``EXACT_BUDGET``
    cell-layers per count.

    ``count_window(layers, left_end, right_end, at_lo, at_hi)`` -> Chunk: the exact final
    cells of [left_end, right_end] (Fractions), from :mod:`minregion.regions`. The layers
    are turned into Fractions when first needed.
    """

    def __init__(self, layers, lo, hi, count_window):
        self.float_layers, self.lo, self.hi = layers, lo, hi
        self.count_window = count_window
        self.layers = None
        self.budget = EXACT_BUDGET
        self.settled = 0

    def exact_layers(self):
        """The layers as Fractions (converted once)."""
        if self.layers is None:
            self.layers = as_exact(self.float_layers)
        return self.layers

    def settle(self, s, rep, doubtful):
        """Count the unsettled stretches of a Chunk ``s`` again exactly (``rep``,
        ``doubtful``: its regions' cells and doubtful slope jumps, see
        ``chunk.unsettled_cells``).

        Each unsettled stretch is widened until the cell on either side lies outside any
        touch and any doubt; its *window* runs from the midpoint of the one on the left to
        the midpoint of the one on the right (or to the chunk's end), points inside
        regions that both passes agree on. The window goes through every layer with
        Fractions, and its exact cells replace the float64 ones.

        A doubtful slope jump between two cells float64 settled (no doubt, no touch) needs
        no window: it is decided by their exact slopes (:meth:`slope_of`).

        Returns the new Chunk (``s`` itself if no window was counted).
        """
        doubtful = self.settle_jumps(s, rep, doubtful)
        flag = unsettled_cells(s, rep, doubtful)
        if not flag.any():
            return s
        P = len(s)
        bad = flag | s.touched
        windows = []
        for a, e in true_stretches(flag):
            while a > 0 and bad[a - 1]:
                a -= 1
            while e < P and bad[e]:
                e += 1
            if windows and a - 1 <= windows[-1][1]:          # shares a seam cell: merge
                windows[-1] = (windows[-1][0], e)
            else:
                windows.append((a, e))
        parts, pos, left, settled = [], 0, None, 0
        for a, e in windows:
            left_end = s.left[0] if a == 0 else _midpoint(s, a - 1)
            right_end = s.right_end if e == P else _midpoint(s, e)
            cost = (e - a + 2) * (len(self.float_layers) - 1)
            if cost > self.budget:
                continue
            self.budget -= cost
            exact = self.count_window(self.exact_layers(), Fraction(left_end),
                                      Fraction(right_end), left_end == self.lo,
                                      right_end == self.hi)
            parts.append(s.part(pos, a, left=left, right=left_end))
            parts.append(exact)
            pos, left = e, right_end
            self.settled += 1
            settled += 1
        if not settled:
            return s
        parts.append(s.part(pos, P, left=left))
        return join_chunks(parts)

    def settle_jumps(self, s, rep, doubtful):
        """Give the cells on both sides of each doubtful jump (``rep``, ``doubtful`` as for
        :meth:`settle`) their exact slopes, in place in ``s``, where both cells are settled
        (float64's on/off pattern there is the exact one), as long as the budget lasts (a
        cell costs one cell-layer per layer). Returns the jumps still doubtful."""
        doubtful = doubtful.copy()
        settled = lambda c: not s.doubtful[c] and not s.touched[c]
        for k in np.flatnonzero(doubtful):
            cells = [c for c in (rep[k], rep[k + 1]) if not s.exact[c]]
            cost = len(cells) * (len(self.float_layers) - 1)
            if not (settled(rep[k]) and settled(rep[k + 1])) or cost > self.budget:
                continue
            self.budget -= cost
            for c in cells:
                s.exact_slope[c], s.exact[c] = self.slope_of(s.patterns[c]), True
            doubtful[k] = False
            self.settled += 1
        return doubtful

    def slope_of(self, pattern):
        """The exact output slope on a cell whose on/off bits are ``pattern`` (B,) uint8:
        ``W_out D_L W_L ... D_1 W_1``, D_k the 0/1 diagonal of layer k's bits."""
        slope, at = np.array([Fraction(1)], dtype=object), 0
        layers = self.exact_layers()
        for W, _ in layers[:-1]:
            n = (W.shape[0] + 7) // 8                     # bytes of this layer's bits
            on = np.unpackbits(pattern[at:at + n])[:W.shape[0]].astype(bool)
            slope, at = (W @ slope) * on, at + n
        return (layers[-1][0] @ slope)[0]


def _midpoint(s, i):
    """The midpoint of cell i of the Chunk ``s``."""
    right = s.left[i + 1] if i + 1 < len(s.left) else s.right_end
    return s.left[i] + (right - s.left[i]) / 2
