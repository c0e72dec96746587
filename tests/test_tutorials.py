"""Every tutorial notebook runs headless from top to bottom and checks itself.

Each notebook is marked with its chapter, so ``pytest -m ch03`` runs chapter 3's notebook
beside chapter 3's tests; every test here is also marked ``notebook``, so
``pytest -m "ch03 and not notebook"`` runs the chapter's unit tests alone.
"""
import json
import os
import re
import sys

import pytest

TUTORIALS = os.path.join(os.path.dirname(__file__), "..", "tutorials")
sys.path.insert(0, TUTORIALS)
from run import figure_name, notebooks, run_notebook  # noqa: E402

NOTEBOOKS = notebooks()


def _param(path):
    name = os.path.basename(path)
    return pytest.param(path, id=name, marks=[getattr(pytest.mark, f"ch{name[:2]}"),
                                              pytest.mark.notebook])


# A number in an answer cell written in scientific notation (2.65\cdot10^{-7}, 2.65e-7) or with a
# decimal point and at least three significant digits is a result: the notebook must print it.
SCIENTIFIC = re.compile(r"(\d+(?:\.\d+)?)\s*(?:\\cdot|\\times)\s*10\^\{?(-?\d+)\}?"
                        r"|(\d+(?:\.\d+)?)[eE](-?\d+)")
DECIMAL = re.compile(r"(?<![\w.^{])(\d+\.\d+)(?!\w|\.\d)")
PRINTED = re.compile(r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
CONSTANTS = {"03": {"0.999"}}     # Adam's beta_2 in a formula of chapter 3's answers
ANSWER = "<!-- " + "SOLUTION"      # an answer cell opens so (split: this file ships to students)


def _digits(mantissa):
    return len(mantissa.replace(".", "").lstrip("0"))


def quoted_results(text):
    """[(as written, value, significant digits)] of the results an answer cell quotes."""
    out, taken = [], []
    for m in SCIENTIFIC.finditer(text):
        mantissa, exponent = m.group(1) or m.group(3), m.group(2) or m.group(4)
        out.append((m.group(0), float(mantissa) * 10.0 ** int(exponent), _digits(mantissa)))
        taken.append(m.span())
    for m in DECIMAL.finditer(text):
        if _digits(m.group(1)) >= 3 and not any(a <= m.start() < b for a, b in taken):
            out.append((m.group(0), float(m.group(1)), _digits(m.group(1))))
    return out


def unprinted_results(path, printed):
    """The results quoted in a notebook's answer cells that the notebook did not print (at the
    answer's precision): stale answers."""
    with open(path) as fh:
        cells = json.load(fh)["cells"]
    values = {float(x) for x in PRINTED.findall(printed)}
    allowed = CONSTANTS.get(os.path.basename(path)[:2], set())
    missing = []
    for k, cell in enumerate(cells):
        text = "".join(cell["source"])
        if cell["cell_type"] != "markdown" or ANSWER not in text:
            continue
        for written, value, digits in quoted_results(text):
            if written not in allowed and not any(
                    float(f"{v:.{digits}g}") == float(f"{value:.{digits}g}") for v in values):
                missing.append(f"cell {k + 1}: {written}")
    return missing


@pytest.mark.parametrize("path", [_param(p) for p in NOTEBOOKS])
def test_notebook_runs_and_checks_itself(path):
    printed = run_notebook(path)
    assert "expected" in printed, "a tutorial prints its checks beside the expected value"
    missing = unprinted_results(path, printed)
    assert not missing, ("the answers quote results the notebook did not print (stale?): "
                         + "; ".join(missing))


@pytest.mark.house
def test_the_stale_answer_check_finds_a_result_that_was_not_printed(tmp_path):
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": [
        ANSWER + " -->\n", "The median is $2.65\\cdot10^{-7}$, then 1.0e-3 and 0.3496."]}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "09_x.ipynb"
    path.write_text(json.dumps(nb))
    assert unprinted_results(str(path), "median 2.65e-07 then 0.001, at a0 = 0.3496") == []
    assert unprinted_results(str(path), "median 2.57e-07 then 0.001, at a0 = 0.3496") == \
        ["cell 1: 2.65\\cdot10^{-7}"]
    assert unprinted_results(str(path), "median 2.65e-07 then 0.001") == ["cell 1: 0.3496"]


@pytest.mark.house
def test_figures_are_saved_under_their_label_or_their_number():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    taken = set()
    labelled, _ = plt.subplots(num="waves")
    plain = plt.figure()
    try:
        assert figure_name("02_x", labelled, 1, taken) == "02_x_waves.png"
        assert figure_name("02_x", plain, 2, taken) == "02_x_2.png"
        again, _ = plt.subplots(num="waves / slopes")
        assert figure_name("02_x", again, 3, taken) == "02_x_waves_slopes.png"
        again.set_label("waves")
        assert figure_name("02_x", again, 4, taken) == "02_x_waves_4.png"
    finally:
        plt.close("all")


def _tiny_notebook(path, label):
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                     "source": ["import matplotlib.pyplot as plt\n", f"plt.subplots(num='{label}')"]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))
    return str(path)


@pytest.mark.house
def test_a_rerun_removes_the_figures_a_notebook_no_longer_makes_and_only_those(tmp_path):
    figures = tmp_path / "figures"
    path = tmp_path / "99_tiny.ipynb"
    run_notebook(_tiny_notebook(path, "old"), figures=str(figures))
    assert (figures / "99_tiny_old.png").exists()
    users = ("99_tiny_1.png", "98_other_old.png", "99_tinyish.png", "99_tiny_mine.png")
    for name in users:                        # the user's files, named like figures
        (figures / name).write_bytes(b"the user's")
    run_notebook(_tiny_notebook(path, "new"), figures=str(figures))
    assert sorted(f for f in os.listdir(figures) if not f.startswith(".")) == sorted(
        users + ("99_tiny_new.png",))
    assert all((figures / name).read_bytes() == b"the user's" for name in users)


@pytest.mark.house
def test_a_file_of_a_figures_name_that_the_runner_did_not_write_is_left_alone(tmp_path, capsys):
    figures = tmp_path / "figures"
    figures.mkdir()
    (figures / "99_tiny_new.png").write_bytes(b"the user's")
    run_notebook(_tiny_notebook(tmp_path / "99_tiny.ipynb", "new"), figures=str(figures))
    assert (figures / "99_tiny_new.png").read_bytes() == b"the user's"
    assert "left alone" in capsys.readouterr().err
    changed = tmp_path / "again"                  # ours once, changed since: kept on a rerun
    run_notebook(_tiny_notebook(tmp_path / "99_tiny.ipynb", "new"), figures=str(changed))
    (changed / "99_tiny_new.png").write_bytes(b"edited")
    run_notebook(_tiny_notebook(tmp_path / "99_tiny.ipynb", "other"), figures=str(changed))
    assert (changed / "99_tiny_new.png").read_bytes() == b"edited"
