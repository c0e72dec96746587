"""Command line: ``python -m minregion regions | reproduce | calibrate``.

``python -m minregion`` owns its process, so it is the one place (with the benchmark) that
opts into :func:`minregion.reproduce.speed.keep_freed_memory`, for itself and for its worker
processes, and that turns SIGTERM into a clean stop (``main(own_process=True)``, from
``__main__.py``). Called as a function (``main([...])``, as the tests do), it leaves the
process as it found it.

What the commands promise:

- a usage error (an unknown table, a negative seed, sizes out of reach) is one line and exit
  code 2, before any work;
- the files of a run are written under a temporary folder inside ``--out`` and moved into
  place together at the end; an interrupted or failed run (Ctrl-C, SIGTERM, a diverging
  run, a full disk) leaves ``--out`` as it was, and its worker processes end with it;
- the results of an earlier run of the same command in ``--out`` are removed when the new
  ones are published (and the command says which), so the folder never mixes two runs.
"""
import argparse
import fnmatch
import json
import os
import platform
import shutil
import signal
import sys
import tempfile
import time

import numpy as np

MAX_REGION_DEPTH = 26     # 2^26 pieces: about a minute; beyond, out of reach for a demo
MAX_SAMPLES = 10_000
REPRODUCE_FILES = ("table*.json", "table*_*.png", "ext.json", "ext_*.png", "depth.json",
                   "depth_*.png", "report.md", "timings.json")
REGIONS_FILES = ("regions_vs_depth.png",)
CALIBRATE_FILES = ("calibration.json", "calibration.md")


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised as an exception so that the run cleans up after itself."""


def _on_sigterm(signum, frame):
    raise Terminated()


# --- arguments --------------------------------------------------------------------------

def _at_least(minimum):
    """An argparse type: an integer >= ``minimum``, or a one-line usage error."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value
    return parse


def _human(n_bytes):
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if n_bytes < 1000 or unit == "PB":
            return f"{n_bytes:.3g} {unit}"
        n_bytes /= 1000


def _memory():
    """Physical memory of the machine in bytes (None where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _check_memory(parser, what, need):
    total = _memory()
    if total is not None and need > total / 2:
        parser.error(f"{what} would need about {_human(need)} of memory per process; this "
                     f"machine has {_human(total)}")


def _cap_jobs(jobs, blocks):
    """At most one worker per core and per block: more cannot help."""
    cap = max(1, min(os.cpu_count() or 1, blocks))
    if jobs > cap:
        print(f"note: --jobs {jobs} capped at {cap} ({os.cpu_count()} cores, {blocks} blocks: "
              f"more processes cannot help)")
    return min(jobs, cap)


def _machine():
    return f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"


# --- the output folder ------------------------------------------------------------------

def _out_dir(parser, path):
    """Create the output folder, or stop with a clear message if it cannot be written."""
    try:
        os.makedirs(path, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-")
        probe.close()
    except OSError as err:
        parser.error(f"--out {path!r} is not a writable folder ({err.strerror})")
    return path


class Staging:
    """A run's files, written under ``out/.partial-*`` and published together.

    ``with Staging(out, patterns) as folder:`` write the files into ``folder``; then
    :meth:`publish` removes the files of an earlier run that match ``patterns`` and moves the
    new files into ``out`` (each move is an atomic rename). If the block raises, the staging
    folder is removed and ``out`` is left as it was.
    """

    def __init__(self, out, patterns):
        self.out, self.patterns = out, patterns
        self.folder = None

    def __enter__(self):
        self.folder = tempfile.mkdtemp(prefix=".partial-", dir=self.out)
        return self.folder

    def __exit__(self, kind, value, tb):
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
        return False

    def publish(self):
        """Move the staged files into place; returns (published paths, removed stale names)."""
        new = sorted(os.listdir(self.folder))
        stale = sorted(f for f in os.listdir(self.out) if f not in new and
                       any(fnmatch.fnmatch(f, p) for p in self.patterns))
        for f in stale:
            os.remove(os.path.join(self.out, f))
        for f in new:
            os.replace(os.path.join(self.folder, f), os.path.join(self.out, f))
        return [os.path.join(self.out, f) for f in new], stale


def _published(paths, stale):
    print("wrote " + ", ".join(paths))
    if stale:
        print("removed the files of an earlier run that this run does not rewrite: "
              + ", ".join(stale))


# --- commands ---------------------------------------------------------------------------

def cmd_regions(args, parser):
    """``regions``: print exact counts against depth and save the figure. Returns 0 if the
    construction has exactly 2^d pieces at every depth, 1 otherwise."""
    from .reproduce.plots import plot_regions_vs_depth
    from .reproduce.regions_vs_depth import format_regions_table, regions_by_depth

    if args.depth > MAX_REGION_DEPTH:
        parser.error(f"argument --depth: must be <= {MAX_REGION_DEPTH}; a depth-d construction "
                     f"has 2^d pieces, and 2^{args.depth} = {2 ** args.depth:.3g} is out of reach")
    if args.samples > MAX_SAMPLES:
        parser.error(f"argument --samples: must be <= {MAX_SAMPLES}; got {args.samples}")
    out = _out_dir(parser, args.out)
    start = time.perf_counter()
    study = regions_by_depth(args.depth, np.random.default_rng(args.seed), samples=args.samples)
    print(f"Exact linear pieces on [0, 1] of 1-4-...-4-1 networks (seed {args.seed}, "
          f"{args.samples} random networks per depth and initialiser):")
    print(format_regions_table(study))
    ok = bool(np.all(study["constructed"] == 2 ** study["depth"]))
    print(f"constructed == 2^d at every depth: {ok}")
    stage = Staging(out, REGIONS_FILES)
    with stage as folder:
        plot_regions_vs_depth(study["depth"], study["constructed"], study["kaiming_median"],
                              study["raai_median"], os.path.join(folder, "regions_vs_depth.png"))
        _published(*stage.publish())
    print(f"({time.perf_counter() - start:.1f} s)")
    return 0 if ok else 1


def _write_timings(path, blocks, seconds):
    """Wall-clock times go to their own file, so the tables are byte-identical per seed."""
    with open(path, "w") as fh:
        json.dump(dict(wall_seconds=seconds, machine=_machine(), blocks=[
            {k: b[k] for k in ("table", "target", "method", "seed", "seconds") if k in b}
            for b in blocks]), fh, indent=1)
        fh.write("\n")
    return path


def _configs(args, parser, tables, ext, depth=False):
    """The tables', the extensions' and the depth study's configurations, checked, or a
    usage error."""
    from .reproduce.depth_study import study_config
    from .reproduce.experiments import Config, quick

    overrides = dict(runs=args.runs, epochs=args.epochs, seeds=args.seeds,
                     first_seed=args.seed, lr=args.lr, pretrain_epochs=args.pretrain_epochs)
    try:
        base = Config.for_protocol(args.protocol)
        config = (quick(base) if args.quick else base).with_overrides(**overrides)
        ext_config = depth_config = None
        if ext:
            from .extensions.experiments import ExtConfig
            ext_base = ExtConfig.for_protocol(args.protocol)
            ext_config = (quick(ext_base) if args.quick else ext_base).with_overrides(**overrides)
        if depth:
            depth_base = study_config(args.protocol)
            depth_config = (quick(depth_base) if args.quick else depth_base).with_overrides(
                **overrides)
    except ValueError as err:
        parser.error(str(err))
    # one block of the largest network: its caches, per process
    from .reproduce.depth_study import DEPTHS
    need = max([config.block_memory()] + ([ext_config.block_memory()] if ext else [])
               + ([depth_config.block_memory(max(DEPTHS))] if depth else []))
    _check_memory(parser, f"--runs {config.runs}", need)
    return config, ext_config, depth_config


def cmd_reproduce(args, parser):
    """``reproduce``: run the tables, write JSON, figures and ``report.md``. Returns 0, or 1
    when a run diverged or the results could not be written (then nothing is written)."""
    from .reproduce.experiments import parse_tables, run_tables, table_blocks, write_results
    from .reproduce.plots import write_table_figures
    from .reproduce.report import format_report
    from .reproduce.summary import write_json
    from .training import TrainingDiverged

    try:
        tables = parse_tables(args.tables)
    except ValueError as err:
        parser.error(f"--tables: {err}")
    ext = "ext" in tables                    # the extensions: minregion.extensions
    depth = "depth" in tables                # the error against depth: minregion.reproduce.depth_study
    tables = [t for t in tables if t not in ("ext", "depth")]
    config, ext_config, depth_config = _configs(args, parser, tables, ext, depth)
    n_blocks = len(table_blocks(tables, config))
    if ext:
        from .extensions.experiments import ext_blocks
        n_blocks += len(ext_blocks(ext_config))
    if depth:
        from .reproduce.depth_study import depth_blocks
        n_blocks += len(depth_blocks(depth_config))
    jobs = _cap_jobs(args.jobs, n_blocks)
    out = _out_dir(parser, args.out)
    if tables:
        print(f"Reproducing table(s) {', '.join(tables)} under the {config.protocol!r} "
              f"protocol: {config.runs} runs per cell, seeds {', '.join(map(str, config.seeds))}, "
              f"{jobs} process(es)")
    start = time.perf_counter()
    try:
        results = (run_tables(tables, config, jobs=jobs, initializer=args.initializer)
                   if tables else {})
        if ext:
            from .extensions.experiments import format_ext_report, run_ext
            from .extensions.plots import write_ext_figures
            print(f"Extensions: {ext_config.runs} runs per cell, seeds "
                  f"{', '.join(map(str, ext_config.seeds))}, {jobs} process(es)")
            ext_summary = run_ext(ext_config, jobs=jobs, initializer=args.initializer)
        if depth:
            from .reproduce.depth_study import format_depth_report, run_depth_study
            print(f"Error against depth: {depth_config.runs} runs per cell, seeds "
                  f"{', '.join(map(str, depth_config.seeds))}, {jobs} process(es)")
            depth_summary = run_depth_study(depth_config, jobs=jobs,
                                            initializer=args.initializer)
    except TrainingDiverged as err:
        print(f"error: {err}; no table was written", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    blocks = [b for s in results.values() for b in s["blocks"]]
    command = "python -m minregion reproduce " + " ".join(sys.argv[2:])
    report = format_report(results, command.strip(), _machine())
    if ext:
        report += "\n" + format_ext_report(ext_summary)
        blocks += ext_summary["blocks"]
    if depth:
        report += "\n" + format_depth_report(depth_summary)
    report += f"\nWall time: {seconds:.0f} s (per block: timings.json).\n"
    stage = Staging(out, REPRODUCE_FILES)
    try:
        with stage as folder:
            write_results(results, folder)
            write_table_figures(results, folder)
            if ext:
                write_json(ext_summary, os.path.join(folder, "ext.json"))
                write_ext_figures(ext_summary, folder)
            if depth:
                from .reproduce.plots import plot_depth_study
                write_json(depth_summary, os.path.join(folder, "depth.json"))
                plot_depth_study(depth_summary, os.path.join(folder, "depth_mse.png"))
            with open(os.path.join(folder, "report.md"), "w") as fh:
                fh.write(report)
            _write_timings(os.path.join(folder, "timings.json"), blocks, seconds)
            paths, stale = stage.publish()
    except OSError as err:
        print(f"error: could not write the results into {out!r} ({err.strerror or err}); "
              f"{out!r} is as it was", file=sys.stderr)
        return 1
    print(report)
    _published(paths, stale)
    return 0


def cmd_calibrate(args, parser):
    """``calibrate``: the Kaiming minimum against the step budget, on the calibration seeds;
    writes ``calibration.json`` and ``calibration.md``. Returns 0."""
    from .reproduce.calibration import (CALIBRATION_SEEDS, calibration_blocks,
                                        format_calibration, run_calibration)
    from .reproduce.experiments import Config
    from .reproduce.summary import write_json

    if args.seeds is not None and args.seeds > len(CALIBRATION_SEEDS):
        parser.error(f"argument --seeds: must be <= {len(CALIBRATION_SEEDS)} (the calibration "
                     f"seeds are {', '.join(map(str, CALIBRATION_SEEDS))})")
    _check_memory(parser, f"--runs {args.runs}", Config(runs=args.runs).block_memory())
    seeds = CALIBRATION_SEEDS[: args.seeds] if args.seeds else CALIBRATION_SEEDS
    jobs = _cap_jobs(args.jobs, len(calibration_blocks(seeds, runs=args.runs)))
    out = _out_dir(parser, args.out)
    cal = run_calibration(seeds=seeds, runs=args.runs, jobs=jobs, initializer=args.initializer)
    text = format_calibration(cal)
    stage = Staging(out, CALIBRATE_FILES)
    try:
        with stage as folder:
            write_json(cal, os.path.join(folder, "calibration.json"))
            with open(os.path.join(folder, "calibration.md"), "w") as fh:
                fh.write(f"Command: `python -m minregion calibrate {' '.join(sys.argv[2:])}`."
                         f"\n\n{text}")
            paths, stale = stage.publish()
    except OSError as err:
        print(f"error: could not write into {out!r} ({err.strerror or err})", file=sys.stderr)
        return 1
    print(text)
    _published(paths, stale)
    return 0


def main(argv=None, own_process=False):
    """Parse ``argv`` (default: the command line) and run the chosen command; its exit code.

    ``own_process=True`` (only from ``python -m minregion``) keeps freed memory in this
    process and in the worker processes (:mod:`minregion.reproduce.speed`), and turns SIGTERM into a
    clean stop. An interrupted command exits with 130 (Ctrl-C) or 143 (SIGTERM).
    """
    from .reproduce.calibration import CALIBRATION_SEEDS
    from .reproduce.experiments import PROTOCOLS

    parser = argparse.ArgumentParser(prog="python -m minregion",
                                     description="Exponentially many linear regions, in NumPy.")
    sub = parser.add_subparsers(dest="command", required=True)
    jobs = min(2, os.cpu_count() or 1)
    p = sub.add_parser("regions", help="exact region counts against depth, with a figure")
    p.add_argument("--depth", type=_at_least(1), default=12,
                   help=f"largest depth (1 to {MAX_REGION_DEPTH})")
    p.add_argument("--seed", type=_at_least(0), default=0)
    p.add_argument("--samples", type=_at_least(1), default=50,
                   help="random networks per depth and initialiser")
    p.add_argument("--out", default="results", help="folder for the figure")
    p = sub.add_parser("reproduce", help="the paper's Tables 1-3, with a report and figures")
    p.add_argument("--protocol", choices=sorted(PROTOCOLS), default="paper",
                   help=f"paper: {PROTOCOLS['paper']['epochs']:,} raw steps (+"
                        f"{PROTOCOLS['paper']['pretrain_epochs']:,} phase-1 steps for "
                        f"pretraining), 5 seeds; long: 15,000 steps for every method (1,500 in "
                        f"phase 1), 1 seed; cosine: long with the raw-weight lr decayed from "
                        f"1e-3 to 1e-5")
    p.add_argument("--tables", default="1,2,3",
                   help="comma-separated: 1, 2, 3, ext (the extensions), depth (the error "
                        "against depth)")
    p.add_argument("--seeds", type=_at_least(1), default=None,
                   help="how many seeds (independent repetitions of every cell)")
    p.add_argument("--seed", type=_at_least(0), default=None, help="the first seed (0)")
    p.add_argument("--runs", type=_at_least(1), default=None,
                   help="runs per cell and seed (30 for the tables, 8 for the extensions)")
    p.add_argument("--epochs", type=_at_least(1), default=None,
                   help="raw-weight Adam steps (the protocol's; a new value keeps the "
                        "protocol's ratio of phase-1 steps)")
    p.add_argument("--pretrain-epochs", type=_at_least(0), default=None,
                   help="phase-1 steps of the pretraining methods")
    p.add_argument("--lr", type=float, default=None, help="Adam learning rate (1e-3)")
    p.add_argument("--quick", action="store_true", help="a small version for a first look")
    p.add_argument("--jobs", type=_at_least(1), default=jobs, help="worker processes")
    p.add_argument("--out", default="results", help="folder for JSON, report and figures")
    p = sub.add_parser("calibrate", help="the step budget at which Kaiming init reproduces "
                                         "the paper (the paper protocol's evidence)")
    p.add_argument("--seeds", type=_at_least(1), default=None,
                   help=f"how many of the calibration seeds {CALIBRATION_SEEDS[0]}-"
                        f"{CALIBRATION_SEEDS[-1]}")
    p.add_argument("--runs", type=_at_least(1), default=30)
    p.add_argument("--jobs", type=_at_least(1), default=jobs, help="worker processes")
    p.add_argument("--out", default="results", help="folder for calibration.json and .md")
    args = parser.parse_args(argv)
    args.initializer = None
    if own_process:
        from .reproduce.speed import keep_freed_memory
        keep_freed_memory()
        args.initializer = keep_freed_memory
        signal.signal(signal.SIGTERM, _on_sigterm)
    handler = {"regions": cmd_regions, "reproduce": cmd_reproduce,
               "calibrate": cmd_calibrate}[args.command]
    try:
        return handler(args, parser)
    except KeyboardInterrupt as err:
        name = "SIGTERM" if isinstance(err, Terminated) else "interrupt"
        print(f"{name}: stopped; the worker processes have ended and {args.out!r} is as it was",
              file=sys.stderr)
        return 143 if isinstance(err, Terminated) else 130
