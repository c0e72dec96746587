"""Why Table 3's baseline differs from the paper's: the Kaiming (and Theorem 3.1) minimum test
MSE under several readings of "10 training and 10 test points", at several step budgets, on
seeds that no table reports (``make table3-settings``).

The paper gives 10 training and 10 test points and the minimum test MSE over 30 runs, but not
how the points are drawn, whether the 30 runs share them, nor how long the networks train.
The readings measured here [choice: the candidates]:

- ``per-run``: every run draws its own 10 training and 10 test points uniformly on [0, 1]
  (what Table 3 does: the minimum over runs is then also a minimum over 30 data sets);
- ``shared``: one uniform draw of 10 training and 10 test points per seed, the same for the
  30 runs (the minimum is over initialisations only);
- ``grid``: the 10 training points evenly spaced (0, 1/9, ..., 1), one uniform draw of 10
  test points per seed, shared by the runs.

Each cell: the median over the seeds of the minimum over the runs of the test MSE after T
raw-weight steps (the pretraining method first takes the tables' 1,000 phase-1 steps), read
off one training at the checkpoints; and "best step": the minimum over the runs of each run's
lowest test MSE at any checkpoint (early stopping on the test points).

The command is ``python -m minregion table3-settings``
(:func:`minregion.commands.cmd_table3_settings`): like the other commands, it refuses a run
out of reach before any work, caps ``--jobs``, and removes what it created when it is stopped
or fails. ``python -m minregion.reproduce.table3_settings`` runs that command.
"""
import numpy as np

from ..construction import weight_map_forward
from ..init import init_kaiming
from ..mlp import mlp_predict, prepare_data
from ..targets import get_target, sparse_points
from ..training import History, adam_loop, copy_layers, raw_loss_and_grads, train_constrained
from .experiments import Config, initial_params, paper_cell
from .runner import run_blocks

SEEDS = (200, 201, 202, 203, 204)      # neither reported, nor validation, nor calibration seeds
READINGS = ("per-run", "shared", "grid")
CHECKPOINTS = (250, 500, 1000, 1500, 3000)
PRETRAIN_STEPS = 1000                  # phase-1 steps of the pretraining method (the tables')
TARGETS = ("x^3", "x^11", "sin(x)", "tanh(3x)")
METHODS = ("kaiming", "pretrain_theorem_3_1")
NAMES = ("table3_settings.json", "table3_settings.md")
PLAN = tuple(("kaiming", r) for r in READINGS) + (("pretrain_theorem_3_1", "grid"),)


def reading_data(reading, seed, target, runs, n=10):
    """Training and test points of one reading: x, y (R, n); x_test, y_test (R, n)."""
    if reading not in READINGS:
        raise ValueError(f"reading must be one of {', '.join(READINGS)}; got {reading!r}")
    tgt = get_target(target)
    rng = np.random.default_rng([seed, 3, TARGETS.index(target), READINGS.index(reading)])
    if reading == "per-run":
        x, xt = sparse_points(rng, n, runs), sparse_points(rng, n, runs)
    elif reading == "shared":
        x, xt = (np.repeat(sparse_points(rng, n, 1), runs, axis=0) for _ in range(2))
    else:                                                     # grid
        x = np.repeat(np.linspace(0.0, 1.0, n)[None], runs, axis=0)
        xt = np.repeat(sparse_points(rng, n, 1), runs, axis=0)
    return x, tgt.f(x), xt, tgt.f(xt)


def settings_block(reading, seed, target, method, runs=30, checkpoints=CHECKPOINTS):
    """One block: ``runs`` networks, the test MSE at every checkpoint.

    Returns dict with ``test`` (len(checkpoints) lists of R numbers).
    """
    x, y, xt, yt = reading_data(reading, seed, target, runs)
    tgt = get_target(target)
    rng = np.random.default_rng([seed, 3, TARGETS.index(target), METHODS.index(method)])
    if method == "kaiming":
        layers = init_kaiming([1] + [4] * 5 + [1], rng, runs=runs)
    else:
        params = initial_params(Config(runs=runs), target, x, y, rng)
        train_constrained(params, x, y, tgt.sigma, PRETRAIN_STEPS)
        layers = copy_layers(weight_map_forward(params, tgt.sigma, tgt.lo, tgt.hi)[0])
    X, Y = prepare_data(x, y, runs)
    test = []

    def record(step, done):
        if step in checkpoints:
            test.append(np.mean((mlp_predict(layers, xt) - yt) ** 2, axis=-1).tolist())

    def loss_and_grads():
        loss, grads = raw_loss_and_grads(layers, X, Y)
        return loss, [g for pair in grads for g in pair]

    adam_loop([p for pair in layers for p in pair], loss_and_grads, max(checkpoints), 1e-3,
              History(), "raw", record=record)
    return dict(reading=reading, seed=seed, target=target, method=method, test=test)


def settings_blocks(seeds=SEEDS, runs=30, plan=PLAN):
    """Every block of the ``plan``: ``(reading, seed, target, method, runs)``."""
    return [(r, s, t, m, runs) for m, r in plan for t in TARGETS for s in seeds]


def run_settings(seeds=SEEDS, runs=30, jobs=1, progress=print, plan=PLAN, initializer=None):
    """Every block of the ``plan`` (pairs of method and reading); returns ``{"cells":
    {method: {reading: {target: {"at": [median min per checkpoint], "best": median of the
    best-step minimum}}}}}`` with the paper's numbers. ``initializer``: run once in every
    worker process (:func:`minregion.reproduce.runner.run_blocks`)."""
    done = run_blocks(settings_block, settings_blocks(seeds, runs, plan), jobs,
                      lambda b: f"{b['method']} {b['reading']} {b['target']} seed {b['seed']}",
                      progress=progress, initializer=initializer)
    out = dict(seeds=list(seeds), runs=runs, checkpoints=list(CHECKPOINTS), cells={},
               paper={m: {t: paper_cell("3", m, t, "min") for t in TARGETS} for m, _ in plan})
    for m, r in plan:
        for t in TARGETS:
            mine = [np.array(b["test"]) for b in done
                    if (b["method"], b["reading"], b["target"]) == (m, r, t)]  # (C, R) each
            out["cells"].setdefault(m, {}).setdefault(r, {})[t] = dict(
                at=np.median([a.min(axis=1) for a in mine], axis=0).tolist(),
                best=float(np.median([a.min(axis=0).min() for a in mine])))
    return out


def format_settings(res):
    """A Markdown table per method: median minimum test MSE / the paper's, per reading and T."""
    lines = [f"Minimum test MSE over {res['runs']} runs, median over seeds "
             f"{', '.join(map(str, res['seeds']))} (not reported), as a ratio to the paper's; "
             f"columns: raw-weight steps T, and the best checkpoint of each run.", ""]
    for m in res["paper"]:
        head = ["reading", "target"] + [f"T = {c}" for c in res["checkpoints"]] + ["best step"]
        lines += [f"**{m}**", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in res["cells"][m]:
            for t in TARGETS:
                cell, ref = res["cells"][m][r][t], res["paper"][m][t]
                row = [r, t] + [f"{v / ref:.2g}" for v in cell["at"]] + [f"{cell['best'] / ref:.2g}"]
                lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":      # the command itself is in minregion.commands, on top of this
    import os                   # folder, which never imports it: run it in this process (a
    import sys                  # child on Windows, whose exec would not wait for it)
    command = [sys.executable, "-m", "minregion", "table3-settings"] + sys.argv[1:]
    if os.name == "nt":
        import subprocess
        sys.exit(subprocess.call(command))
    os.execv(sys.executable, command)
