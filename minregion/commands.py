"""The commands of ``python -m minregion``: ``regions``, ``reproduce``, ``calibrate`` and
``table3-settings``.

:mod:`minregion.cli` parses the arguments and owns the process; each command here checks
what the run would cost (:mod:`minregion.reproduce.cost`), runs the suites of
:mod:`minregion.reproduce` and :mod:`minregion.extensions`, and publishes its files through
:mod:`minregion.reproduce.outputs` (only minregion's own files, all or nothing).
"""
import json
import os
import platform
import shlex
import sys
import time

import numpy as np

from .checks import human_bytes as _human
from .reproduce.outputs import Output, OutputError, PublishError

MAX_REGION_DEPTH = 26     # 2^26 pieces: about a minute; beyond, out of reach for a demo
MAX_SAMPLES = 10_000
MAX_SEEDS = 1_000         # independent repetitions of every cell
MAX_STEPS = 1_000_000     # Adam steps of one phase
MAX_WORK = 100            # a run may do at most this many times the work of `make reproduce`
TABLE_FIGURES = ("fits", "curves", "regions", "pieces")          # reproduce/plots.py
EXT_FIGURES = ("nonconvex", "r3", "regions2d", "spirals")        # extensions/plots.py


def say(text):
    """A line on standard error that cannot fail (standard error may be closed too)."""
    try:
        print(text, file=sys.stderr)
    except (OSError, ValueError):
        pass


def _memory():
    """Physical memory of the machine in bytes (None where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _ext_cost(config):
    """The extensions' blocks (``extensions.experiments.ext_blocks``), each costed as the
    largest of them (the 2-D triangle layer on the grid): see :mod:`minregion.reproduce.cost`."""
    from .extensions.experiments import ext_blocks
    from .reproduce.cost import Cost, block_cost, one_seed
    points = max(config.dense_n, config.grid_n ** 2)
    width = max(config.width, 4 * config.K_2d)
    total = Cost()
    for _, _, _, m in ext_blocks(one_seed(config)):
        total = total + block_cost(config.runs, sum(config.steps(m)), points, config.depth,
                                   width, config.block_memory(), config.record_every)
    return total.times(len(config.seeds))


def _reference_work():
    """The work of ``make reproduce``: Tables 1-3 and the extensions, paper protocol."""
    from .extensions.experiments import ExtConfig
    from .reproduce.cost import tables_cost
    from .reproduce.experiments import TABLES, Config
    return (tables_cost(list(TABLES), Config.for_protocol("paper"))
            + _ext_cost(ExtConfig.for_protocol("paper", validation_seeds=()))).work


def _check_cost(parser, args, cost):
    """Refuse a run out of reach before any work, with what it would cost: a size argument
    above its bound (``--seeds`` at most ``MAX_SEEDS``, ``--epochs`` and
    ``--pretrain-epochs`` at most ``MAX_STEPS``), more memory than half the machine's per
    worker process or for the results kept in this process, or more than ``MAX_WORK`` times
    the work of ``make reproduce`` (:mod:`minregion.reproduce.cost`)."""
    given = {k: v for k, v in vars(args).items()
             if k in ("runs", "seeds", "epochs", "pretrain_epochs") and v is not None}
    what = ("this run (" + " ".join(f"--{k.replace('_', '-')} {v:,}" for k, v in given.items())
            + ")") if given else "this run"
    problems = [f"--{k.replace('_', '-')} must be <= {cap:,}"
                for k, cap in (("seeds", MAX_SEEDS), ("epochs", MAX_STEPS),
                               ("pretrain_epochs", MAX_STEPS)) if given.get(k, 0) > cap]
    total, factor = _memory(), cost.work / _reference_work()
    if total is not None and cost.worker_bytes > total / 2:
        problems.append("more than half the machine's memory per process")
    if total is not None and cost.results_bytes > total / 2:
        problems.append("more than half the machine's memory for the results")
    if factor > MAX_WORK:
        problems.append(f"more than {MAX_WORK} times the work of `make reproduce`")
    if problems:
        machine = f" (this machine has {_human(total)})" if total is not None else ""
        parser.error(f"{what} is out of reach: {'; '.join(problems)}. It would do about "
                     f"{factor:,.3g} times the work of `make reproduce` (the README says how "
                     f"long that takes), need about {_human(cost.worker_bytes)} of memory per "
                     f"process and keep {_human(cost.results_bytes)} of results in memory"
                     f"{machine}: use fewer seeds, runs or steps")


def _cap_jobs(jobs, blocks):
    """At most one worker per core and per block: more cannot help."""
    cap = max(1, min(os.cpu_count() or 1, blocks))
    if jobs > cap:
        print(f"note: --jobs {jobs} capped at {cap} ({os.cpu_count()} cores, {blocks} blocks: "
              f"more processes cannot help)")
    return min(jobs, cap)


def _machine():
    return f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"


def _out_dir(args, parser, command, names):
    """The output folder, checked and created before any work (a usage error if it cannot
    be used): see :mod:`minregion.reproduce.outputs`."""
    args.output = Output(args.out, command)
    try:
        return args.output.prepare(names)
    except OutputError as err:
        args.output = None
        parser.error(str(err))


def _publish(output, write):
    """Write the run's files with ``write(folder)`` into a staging folder and publish them.
    Returns True, or False after an error message saying what state the folder is in."""
    try:
        with output.staging() as folder:
            write(folder)
            output.publish()
    except PublishError as err:
        why = getattr(err.cause, "strerror", None) or err.cause
        print(f"error: could not publish the results into {output.given!r} ({why}); "
              f"{err.state}", file=sys.stderr)
        return False
    except OSError as err:
        print(f"error: could not write the results into {output.given!r} "
              f"({err.strerror or err}); {output.given!r} is as it was", file=sys.stderr)
        return False
    return True


def _report_published(output):
    """Say what publishing did; returns 1 when the results went into a folder beside
    ``--out`` (a file minregion did not write appeared there), else 0."""
    for line in output.report_lines():
        print(line)
    if output.result.beside:
        say(f"note: the results are in {output.result.beside!r}, not in {output.given!r}")
        return 1
    return 0


def _command(argv):
    """The command line that ``argv`` (the arguments given to :func:`main`) stands for."""
    return "python -m minregion " + shlex.join(argv)


def cmd_regions(args, parser):
    """``regions``: print exact counts against depth and save the figure. Returns 0 if the
    construction has exactly 2^d pieces at every depth, 1 otherwise (or when the figure
    could not be written)."""
    from .reproduce.plots import plot_regions_vs_depth
    from .reproduce.regions_vs_depth import format_regions_table, regions_by_depth

    if args.depth > MAX_REGION_DEPTH:
        parser.error(f"argument --depth: must be <= {MAX_REGION_DEPTH}; a depth-d construction "
                     f"has 2^d pieces, and 2^{args.depth} = {2 ** args.depth:.3g} is out of reach")
    if args.samples > MAX_SAMPLES:
        parser.error(f"argument --samples: must be <= {MAX_SAMPLES}; got {args.samples}")
    output = _out_dir(args, parser, "regions", ["regions_vs_depth.png"])
    start = time.perf_counter()
    study = regions_by_depth(args.depth, np.random.default_rng(args.seed), samples=args.samples)
    print(f"Exact linear pieces on [0, 1] of 1-4-...-4-1 networks (seed {args.seed}, "
          f"{args.samples} random networks per depth and initialiser):")
    print(format_regions_table(study))
    ok = bool(np.all(study["constructed"] == 2 ** study["depth"]))
    print(f"constructed == 2^d at every depth: {ok}")
    if not _publish(output, lambda folder: plot_regions_vs_depth(
            study["depth"], study["constructed"], study["kaiming_median"],
            study["raai_median"], os.path.join(folder, "regions_vs_depth.png"))):
        return 1
    beside = _report_published(output)
    print(f"({time.perf_counter() - start:.1f} s)")
    return 0 if ok and not beside else 1


def _write_timings(path, blocks, seconds):
    """Wall-clock times go to their own file, so the tables are byte-identical per seed."""
    with open(path, "w") as fh:
        json.dump(dict(wall_seconds=seconds, machine=_machine(), blocks=[
            {k: b[k] for k in ("table", "target", "method", "seed", "seconds") if k in b}
            for b in blocks]), fh, indent=1)
        fh.write("\n")
    return path


def _configs(args, parser, tables, ext, depth=False):
    """The tables', the extensions' and the depth study's configurations, checked against
    what they cost (:func:`_check_cost`), or a usage error."""
    from .reproduce.cost import Cost, depth_cost, tables_cost
    from .reproduce.depth_study import study_config
    from .reproduce.experiments import Config, quick

    def build(seeds, validation):
        overrides = dict(runs=args.runs, epochs=args.epochs, seeds=seeds,
                         first_seed=args.seed, lr=args.lr, pretrain_epochs=args.pretrain_epochs)
        try:
            base = Config.for_protocol(args.protocol)
            config = (quick(base) if args.quick else base).with_overrides(
                validation_seeds=validation, **overrides)
            ext_config = depth_config = None
            cost = tables_cost(tables, config) if tables else Cost()
            if ext:
                from .extensions.experiments import ExtConfig
                ext_base = ExtConfig.for_protocol(args.protocol, validation_seeds=())
                ext_config = (quick(ext_base) if args.quick else ext_base).with_overrides(
                    **overrides)
                cost = cost + _ext_cost(ext_config)
            if depth:
                depth_base = study_config(args.protocol)
                depth_config = (quick(depth_base) if args.quick else depth_base).with_overrides(
                    **overrides)
                cost = cost + depth_cost(depth_config)
        except ValueError as err:
            parser.error(str(err))
        return config, ext_config, depth_config, cost

    if getattr(args, "validation_seeds", None) is not None and args.validation_seeds > MAX_SEEDS:
        parser.error(f"argument --validation-seeds: must be <= {MAX_SEEDS:,}; "
                     f"got {args.validation_seeds:,}")
    if args.seeds is not None:       # costed on one seed first: never build a huge seed list
        _check_cost(parser, args, build(1, 0)[3].times(args.seeds))
    config, ext_config, depth_config, cost = build(args.seeds, args.validation_seeds)
    _check_cost(parser, args, cost)
    return config, ext_config, depth_config


def _reproduce_files(tables, ext, depth):
    """The names of the files ``reproduce`` writes (a test holds them to a real run)."""
    names = [f"table{t}.json" for t in tables]
    names += [f"table{t}_{f}.png" for t in tables for f in TABLE_FIGURES]
    if ext:
        names += ["ext.json"] + [f"ext_{f}.png" for f in EXT_FIGURES]
    if depth:
        names += ["depth.json", "depth_mse.png"]
    return names + ["report.md", "timings.json"]


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
    output = _out_dir(args, parser, "reproduce", _reproduce_files(tables, ext, depth))
    if tables:
        validation = (f", validation seeds {', '.join(map(str, config.validation_seeds))}"
                      if config.validation_seeds else "")
        print(f"Reproducing table(s) {', '.join(tables)} under the {config.protocol!r} "
              f"protocol: {config.runs} runs per cell, seeds {', '.join(map(str, config.seeds))}"
              f"{validation}, {jobs} process(es)")
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
    blocks = [b for s in results.values() for b in s["blocks"] + s.get("validation_blocks", [])]
    report = format_report(results, _command(args.argv), _machine())
    if ext:
        report += "\n" + format_ext_report(ext_summary)
        blocks += ext_summary["blocks"]
    if depth:
        report += "\n" + format_depth_report(depth_summary)
    report += f"\nWall time: {seconds:.0f} s (per block: timings.json).\n"

    def write(folder):
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

    if not _publish(output, write):
        return 1
    print(report)
    return _report_published(output)


def cmd_calibrate(args, parser):
    """``calibrate``: the Kaiming minimum against the step budget, on the calibration seeds;
    writes ``calibration.json`` and ``calibration.md``. Returns 0 (1 when the files could not
    be written, or went into a folder beside ``--out``)."""
    from .reproduce.calibration import (CALIBRATION_SEEDS, calibration_blocks,
                                        format_calibration, run_calibration)
    from .reproduce.cost import calibration_cost
    from .reproduce.summary import write_json

    if args.seeds is not None and args.seeds > len(CALIBRATION_SEEDS):
        parser.error(f"argument --seeds: must be <= {len(CALIBRATION_SEEDS)} (the calibration "
                     f"seeds are {', '.join(map(str, CALIBRATION_SEEDS))})")
    seeds = CALIBRATION_SEEDS[: args.seeds] if args.seeds else CALIBRATION_SEEDS
    _check_cost(parser, args, calibration_cost(seeds, args.runs))
    jobs = _cap_jobs(args.jobs, len(calibration_blocks(seeds, runs=args.runs)))
    output = _out_dir(args, parser, "calibrate", ["calibration.json", "calibration.md"])
    cal = run_calibration(seeds=seeds, runs=args.runs, jobs=jobs, initializer=args.initializer)
    text = format_calibration(cal)

    def write(folder):
        write_json(cal, os.path.join(folder, "calibration.json"))
        with open(os.path.join(folder, "calibration.md"), "w") as fh:
            fh.write(f"Command: `{_command(args.argv)}`.\n\n{text}")

    if not _publish(output, write):
        return 1
    print(text)
    return _report_published(output)


def cmd_table3_settings(args, parser):
    """``table3-settings``: Table 3's Kaiming minimum under three readings of its 10 points
    and five step budgets (:mod:`minregion.reproduce.table3_settings`); writes
    ``table3_settings.json`` and ``table3_settings.md``. Returns 0 (1 when the files could
    not be written, or went into a folder beside ``--out``)."""
    from .reproduce.cost import settings_cost
    from .reproduce.table3_settings import (NAMES, SEEDS, format_settings, run_settings,
                                            settings_blocks)

    if args.seeds > len(SEEDS):
        parser.error(f"argument --seeds: must be <= {len(SEEDS)} (the seeds are "
                     f"{', '.join(map(str, SEEDS))}); got {args.seeds:,}")
    seeds = SEEDS[: args.seeds]
    _check_cost(parser, args, settings_cost(seeds, args.runs))
    jobs = _cap_jobs(args.jobs, len(settings_blocks(seeds, args.runs)))
    output = _out_dir(args, parser, "table3-settings", list(NAMES))
    res = run_settings(seeds, args.runs, jobs, initializer=args.initializer)
    text = format_settings(res)

    def write(folder):
        with open(os.path.join(folder, NAMES[0]), "w") as fh:
            json.dump(res, fh, indent=1)
            fh.write("\n")
        with open(os.path.join(folder, NAMES[1]), "w") as fh:
            fh.write(f"Command: `{_command(args.argv)}`.\n\n{text}")

    if not _publish(output, write):
        return 1
    print(text)
    return _report_published(output)
