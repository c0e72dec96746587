"""Run the tutorial notebooks headless, without Jupyter, and save their figures.

    python tutorials/run.py [NAME_OR_NUMBER ...] [--figures DIR]

Each notebook's code cells run in order in one fresh namespace, with the working folder set
to ``tutorials/`` and matplotlib's Agg backend; after every cell the open figures are saved
and closed: as ``DIR/<notebook>_<label>.png`` when the figure has a label
(``fig.set_label("waves")`` or ``plt.subplots(..., num="waves")``), else as
``DIR/<notebook>_<k>.png`` for the notebook's k-th figure; after a notebook has run, the
figures of its earlier runs that it no longer makes are removed. The folder's manifest
(``minregion.reproduce.outputs``) lists every figure written here: only a listed figure
that nobody changed since is overwritten or removed; a file of a figure's name that this
script did not write is left alone, and the figure is not saved (a note says so). IPython's
``%`` lines (``%autoreload``) are skipped. A
failing cell (a failed self-check is an ``AssertionError``) stops with the notebook name,
the cell number and the line that failed. The tests use :func:`run_notebook` too.
"""
import argparse
import contextlib
import io
import json
import os
import re
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MAGIC = re.compile(r"^(\s*)([%!].*)$", re.MULTILINE)


def notebooks():
    """Paths of the numbered tutorial notebooks, in order."""
    return sorted(os.path.join(HERE, f) for f in os.listdir(HERE)
                  if f.endswith(".ipynb") and f[:2].isdigit())


def code_cells(path):
    """The source of every code cell of a notebook, as strings."""
    with open(path) as fh:
        nb = json.load(fh)
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def figure_name(notebook, fig, k, taken):
    """``<notebook>_<label>`` for a labelled figure, else ``<notebook>_<k>``; a label used
    twice in one notebook gets ``_<k>`` appended the second time."""
    label = re.sub(r"[^A-Za-z0-9_.-]+", "_", fig.get_label()).strip("_.")
    name = f"{notebook}_{label}" if label else f"{notebook}_{k}"
    if name in taken:
        name = f"{name}_{k}"
    taken.add(name)
    return name + ".png"


def _failing_line(err, filename, source):
    """``line 5: assert err < 1e-14``: where in the cell the exception came from."""
    lines = source.splitlines()
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if frame.filename == filename and frame.lineno and frame.lineno <= len(lines):
            return f" at line {frame.lineno} ({lines[frame.lineno - 1].strip()[:100]})"
    return ""


def without_magics(source):
    """IPython's ``%`` and ``!`` lines (``%autoreload 2``, say) become comments: they mean
    nothing outside Jupyter."""
    return MAGIC.sub(lambda m: f"{m.group(1)}pass  # {m.group(2)}", source)


def run_notebook(path, figures=None, quiet=True):
    """Execute a notebook's code cells; return the text it printed.

    Raises ``RuntimeError`` naming the notebook and the cell when a cell fails.
    """
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    name = os.path.splitext(os.path.basename(path))[0]
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    namespace = {"__name__": "__main__"}
    out = io.StringIO()
    cwd = os.getcwd()
    saved, taken = 0, set()
    os.chdir(HERE)
    try:
        for k, source in enumerate(code_cells(path), 1):
            stream = out if quiet else sys.stdout
            filename = f"{name}[cell {k}]"
            try:
                with contextlib.redirect_stdout(stream):
                    exec(compile(without_magics(source), filename, "exec"), namespace)
            except Exception as err:
                where = _failing_line(err, filename, source)
                raise RuntimeError(f"{name}: code cell {k} failed{where}: {type(err).__name__}: "
                                   f"{err}\n--- its output so far ---\n{out.getvalue()[-3000:]}"
                                   ) from err
            for num in plt.get_fignums():
                if figures:
                    saved += 1
                    fig = plt.figure(num)
                    _save_figure(figures, name, fig, figure_name(name, fig, saved, taken))
            plt.close("all")
    finally:
        os.chdir(cwd)
    if figures and os.path.isdir(figures):
        _remove_stale_figures(figures, name, taken)
    return out.getvalue()


def _save_figure(figures, notebook, fig, filename):
    """Save a figure into ``figures`` and list it in the folder's manifest; a file of that
    name that this script did not write (or that was changed since) is left alone."""
    from minregion.reproduce.outputs import Manifest, content

    os.makedirs(figures, exist_ok=True)
    manifest = Manifest.load(figures)
    path = os.path.join(figures, filename)
    if os.path.lexists(path) and not manifest.owns(filename):
        print(f"note: {path} was not written by tutorials/run.py (or was changed since): "
              f"left alone, and this figure not saved", file=sys.stderr)
        return
    fig.savefig(path, dpi=100)
    manifest.files[filename] = {"command": f"tutorials {notebook}", "versions": [content(path)]}
    manifest.save(figures)


def _remove_stale_figures(figures, notebook, made):
    """Remove the figures of ``notebook`` that the manifest lists, that this run did not
    make, and that nobody changed since; a changed one is left alone and no longer listed."""
    from minregion.reproduce.outputs import Manifest

    manifest = Manifest.load(figures)
    stale = [f for f, e in manifest.files.items()
             if e["command"] == f"tutorials {notebook}" and f[:-4] not in made]
    for f in stale:
        if manifest.owns(f):
            os.remove(os.path.join(figures, f))
        del manifest.files[f]
    if stale:
        manifest.save(figures)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run the tutorial notebooks headless.")
    parser.add_argument("only", nargs="*", help="notebook numbers or names (default: all)")
    parser.add_argument("--figures", default=os.path.join(HERE, "figures"))
    args = parser.parse_args(argv)
    paths = [p for p in notebooks()
             if not args.only or any(os.path.basename(p).startswith(o.zfill(2)) or o in p
                                     for o in args.only)]
    if not paths:
        parser.error(f"no notebook matches {args.only}")
    for path in paths:
        start = time.perf_counter()
        print(f"== {os.path.basename(path)}")
        run_notebook(path, figures=args.figures, quiet=False)
        print(f"== {os.path.basename(path)} ran in {time.perf_counter() - start:.1f} s")
    print(f"figures in {args.figures}")


if __name__ == "__main__":
    main()
