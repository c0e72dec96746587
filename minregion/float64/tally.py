"""The counts of one network added up chunk by chunk (:class:`Tally`), with the range that
the stretches still unsettled or fragile leave open."""
import numpy as np

from .chunk import join_chunks, true_stretches
from .recount import ExactRecount
from .rows import rows_differ


def count_range(s, region_start, piece_start, rep, doubtful, growth):
    """The range of counts that the stretches still doubtful or fragile allow.

    Parameters
    ----------
    s : Chunk (P cells)
    region_start, piece_start : (P,) bool, where the counted regions and pieces start
    rep : (A,) the cell whose slope is each region's; doubtful (A - 1,) the doubtful jumps
    growth : growth[k], how many cells one cell after layer k can become by the end
        (the product of (width + 1) over the later layers)

    Every such stretch may hold anything from no region start to ``growth`` times its
    cells. Returns a dict: regions_low, regions_high, pieces_low, pieces_high (the range
    of the chunk's counts), unsettled, fragile (how many stretches are either).
    """
    P = len(s)
    regions, pieces = int(region_start.sum()), int(piece_start.sum())
    out = dict(regions_low=regions, regions_high=regions, pieces_low=pieces,
               pieces_high=pieces, unsettled=0, fragile=0)
    flagged = s.doubtful | s.fragile
    bad = flagged.copy()
    for r in np.flatnonzero(doubtful) + 1:
        bad[rep[r - 1]:rep[r] + 1] = True
    for a, e in true_stretches(bad):
        since = s.since[a:e][flagged[a:e]]
        layer = int(since.min()) if len(since) else len(growth)
        more = int(e - a + 1) * (growth[layer] if layer < len(growth) else 1)
        inside = slice(max(a, 1), min(e + 1, P))          # the boundaries a .. e
        out["regions_low"] -= int(region_start[inside].sum())
        out["regions_high"] += more
        out["pieces_low"] -= int(piece_start[inside].sum())
        out["pieces_high"] += more
        out["unsettled" if np.any(s.doubtful[a:e]) or np.any(doubtful) else "fragile"] += 1
    return out


class Tally:
    """The counts of one network added up chunk by chunk, with their range; it also holds
    the exact recounts (:class:`recount.ExactRecount`).

    ``count_window`` as for ExactRecount; ``keep_pieces``: keep the affine pieces' edges
    and slopes too.
    """

    def __init__(self, layers, lo, hi, count_window, keep_pieces=False):
        self.recount = ExactRecount(layers, lo, hi, count_window)
        self.growth = growth_per_layer(layers)
        self.lo, self.hi, self.keep_pieces = lo, hi, keep_pieces
        self.n = dict.fromkeys(["pieces", "activation_regions", "raw_activation_regions",
                                "regions_low", "regions_high", "pieces_low", "pieces_high",
                                "unsettled", "fragile"], 0)
        self.before = self.seam_pattern = self.last_left = None
        self.min_width, self.edges, self.slopes = np.inf, [], []

    def settle(self, s, grouped):
        """Recount what float64 could not settle in the Chunk ``s`` (``grouped``: its
        ``regions.regions_and_pieces``) exactly -> the new Chunk."""
        _, rep, _, doubtful = grouped
        return self.recount.settle(s, rep, doubtful)

    def join(self, s):
        """Count the chunk's raw activation regions, and put the cell that stands for the
        last region of the chunk before in front of it (the chunks meet at a seam inside
        that region, so usually it goes on here; a zero exactly at the seam ends it)."""
        self.n["raw_activation_regions"] += int(
            rows_differ(s.patterns).sum() +
            (self.before is None or np.any(self.seam_pattern != s.patterns[0])))
        self.seam_pattern = s.patterns[-1]
        return s if self.before is None else join_chunks([self.before, s])

    def add(self, s, starts, rep, new_piece, doubtful):
        """Add the counts of a joined Chunk ``s`` (``regions.regions_and_pieces``) and
        their range."""
        region_start, piece_start = np.zeros(len(s), bool), np.zeros(len(s), bool)
        region_start[starts], piece_start[starts[new_piece]] = True, True
        region_start[0] = piece_start[0] = self.before is None    # else counted before
        self.before = s.stand_in(rep[-1])
        counts = count_range(s, region_start, piece_start, rep, doubtful, self.growth)
        counts.update(activation_regions=int(region_start.sum()), pieces=int(piece_start.sum()))
        for name, v in counts.items():
            self.n[name] += v
        lefts = s.left[region_start]                 # where regions start: their widths
        if self.last_left is not None:
            lefts = np.concatenate([[self.last_left], lefts])
        if len(lefts) > 1:
            self.min_width = min(self.min_width, float(np.min(np.diff(lefts))))
        self.last_left = lefts[-1] if len(lefts) else self.last_left
        if self.keep_pieces:
            pick = np.flatnonzero(piece_start)
            at = rep[np.searchsorted(starts, pick)]
            self.edges.append(s.left[pick])
            self.slopes.append(np.array([float(v) if v is not None else f for v, f in
                                         zip(s.exact_slope[at], s.slope[at])]))

    def result(self):
        """-> n (dict of RegionReport's counts and ranges), edges (K + 1,) and slopes (K,)
        of the affine pieces (None, None unless ``keep_pieces``)."""
        n = close_range(dict(self.n, settled=self.recount.settled))
        n.update(slivers=n["raw_activation_regions"] - n["activation_regions"],
                 min_width=min(self.min_width, self.hi - self.last_left))
        if not self.keep_pieces:
            return n, None, None
        edges = np.concatenate(self.edges + [[self.hi]])
        edges[0] = self.lo
        return n, edges, np.concatenate(self.slopes)


def growth_per_layer(layers):
    """growth[k]: how many cells one cell after hidden layer k can become by the end,
    the product of (width + 1) over the later hidden layers (Python ints)."""
    widths = [W.shape[0] for W, _ in layers[:-1]]
    return [int(np.prod([w + 1 for w in widths[k + 1:]], dtype=object))
            for k in range(len(widths))]


def close_range(n):
    """The range of the whole count ``n`` (a dict), with the counts themselves in it."""
    n["regions_low"] = max(min(n["regions_low"], n["activation_regions"]), 1)
    n["pieces_low"] = max(min(n["pieces_low"], n["pieces"]), 1)
    n["regions_high"] = max(n["regions_high"], n["activation_regions"])
    n["pieces_high"] = max(n["pieces_high"], n["pieces"])
    return n
