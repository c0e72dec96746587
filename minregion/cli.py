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


def _non_negative(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _machine():
    return f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"


def _write_timings(path, blocks, seconds):
    """Wall-clock times go to their own file, so the tables are byte-identical per seed."""
    import json
    with open(path, "w") as fh:
        json.dump(dict(wall_seconds=seconds, machine=_machine(), blocks=[
            {k: b[k] for k in ("table", "target", "method", "seed", "seconds") if k in b}
            for b in blocks]), fh, indent=1)
        fh.write("\n")
    return path


def cmd_reproduce(args, parser):
    """``reproduce``: run the tables, write JSON, figures and ``report.md``. Returns 0, or 1
    when a run diverged (then no table is written)."""
    from .experiments import Config, parse_tables, quick, run_tables, write_results
    from .plots import write_table_figures
    from .report import format_report
    from .summary import write_json
    from .training import TrainingDiverged

    try:
        tables = parse_tables(args.tables)
    except ValueError as err:
        parser.error(f"--tables: {err}")
    ext = "ext" in tables                    # the extensions: minregion.extensions
    tables = [t for t in tables if t != "ext"]
    overrides = dict(runs=args.runs, epochs=args.epochs, seeds=args.seeds,
                     first_seed=args.seed, lr=args.lr, pretrain_epochs=args.pretrain_epochs)
    try:
        base = Config.for_protocol(args.protocol)
        config = (quick(base) if args.quick else base).with_overrides(**overrides)
    except ValueError as err:
        parser.error(str(err))
    out = _out_dir(parser, args.out)
    if tables:
        print(f"Reproducing table(s) {', '.join(tables)} under the {config.protocol!r} "
              f"protocol: {config.runs} runs per cell, seeds {', '.join(map(str, config.seeds))}, "
              f"{args.jobs} process(es)")
    start = time.perf_counter()
    try:
        results = (run_tables(tables, config, jobs=args.jobs, initializer=args.initializer)
                   if tables else {})
        if ext:
            from .extensions.experiments import ExtConfig, format_ext_report, run_ext
            from .extensions.plots import write_ext_figures
            ext_base = ExtConfig.for_protocol(args.protocol)
            ext_config = (quick(ext_base) if args.quick else ext_base).with_overrides(
                **overrides)
            print(f"Extensions: {ext_config.runs} runs per cell, seeds "
                  f"{', '.join(map(str, ext_config.seeds))}, {args.jobs} process(es)")
            ext_summary = run_ext(ext_config, jobs=args.jobs, initializer=args.initializer)
    except TrainingDiverged as err:
        print(f"error: {err}; no table was written", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    paths = write_results(results, out) + write_table_figures(results, out)
    blocks = [b for s in results.values() for b in s["blocks"]]
    if ext:
        paths.append(write_json(ext_summary, os.path.join(out, "ext.json")))
        paths += write_ext_figures(ext_summary, out)
        blocks += ext_summary["blocks"]
    command = "python -m minregion reproduce " + " ".join(sys.argv[2:])
    report = format_report(results, command.strip(), _machine())
    if ext:
        report += "\n" + format_ext_report(ext_summary)
    report += f"\nWall time: {seconds:.0f} s (per block: timings.json).\n"
    path = os.path.join(out, "report.md")
    with open(path, "w") as fh:
        fh.write(report)
    paths += [path, _write_timings(os.path.join(out, "timings.json"), blocks, seconds)]
    print(report)
    print("wrote " + ", ".join(paths))
    return 0


def cmd_calibrate(args, parser):
    """``calibrate``: the Kaiming minimum against the step budget, on the calibration seeds;
    writes ``calibration.json`` and ``calibration.md``. Returns 0."""
    from .calibration import CALIBRATION_SEEDS, format_calibration, run_calibration
    from .summary import write_json

    out = _out_dir(parser, args.out)
    seeds = CALIBRATION_SEEDS[: args.seeds] if args.seeds else CALIBRATION_SEEDS
    cal = run_calibration(seeds=seeds, runs=args.runs, jobs=args.jobs,
                          initializer=args.initializer)
    text = format_calibration(cal)
    write_json(cal, os.path.join(out, "calibration.json"))
    with open(os.path.join(out, "calibration.md"), "w") as fh:
        fh.write(f"Command: `python -m minregion calibrate {' '.join(sys.argv[2:])}`.\n\n"
                 + text)
    print(text)
    print(f"wrote {os.path.join(out, 'calibration.json')}, {os.path.join(out, 'calibration.md')}")
    return 0


def main(argv=None, own_process=False):
    """Parse ``argv`` (default: the command line) and run the chosen command; its exit code.

    ``own_process=True`` (only from ``python -m minregion``) keeps freed memory in this
    process and in the worker processes (:mod:`minregion.speed`).
    """
    from .experiments import PROTOCOLS

    parser = argparse.ArgumentParser(prog="python -m minregion",
                                     description="Exponentially many linear regions, in NumPy.")
    sub = parser.add_subparsers(dest="command", required=True)
    jobs = min(2, os.cpu_count() or 1)
    p = sub.add_parser("regions", help="exact region counts against depth, with a figure")
    p.add_argument("--depth", type=_positive(int), default=12, help="largest depth (>= 1)")
    p.add_argument("--seed", type=_non_negative, default=0)
    p.add_argument("--samples", type=_positive(int), default=50,
                   help="random networks per depth and initialiser")
    p.add_argument("--out", default="results", help="folder for the figure")
    p = sub.add_parser("reproduce", help="the paper's Tables 1-3, with a report and figures")
    p.add_argument("--protocol", choices=sorted(PROTOCOLS), default="paper",
                   help="paper: 2,000 raw steps (+1,000 phase-1 steps for pretraining), 5 "
                        "seeds; long: 15,000 steps for every method (1,500 in phase 1), 1 seed")
    p.add_argument("--tables", default="1,2,3", help="comma-separated: 1, 2, 3, ext")
    p.add_argument("--seeds", type=_positive(int), default=None,
                   help="how many seeds (independent repetitions of every cell)")
    p.add_argument("--seed", type=_non_negative, default=None, help="the first seed (0)")
    p.add_argument("--runs", type=_positive(int), default=None,
                   help="runs per cell and seed (30 for the tables, 8 for the extensions)")
    p.add_argument("--epochs", type=_positive(int), default=None,
                   help="raw-weight Adam steps (the protocol's; a new value keeps the "
                        "protocol's ratio of phase-1 steps)")
    p.add_argument("--pretrain-epochs", type=_non_negative, default=None,
                   help="phase-1 steps of the pretraining methods")
    p.add_argument("--lr", type=float, default=None, help="Adam learning rate (1e-3)")
    p.add_argument("--quick", action="store_true", help="a small version for a first look")
    p.add_argument("--jobs", type=_positive(int), default=jobs, help="worker processes")
    p.add_argument("--out", default="results", help="folder for JSON, report and figures")
    p = sub.add_parser("calibrate", help="the step budget at which Kaiming init reproduces "
                                         "the paper (the paper protocol's evidence)")
    p.add_argument("--seeds", type=_positive(int), default=None,
                   help="how many of the calibration seeds 100-104")
    p.add_argument("--runs", type=_positive(int), default=30)
    p.add_argument("--jobs", type=_positive(int), default=jobs, help="worker processes")
    p.add_argument("--out", default="results", help="folder for calibration.json and .md")
    args = parser.parse_args(argv)
    args.initializer = None
    if own_process:
        from .speed import keep_freed_memory
        keep_freed_memory()
        args.initializer = keep_freed_memory
    handler = {"regions": cmd_regions, "reproduce": cmd_reproduce,
               "calibrate": cmd_calibrate}[args.command]
    return handler(args, parser)
