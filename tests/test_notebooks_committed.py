"""The notebooks are committed clean: no outputs, no execution counts, no magics but the
commented ``%autoreload`` lines that the first cell offers, no global seed.

These are the repository's own rules (``house``), not a chapter's: a student who saves a
notebook in Jupyter, outputs and all, or switches ``%autoreload`` on, has done nothing wrong,
so the student edition leaves this file out (``course/make_student.py``, REFERENCE_ONLY).
"""
import json
import os
import sys

import pytest

TUTORIALS = os.path.join(os.path.dirname(__file__), "..", "tutorials")
sys.path.insert(0, TUTORIALS)
from run import notebooks  # noqa: E402

pytestmark = pytest.mark.house

NOTEBOOKS = notebooks()
AUTORELOAD = ("%load_ext autoreload", "%autoreload 2")   # a student may uncomment these


def _param(path):
    return pytest.param(path, id=os.path.basename(path))


@pytest.mark.parametrize("path", [_param(p) for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs_and_magics(path):
    with open(path) as fh:
        nb = json.load(fh)
    for k, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
        assert cell.get("outputs", []) == [], f"code cell {k + 1} carries outputs"
        assert cell.get("execution_count") is None, f"code cell {k + 1} has an execution count"
        for line in "".join(cell["source"]).splitlines():
            assert not line.lstrip().startswith(("%", "!")) or \
                line.strip() in AUTORELOAD, f"magic or shell line: {line}"
        assert "np.random.seed" not in "".join(cell["source"]), "pass an rng, never seed globally"


@pytest.mark.parametrize("path", [_param(p) for p in NOTEBOOKS])
def test_autoreload_is_offered_and_skipped_outside_jupyter(path):
    """Each notebook's first code cell offers ``%autoreload`` (commented out), and a notebook
    with it switched on still runs headless (the magic lines are skipped)."""
    from run import without_magics
    with open(path) as fh:
        first = next("".join(c["source"]) for c in json.load(fh)["cells"]
                     if c["cell_type"] == "code")
    assert all(f"# {line}" in first for line in AUTORELOAD), "no commented %autoreload"
    on = first.replace("# %", "%")
    compile(without_magics(on), "cell", "exec")
