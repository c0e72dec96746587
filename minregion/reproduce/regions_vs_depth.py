"""How many linear regions at depth d: the construction against random initialisation.

The construction has exactly 2^d pieces; networks of the same 1-4-...-4-1 shape drawn with
Kaiming or RAAI init have far fewer, and their count grows with the number of neurons
rather than with 2^depth (Hanin & Rolnick 2019).
"""
import numpy as np

from ..checks import check_count, check_depth, check_generator, check_peak_range
from ..construction import triangle_network
from ..init import init_kaiming, init_raai
from ..regions import count_regions


def regions_by_depth(max_depth, rng, samples=50, peak_low=0.3, peak_high=0.7):
    """Exact piece counts on [0, 1] for depths 1 .. max_depth.

    Parameters
    ----------
    max_depth : int >= 1
    rng : numpy.random.Generator
    samples : random networks per depth and initialiser (>= 1)
    peak_low, peak_high : range of the construction's random peaks,
        0 < peak_low < peak_high < 1

    Returns
    -------
    dict of (max_depth,) arrays: ``depth``, ``constructed``, ``kaiming_median``,
    ``raai_median``, ``kaiming_max``, ``raai_max``
    """
    max_depth = check_depth(max_depth)
    samples, rng = check_count(samples, "samples"), check_generator(rng)
    check_peak_range(peak_low, peak_high)
    out = {k: [] for k in ("depth", "constructed", "kaiming_median", "raai_median",
                           "kaiming_max", "raai_max")}
    for d in range(1, max_depth + 1):
        widths = [1] + [4] * d + [1]
        a = rng.uniform(peak_low, peak_high, size=d + 1)
        out["depth"].append(d)
        out["constructed"].append(count_regions(triangle_network(a), 0.0, 1.0))
        for name, init in (("kaiming", init_kaiming), ("raai", init_raai)):
            counts = [count_regions(init(widths, rng), 0.0, 1.0) for _ in range(samples)]
            out[f"{name}_median"].append(float(np.median(counts)))
            out[f"{name}_max"].append(int(np.max(counts)))
    return {k: np.array(v) for k, v in out.items()}


def format_regions_table(study):
    """The study as a plain-text table, one line per depth."""
    lines = [f"{'depth':>5} {'constructed':>11} {'2^d':>8} {'Kaiming median':>15} "
             f"{'RAAI median':>12} {'Kaiming max':>12} {'RAAI max':>9}"]
    for i, d in enumerate(study["depth"]):
        lines.append(f"{d:5d} {study['constructed'][i]:11d} {2**d:8d} "
                     f"{study['kaiming_median'][i]:15.1f} {study['raai_median'][i]:12.1f} "
                     f"{study['kaiming_max'][i]:12d} {study['raai_max'][i]:9d}")
    return "\n".join(lines)
