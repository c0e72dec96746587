"""Figures for the region demonstration and the tables (matplotlib, Agg-safe).

:func:`save_figure` and the palette below (:data:`PALETTE`, :data:`COLORS`, :data:`LINES`,
:data:`MARKERS`, :data:`SEQUENTIAL`, :data:`DIVERGING`) are the one figure saver and palette
of the package: the extensions' figures and every tutorial notebook use them, and
``tests/test_layout.py`` checks that no figure names another colour.
"""
import os
import textwrap

import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from matplotlib.ticker import MaxNLocator

from .experiments import METHODS
from ..targets import get_target

# --- the palette: one for every figure ---------------------------------------------------------
# Okabe & Ito's colours ("Color Universal Design", 2008), told apart with each common colour
# vision deficiency (a test simulates three); black and grey for targets, guides and bounds.
PALETTE = {"blue": "#0072B2", "vermillion": "#D55E00", "orange": "#E69F00", "sky": "#56B4E9",
           "green": "#009E73", "purple": "#CC79A7", "black": "#000000", "grey": "#999999"}
# Each method has a colour, a line style and a marker of its own, so that a figure reads in
# grey too: the construction blue and solid, Kaiming vermillion and dashed, ...
COLORS = {"pretrain_theorem_3_1": PALETTE["blue"], "kaiming": PALETTE["vermillion"],
          "raai": PALETTE["orange"], "pretrain_free_scales": PALETTE["sky"],
          "skip_pretraining": PALETTE["purple"]}
LINES = {"pretrain_theorem_3_1": "-", "kaiming": "--", "raai": "-.",
         "pretrain_free_scales": (0, (5, 1.5)), "skip_pretraining": ":"}
MARKERS = {"pretrain_theorem_3_1": "o", "kaiming": "s", "raai": "^", "pretrain_free_scales": "D",
           "skip_pretraining": "v"}
SEQUENTIAL, DIVERGING = "viridis", "coolwarm"     # colour maps: images, and two classes
# Lines drawn without a colour of their own: a colour and a line style each (a notebook sets
# ``plt.rcParams["axes.prop_cycle"] = PROP_CYCLE``; the package never changes it).
PROP_CYCLE = (cycler(color=[PALETTE[k] for k in ("blue", "vermillion", "orange", "sky", "green",
                                                 "purple")]) +
              cycler(linestyle=["-", "--", "-.", ":", (0, (5, 1.5)), (0, (3, 1, 1, 1))]))


def method_style(method):
    """``dict(color, ls)`` of a method's lines (add ``marker=MARKERS[m]`` for points)."""
    return dict(color=COLORS[method], ls=LINES[method])


def plot_regions_vs_depth(depths, constructed, kaiming, raai, path=None):
    """Exact affine pieces against depth: the construction (2^d) and random networks.

    depths : (D,) ints; constructed, kaiming, raai : (D,) counts (medians for the random ones)
    """
    fig, ax = plt.subplots(figsize=(6, 4))
    depths = np.asarray(depths)
    ax.semilogy(depths, 2.0 ** depths, "k:", label="$2^d$")
    ax.semilogy(depths, constructed, marker="o", **method_style("pretrain_theorem_3_1"),
                label="constructed (Theorem 3.1)")
    ax.semilogy(depths, kaiming, marker="s", **method_style("kaiming"), label="Kaiming init (median)")
    ax.semilogy(depths, raai, marker="^", **method_style("raai"), label="RAAI init (median)")
    ax.set_xlabel("depth d (hidden layers of width 4)")
    ax.set_ylabel("exact number of linear pieces on [0, 1]")
    ax.legend()
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return save_figure(fig, path)


def first_seed_blocks(summary, target):
    """The blocks of the first seed for one target (curves are drawn for one seed)."""
    first = summary["config"]["seeds"][0]
    return [b for b in summary["blocks"] if b["target"] == target and b["seed"] == first]


def best_blocks(summary, target):
    """For each method, the block (of any seed) that holds the best run on ``target``."""
    best = {}
    for b in summary["blocks"]:
        if b["target"] == target and (b["method"] not in best
                                      or min(b["score"]) < min(best[b["method"]]["score"])):
            best[b["method"]] = b
    return [best[m] for m in summary["methods"] if m in best]


def plot_best_fits(summary, path=None):
    """The best run of every method (over all seeds) against the target, one panel each."""
    targets = summary["targets"]
    fig, axes = plt.subplots(2, len(targets), figsize=(4 * len(targets), 6), sharex=True,
                             gridspec_kw=dict(height_ratios=[2, 1]), squeeze=False)
    for j, tgt in enumerate(targets):
        target = get_target(tgt)
        f = target.f
        for b in best_blocks(summary, tgt):
            grid, fit = np.array(b["grid"]), np.array(b["best_fit"])
            axes[0, j].plot(grid, fit, **method_style(b["method"]), lw=1, label=METHODS[b["method"]])
            axes[1, j].semilogy(grid, np.abs(fit - f(grid)) + 1e-16, **method_style(b["method"]), lw=1)
        grid = np.linspace(target.lo, target.hi, 400)
        axes[0, j].plot(grid, f(grid), "k--", lw=1, label="target")
        axes[0, j].set_title(f"{tgt}: best run of each method")
        axes[1, j].set_xlabel("x")
        axes[0, j].set_ylabel("y")
        axes[1, j].set_ylabel("|fit - target|")
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_training_curves(summary, path=None):
    """Median training MSE over the runs against the Adam step, per method and target."""
    targets = summary["targets"]
    fig, axes = plt.subplots(1, len(targets), figsize=(4.5 * len(targets), 3.8), squeeze=False)
    for j, tgt in enumerate(targets):
        ax = axes[0, j]
        for b in first_seed_blocks(summary, tgt):
            ax.semilogy(b["median_loss"], **method_style(b["method"]), lw=1,
                        label=METHODS[b["method"]])
            if 0 < b["switch"] < len(b["median_loss"]):
                ax.axvline(b["switch"], color=PALETTE["grey"], ls=":", lw=0.8)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.set_title(f"{tgt}: median training MSE (seed {summary['config']['seeds'][0]})")
        ax.set_xlabel("Adam step (dotted: end of phase 1)")
        ax.set_ylabel("median training MSE over the runs")
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_region_history(summary, path=None, depth=None):
    """Exact region counts (min, median, max over runs) through both phases."""
    targets = summary["targets"]
    depth = depth or summary["config"]["depth"]
    fig, axes = plt.subplots(1, len(targets), figsize=(4.5 * len(targets), 3.8), squeeze=False)
    for j, tgt in enumerate(targets):
        ax = axes[0, j]
        for b in first_seed_blocks(summary, tgt):
            if not b["regions"]:
                continue
            r = np.array(b["regions"])
            steps = np.array(b["region_steps"])
            ax.plot(steps, np.median(r, axis=1), **method_style(b["method"]), lw=1.2,
                    label=METHODS[b["method"]])
            ax.fill_between(steps, r.min(axis=1), r.max(axis=1), color=COLORS[b["method"]],
                            alpha=0.15)
        ax.axhline(2**depth, color="k", ls=":", lw=0.8)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.set_title(f"{tgt}: linear pieces (band: min-max over runs)")
        ax.set_xlabel("Adam step")
        ax.set_ylabel(f"exact pieces (dotted: 2^{depth})")
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_pieces_after_training(summary, path=None):
    """Exact affine pieces of every run (all seeds) at the switch to the raw phase and at
    the end, per method and target: where the 2^d regions survive training."""
    targets, methods = summary["targets"], summary["methods"]
    depth = summary["config"]["depth"]
    fig, axes = plt.subplots(1, len(targets), figsize=(4.2 * len(targets), 3.9), squeeze=False,
                             sharey=True)
    rng = np.random.default_rng(0)          # horizontal jitter of the dots only
    for j, tgt in enumerate(targets):
        ax = axes[0, j]
        for i, m in enumerate(methods):
            blocks = [b for b in summary["blocks"] if b["target"] == tgt and b["method"] == m]
            end = np.concatenate([b["pieces_end"] for b in blocks])
            ax.scatter(i + 0.12 + 0.08 * rng.uniform(-1, 1, len(end)), end, s=6,
                       color=COLORS[m], label="at the end" if i == 0 else None)
            if blocks[0]["pieces_switch"] is not None:
                sw = np.concatenate([b["pieces_switch"] for b in blocks])
                ax.scatter(i - 0.12 + 0.08 * rng.uniform(-1, 1, len(sw)), sw, s=6,
                           marker="x", color="k", alpha=0.5,
                           label="at the switch" if m == "skip_pretraining" else None)
        ax.axhline(2 ** depth, color="k", ls=":", lw=0.8)
        ax.set_xticks(range(len(methods)))
        ax.set_xticklabels([textwrap.fill(METHODS[m], 14) for m in methods], fontsize=7)
        ax.set_title(f"{tgt}: pieces of every run (dotted: $2^{depth}$)")
        ax.set_ylabel("exact affine pieces")
    axes[0, 0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return save_figure(fig, path)


def plot_depth_study(study, path=None):
    """Minimum MSE against depth, one panel per target: phase 1, phase 2, Kaiming, RAAI, the
    2^d-piece floor and the 16^-d rate, with the fitted decades per layer in the legend."""
    from .depth_study import METHODS as DEPTH_METHODS
    targets, depths = study["targets"], np.array(study["depths"])
    styles = {"constrained": (COLORS["pretrain_theorem_3_1"], ":", "o"),
              "pretrain_theorem_3_1": (COLORS["pretrain_theorem_3_1"], "-", "o"),
              "kaiming": (COLORS["kaiming"], "--", "s"), "raai": (COLORS["raai"], "-.", "^")}
    fig, axes = plt.subplots(1, len(targets), figsize=(5.2 * len(targets), 4.4), squeeze=False)
    for j, t in enumerate(targets):
        ax = axes[0, j]
        for m, name in DEPTH_METHODS.items():
            color, ls, marker = styles[m]
            mins = [study["mse"][m][t][str(d)]["min"] for d in depths]
            ax.semilogy(depths, mins, ls=ls, marker=marker, color=color, ms=4,
                        label=f"{name}: {study['slope'][m][t]:+.2f}/layer")
        floor = [study["floor"][t][str(d)] for d in depths]
        ax.semilogy(depths, floor, "k:", marker=".",
                    label=f"floor, spline with $2^d$ pieces: {study['slope']['floor'][t]:+.2f}/layer")
        ax.semilogy(depths, floor[0] * 10.0 ** (study["rate"] * (depths - depths[0])), color="0.6",
                    lw=0.8, label=f"rate $16^{{-d}}$: {study['rate']:+.2f}/layer")
        ax.set_title(f"{t}: minimum MSE against depth")
        ax.set_xlabel("depth d (width 4)")
        ax.set_ylabel("minimum training MSE over the runs")
        ax.legend(fontsize=6.5, loc="lower left")
        ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return save_figure(fig, path)


def write_table_figures(results, out_dir):
    """The figures of every table, as ``out_dir/tableN_<name>.png``; returns the paths.

    ``fits``: best fit of each method; ``curves``: median training curves; ``regions``:
    exact region counts through both phases; ``pieces``: the exact pieces of every run at
    the switch and at the end.
    """
    paths = []
    for t, summary in results.items():
        for name, plot in (("fits", plot_best_fits), ("curves", plot_training_curves),
                           ("regions", plot_region_history),
                           ("pieces", plot_pieces_after_training)):
            paths.append(os.path.join(out_dir, f"table{t}_{name}.png"))
            plot(summary, paths[-1])
    return paths


def save_figure(fig, path, dpi=120):
    """Save ``fig`` to ``path`` and close it (when ``path`` is given); return the figure."""
    if path is not None:
        fig.savefig(path, dpi=dpi)
        plt.close(fig)
    return fig
