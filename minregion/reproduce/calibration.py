"""How many Adam steps make the random-init baseline reproduce the paper (the ``paper``
protocol's step budget), measured on seeds that the tables never report.

The paper does not say how long its networks trained. Its Kaiming row is the anchor: a
budget T is consistent with the paper when the Kaiming minimum MSE over 30 runs (median over
the calibration seeds) lies within 2x of the paper's (between 0.5x and 2x) on both x^3 and x^11, and the chosen
budget is the one of those whose worse ratio to the paper is closest to 1. The minimum of 30
runs moves by up to 10x from seed to seed, so the median needs many seeds to tell neighbouring
budgets apart: twenty calibration seeds. Each block is
trained once for the longest budget and read off at every T: the loss history holds the MSE
*before* each step, so the MSE after exactly T steps is ``history.loss[T]`` (and, after the
last step, the final MSE).
"""
import numpy as np

from .experiments import Config, block_data, block_seeds, paper_cell, train_method
from ..mlp import mlp_predict
from .runner import run_blocks

CALIBRATION_SEEDS = tuple(range(100, 120))      # never among the reported seeds
STEPS = (250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2500, 3000)
METHODS = ("kaiming", "raai")
TARGETS = ("x^3", "x^11")


def calibration_block(config, seed, target, method, steps):
    """One block of 30 runs trained for ``max(steps)`` raw-weight steps.

    Returns dict with ``min``, ``mean`` and ``collapsed`` at every step count (lists in the
    order of ``steps``); collapsed counts the runs whose MSE is within 1% of Var(y) (a
    constant output).
    """
    x, y, _, _ = block_data(config, seed, "1", target)
    _, init_seed = block_seeds(seed, "1", target, method)
    last = max(steps)
    cfg = Config(runs=config.runs, epochs=last, pretrain_epochs=0, record_every=0,
                 seeds=(seed,))
    layers, history, _ = train_method(method, cfg, target, x, y,
                                      np.random.default_rng(init_seed))
    loss = history.loss_array()                                  # (last, R): after i steps
    final = np.mean((mlp_predict(layers, x) - y) ** 2, axis=-1)
    after = [final if t == last else loss[t] for t in steps]
    var = float(np.var(y))
    return dict(seed=seed, target=target, method=method,
                min=[float(np.min(a)) for a in after], mean=[float(np.mean(a)) for a in after],
                collapsed=[int(np.sum(a > 0.99 * var)) for a in after])


def calibration_blocks(seeds=CALIBRATION_SEEDS, steps=STEPS, runs=30):
    """Every calibration block: ``(config, seed, target, method, steps)``."""
    config = Config(runs=runs)
    return [(config, s, t, m, tuple(steps)) for s in seeds for t in TARGETS for m in METHODS]


def run_calibration(seeds=CALIBRATION_SEEDS, steps=STEPS, runs=30, jobs=1, progress=print,
                    initializer=None):
    """Every calibration block; returns the summary written to ``calibration.json``.

    Returns
    -------
    dict with ``seeds``, ``steps``, ``runs``, and for each method and target the per-seed
    minima (``per_seed[method][target]``: one list over steps per seed) and the medians over
    the seeds (``median[method][target]``), the paper's minimum (``paper``), and ``window``:
    the step counts at which the Kaiming median lies within 2x of the paper (in [0.5x, 2x]) on both targets,
    and ``chosen``: the budget :func:`choose_budget` picks (None if the window is empty).
    """
    blocks = calibration_blocks(seeds, steps, runs)
    done = run_blocks(calibration_block, blocks, jobs,
                      lambda r: f"calibration seed {r['seed']} {r['target']:>5s} {r['method']}",
                      progress=progress, initializer=initializer)
    out = dict(seeds=list(seeds), steps=list(steps), runs=runs, per_seed={}, median={},
               collapsed={}, paper={})
    for m in METHODS:
        for t in TARGETS:
            mine = [b for b in done if b["method"] == m and b["target"] == t]
            per_seed = [b["min"] for b in mine]
            out["per_seed"].setdefault(m, {})[t] = per_seed
            out["median"].setdefault(m, {})[t] = np.median(per_seed, axis=0).tolist()
            out["collapsed"].setdefault(m, {})[t] = np.sum([b["collapsed"] for b in mine],
                                                           axis=0).tolist()
            out["paper"].setdefault(m, {})[t] = paper_cell("1", m, t, "min")
    out["window"] = [T for i, T in enumerate(steps)
                     if all(0.5 <= out["median"]["kaiming"][t][i] / out["paper"]["kaiming"][t]
                            <= 2 for t in TARGETS)]
    out["chosen"] = choose_budget(out)
    return out


def choose_budget(cal):
    """The budget in ``cal["window"]`` whose worse Kaiming ratio to the paper is closest to 1.

    Parameters
    ----------
    cal : dict with ``steps`` (list of S ints), ``window`` (a sub-list of them), ``paper`` and
        ``median`` (``median["kaiming"][target]``: list of S medians), as made by
        :func:`run_calibration`

    Returns
    -------
    int or None : the step count minimising ``max over targets of |log(median / paper)|``
    within the window (the smaller one on a tie); None when no budget qualifies.
    """
    def worse(T):
        i = cal["steps"].index(T)
        return max(abs(np.log(cal["median"]["kaiming"][t][i] / cal["paper"]["kaiming"][t]))
                   for t in TARGETS)
    return min(cal["window"], key=lambda T: (worse(T), T)) if cal["window"] else None


def format_calibration(cal):
    """A Markdown table: the Kaiming (and RAAI) minimum against the step budget."""
    head = ["raw steps T"]
    for m in METHODS:
        for t in TARGETS:
            head += [f"{m} {t}", "/ paper"]
    lines = [f"Minimum training MSE over {cal['runs']} runs, median over the calibration seeds "
             f"{', '.join(map(str, cal['seeds']))} (never reported), against the number of "
             f"raw-weight Adam steps (Table 1's setting); ratio to the paper's minimum.", "",
             "| " + " | ".join(head) + " | Kaiming in [0.5x, 2x] on both |",
             "|" + "---|" * (len(head) + 1)]
    for i, T in enumerate(cal["steps"]):
        row = [str(T)]
        for m in METHODS:
            for t in TARGETS:
                v = cal["median"][m][t][i]
                row += [f"{v:.2e}", f"{v / cal['paper'][m][t]:.2f}"]
        lines.append("| " + " | ".join(row) + f" | {'yes' if T in cal['window'] else 'no'} |")
    lines += ["", f"Budgets with Kaiming in [0.5x, 2x] of the paper on both targets: {', '.join(map(str, cal['window'])) or 'none'}.",
              f"Chosen (the worse Kaiming ratio closest to 1): {cal['chosen'] or 'none'}.", ""]
    return "\n".join(lines)
