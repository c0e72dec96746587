"""Benchmark: the cost of training, measured as ratios within one run.

    python benchmarks/bench_training.py [--steps 2000] [--skip-table]

1. seconds per training step of the 1-4-4-4-4-4-1 network on 500 points, per run, for one
   network alone and for 30 networks trained at once (the runs axis);
2. the wall time of the whole Table 1 under the paper protocol (5 methods x 2 targets x 30
   runs x 5 seeds), as ``make reproduce`` runs it;
3. the same batched step with and without :mod:`minregion.reproduce.speed`'s malloc setting, each in
   a fresh process;
4. the exact region count of a depth-20 constructed network (2^20 pieces);
5. where PyTorch happens to be installed (it is optional, never a requirement), the same
   training loop for the same 30 runs in plain PyTorch on the CPU, one run after another
   (nn.Sequential, torch.optim.Adam, MSELoss, float64), with the ratio of the two times.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from minregion import count_regions, triangle_network  # noqa: E402
from minregion.reproduce.experiments import Config, run_tables  # noqa: E402
from minregion.init import init_kaiming  # noqa: E402
from minregion.targets import dense_points  # noqa: E402
from minregion.mlp import prepare_data  # noqa: E402
from minregion.optim import Adam  # noqa: E402
from minregion.reproduce.speed import keep_freed_memory  # noqa: E402
from minregion.training import raw_loss_and_grads, train_raw  # noqa: E402

WIDTHS = [1, 4, 4, 4, 4, 4, 1]


def numpy_seconds(runs, steps, x, y):
    """Wall time of ``steps`` phase-2 Adam steps of ``runs`` networks trained at once."""
    layers = init_kaiming(WIDTHS, np.random.default_rng(0), runs=runs)
    train_raw(layers, x, y, 20)  # warm-up
    start = time.perf_counter()
    train_raw(layers, x, y, steps)
    return time.perf_counter() - start


def _loop_seconds(runs, steps, keep_memory):
    """Phase-2 steps in a fresh process, with or without the malloc setting."""
    if keep_memory:
        keep_freed_memory()
    x = dense_points(500)
    X, Y = prepare_data(x, x**3, runs)
    layers = init_kaiming(WIDTHS, np.random.default_rng(0), runs=runs)
    opt = Adam([p for pair in layers for p in pair])
    start = time.perf_counter()
    for _ in range(steps):
        _, grads = raw_loss_and_grads(layers, X, Y)
        opt.step([g for pair in grads for g in pair])
    return time.perf_counter() - start


def malloc_seconds(runs, steps):
    """(seconds without, seconds with) the malloc setting, each in a fresh process."""
    import multiprocessing
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        without = pool.apply(_loop_seconds, (runs, steps, False))
    with ctx.Pool(1) as pool:
        with_ = pool.apply(_loop_seconds, (runs, steps, True))
    return without, with_


def torch_seconds(runs, steps, x, y):
    """The same work in a plain PyTorch loop, one run after another, or None without torch."""
    try:
        import torch
    except ImportError:
        return None, None
    torch.manual_seed(0)
    xt = torch.tensor(x, dtype=torch.float64)[:, None]
    yt = torch.tensor(y, dtype=torch.float64)[:, None]
    total = 0.0
    for _ in range(runs):
        mods = []
        for i, o in zip(WIDTHS[:-1], WIDTHS[1:]):
            mods += [torch.nn.Linear(i, o, dtype=torch.float64), torch.nn.ReLU()]
        net = torch.nn.Sequential(*mods[:-1])
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        loss_fn = torch.nn.MSELoss()
        start = time.perf_counter()
        for _ in range(steps):
            opt.zero_grad()
            loss = loss_fn(net(xt), yt)
            loss.backward()
            opt.step()
        total += time.perf_counter() - start
    return total, torch.__version__


def main():
    """The benchmark owns its process: it keeps freed memory, as the command line does."""
    keep_freed_memory()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--steps", type=int, default=2000, help="Adam steps per run")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--skip-table", action="store_true", help="do not time Table 1")
    args = parser.parse_args()
    x = dense_points(500)
    y = x**3
    print(f"machine: {os.cpu_count()} cores; numpy {np.__version__}")
    one = numpy_seconds(1, args.steps, x, y)
    many = numpy_seconds(args.runs, args.steps, x, y)
    print(f"numpy, 1 run alone:         {one / args.steps * 1e6:8.1f} us per step per run")
    print(f"numpy, {args.runs} runs at once:     {many / args.steps / args.runs * 1e6:8.1f} us "
          f"per step per run ({one * args.runs / many:.1f}x faster than one at a time)")
    without, with_ = malloc_seconds(args.runs, args.steps)
    print(f"numpy, {args.runs} runs at once, per step: {without / args.steps * 1e3:.2f} ms with "
          f"glibc's default malloc, {with_ / args.steps * 1e3:.2f} ms keeping freed memory "
          f"(minregion/reproduce/speed.py): {without / with_:.1f}x")
    layers = triangle_network(np.random.default_rng(20).uniform(0.3, 0.7, size=21))
    start = time.perf_counter()
    pieces = count_regions(layers)
    print(f"exact count of a depth-20 construction: {pieces} pieces (2^20 = {2**20}) in "
          f"{time.perf_counter() - start:.2f} s")
    ts, version = torch_seconds(args.runs, args.steps, x, y)
    if ts is None:
        print("PyTorch is not installed: skipping the comparison "
              "(.venv/bin/pip install torch, then make bench)")
    else:
        print(f"torch {version}, {args.runs} runs one after another: "
              f"{ts / args.steps / args.runs * 1e6:8.1f} us per step per run")
        print(f"ratio PyTorch / numpy for the same {args.runs} runs x {args.steps} steps: "
              f"{ts / many:.1f}x")
    if not args.skip_table:
        start = time.perf_counter()
        config = Config.for_protocol("paper")
        run_tables(["1"], config, jobs=min(2, os.cpu_count() or 1), progress=lambda s: None,
                   initializer=keep_freed_memory)
        print(f"whole Table 1, paper protocol (5 methods x 2 targets x {config.runs} runs x "
              f"{len(config.seeds)} seeds): "
              f"{time.perf_counter() - start:.0f} s wall time")


if __name__ == "__main__":
    main()
