"""The output folder: minregion removes or overwrites only what it can prove it wrote, and
publishes a run's files all together (``minregion.reproduce.outputs``).

Most cases run the real command line (``regions --depth 2 --samples 1`` writes one figure
in about a second), in temporary folders, with real links, real signals and real pipes;
the steps of publishing that can only fail by accident are made to fail on purpose.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from minregion import cli
from minregion.cli import main
from minregion.reproduce import outputs
from minregion.reproduce.outputs import MANIFEST, Manifest, Output, PublishError

pytestmark = pytest.mark.house

ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), ".."))
FIGURE = "regions_vs_depth.png"
REGIONS = ["regions", "--depth", "2", "--samples", "1"]


def regions(out, *extra):
    """``regions`` into ``out``, in this process: its exit code (2 for a usage error)."""
    try:
        return main(REGIONS + list(extra) + ["--out", str(out)])
    except SystemExit as stop:
        return stop.code


def listing(folder):
    return {f: (folder / f).read_bytes() for f in os.listdir(folder)
            if (folder / f).is_file() and not (folder / f).is_symlink()}


# --- only its own files -------------------------------------------------------------------

def test_a_users_file_of_a_results_name_is_never_overwritten(tmp_path, capsys):
    out = tmp_path / "res"
    out.mkdir()
    (out / FIGURE).write_bytes(b"my thesis figure")
    assert regions(out) == 2
    err = capsys.readouterr().err
    assert FIGURE in err and "did not write" in err
    assert listing(out) == {FIGURE: b"my thesis figure"}


def test_a_rerun_overwrites_its_own_file_but_not_one_the_user_changed(tmp_path, capsys):
    out = tmp_path / "res"
    assert regions(out) == 0
    manifest = json.loads((out / MANIFEST).read_text())
    assert list(manifest["files"]) == [FIGURE]
    assert regions(out) == 0                                  # its own file: overwritten
    (out / FIGURE).write_bytes(b"edited by hand")
    capsys.readouterr()
    assert regions(out) == 2                                  # changed since: refused
    assert (out / FIGURE).read_bytes() == b"edited by hand"
    assert "changed since" in capsys.readouterr().err


@pytest.mark.parametrize("inside", ["docs", "minregion", "tests/new", "tutorials",
                                    "course", "."])
def test_an_output_folder_in_the_projects_sources_is_refused(inside, capsys):
    before = sorted(os.listdir(os.path.join(ROOT, "docs")))
    assert regions(os.path.join(ROOT, inside)) == 2
    assert "project's own" in capsys.readouterr().err
    assert sorted(os.listdir(os.path.join(ROOT, "docs"))) == before
    assert not os.path.exists(os.path.join(ROOT, "tests", "new"))


def test_a_link_into_the_sources_is_refused_too(tmp_path, capsys):
    link = tmp_path / "docs-link"
    link.symlink_to(os.path.join(ROOT, "docs"))
    assert regions(link / "sub") == 2
    assert "project's own" in capsys.readouterr().err


def test_links_folders_and_foreign_manifests_named_like_minregions_files_are_refused(tmp_path):
    victim = tmp_path / "thesis.png"
    victim.write_bytes(b"precious")
    linked, folder, manifest = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for d in (linked, folder, manifest):
        d.mkdir()
    (linked / FIGURE).symlink_to(victim)
    (folder / FIGURE).mkdir()
    (manifest / MANIFEST).write_text("my notes, not JSON")
    for out in (linked, folder, manifest):
        assert regions(out) == 2
    assert victim.read_bytes() == b"precious" and (folder / FIGURE).is_dir()
    assert (manifest / MANIFEST).read_text() == "my notes, not JSON"


def test_out_through_a_link_writes_into_its_target_and_a_dangling_link_is_refused(tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    (tmp_path / "link").symlink_to(target)
    assert regions(tmp_path / "link") == 0
    assert (target / FIGURE).exists() and (target / MANIFEST).exists()
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    assert regions(tmp_path / "dangling") == 2
    assert regions(tmp_path / "dangling" / "sub") == 2
    assert not (tmp_path / "nowhere").exists()


def test_a_forged_manifest_cannot_name_files_outside_the_folder(tmp_path):
    """Names in a manifest are plain file names: '../x' or an absolute path is ignored."""
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    out = tmp_path / "res"
    out.mkdir()
    listed = {"command": "regions", "versions": [outputs.content(str(victim))]}
    (out / MANIFEST).write_text(json.dumps({"format": outputs.FORMAT, "files": {
        "../victim.txt": listed, str(victim): listed}}))
    assert regions(out) == 0
    assert victim.read_text() == "keep me"


def test_a_listed_file_that_the_user_changed_is_left_alone_and_no_longer_listed(tmp_path):
    out = tmp_path / "res"
    _published(tmp_path, {"a.txt": "one", "b.txt": "two"})
    (out / "b.txt").write_text("my edit")
    second = _published(tmp_path, {"a.txt": "three"})
    assert second.result.changed == ["b.txt"] and second.result.removed == []
    assert (out / "b.txt").read_text() == "my edit" and (out / "a.txt").read_text() == "three"
    assert list(Manifest.load(str(out)).files) == ["a.txt"]
    assert any("changed after" in line for line in second.report_lines())


def _published(tmp_path, files, command="regions", before_publish=None):
    """Stage ``files`` (name -> text) and publish them into ``tmp_path/res``."""
    output = Output(str(tmp_path / "res"), command).prepare([])
    with output.staging() as folder:
        for name, text in files.items():
            with open(os.path.join(folder, name), "w") as fh:
                fh.write(text)
        if before_publish:
            before_publish()
        output.publish()
    return output


# --- all or nothing -------------------------------------------------------------------------

def test_a_failed_publish_moves_everything_back(tmp_path, monkeypatch):
    out = tmp_path / "res"
    _published(tmp_path, {"a.txt": "old a", "b.txt": "old b", "c.txt": "old c"})
    before = listing(out)
    real, calls = outputs._move_new, []

    def fail_on_the_second(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(outputs, "_move_new", fail_on_the_second)
    with pytest.raises(PublishError) as err:
        _published(tmp_path, {"a.txt": "new a", "b.txt": "new b"})
    assert "is as it was" in str(err.value.state)
    assert listing(out) == before
    assert not [f for f in os.listdir(out) if f.startswith(".partial-")]


def test_a_publish_that_cannot_be_undone_says_which_files_are_new_old_or_missing(
        tmp_path, monkeypatch):
    out = tmp_path / "res"
    _published(tmp_path, {"a.txt": "old a", "b.txt": "old b"})
    real_move, real_replace, calls = outputs._move_new, os.replace, []

    def move(src, dst):
        calls.append(dst)
        if os.path.basename(dst) == "b.txt" and len(calls) == 2:
            raise OSError(5, "Input/output error")
        return real_move(src, dst)

    def replace(src, dst):                     # the undo cannot move the new a.txt back out
        if (src == str(out / "a.txt")
                and os.path.basename(os.path.dirname(dst)) != outputs.REPLACED):
            raise OSError(5, "Input/output error")
        return real_replace(src, dst)

    monkeypatch.setattr(outputs, "_move_new", move)
    monkeypatch.setattr(outputs.os, "replace", replace)
    with pytest.raises(PublishError) as err:
        _published(tmp_path, {"a.txt": "new a", "b.txt": "new b"})
    state = err.value.state
    assert "new files of this run: a.txt" in state
    assert "old files of the earlier run: b.txt" in state
    assert "missing from it" in state and "a.txt" in state.split("missing from it")[1]
    monkeypatch.undo()
    kept = [f for f in os.listdir(out) if f.startswith(".partial-")]
    assert kept and (out / kept[0] / ".replaced" / "a.txt").read_text() == "old a"
    manifest = Manifest.load(str(out))          # every file there is still provably its own
    assert manifest.owns("a.txt") and manifest.owns("b.txt")


def test_signals_wait_until_publishing_is_done(tmp_path, monkeypatch):
    out = tmp_path / "res"
    real = outputs._move_new

    def interrupted(src, dst):
        os.kill(os.getpid(), signal.SIGINT)     # Ctrl-C in the middle of the moves
        return real(src, dst)

    monkeypatch.setattr(outputs, "_move_new", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _published(tmp_path, {"a.txt": "a", "b.txt": "b", "c.txt": "c"})
    assert sorted(Manifest.load(str(out)).files) == ["a.txt", "b.txt", "c.txt"]
    assert all(Manifest.load(str(out)).owns(f) for f in ("a.txt", "b.txt", "c.txt"))


def test_a_file_that_appears_during_the_run_sends_the_results_beside_it(tmp_path):
    out = tmp_path / "res"
    _published(tmp_path, {"a.txt": "old"})

    def user_writes():
        (out / "b.txt").write_text("the user's, written while the run worked")

    output = _published(tmp_path, {"a.txt": "new", "b.txt": "new"}, before_publish=user_writes)
    assert output.result.beside and output.result.foreign == ["b.txt"]
    beside = tmp_path / output.result.beside
    assert (beside / "a.txt").read_text() == "new" and (beside / "b.txt").read_text() == "new"
    assert (out / "a.txt").read_text() == "old"
    assert (out / "b.txt").read_text() == "the user's, written while the run worked"


def test_two_runs_publishing_into_one_folder_at_once_keep_the_manifest_whole(tmp_path):
    (tmp_path / "res").mkdir()
    errors = []

    def publish(command, names):
        try:
            _published(tmp_path, {n: command for n in names}, command=command)
        except BaseException as err:           # reported below
            errors.append(err)

    threads = [threading.Thread(target=publish, args=(f"cmd{k}", [f"{k}-{i}.txt"
                                                                 for i in range(20)]))
               for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    manifest = Manifest.load(str(tmp_path / "res"))
    assert len(manifest.files) == 80 and all(manifest.owns(f) for f in manifest.files)


def test_a_failed_run_removes_the_folder_it_created_and_nothing_else(tmp_path, monkeypatch,
                                                                      capsys):
    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    import minregion.reproduce.plots as plots
    monkeypatch.setattr(plots, "plot_regions_vs_depth", disk_full)
    assert regions(tmp_path / "a" / "b" / "c") == 1
    assert "No space left on device" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []
    (tmp_path / "kept").mkdir()
    assert regions(tmp_path / "kept") == 1
    assert os.listdir(tmp_path) == ["kept"] and os.listdir(tmp_path / "kept") == []


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name != "posix", reason="POSIX signals")
def test_a_stopped_run_removes_the_folder_it_created(tmp_path):
    out = tmp_path / "new" / "res"
    proc = subprocess.Popen([sys.executable, "-m", "minregion", "regions", "--depth", "22",
                             "--samples", "1", "--out", str(out)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while not out.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)                       # until the run has created its folder
    assert out.exists() and proc.poll() is None
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "which this run created, was removed" in err and "Traceback" not in err
    assert os.listdir(tmp_path) == []


# --- output streams and provenance -------------------------------------------------------------

@pytest.mark.skipif(os.name != "posix", reason="pipes and /dev/full")
def test_a_closed_pipe_or_a_full_stdout_publishes_the_results_and_exits_quietly(tmp_path):
    out = tmp_path / "res"
    proc = subprocess.Popen([sys.executable, "-m", "minregion", *REGIONS, "--out", str(out)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()                      # like `| head -1`
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    proc.wait(timeout=120)
    assert proc.returncode == 1, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert "standard output failed" in err and (out / FIGURE).exists()
    if os.path.exists("/dev/full"):
        with open("/dev/full", "w") as full:
            done = subprocess.run([sys.executable, "-m", "minregion", *REGIONS, "--out",
                                   str(tmp_path / "full")], cwd=ROOT, text=True, stdout=full,
                                  stderr=subprocess.PIPE, timeout=120)
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert (tmp_path / "full" / FIGURE).exists()


def test_the_report_records_the_arguments_given_to_main(tmp_path, monkeypatch):
    import minregion.reproduce.calibration as calibration
    monkeypatch.setattr(sys, "argv", ["jupyter-kernel", "-f", "/tmp/kernel.json"])
    monkeypatch.setattr(calibration, "run_calibration", lambda **kwargs: {"seeds": [100]})
    monkeypatch.setattr(calibration, "format_calibration", lambda cal: "a table\n")
    out = tmp_path / "my results"
    assert main(["calibrate", "--seeds", "1", "--runs", "3", "--out", out]) == 0
    text = (out / "calibration.md").read_text()
    assert f"python -m minregion calibrate --seeds 1 --runs 3 --out '{out}'" in text, text
    assert "kernel" not in text
    with pytest.raises(ValueError, match="list of arguments"):
        main("calibrate --seeds 1")


def test_the_table3_settings_page_records_its_command_line(tmp_path, monkeypatch):
    import minregion.reproduce.table3_settings as settings
    monkeypatch.setattr(settings, "run_settings", lambda *args, **kwargs: {"seeds": [200]})
    monkeypatch.setattr(settings, "format_settings", lambda res: "a table\n")
    out = tmp_path / "t3"
    assert main(["table3-settings", "--seeds", "1", "--runs", "2", "--out", out]) == 0
    text = (out / "table3_settings.md").read_text()
    assert text.startswith(f"Command: `python -m minregion table3-settings --seeds 1 --runs 2 "
                           f"--out {out}`."), text
    assert text.endswith("a table\n")


def test_make_clean_removes_only_the_files_minregion_wrote(tmp_path):
    _published(tmp_path, {"a.txt": "a", "b.txt": "b"})
    out = tmp_path / "res"
    (out / "b.txt").write_text("changed")
    (out / "notes.txt").write_text("mine")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "a.txt").write_text("not listed anywhere")
    done = subprocess.run([sys.executable, os.path.join(ROOT, "minregion", "reproduce",
                                                        "outputs.py"), "clean", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(out)) == ["b.txt", "notes.txt"]
    assert (tmp_path / "other" / "a.txt").read_text() == "not listed anywhere"
    assert "removed 1 file(s)" in done.stdout and "b.txt" in done.stdout
