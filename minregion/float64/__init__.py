"""The float64 guard of the region counter. You need not read this folder to follow the
counter or any chapter: :mod:`minregion.regions` is the algorithm, and what this guard
promises, and the measurements behind it, are in docs/regions_float64.md.

Why it exists: the counter computes in float64, and some of its decisions are unsure
there. Where a neuron should only touch zero, rounded weights make it dip below by a hair
(a *touch*, counted with the neuron on); a cell can be narrower than the error of its
ends; two slopes can agree to rounding. The guard takes every decision float64 can take
for sure, recounts the others in exact rational arithmetic (the same functions of
:mod:`minregion.regions`, run on ``fractions.Fraction`` arrays), and reports what is
still open as a range, with a :class:`RegionResolutionWarning`.

``minregion.regions`` calls it only through the names below (``float64.<name>``):

- per hidden layer: :func:`start_marks` (before the first), :func:`mark_layer` (the
  :class:`CellMarks` of the new cells: ``sizes`` -> ``dips`` -> ``narrow``);
- per chunk of cells: :func:`seam_cell` and :func:`split_marks` (where to cut a chunk in
  two), :func:`to_chunk` (a :class:`Chunk` to count), :func:`slope_jumps`, and a
  :class:`Tally` (``recount`` and the range that is left);
- for everyone: :func:`times_transpose`, :func:`take_rows`, :func:`count_in_row`,
  :func:`pack_rows` and :func:`rows_differ` (fast row-wise NumPy on the (P, w) arrays,
  neuron-major in tall chunks: products, rows gathered, how many zeros a cell has, a layer's on/off
  bits packed 8 to a byte, which packed patterns change from one cell to the next),
  :func:`as_exact`, :func:`default_resolution`, :func:`warn_if_unresolved`, and an
  explicit ``resolution=`` (``width_threshold``).

The files, each one step: ``thresholds`` (the constants), ``arithmetic`` (float64 or
Fractions), ``sizes``, ``kinks``, ``dips``, ``narrow`` (the steps of one layer), ``marks``,
``chunk``, ``recount``, ``tally``, ``warning``, ``width_threshold``, and ``rows`` (fast
row-wise NumPy on tall arrays).
"""
from .arithmetic import as_exact, times_transpose
from .chunk import Chunk, slope_jumps, to_chunk
from .marks import CellMarks, mark_layer, seam_cell, split_marks, start_marks
from .tally import Tally
from .rows import count_in_row, pack_rows, rows_differ, take_rows
from .thresholds import SURE_JUMP, default_resolution
from .warning import RegionResolutionWarning, warn_if_unresolved
from .width_threshold import check_resolution, count_at_resolution

__all__ = ["as_exact", "times_transpose", "Chunk", "slope_jumps", "to_chunk", "CellMarks",
           "mark_layer", "seam_cell", "split_marks", "start_marks", "Tally", "SURE_JUMP",
           "default_resolution", "count_in_row", "pack_rows", "rows_differ", "take_rows",
           "RegionResolutionWarning", "warn_if_unresolved", "check_resolution",
           "count_at_resolution"]
