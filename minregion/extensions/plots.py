"""Figures of the extensions (``python -m minregion reproduce --tables ext``).

The non-convex fits, the 2-D fit and its error as images, the exact linear regions of 2-D
networks drawn as polygons, and the spirals' decision maps and curves. Each function takes
the summary written by :func:`minregion.extensions.experiments.summarise_ext`. The figure
saver and the palette are the core's (:mod:`minregion.reproduce.plots`).
"""
import os

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PolyCollection

from ..init import init_kaiming
from ..reproduce.plots import COLORS, PALETTE, SEQUENTIAL, DIVERGING, method_style, save_figure
from .experiments import EXT_METHODS, ExtConfig, spiral_data
from .regions2d import region_partition
from .targets import grid_2d, nonconvex_target, r_cubed


def write_ext_figures(summary, out_dir):
    """Every figure of the extensions, as ``out_dir/ext_<name>.png``; returns the paths."""
    paths = []
    for name, plot in (("nonconvex", plot_nonconvex), ("r3", plot_r3),
                       ("regions2d", plot_regions2d), ("spirals", plot_spirals)):
        paths.append(os.path.join(out_dir, f"ext_{name}.png"))
        plot(summary, paths[-1])
    return paths


def _blocks(summary, target):
    """The blocks of the first seed for one target, by method."""
    first = summary["config"]["seeds"][0]
    return {b["method"]: b for b in summary["blocks"]
            if b["target"] == target and b["seed"] == first}


def plot_nonconvex(summary, path=None):
    """The best fit of each method on each 1-D target, the two halves, and |error|."""
    targets = [t for t in summary["targets"] if t not in ("r^3", "spirals")]
    fig, axes = plt.subplots(2, len(targets), figsize=(5 * len(targets), 6), squeeze=False,
                             gridspec_kw=dict(height_ratios=[2, 1]), sharex="col")
    for j, t in enumerate(targets):
        f = nonconvex_target(t).f
        for m, b in _blocks(summary, t).items():
            grid, fit = np.array(b["grid"]), np.array(b["best_fit"])
            axes[0, j].plot(grid, fit, **method_style(m), lw=1.2, label=EXT_METHODS[m])
            axes[1, j].semilogy(grid, np.abs(fit - f(grid)) + 1e-16, **method_style(m), lw=0.8)
            if "best_halves" in b:
                for k, h in enumerate(b["best_halves"]):
                    axes[0, j].plot(grid, h, color=COLORS[m], lw=0.7, ls=":" if k else "--",
                                    label=f"half g{k + 1} (convex until the switch)")
        axes[0, j].plot(grid, f(grid), "k", lw=0.6, alpha=0.6, label="target")
        axes[0, j].set_title(f"{t}: best run, f = g1 - g2 against dense")
        axes[1, j].set_xlabel("x")
        axes[1, j].set_ylabel("|fit - target|")
        axes[0, j].legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_r3(summary, path=None):
    """r^3, the best constructed fit, and both methods' |error| as images."""
    n = summary["config"]["grid_n"]
    blocks = _blocks(summary, "r^3")
    x = grid_2d(n)
    target = r_cubed(x).reshape(n, n)
    errs = {m: np.abs(np.array(b["best_fit"]).reshape(n, n) - target) for m, b in blocks.items()}
    vmax = max(e.max() for e in errs.values())
    fig, axes = plt.subplots(1, 4, figsize=(17, 4))
    ext = (-1, 1, -1, 1)
    im = axes[0].imshow(target, origin="lower", extent=ext, cmap=SEQUENTIAL)
    axes[0].set_title("target r^3")
    fig.colorbar(im, ax=axes[0])
    fit = np.array(blocks["pretrain_theorem_3_1"]["best_fit"]).reshape(n, n)
    im = axes[1].imshow(fit, origin="lower", extent=ext, cmap=SEQUENTIAL)
    axes[1].set_title("constructed: best fit")
    fig.colorbar(im, ax=axes[1])
    for ax, m in zip(axes[2:], ("pretrain_theorem_3_1", "kaiming")):
        im = ax.imshow(errs[m], origin="lower", extent=ext, cmap=SEQUENTIAL, vmin=0, vmax=vmax)
        ax.set_title(f"|error|, {'constructed' if m != 'kaiming' else 'dense'} "
                     f"(MSE {np.mean(errs[m] ** 2):.1e})")
        fig.colorbar(im, ax=ax)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_partition(ax, partition, rng=None, title=""):
    """Draw a :class:`~minregion.regions2d.Partition` as coloured polygons on ``ax``."""
    rng = np.random.default_rng(0) if rng is None else rng
    cycle = [c for n, c in PALETTE.items() if n not in ("black", "grey")]
    colors = [cycle[k] for k in rng.integers(0, len(cycle), size=len(partition))]
    ax.add_collection(PolyCollection(partition.polygons, facecolors=colors, edgecolors="k",
                                     linewidths=0.15))
    allv = np.concatenate(partition.polygons)
    ax.set_xlim(allv[:, 0].min(), allv[:, 0].max())
    ax.set_ylim(allv[:, 1].min(), allv[:, 1].max())
    ax.set_aspect("equal")
    ax.set_title(title or f"{len(partition)} activation regions", fontsize=9)
    return ax


def plot_regions2d(summary, path=None):
    """Exact activation regions of the r^3 models: constructed and Kaiming, same size."""
    blocks = _blocks(summary, "r^3")
    ours, dense = blocks["pretrain_theorem_3_1"], blocks["kaiming"]
    widths = ours["widths"]
    same_size = init_kaiming(widths, np.random.default_rng([summary["config"]["seeds"][0], 99]))
    panels = [(ours["init_mlp"], f"constructed {'-'.join(map(str, widths))}, at init"),
              (ours["best_mlp"], "constructed, trained (best run)"),
              (same_size, f"Kaiming init, same network {'-'.join(map(str, widths))}"),
              (dense["best_mlp"], f"dense {'-'.join(map(str, dense['widths']))}, trained")]
    fig, axes = plt.subplots(1, 4, figsize=(18, 4.8))
    for ax, (layers, title) in zip(axes, panels):
        part = region_partition(layers)
        plot_partition(ax, part, title=f"{title}\n{len(part)} activation regions")
    fig.tight_layout()
    return save_figure(fig, path)


def plot_spirals(summary, path=None):
    """Spirals: test error and loss curves, and the best run's decision regions per method."""
    cfg = ExtConfig(**summary["config"])
    (x, labels), _ = spiral_data(cfg, cfg.seeds[0])
    blocks = _blocks(summary, "spirals")
    fig, axes = plt.subplots(1, 4, figsize=(18, 4.2))
    for m, b in blocks.items():
        name = "dense" if m == "kaiming" else "triangle layer"
        axes[0].plot(b["curve_steps"], b["curve_test_error"], color=COLORS[m],
                     label=f"{name}, test")
        axes[0].plot(b["curve_steps"], b["curve_train_error"], color=COLORS[m], ls=":",
                     label=f"{name}, training")
        name = "dense" if m == "kaiming" else "triangle layer"
        axes[1].semilogy(b["median_loss"], color=COLORS[m], lw=0.8, label=f"{name}, training")
        axes[1].semilogy(b["curve_steps"], b["curve_test_loss"], color=COLORS[m], ls="--",
                         label=f"{name}, test")
        if 0 < b["switch"] < len(b["median_loss"]):
            axes[1].axvline(b["switch"], color=PALETTE["grey"], ls=":", lw=0.8)
    axes[0].set_title("median error rate over runs")
    axes[0].set_xlabel("Adam step")
    axes[0].legend(fontsize=7)
    axes[1].set_title("median cross-entropy (dotted: phase switch)")
    axes[1].set_xlabel("Adam step")
    axes[1].legend(fontsize=7)
    for ax, m in zip(axes[2:], ("pretrain_theorem_3_1", "kaiming")):
        margin = np.array(blocks[m]["best_map"]).reshape(120, 120)
        ax.imshow(margin > 0, origin="lower", extent=(-1.3, 1.3, -1.3, 1.3), cmap=DIVERGING,
                  alpha=0.35)
        ax.scatter(x[0], x[1], c=labels, cmap=DIVERGING, s=6)
        ax.set_title(f"{'triangle layer' if m != 'kaiming' else 'dense'}: best run, test error "
                     f"{min(blocks[m]['test_error']):.3f}", fontsize=9)
        ax.set_aspect("equal")
    fig.tight_layout()
    return save_figure(fig, path)
