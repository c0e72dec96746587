"""Run the tutorial notebooks headless, without Jupyter, and save their figures.

    python tutorials/run.py [NAME_OR_NUMBER ...] [--figures DIR]

Each notebook's code cells run in order in one fresh namespace, with the working folder set
to ``tutorials/`` and matplotlib's Agg backend; after every cell the open figures are saved
to ``DIR/<notebook>_<k>.png`` and closed. A failing cell (a failed self-check is an
``AssertionError``) stops with the notebook name and the cell number. The tests use
:func:`run_notebook` too.
"""
import argparse
import contextlib
import io
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def notebooks():
    """Paths of the numbered tutorial notebooks, in order."""
    return sorted(os.path.join(HERE, f) for f in os.listdir(HERE)
                  if f.endswith(".ipynb") and f[:2].isdigit())


def code_cells(path):
    """The source of every code cell of a notebook, as strings."""
    with open(path) as fh:
        nb = json.load(fh)
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


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
    saved = 0
    os.chdir(HERE)
    try:
        for k, source in enumerate(code_cells(path), 1):
            stream = out if quiet else sys.stdout
            try:
                with contextlib.redirect_stdout(stream):
                    exec(compile(source, f"{name}[cell {k}]", "exec"), namespace)
            except Exception as err:
                raise RuntimeError(f"{name}: code cell {k} failed: {type(err).__name__}: {err}\n"
                                   f"--- its output so far ---\n{out.getvalue()[-3000:]}") from err
            for num in plt.get_fignums():
                if figures:
                    os.makedirs(figures, exist_ok=True)
                    saved += 1
                    plt.figure(num).savefig(os.path.join(figures, f"{name}_{saved}.png"), dpi=100)
            plt.close("all")
    finally:
        os.chdir(cwd)
    return out.getvalue()


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
