"""What a results file holds: per-run numbers, per-seed statistics, and their spread.

A table is run on K independent *seeds*; each (method, target) cell of a seed is a *block*
of R runs trained at once. For every cell this module keeps

- the per-run statistic of every seed (``runs[method][target]``: K lists of R numbers);
- the minimum and the mean over the R runs of each seed (``seeds[seed][method][target]``);
- their median over the seeds, with the lowest and highest seed beside it
  (``mse[method][target] = {"min", "mean", "min_range", "mean_range"}``): the median is the
  number reported, the range says how much it moves with the seed;
- the exact affine-piece counts of every run at the switch to the raw phase and at the end
  (``regions[method][target]``: median, lowest, highest over all runs of all seeds, and how
  many counts the counter flagged because float64 could not settle them).

Nothing here depends on wall-clock time, so the same seeds give byte-identical files.
"""
import json
import os

import numpy as np


def spread(values):
    """``{"median", "lowest", "highest"}`` of a list of numbers (floats)."""
    values = np.asarray(values, dtype=np.float64)
    return {"median": float(np.median(values)), "lowest": float(values.min()),
            "highest": float(values.max())}


def summarise_blocks(blocks):
    """The per-seed statistics of every cell and their spread over the seeds.

    Parameters
    ----------
    blocks : list of dicts with ``method``, ``target``, ``seed``, ``score`` (R,) and,
        optionally, ``pieces_switch`` (R,) or None, ``pieces_end`` (R,), ``flagged`` (int)

    Returns
    -------
    dict with ``runs``, ``seeds``, ``mse`` and ``regions`` (see the module docstring)
    """
    runs, seeds, regions = {}, {}, {}
    for b in blocks:
        m, t, s = b["method"], b["target"], str(b["seed"])
        runs.setdefault(m, {}).setdefault(t, []).append(b["score"])
        seeds.setdefault(s, {}).setdefault(m, {})[t] = {
            "min": float(np.min(b["score"])), "mean": float(np.mean(b["score"]))}
        if "pieces_end" in b:
            cell = regions.setdefault(m, {}).setdefault(t, {"switch": [], "end": [],
                                                            "flagged": 0})
            if b.get("pieces_switch") is not None:
                cell["switch"] += list(b["pieces_switch"])
            cell["end"] += list(b["pieces_end"])
            cell["flagged"] += int(b.get("flagged", 0))
    mse = {}
    for m in runs:
        for t in runs[m]:
            per_seed = [seeds[s][m][t] for s in seeds if t in seeds[s].get(m, {})]
            cell = {}
            for stat in ("min", "mean"):
                values = [v[stat] for v in per_seed]
                cell[stat] = float(np.median(values))
                cell[f"{stat}_range"] = [float(np.min(values)), float(np.max(values))]
            mse.setdefault(m, {})[t] = cell
    for m in regions:
        for t, cell in regions[m].items():
            regions[m][t] = {"switch": spread(cell["switch"]) if cell["switch"] else None,
                             "end": spread(cell["end"]), "flagged": cell["flagged"]}
    return dict(runs=runs, seeds=seeds, mse=mse, regions=regions)


def write_json(summary, path):
    """Write a summary as JSON, without the bulky per-block curves (``"blocks"``,
    ``"validation_blocks"``).

    The file is written under a temporary name and then renamed, so it appears whole or not
    at all. Returns ``path``.
    """
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w") as fh:
        json.dump({k: v for k, v in summary.items()
                   if k not in ("blocks", "validation_blocks")}, fh, indent=1)
        fh.write("\n")
    os.replace(tmp, path)
    return path
