"""Command line: ``python -m minregion regions | reproduce``.

``python -m minregion`` owns its process, so it is the one place (with the benchmark) that
opts into :func:`minregion.speed.keep_freed_memory`, for itself and for its worker
processes (``main(own_process=True)``, from ``__main__.py``). Called as a function
(``main([...])``, as the tests do), it leaves the process as it found it.
"""
import argparse
import os
import platform
import sys
import time

import numpy as np


def _out_dir(parser, path):
    """Create the output folder, or stop with a clear message if it cannot be written."""
    try:
        os.makedirs(path, exist_ok=True)
        probe = os.path.join(path, ".write-test")
        with open(probe, "w"):
            pass
        os.remove(probe)
    except OSError as err:
        parser.error(f"--out {path!r} is not a writable folder ({err.strerror})")
    return path


def _positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
        return value
    return parse


def cmd_regions(args, parser):
    """``regions``: print exact counts against depth and save the figure. Returns 0 if the
    construction has exactly 2^d pieces at every depth, 1 otherwise."""
    from .plots import plot_regions_vs_depth
    from .regions_vs_depth import format_regions_table, regions_by_depth

    out = _out_dir(parser, args.out)
    start = time.perf_counter()
    study = regions_by_depth(args.depth, np.random.default_rng(args.seed), samples=args.samples)
    print(f"Exact linear pieces on [0, 1] of 1-4-...-4-1 networks (seed {args.seed}, "
          f"{args.samples} random networks per depth and initialiser):")
    print(format_regions_table(study))
    ok = bool(np.all(study["constructed"] == 2 ** study["depth"]))
    print(f"constructed == 2^d at every depth: {ok}")
    path = os.path.join(out, "regions_vs_depth.png")
    plot_regions_vs_depth(study["depth"], study["constructed"], study["kaiming_median"],
                          study["raai_median"], path)
    print(f"figure: {path}  ({time.perf_counter() - start:.1f} s)")
    return 0 if ok else 1


def cmd_reproduce(args, parser):
    """``reproduce``: run the tables, write JSON, figures and ``report.md``. Returns 0, or 1
    when a run diverged (then no table is written)."""
    from .experiments import (QUICK, Config, format_report, parse_tables, run_tables,
                              write_json, write_results)
    from .plots import write_table_figures
    from .training import TrainingDiverged

    try:
        tables = parse_tables(args.tables)
    except ValueError as err:
        parser.error(f"--tables: {err}")
    ext = "ext" in tables                    # the extensions: minregion.extensions
    tables = [t for t in tables if t != "ext"]
    try:
        config = (QUICK if args.quick else Config()).with_overrides(
            args.runs, args.epochs, args.seed, args.lr)
    except ValueError as err:
        parser.error(str(err))
    out = _out_dir(parser, args.out)
    if tables:
        print(f"Reproducing table(s) {', '.join(tables)}: {config.runs} runs per cell, "
              f"{config.epochs} Adam steps each, {args.jobs} process(es)")
    start = time.perf_counter()
    try:
        results = (run_tables(tables, config, jobs=args.jobs, initializer=args.initializer)
                   if tables else {})
        if ext:
            from .extensions.experiments import QUICK_EXT, ExtConfig, format_ext_report, run_ext
            from .extensions.plots import write_ext_figures
            ext_config = (QUICK_EXT if args.quick else ExtConfig()).with_overrides(
                args.runs, args.epochs, args.seed, args.lr)
            print(f"Extensions: {ext_config.runs} runs per cell, {ext_config.epochs} Adam "
                  f"steps each, {args.jobs} process(es)")
            ext_summary = run_ext(ext_config, jobs=args.jobs, initializer=args.initializer)
    except TrainingDiverged as err:
        print(f"error: {err}; no table was written", file=sys.stderr)
        return 1
    paths = write_results(results, out) + write_table_figures(results, out)
    if ext:
        paths.append(write_json(ext_summary, os.path.join(out, "ext.json")))
        paths += write_ext_figures(ext_summary, out)
    command = "python -m minregion reproduce " + " ".join(sys.argv[2:])
    machine = f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
    report = format_report(results, command.strip(), machine)
    if ext:
        report += "\n" + format_ext_report(ext_summary)
    report += f"\nTotal wall time: {time.perf_counter() - start:.0f} s.\n"
    path = os.path.join(out, "report.md")
    with open(path, "w") as fh:
        fh.write(report)
    paths.append(path)
    print(report)
    print("wrote " + ", ".join(paths))
    return 0


def main(argv=None, own_process=False):
    """Parse ``argv`` (default: the command line) and run the chosen command; its exit code.

    ``own_process=True`` (only from ``python -m minregion``) keeps freed memory in this
    process and in the worker processes (:mod:`minregion.speed`).
    """
    parser = argparse.ArgumentParser(prog="python -m minregion",
                                     description="Exponentially many linear regions, in NumPy.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("regions", help="exact region counts against depth, with a figure")
    p.add_argument("--depth", type=_positive(int), default=12, help="largest depth (>= 1)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--samples", type=_positive(int), default=50,
                   help="random networks per depth and initialiser")
    p.add_argument("--out", default="results", help="folder for the figure")
    p = sub.add_parser("reproduce", help="the paper's Tables 1-3, with a report and figures")
    p.add_argument("--tables", default="1,2,3", help="comma-separated: 1, 2, 3, ext")
    p.add_argument("--runs", type=_positive(int), default=None, help="runs per cell (30)")
    p.add_argument("--epochs", type=_positive(int), default=None, help="Adam steps per run (15000; a tenth of them pretraining)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--lr", type=float, default=None, help="Adam learning rate (1e-3)")
    p.add_argument("--quick", action="store_true", help="a small version for a first look")
    p.add_argument("--jobs", type=_positive(int), default=min(2, os.cpu_count() or 1),
                   help="worker processes")
    p.add_argument("--out", default="results", help="folder for JSON, report and figures")
    args = parser.parse_args(argv)
    args.initializer = None
    if own_process:
        from .speed import keep_freed_memory
        keep_freed_memory()
        args.initializer = keep_freed_memory
    handler = {"regions": cmd_regions, "reproduce": cmd_reproduce}[args.command]
    return handler(args, parser)
