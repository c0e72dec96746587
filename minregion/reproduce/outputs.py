"""The output folder of a run: minregion removes or overwrites only the files it wrote, and
publishes a run's files all together.

**Proof of ownership.** A folder that minregion writes results into holds a manifest,
``.minregion-manifest.json``, that lists every file minregion wrote there: its name, the
command that wrote it, its size and its SHA-256. Nothing else counts as proof (no name
pattern does):

- a later run removes or overwrites a file only when the manifest lists it and its content
  is still the listed one; a listed file the user changed since is left alone, mentioned,
  and no longer listed;
- a file that minregion did not write is never removed or overwritten: a run whose results
  would need its name is refused before any work (:meth:`Output.prepare`, a usage error),
  and if such a file appears while the run works, the results go into a new folder beside
  it (``OUT/<command>-<date>-<time>``) and the command says so;
- an output folder in the project's own sources (the package, ``tests/``, ``tutorials/``,
  ``docs/``, ``course/``, ``benchmarks/``, or the project folder itself) is refused;
- symbolic links are never followed into, written through or removed: a result name that
  is a link, or a folder, belongs to someone else.

**All or nothing.** A run writes its files into a staging folder ``OUT/.partial-*`` and
:meth:`Output.publish` moves them into place in one step, holding Ctrl-C, SIGTERM and SIGHUP
until it is done (:func:`held_signals`: caught and sent again after the step, on every
system), with the folder locked against other runs publishing into it at once
(``fcntl.flock``, where it exists). First the manifest is
rewritten to list the old and the new files (so that each is provably minregion's whatever
happens next), then the old files are moved aside, the new ones moved in (never over a file
that appeared meanwhile), the final manifest written and the old files deleted. If a step
fails, everything is moved back; :class:`PublishError` says which files are new, old or
missing when even that fails. Only a kill that cannot be caught (SIGKILL, a power cut) in the
milliseconds of this step can leave a mix, and then every file is still listed in the
manifest. A folder that the run created (with its missing parents) is removed again when the
run fails or is stopped (:meth:`Output.abandon`).
"""
import hashlib
import json
import os
import shutil
import signal
import stat
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

MANIFEST = ".minregion-manifest.json"
FORMAT = "minregion-manifest-1"
STAGING = ".partial-"
REPLACED = ".replaced"            # inside the staging folder: the old files, while publishing
SOURCE_FOLDERS = ("minregion", "tests", "tutorials", "docs", "course", "benchmarks", ".ci",
                  ".git")
HELD_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


class OutputError(ValueError):
    """The output folder cannot be used; raised before any work (a usage error)."""


class PublishError(OSError):
    """Publishing failed; ``state`` says what the output folder holds now."""

    def __init__(self, cause, state):
        super().__init__(getattr(cause, "errno", None), f"{cause}; {state}")
        self.cause, self.state = cause, state


# --- what is minregion's ------------------------------------------------------------------

def content(path):
    """``{"size", "sha256"}`` of a plain file (not a link, not a folder), or None."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return {"size": st.st_size, "sha256": digest.hexdigest()}


def _plain_name(name):
    return (isinstance(name, str) and name not in ("", ".", "..", MANIFEST)
            and os.path.basename(name) == name
            and not (os.altsep and os.altsep in name))


class Manifest:
    """The files minregion wrote into ``folder``: ``files[name] = {"command", "versions"}``,
    ``versions`` the contents (``{"size", "sha256"}``) that prove the file minregion's."""

    def __init__(self, folder, files=None, existed=False):
        self.folder, self.files, self.existed = folder, dict(files or {}), existed

    @classmethod
    def load(cls, folder):
        """The folder's manifest (empty if there is none); :class:`OutputError` if the file
        of that name is not one that minregion wrote."""
        path = os.path.join(folder, MANIFEST)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return cls(folder)
        problem = None
        if not stat.S_ISREG(st.st_mode):
            problem = "it is not a plain file"
        else:
            try:
                with open(path, encoding="utf-8") as fh:
                    data = json.load(fh)
                if not (isinstance(data, dict) and data.get("format") == FORMAT
                        and isinstance(data.get("files"), dict)):
                    problem = "it is not in minregion's format"
            except (OSError, ValueError) as err:
                problem = f"it cannot be read ({err})"
        if problem:
            raise OutputError(f"{path} is not a manifest that minregion wrote ({problem}); "
                              f"minregion will not overwrite it: move it away, or choose "
                              f"another --out")
        files = {}
        for name, entry in data["files"].items():
            versions = entry.get("versions") if isinstance(entry, dict) else None
            if _plain_name(name) and isinstance(versions, list):
                files[name] = {"command": str(entry.get("command")),
                               "versions": [v for v in versions if isinstance(v, dict)]}
        return cls(folder, files, existed=True)

    def owns(self, name):
        """True when ``name`` is listed and its content is a listed one (so minregion wrote
        it and nobody changed it since)."""
        entry = self.files.get(name)
        return bool(entry) and content(os.path.join(self.folder, name)) in entry["versions"]

    def copy(self):
        return Manifest(self.folder, {n: {"command": e["command"],
                                          "versions": list(e["versions"])}
                                      for n, e in self.files.items()}, self.existed)

    def save(self, scratch):
        """Write the manifest atomically, through a new temporary file in the folder
        ``scratch`` (on the same file system as the folder)."""
        fd, tmp = tempfile.mkstemp(prefix=".manifest-", dir=scratch)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"format": FORMAT,
                           "about": "The files minregion wrote into this folder. minregion "
                                    "removes or overwrites a file here only when it is listed "
                                    "and still has the listed size and SHA-256.",
                           "files": self.files}, fh, indent=1, sort_keys=True)
                fh.write("\n")
            os.replace(tmp, os.path.join(self.folder, MANIFEST))
        except BaseException:
            if os.path.lexists(tmp):
                os.remove(tmp)
            raise


# --- the project's own sources -------------------------------------------------------------

def _inside(path, folder):
    path, folder = os.path.normcase(path), os.path.normcase(folder)
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:                     # different drives (Windows)
        return False


def check_not_sources(real, given):
    """:class:`OutputError` when ``real`` lies in the project's own sources."""
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    root = os.path.dirname(package)
    folders = [package]
    if os.path.isfile(os.path.join(root, "pyproject.toml")):    # a checkout of the project
        if os.path.normcase(real) == os.path.normcase(root):
            raise OutputError(f"--out {given!r} is the project's own folder ({root}); choose "
                              f"a folder for the results, such as results/")
        folders += [os.path.join(root, f) for f in SOURCE_FOLDERS]
    for folder in folders:
        if _inside(real, os.path.realpath(folder)):
            raise OutputError(f"--out {given!r} lies in the project's own sources "
                              f"({os.path.realpath(folder)}); choose a folder for the "
                              f"results, such as results/")


# --- signals and the lock -------------------------------------------------------------------

_holding = threading.local()


@contextmanager
def held_signals():
    """Hold Ctrl-C, SIGTERM and SIGHUP for the duration of the block; they arrive after it.

    In the main thread (where Python runs its signal handlers) each is caught by a handler
    that only notes it, and sent again at the end, to the handler it had before (which may
    end the process). Elsewhere, with ``signal.pthread_sigmask`` (POSIX), they are blocked in
    this thread; the main thread's handlers cannot interrupt this one. Nested blocks hold once.
    """
    if getattr(_holding, "on", False):
        yield
        return
    _holding.on = True
    try:
        if threading.current_thread() is threading.main_thread():
            caught = []
            old = {s: signal.getsignal(s) for s in HELD_SIGNALS}
            old = {s: h for s, h in old.items() if h is not None}   # not set from Python
            for s in old:
                signal.signal(s, lambda signum, frame: caught.append(signum))
            try:
                yield
            finally:
                for s, handler in old.items():
                    signal.signal(s, handler)
                for s in dict.fromkeys(caught):
                    signal.raise_signal(s)
        elif hasattr(signal, "pthread_sigmask"):
            old = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
            try:
                yield
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)
        else:
            yield
    finally:
        _holding.on = False


@contextmanager
def folder_lock(folder):
    """Hold an exclusive lock on ``folder`` (``fcntl.flock``; nothing where it does not
    exist): two runs never publish into one folder at once."""
    try:
        import fcntl
        fd = os.open(folder, os.O_RDONLY)
    except (ImportError, OSError):
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            pass                        # a file system without locks: publish unlocked
        yield
    finally:
        os.close(fd)


def _move_new(src, dst):
    """Move ``src`` to ``dst`` unless something exists at ``dst`` (FileExistsError)."""
    try:
        os.link(src, dst, follow_symlinks=False)       # fails if dst exists: never clobbers
    except FileExistsError:
        raise
    except (AttributeError, NotImplementedError, OSError):
        if os.path.lexists(dst):
            raise FileExistsError(17, "File exists", dst) from None
        os.rename(src, dst)                             # Windows: also refuses to clobber
        return
    os.unlink(src)


def remove_tree(path):
    """Remove a folder minregion made (a staging folder); returns the paths it could not
    remove (never ignores a failure silently, never follows a link)."""
    failed = []
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, onerror=lambda f, p, e: failed.append(p))
    return failed


# --- one run's output folder ---------------------------------------------------------------

@dataclass
class Published:
    """What :meth:`Output.publish` did: names of files in ``folder``."""
    folder: str
    new: list
    replaced: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    changed: list = field(default_factory=list)    # minregion's once, changed since: kept
    foreign: list = field(default_factory=list)    # why the results went beside (if so)
    beside: str = None                             # the folder they went into instead
    others: list = field(default_factory=list)     # everything else there: left alone


class Output:
    """The output folder of one run of ``command`` (``regions``, ``reproduce``,
    ``calibrate``): checked and created (:meth:`prepare`), written through a staging folder
    (:meth:`staging`), published (:meth:`publish`) or abandoned (:meth:`abandon`)."""

    def __init__(self, given, command):
        self.given, self.command = given, command
        self.path = None          # the real path, once prepared
        self.created = []         # folders this run created, deepest first
        self.stage = None         # the staging folder while it exists
        self.keep_stage = False   # a failed publish that could not be undone keeps it
        self.result = None        # Published, once published
        self.notes = []

    @property
    def published(self):
        return self.result is not None

    def prepare(self, names):
        """Check the folder before any work and create it (with its missing parents).

        names : the files the run will write (a file of one of these names that minregion
        did not write refuses the run). Raises :class:`OutputError` (a usage error).
        """
        given = self.given
        if not isinstance(given, str) or not given.strip():
            raise OutputError(f"--out must name a folder; got {given!r}")
        real = os.path.realpath(os.path.abspath(given))
        p = os.path.abspath(given)
        while p != os.path.dirname(p):
            if os.path.islink(p) and not os.path.exists(p):
                raise OutputError(f"--out {given!r} goes through the symbolic link {p}, whose "
                                  f"target does not exist; minregion does not create folders "
                                  f"through links")
            p = os.path.dirname(p)
        check_not_sources(real, given)
        if os.path.lexists(real) and not os.path.isdir(real):
            raise OutputError(f"--out {given!r} is not a writable folder (it is a file)")
        if os.path.isdir(real):
            manifest = Manifest.load(real)
            foreign = [n for n in names if os.path.lexists(os.path.join(real, n))
                       and not manifest.owns(n)]
            if foreign:
                them, were = ("them", "they were") if len(foreign) > 1 else ("it", "it was")
                raise OutputError(
                    f"--out {given!r} holds {', '.join(foreign)}, which this run would "
                    f"overwrite; minregion did not write {them} (or {were} changed since), "
                    f"and it overwrites only its own files: move {them} away, or choose "
                    f"another --out")
            self.notes += [f"note: {os.path.join(given, f)} is the staging folder of another "
                           f"run (still running, or killed): minregion leaves it alone"
                           for f in sorted(os.listdir(real)) if f.startswith(STAGING)]
        else:
            missing, p = [], real
            while not os.path.lexists(p):
                missing.append(p)
                p = os.path.dirname(p)
            try:
                os.makedirs(real)
            except OSError as err:
                self.created = [d for d in missing if os.path.isdir(d)]
                self.abandon()
                raise OutputError(f"--out {given!r} is not a writable folder "
                                  f"({err.strerror or err})") from None
            self.created = missing
        try:
            probe = tempfile.NamedTemporaryFile(dir=real, prefix=".write-test-")
            probe.close()
        except OSError as err:
            self.abandon()
            raise OutputError(f"--out {given!r} is not a writable folder "
                              f"({err.strerror or err})") from None
        self.path = real
        return self

    @contextmanager
    def staging(self):
        """A new folder ``OUT/.partial-*`` to write the run's files into; removed at the
        end of the block (unless a failed publish had to keep files in it)."""
        self.stage = tempfile.mkdtemp(prefix=STAGING, dir=self.path)
        try:
            yield self.stage
        finally:
            if not self.keep_stage:
                failed = remove_tree(self.stage)
                if failed:
                    self.notes.append(f"note: could not remove {len(failed)} file(s) of the "
                                      f"staging folder {self.stage}")
                self.stage = None

    def publish(self):
        """Move the staged files into the folder in one step; returns :class:`Published`.

        Raises :class:`PublishError` (after undoing what it did) when a step fails.
        """
        with folder_lock(self.path), held_signals():
            try:
                manifest = Manifest.load(self.path)
            except OutputError as err:             # replaced while the run worked
                raise PublishError(err, f"{self.given!r} is as it was") from None
            new = sorted(f for f in os.listdir(self.stage) if f != REPLACED)
            foreign = [n for n in new if os.path.lexists(self._out(n)) and not manifest.owns(n)]
            if foreign:
                return self._publish_beside(foreign)
            mine = sorted(n for n, e in manifest.files.items() if e["command"] == self.command)
            replaced = [n for n in new if os.path.lexists(self._out(n))]
            removed = [n for n in mine if n not in new and manifest.owns(n)]
            changed = [n for n in mine if n not in new and os.path.lexists(self._out(n))
                       and not manifest.owns(n)]
            contents = {n: content(os.path.join(self.stage, n)) for n in new}
            journal, final = manifest.copy(), manifest.copy()
            for n in new:
                old = journal.files.get(n, {"versions": []})["versions"]
                journal.files[n] = {"command": self.command, "versions": old + [contents[n]]}
                final.files[n] = {"command": self.command, "versions": [contents[n]]}
            for n in mine:
                if n not in new:
                    final.files.pop(n)
            aside = os.path.join(self.stage, REPLACED)
            moved_aside, moved_in = [], []
            try:
                os.mkdir(aside)
                journal.save(self.stage)
                for n in replaced + removed:
                    os.replace(self._out(n), os.path.join(aside, n))
                    moved_aside.append(n)
                for n in new:
                    _move_new(os.path.join(self.stage, n), self._out(n))
                    moved_in.append(n)
                final.save(self.stage)
            except BaseException as err:          # a full disk, a file in the way ...
                state = self._undo(manifest, journal, moved_aside, moved_in, aside)
                if isinstance(err, OSError):
                    raise PublishError(err, state) from err
                raise
            others = sorted(f for f in os.listdir(self.path) if f not in final.files
                            and f != MANIFEST and not f.startswith(STAGING))
            self.result = Published(self.given, new, replaced, removed, changed, others=others)
        remove_tree(aside)
        return self.result

    def _out(self, name):
        return os.path.join(self.path, name)

    def _undo(self, manifest, journal, moved_aside, moved_in, aside):
        """Move everything back after a failed step; returns the folder's state, in words."""
        new_left, missing = [], []
        for n in moved_in:
            try:
                os.replace(self._out(n), os.path.join(self.stage, n))
            except OSError:
                new_left.append(n)
        for n in moved_aside:
            try:
                _move_new(os.path.join(aside, n), self._out(n))
            except OSError:
                missing.append(n)
        try:
            if new_left or missing:
                journal.save(self.stage)        # every file there stays provably minregion's
            elif manifest.existed:
                manifest.save(self.stage)
            elif os.path.lexists(self._out(MANIFEST)):
                os.remove(self._out(MANIFEST))  # the journal that this run wrote
        except OSError:
            pass
        if not (new_left or missing):
            return f"{self.given!r} is as it was"
        self.keep_stage = True
        old = [n for n in moved_aside if n not in missing]
        return (f"{self.given!r} now holds new files of this run: {', '.join(new_left) or 'none'}; "
                f"old files of the earlier run: {', '.join(old) or 'none'}; missing from it, "
                f"kept in {aside}: {', '.join(missing) or 'none'}")

    def _publish_beside(self, foreign):
        """A file that minregion did not write appeared under a result's name while the run
        worked: publish into a new folder beside it instead."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for k in range(1000):
            name = f"{self.command}-{stamp}" + (f"-{k}" if k else "")
            try:
                os.mkdir(self._out(name))
                break
            except FileExistsError:
                continue
        beside = Output(os.path.join(self.given, name), self.command)
        beside.path, beside.created, beside.stage = self._out(name), [self._out(name)], self.stage
        try:
            result = beside.publish()
        except BaseException:
            beside.abandon()
            raise
        result.foreign, result.beside = foreign, beside.given
        self.result = result
        return result

    def abandon(self):
        """After a failure or a stop: remove the folders this run created (only if empty;
        never anything else). Returns the folders removed."""
        removed = []
        for d in self.created:
            try:
                os.rmdir(d)
                removed.append(d)
            except FileNotFoundError:
                pass
            except OSError:
                self.notes.append(f"note: {d} was created by this run but is not empty now; "
                                  f"left as it is")
                break
        return removed

    def report_lines(self):
        """What publishing did, for the user: a list of lines."""
        r = self.result
        lines = []
        if r.beside:
            lines.append(f"note: {', '.join(r.foreign)} appeared in {self.given!r} while the "
                         f"run worked, and minregion did not write "
                         f"{'them' if len(r.foreign) > 1 else 'it'}: the results of this run "
                         f"are in {r.beside!r} instead, and {self.given!r} was not changed")
        lines.append("wrote " + ", ".join(os.path.join(r.folder, f) for f in r.new))
        if r.removed:
            lines.append("removed the files of an earlier run that this run does not "
                         "rewrite: " + ", ".join(r.removed))
        if r.changed:
            lines.append("left alone, since they were changed after minregion wrote them: "
                         + ", ".join(r.changed))
        others = [f for f in r.others if f not in r.changed]
        if others:
            more = f" and {len(others) - 8} more" if len(others) > 8 else ""
            lines.append(f"left alone in {r.folder!r} (files minregion did not write): "
                         + ", ".join(others[:8]) + more)
        return lines + self.notes


# --- make clean -------------------------------------------------------------------------------

def clean(folder):
    """Remove what minregion wrote under ``folder`` (``make clean``): in every folder below
    it that holds a manifest, the listed files that nobody changed, then the manifest, then
    the folder if nothing else is left in it. Links are not followed.

    Returns (removed, folders, kept): the files removed (the manifests included), the
    folders removed, and the paths left alone (changed, not minregion's, or a manifest that
    is not minregion's).
    """
    removed, folders, kept = [], [], []
    if not os.path.isdir(folder):
        return removed, folders, kept
    for path, dirs, files in os.walk(folder, topdown=False):
        if MANIFEST in files:
            try:
                manifest = Manifest.load(path)
            except OutputError:
                kept.append(os.path.join(path, MANIFEST))
                continue
            for name in sorted(manifest.files):
                if manifest.owns(name):
                    os.remove(os.path.join(path, name))
                    removed.append(os.path.join(path, name))
                elif os.path.lexists(os.path.join(path, name)):
                    kept.append(os.path.join(path, name))
            os.remove(os.path.join(path, MANIFEST))
            removed.append(os.path.join(path, MANIFEST))
            try:
                os.rmdir(path)
                folders.append(path)
            except OSError:
                pass                    # the user's files, or a staging folder, are left
    return removed, folders, kept


if __name__ == "__main__":      # python minregion/reproduce/outputs.py clean DIR ... (stdlib only)
    import sys
    if len(sys.argv) < 3 or sys.argv[1] != "clean":
        sys.exit("usage: python minregion/reproduce/outputs.py clean DIR ...")
    for top in sys.argv[2:]:
        gone, folders, left = clean(top)
        files = [p for p in gone if os.path.basename(p) != MANIFEST]
        print(f"{top}: removed {len(files)} file(s) that minregion wrote and {len(folders)} "
              f"folder(s) left empty" + (f"; left alone: {', '.join(left)}" if left else ""))
