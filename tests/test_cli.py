"""Chapter 6: the command line under bad input, interruption and faults.

Usage errors are one line and exit code 2, before any work; an interrupted run ends its
worker processes and leaves ``--out`` as it was; a run's files appear together.
"""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from minregion import cli, commands
from minregion.cli import main
from minregion.reproduce.outputs import MANIFEST

pytestmark = pytest.mark.ch06

ROOT = os.path.join(os.path.dirname(__file__), "..")


def run(*argv, timeout=300):
    """``python -m minregion ARGV`` in a fresh process: (return code, stdout, stderr)."""
    out = subprocess.run([sys.executable, "-m", "minregion", *argv], cwd=ROOT, text=True,
                         capture_output=True, timeout=timeout)
    return out.returncode, out.stdout, out.stderr


@pytest.mark.parametrize("argv, message", [
    (["reproduce", "--seed", "-1"], "--seed: must be >= 0"),
    (["regions", "--seed", "-1"], "--seed: must be >= 0"),
    (["reproduce", "--runs", "1000000000", "--tables", "1"], "memory per process"),
    (["reproduce", "--seeds", "100000000"], "--seeds must be <= 1,000"),
    (["reproduce", "--pretrain-epochs", "100000000"], "--pretrain-epochs must be <= 1,000,000"),
    (["reproduce", "--epochs", "5000000", "--tables", "3"], "times the work of `make reproduce`"),
    (["calibrate", "--runs", "100000"], "is out of reach"),
    (["regions", "--depth", "100"], "--depth: must be <= 26"),
    (["regions", "--samples", "1000000000"], "--samples: must be <="),
    (["reproduce", "--tables", "9"], "unknown table"),
    (["reproduce", "--lr", "nan", "--tables", "3"], "lr must be > 0"),
    (["reproduce", "--protocol", "short"], "invalid choice"),
    (["calibrate", "--seeds", "21"], "--seeds: must be <= 20"),
    (["reproduce", "--validation-seeds", "-1"], "--validation-seeds: must be >= 0"),
    (["reproduce", "--validation-seeds", "100000000"], "--validation-seeds: must be <= 1,000"),
    (["reproduce", "--seed", "1000", "--seeds", "2", "--validation-seeds", "1"],
     "validation_seeds must differ"),
    (["table3-settings", "--seeds", "9"], "--seeds: must be <= 5"),
    (["table3-settings", "--seeds", "0"], "--seeds: must be >= 1"),
    (["table3-settings", "--runs", "0"], "--runs: must be >= 1"),
    (["table3-settings", "--jobs", "0"], "--jobs: must be >= 1"),
    (["table3-settings", "--runs", "10000000"], "more than 100 times the work"),
])
def test_usage_errors_are_one_line_and_exit_code_2(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv + ["--out", str(tmp_path / "res")])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert not (tmp_path / "res").exists() or not os.listdir(tmp_path / "res")


def test_the_real_command_line_shows_no_traceback_for_a_usage_error(tmp_path):
    code, _, stderr = run("reproduce", "--seed", "-1", "--out", str(tmp_path))
    assert code == 2 and "--seed: must be >= 0" in stderr and "Traceback" not in stderr


def test_jobs_are_capped_at_what_can_help(capsys):
    assert commands._cap_jobs(1000, blocks=3) <= 3
    assert "capped at" in capsys.readouterr().out
    assert commands._cap_jobs(1, blocks=3) == 1


# --- table3-settings: the same checks, caps and clean stops as the other commands --------

def _no_work(*args, **kwargs):
    raise AssertionError("a block started")


def test_table3_settings_refuses_a_huge_run_before_any_work_or_folder(tmp_path, monkeypatch,
                                                                       capsys):
    from minregion.reproduce import table3_settings
    monkeypatch.setattr(table3_settings, "settings_block", _no_work)
    out = tmp_path / "t3c" / "sub"
    with pytest.raises(SystemExit) as stop:
        main(["table3-settings", "--runs", "100000000", "--seeds", "1", "--jobs", "1",
              "--out", str(out)])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "--runs 100,000,000" in err and "is out of reach" in err and "memory" in err, err
    assert not (tmp_path / "t3c").exists()
    # the module's own entry point (the Makefile's, before) is the same command
    done = subprocess.run([sys.executable, "-m", "minregion.reproduce.table3_settings",
                           "--runs", "100000000", "--seeds", "1", "--jobs", "1",
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2 and "is out of reach" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "t3c").exists()


def _fake_blocks(seen):
    """In place of ``run_blocks``: records the jobs, returns one number per run and
    checkpoint for every block at once."""
    from minregion.reproduce.table3_settings import CHECKPOINTS

    def run_blocks(work, blocks, jobs, describe=str, progress=print, initializer=None):
        seen.append(jobs)
        return [dict(reading=r, seed=s, target=t, method=m, test=[[0.5] * runs] * len(CHECKPOINTS))
                for r, s, t, m, runs in blocks]
    return run_blocks


def test_table3_settings_caps_its_jobs_and_publishes(tmp_path, monkeypatch, capsys):
    from minregion.reproduce import table3_settings
    seen = []
    monkeypatch.setattr(table3_settings, "run_blocks", _fake_blocks(seen))
    out = tmp_path / "res"
    assert main(["table3-settings", "--runs", "2", "--seeds", "1", "--jobs", "1000",
                 "--out", str(out)]) == 0
    blocks = len(table3_settings.settings_blocks(table3_settings.SEEDS[:1], 2))
    assert seen == [min(os.cpu_count() or 1, blocks)]
    assert "--jobs 1000 capped at" in capsys.readouterr().out
    assert sorted(os.listdir(out)) == sorted([MANIFEST, *table3_settings.NAMES])
    assert json.loads((out / "table3_settings.json").read_text())["runs"] == 2


@pytest.mark.parametrize("stop, code", [(KeyboardInterrupt, 130), (cli.Terminated, 143)])
def test_a_stopped_table3_settings_removes_only_what_it_created(tmp_path, monkeypatch, capsys,
                                                                stop, code):
    from minregion.reproduce import table3_settings

    def stopped(*args, **kwargs):
        raise stop()

    monkeypatch.setattr(table3_settings, "settings_block", stopped)
    argv = ["table3-settings", "--runs", "2", "--seeds", "1", "--jobs", "1", "--out"]
    assert main(argv + [str(tmp_path / "t3c" / "sub")]) == code
    assert "stopped" in capsys.readouterr().err
    assert not (tmp_path / "t3c").exists()
    mine = tmp_path / "mine"                    # a folder that was there: left as it was
    mine.mkdir()
    (mine / "notes.txt").write_text("the user's own file")
    assert main(argv + [str(mine)]) == code
    assert os.listdir(mine) == ["notes.txt"]


def _descendants(pid):
    """Process ids whose parent chain leads to ``pid`` (Linux /proc)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
                parents[int(entry)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - found
        found |= frontier
    return found


def _alive(pids):
    alive = set()
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] != "Z":
                    alive.add(p)
        except OSError:
            pass
    return alive


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc to see the workers")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_an_interrupted_run_ends_its_workers_and_writes_nothing(tmp_path, sig):
    out = tmp_path / "res"
    proc = subprocess.Popen([sys.executable, "-m", "minregion", "reproduce", "--tables", "1",
                             "--runs", "4", "--epochs", "20000", "--seeds", "1", "--jobs", "2",
                             "--out", str(out)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    workers = set()
    while time.time() < deadline and len(workers) < 2:
        time.sleep(0.5)
        workers = _descendants(proc.pid)
    assert len(workers) >= 2, "the worker processes did not start"
    time.sleep(1.0)
    os.kill(proc.pid, sig)                      # the parent only, not its process group
    proc.communicate(timeout=30)
    deadline = time.time() + 10
    while time.time() < deadline and _alive(workers):
        time.sleep(0.2)
    assert not _alive(workers), f"workers still running after {sig!r}"
    if sig != signal.SIGKILL:
        assert proc.returncode in (130, 143), proc.returncode
    leftovers = [f for f in os.listdir(out) if not f.startswith(".partial-")] if out.exists() else []
    assert leftovers == [], leftovers
    if sig != signal.SIGKILL:                   # a clean stop removes the folder it created
        assert not out.exists(), os.listdir(out)
    if sig == signal.SIGTERM:                   # and a rerun works
        code, _, stderr = run("reproduce", "--tables", "3", "--runs", "2", "--epochs", "20",
                              "--seeds", "1", "--jobs", "1", "--out", str(out))
        assert code == 0, stderr


SWALLOWED_STOP = """
import os, signal, sys, time
from minregion import cli
sig = int(sys.argv[1])
signal.signal(sig, cli._on_stop_signal)     # as main(own_process=True) does
try:
    try:
        os.kill(os.getpid(), sig)
        time.sleep(5)
    except KeyboardInterrupt:
        pass            # swallowed, as a C extension being imported may do
    time.sleep(5)       # the run goes on
    print("not stopped")
except KeyboardInterrupt as err:
    cli._stop_caught()
    print("stopped again:", type(err).__name__)
"""


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="POSIX interval timers")
@pytest.mark.parametrize("sig, stop", [(signal.SIGTERM, "Terminated"),
                                       (signal.SIGINT, "Interrupted")])
def test_a_stop_that_something_swallowed_is_sent_again(sig, stop):
    """A signal's exception can be swallowed on its way (a Cython module being imported
    for the first time clears it): the command line sends the stop again until it lands."""
    done = subprocess.run([sys.executable, "-c", SWALLOWED_STOP, str(int(sig))],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == f"stopped again: {stop}", (done.stdout, done.stderr)


def test_a_failed_write_leaves_the_previous_results(tmp_path, monkeypatch, capsys):
    out = tmp_path / "res"
    argv = ["reproduce", "--tables", "3", "--runs", "2", "--epochs", "20", "--seeds", "1",
            "--jobs", "1", "--out", str(out)]
    assert main(argv) == 0
    before = {f: (out / f).read_bytes() for f in os.listdir(out)}

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(commands, "_write_timings", disk_full)
    assert main(argv[:-2] + ["--seed", "5", "--out", str(out)]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert {f: (out / f).read_bytes() for f in os.listdir(out)} == before


def test_results_of_an_earlier_run_are_never_mixed_with_new_ones(tmp_path, capsys):
    out = tmp_path / "res"
    argv = ["--runs", "2", "--epochs", "20", "--seeds", "1", "--jobs", "1", "--out", str(out)]
    assert main(["reproduce", "--tables", "3"] + argv) == 0
    # the names refused up front (a file minregion did not write) are the names it writes
    assert sorted(os.listdir(out)) == sorted([MANIFEST] + commands._reproduce_files(["3"], False,
                                                                               False))
    (out / "notes.txt").write_text("the user's own file")
    # the second run: another table of chapters 1-5 (the extensions would need chapter 7's
    # blanks, which a student on chapter 6 has not written yet)
    assert main(["reproduce", "--tables", "2"] + argv) == 0
    printed = capsys.readouterr().out
    assert "removed the files of an earlier run" in printed and "table3.json" in printed
    assert "left alone" in printed and "notes.txt" in printed
    report = (out / "report.md").read_text()       # the arguments given to main, not pytest's
    assert "Command: `python -m minregion reproduce --tables 2 --runs 2" in report
    assert not (out / "table3.json").exists() and not (out / "table3_fits.png").exists()
    assert (out / "notes.txt").read_text() == "the user's own file"
    assert sorted(os.listdir(out)) == sorted([MANIFEST, "notes.txt"] + commands._reproduce_files(
        ["2"], False, False))
