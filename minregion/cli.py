"""Command line: ``python -m minregion regions | reproduce | calibrate | table3-settings``:
the arguments, the process (signals, standard output) and the exit codes; the commands are
in :mod:`minregion.commands`.

``python -m minregion`` owns its process, so it is the one place (with the benchmark) that
opts into :func:`minregion.reproduce.speed.keep_freed_memory`, for itself and for its worker
processes, and that turns SIGTERM and Ctrl-C into a clean stop, one that cannot be lost on
its way (``main(own_process=True)``, from ``__main__.py``; see :class:`_Stop`). Called as a
function (``main([...])``, as the tests do), it leaves the process as it found it.

What the commands promise:

- a usage error (an unknown table, a negative seed, sizes out of reach, an output folder in
  the project's sources or holding a file of a result's name that minregion did not write)
  is one line and exit code 2, before any work;
- ``--out`` is handled by :mod:`minregion.reproduce.outputs`: minregion removes or
  overwrites only files its manifest proves it wrote there; the files of a run are written
  under a staging folder inside ``--out`` and published together in one step with signals
  held; an interrupted or failed run (Ctrl-C, SIGTERM, a diverging run, a full disk) leaves
  ``--out`` as it was (a folder it created is removed), and its worker processes end with it;
- the results of an earlier run of the same command in ``--out`` are removed when the new
  ones are published (and the command says which), so the folder never mixes two runs;
- a closed or full standard output (``| head``, ``> /dev/full``) does not stop the run: its
  results are published, and the command ends quietly with exit code 1;
- ``report.md`` and ``calibration.md`` record the arguments given to :func:`main`.
"""
import argparse
import contextlib
import io
import os
import signal
import sys
import weakref

from .commands import (MAX_REGION_DEPTH, MAX_SEEDS, MAX_STEPS, cmd_calibrate, cmd_regions,
                       cmd_reproduce, cmd_table3_settings, say)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised as an exception so that the run cleans up after itself."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT), raised the same way: a KeyboardInterrupt of our own, so that it can
    be followed as :class:`Terminated` is (see :class:`_Stop`)."""


class _Stop:
    """The stop that a signal asked for, until :func:`_run` has caught it.

    The handler raises the stop in the main thread, wherever it is. That raise can be lost:
    a C extension imported for the first time may swallow an exception raised in the Python
    code it calls (the first import of ``np.random``, which numpy imports lazily, did: the
    stop was raised in ``abc.register`` under the set-up of a Cython module and never came
    out of the import), and the run would go on as if no signal had come. So once a stop
    is asked for, a timer (SIGALRM, every 0.5 s) sends the signal again whenever the
    exception raised last no longer exists (it was swallowed, not propagated), until the
    run has caught it.
    """
    signum = None        # the signal that asked for the stop
    raised = None        # a weak reference to the exception raised last
    armed = False        # the timer runs
    caught = False       # :func:`_run` has the stop


def _on_stop_signal(signum, frame):
    """SIGTERM or SIGINT (``main(own_process=True)``): raise Terminated or Interrupted."""
    if not _Stop.armed and hasattr(signal, "setitimer"):
        signal.signal(signal.SIGALRM, _send_again)
        signal.setitimer(signal.ITIMER_REAL, 0.5, 0.5)
        _Stop.armed = True
    raise _new_stop(signum)      # not kept in a local here: its traceback holds this frame


def _new_stop(signum):
    """The exception for ``signum``, remembered by a weak reference only."""
    _Stop.signum = signum
    stop = Terminated() if signum == signal.SIGTERM else Interrupted()
    _Stop.raised = weakref.ref(stop)
    return stop


def _send_again(signum, frame):
    """SIGALRM: the stop was swallowed on its way (see :class:`_Stop`): send it again (held,
    like the first, while results are being published)."""
    if not _Stop.caught and _Stop.raised() is None:
        signal.raise_signal(_Stop.signum)


def _stop_caught():
    """The run has the stop: no more sending it again."""
    _Stop.caught = True
    if _Stop.armed:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _Stop.armed = False


# --- arguments --------------------------------------------------------------------------

def _at_least(minimum):
    """An argparse type: an integer >= ``minimum``, or a one-line usage error (upper bounds,
    with what a run would cost, are checked by :func:`_check_cost`)."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value
    return parse


# --- the output folder ------------------------------------------------------------------


# --- commands ---------------------------------------------------------------------------


class _TolerantStream(io.TextIOBase):
    """Standard output that survives a closed pipe (``| head``) or a full device: the first
    failed write is kept in ``failed`` and everything after it is dropped, so that the run
    goes on and publishes its results."""

    def __init__(self, stream):
        self.stream, self.failed = stream, None

    def writable(self):
        return True

    def write(self, text):
        if self.failed is None:
            try:
                self.stream.write(text)
                self.stream.flush()
            except (OSError, ValueError, AttributeError) as err:    # closed, or None
                self.failed = err
        return len(text)

    def flush(self):
        if self.failed is None:
            try:
                self.stream.flush()
            except (OSError, ValueError, AttributeError) as err:
                self.failed = err


def _silence_stdout():
    """After standard output failed in a process of our own: point its descriptor at the
    null device, so that Python's final flush at exit has nowhere to fail."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.__stdout__.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


def _arguments(argv):
    """The arguments given to :func:`main` as a list of strings (paths and numbers are
    written out), or a ``ValueError`` naming what is wrong."""
    if argv is None:
        return list(sys.argv[1:])
    if isinstance(argv, (str, bytes)):
        raise ValueError(f"main takes a list of arguments, such as ['reproduce', '--quick']; "
                         f"got the string {argv!r}: split it with shlex.split")
    out = []
    for i, a in enumerate(argv):
        if isinstance(a, os.PathLike):
            a = os.fspath(a)
        elif isinstance(a, (int, float)) and not isinstance(a, bool):
            a = str(a)
        if not isinstance(a, str):
            raise ValueError(f"argv[{i}] must be a string; got {a!r} (a {type(a).__name__})")
        out.append(a)
    return out


def _parser():
    from .reproduce.calibration import CALIBRATION_SEEDS
    from .reproduce.experiments import PROTOCOLS
    from .reproduce.table3_settings import SEEDS as SETTINGS_SEEDS

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
                   help=f"how many seeds (independent repetitions of every cell; at most "
                        f"{MAX_SEEDS:,})")
    p.add_argument("--seed", type=_at_least(0), default=None, help="the first seed (0)")
    p.add_argument("--validation-seeds", type=_at_least(0), default=None,
                   help="how many validation seeds, from 1000 (the paper protocol: 5; with "
                        "--seeds or --seed: none unless given; 0: none)")
    p.add_argument("--runs", type=_at_least(1), default=None,
                   help="runs per cell and seed (30 for the tables, 8 for the extensions)")
    p.add_argument("--epochs", type=_at_least(1), default=None,
                   help=f"raw-weight Adam steps (the protocol's; a new value keeps the "
                        f"protocol's ratio of phase-1 steps; at most {MAX_STEPS:,})")
    p.add_argument("--pretrain-epochs", type=_at_least(0), default=None,
                   help=f"phase-1 steps of the pretraining methods (at most {MAX_STEPS:,})")
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
    p = sub.add_parser("table3-settings", help="Table 3's Kaiming minimum under three readings "
                                               "of its 10 points and five step budgets")
    p.add_argument("--seeds", type=_at_least(1), default=len(SETTINGS_SEEDS),
                   help=f"how many of the seeds {SETTINGS_SEEDS[0]}-{SETTINGS_SEEDS[-1]} "
                        f"(1 to {len(SETTINGS_SEEDS)})")
    p.add_argument("--runs", type=_at_least(1), default=30, help="runs per cell and seed")
    p.add_argument("--jobs", type=_at_least(1), default=jobs, help="worker processes")
    p.add_argument("--out", default="results", help="folder for table3_settings.json and .md")
    return parser


def main(argv=None, own_process=False):
    """Parse ``argv`` (default: the command line) and run the chosen command; its exit code.

    ``argv`` : a list of strings (paths and numbers are written out); ``report.md`` and
    ``calibration.md`` record it, also when ``main`` is called from Python.
    ``own_process=True`` (only from ``python -m minregion``) keeps freed memory in this
    process and in the worker processes (:mod:`minregion.reproduce.speed`), and turns SIGTERM
    into a clean stop. An interrupted command exits with 130 (Ctrl-C) or 143 (SIGTERM); a
    command whose standard output failed publishes its results and exits with 1.
    """
    argv = _arguments(argv)
    stdout = _TolerantStream(sys.stdout)
    args = None
    try:
        with contextlib.redirect_stdout(stdout):
            parser = _parser()
            args = parser.parse_args(argv)
            args.argv, args.output, args.initializer = argv, None, None
            if own_process:
                from .reproduce.speed import keep_freed_memory
                keep_freed_memory()
                args.initializer = keep_freed_memory
                _Stop.caught = False
                signal.signal(signal.SIGTERM, _on_stop_signal)
                signal.signal(signal.SIGINT, _on_stop_signal)
            handler = {"regions": cmd_regions, "reproduce": cmd_reproduce,
                       "calibrate": cmd_calibrate,
                       "table3-settings": cmd_table3_settings}[args.command]
            code = _run(handler, args, parser)
    finally:
        _stop_caught()
        if stdout.failed is not None and own_process:
            _silence_stdout()
    if stdout.failed is not None:
        where = (f"; the results are in {args.output.result.beside or args.out!r}"
                 if args and args.output is not None and args.output.published else "")
        why = getattr(stdout.failed, "strerror", None) or stdout.failed
        say(f"note: standard output failed ({why}){where}")
        return code or 1
    return code


def _run(handler, args, parser):
    """Run a command; after a failure or a stop, remove what the run created."""
    try:
        code = handler(args, parser)
    except KeyboardInterrupt as err:
        _stop_caught()
        name = "SIGTERM" if isinstance(err, Terminated) else "interrupt"
        output = args.output
        if output is not None and output.published:
            say(f"{name}: stopped after the results were published into "
                 f"{output.result.beside or args.out!r}")
        else:
            gone = output.abandon() if output is not None else []
            state = (f"{args.out!r}, which this run created, was removed" if gone else
                     f"{args.out!r} is as it was")
            say(f"{name}: stopped; the worker processes have ended and {state}")
        return 143 if isinstance(err, Terminated) else 130
    except BaseException:
        if args.output is not None and not args.output.published:
            args.output.abandon()
        raise
    if code and args.output is not None and not args.output.published:
        if args.output.abandon():
            say(f"note: removed {args.out!r}, which this run had created")
    return code
