"""Chapter 6: the paper's tables, their files and the command line."""
import json

import numpy as np
import pytest

from minregion.cli import main
from minregion.experiments import (METHODS, TABLES, Config, block_data, paper_numbers,
                                   run_block, run_tables)

pytestmark = pytest.mark.ch06


def test_the_paper_numbers_are_kept_as_data():
    ref = paper_numbers()
    t1 = ref["table1_dense_500_points"]["mse"]
    assert set(t1) == set(METHODS)
    assert t1["pretrain_theorem_3_1"]["x^3"] == {"min": 7.86e-8, "mean": 5.27e-7}
    assert ref["table3_sparse_10_train_10_test"]["test_mse"]["kaiming"]["tanh(3x)"] == 1.60e-4


def test_every_method_of_a_table_sees_the_same_data():
    cfg = Config(runs=3)
    x1, y1, xt1, _ = block_data(cfg, "3", "sin(x)")
    x2, y2, xt2, _ = block_data(cfg, "3", "sin(x)")
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(xt1, xt2)
    assert x1.shape == (3, 10) and not np.array_equal(x1, xt1)


def test_pretraining_with_theorem_31_beats_kaiming_on_x3_by_a_wide_margin():
    """A small, seeded version of Table 1: 4 runs, 1500 Adam steps for both methods."""
    cfg = Config(runs=4, epochs=1500, pretrain_epochs=300, record_every=0)
    kaiming = run_block(cfg, "1", "x^3", "kaiming")
    ours = run_block(cfg, "1", "x^3", "pretrain_theorem_3_1")
    assert min(ours["train_mse"]) * 30 < min(kaiming["train_mse"])
    assert np.mean(ours["train_mse"]) * 100 < np.mean(kaiming["train_mse"])


def test_a_block_gives_the_same_numbers_in_a_worker_process():
    cfg = Config(runs=2, epochs=40, pretrain_epochs=20, record_every=0)
    here = run_tables(["3"], cfg, jobs=1, progress=lambda s: None)
    there = run_tables(["3"], cfg, jobs=2, progress=lambda s: None)
    assert here["3"]["runs"] == there["3"]["runs"]


def test_reproduce_writes_tables_report_and_figures(tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["reproduce", "--tables", "3", "--runs", "2", "--epochs", "60",
                 "--jobs", "1", "--out", str(out)]) == 0
    table = json.loads((out / "table3.json").read_text())
    assert table["config"]["runs"] == 2 and table["statistic"] == "test MSE"
    for m in TABLES["3"]["methods"]:
        for t in TABLES["3"]["targets"]:
            cell = table["mse"][m][t]
            assert cell["min"] == min(table["runs"][m][t])
            assert cell["mean"] == pytest.approx(np.mean(table["runs"][m][t]))
    report = (out / "report.md").read_text()
    assert "5.65e-06" in report  # the paper's number for x^3, beside ours
    for name in ("fits", "curves", "regions"):
        assert (out / f"table3_{name}.png").stat().st_size > 1000
    assert "about" in capsys.readouterr().out  # the progress line estimates the time left


@pytest.mark.parametrize("argv, message", [
    (["reproduce", "--tables", "4"], "unknown table"),
    (["reproduce", "--runs", "0"], "must be >= 1"),
    (["regions", "--depth", "0"], "must be >= 1"),
])
def test_bad_arguments_get_clear_errors(argv, message, capsys):
    with pytest.raises(SystemExit):
        main(argv)
    assert message in capsys.readouterr().err


def test_an_unwritable_output_folder_is_refused(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(SystemExit):
        main(["reproduce", "--tables", "3", "--out", str(blocker / "res")])
    assert "not a writable folder" in capsys.readouterr().err


def test_a_diverging_run_writes_no_table(tmp_path, capsys):
    out = tmp_path / "res"
    code = main(["reproduce", "--tables", "3", "--runs", "2", "--epochs", "50", "--lr", "1e4",
                 "--jobs", "1", "--out", str(out)])
    assert code == 1
    assert "diverged" in capsys.readouterr().err
    assert not (out / "table3.json").exists()


def test_regions_command_prints_the_table(tmp_path, capsys):
    assert main(["regions", "--depth", "6", "--samples", "5", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "constructed == 2^d at every depth: True" in text
    assert (tmp_path / "regions_vs_depth.png").exists()
