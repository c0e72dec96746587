"""Chapter 6: the paper's tables, their files and the command line."""
import json
from dataclasses import replace

import numpy as np
import pytest

from minregion.cli import main
from minregion.reproduce.experiments import (METHODS, PROTOCOLS, TABLES, Config, block_data,
                                   paper_numbers, parse_tables, run_block, run_tables)
from minregion.reproduce.summary import summarise_blocks

pytestmark = pytest.mark.ch06


def test_the_paper_numbers_are_kept_as_data():
    ref = paper_numbers()
    t1 = ref["table1_dense_500_points"]["mse"]
    assert set(t1) == set(METHODS)
    assert t1["pretrain_theorem_3_1"]["x^3"] == {"min": 7.86e-8, "mean": 5.27e-7}
    assert ref["table3_sparse_10_train_10_test"]["test_mse"]["kaiming"]["tanh(3x)"] == 1.60e-4


def test_every_method_of_a_table_sees_the_same_data_and_seeds_differ():
    cfg = Config(runs=3)
    x1, y1, xt1, _ = block_data(cfg, 0, "3", "sin(x)")
    x2, y2, xt2, _ = block_data(cfg, 0, "3", "sin(x)")
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(xt1, xt2)
    assert x1.shape == (3, 10) and not np.array_equal(x1, xt1)
    assert not np.array_equal(x1, block_data(cfg, 1, "3", "sin(x)")[0])


def test_the_protocols():
    """paper: pretraining comes before the same raw budget; long: inside the same total."""
    paper, long = Config.for_protocol("paper"), Config.for_protocol("long")
    assert paper.steps("kaiming") == (0, 1500) and paper.steps("skip_pretraining") == (0, 1500)
    assert paper.steps("pretrain_theorem_3_1") == (1000, 1500)
    assert long.steps("kaiming") == (0, 15000)
    assert long.steps("pretrain_free_scales") == (1500, 13500)
    assert paper.seeds == (0, 1, 2, 3, 4) and long.seeds == (0,)
    assert set(PROTOCOLS) == {"paper", "long", "cosine"}
    assert Config.for_protocol("cosine").raw_lr(11)(10) == pytest.approx(1e-5)
    assert paper.with_overrides(seeds=3, first_seed=10).seeds == (10, 11, 12)
    assert paper.with_overrides(epochs=300).pretrain_epochs == 200   # keeps the ratio 1000:1500
    with pytest.raises(ValueError, match="protocol"):
        Config.for_protocol("short")
    with pytest.raises(ValueError, match="seeds"):
        Config(seeds=(1, 1)).check()


def test_the_summary_keeps_every_seed_the_median_and_the_range():
    blocks = [dict(method="m", target="t", seed=s, score=sc, pieces_end=[30, 32],
                   pieces_switch=[32, 32], flagged=0)
              for s, sc in ((0, [1.0, 3.0]), (1, [2.0, 4.0]), (2, [5.0, 7.0]))]
    out = summarise_blocks(blocks)
    assert out["seeds"]["1"]["m"]["t"] == {"min": 2.0, "mean": 3.0}
    assert out["mse"]["m"]["t"] == {"min": 2.0, "min_range": [1.0, 5.0],
                                    "mean": 3.0, "mean_range": [2.0, 6.0]}
    assert out["runs"]["m"]["t"] == [[1.0, 3.0], [2.0, 4.0], [5.0, 7.0]]
    assert out["regions"]["m"]["t"]["end"] == {"median": 31.0, "lowest": 30.0, "highest": 32.0}
    assert out["regions"]["m"]["t"]["switch"]["lowest"] == 32.0


def test_tables_named_twice_run_once():
    assert parse_tables("3,1,3") == ["3", "1"]


def test_pretraining_with_theorem_31_beats_kaiming_on_x3_by_a_wide_margin():
    """A small, seeded version of Table 1: 4 runs, 1500 Adam steps for both methods."""
    cfg = Config(runs=4, epochs=1200, pretrain_epochs=300, record_every=0)
    kaiming = run_block(cfg, 0, "1", "x^3", "kaiming")
    ours = run_block(cfg, 0, "1", "x^3", "pretrain_theorem_3_1")
    assert min(ours["train_mse"]) * 30 < min(kaiming["train_mse"])
    assert np.mean(ours["train_mse"]) * 100 < np.mean(kaiming["train_mse"])


def test_a_block_gives_the_same_numbers_in_a_worker_process():
    cfg = Config(runs=2, epochs=40, pretrain_epochs=20, record_every=0, seeds=(0, 1))
    here = run_tables(["3"], cfg, jobs=1, progress=lambda s: None)
    there = run_tables(["3"], cfg, jobs=2, progress=lambda s: None)
    assert here["3"]["runs"] == there["3"]["runs"]
    assert here["3"]["regions"] == there["3"]["regions"]


def test_reproduce_writes_tables_report_and_figures(tmp_path, capsys):
    out = tmp_path / "res"
    argv = ["reproduce", "--tables", "3", "--runs", "2", "--epochs", "60", "--seeds", "2",
            "--jobs", "1", "--out", str(out)]
    assert main(argv) == 0
    table = json.loads((out / "table3.json").read_text())
    assert table["config"]["runs"] == 2 and table["statistic"] == "test MSE"
    assert table["protocol"] == "paper" and table["config"]["seeds"] == [0, 1]
    for m in TABLES["3"]["methods"]:
        for t in TABLES["3"]["targets"]:
            cell = table["mse"][m][t]
            mins = [min(r) for r in table["runs"][m][t]]
            assert cell["min"] == pytest.approx(np.median(mins))
            assert cell["min_range"] == [min(mins), max(mins)]
            assert table["seeds"]["1"][m][t]["mean"] == pytest.approx(
                np.mean(table["runs"][m][t][1]))
            assert table["regions"][m][t]["end"]["lowest"] >= 1
    report = (out / "report.md").read_text()
    assert "5.65e-06" in report  # the paper's number for x^3, beside ours
    assert "of 2 seeds" in report  # claims say on how many seeds they hold
    for name in ("fits", "curves", "regions", "pieces"):
        assert (out / f"table3_{name}.png").stat().st_size > 1000
    assert "about" in capsys.readouterr().out  # the progress line estimates the time left
    first = (out / "table3.json").read_bytes()
    assert main(argv) == 0                       # same seeds, same bytes
    assert (out / "table3.json").read_bytes() == first
    assert "wall_seconds" in json.loads((out / "timings.json").read_text())


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


def test_calibration_reads_the_mse_after_exactly_T_steps():
    """The loss history holds the MSE before each step: entry T is the MSE after T steps."""
    from minregion.reproduce.calibration import calibration_block
    cfg = Config(runs=3)
    both = calibration_block(cfg, 100, "x^3", "kaiming", (7, 12))
    for T, got in zip((7, 12), both["min"]):
        alone = calibration_block(cfg, 100, "x^3", "kaiming", (T,))
        assert alone["min"] == [got], f"after {T} steps: {alone['min']} against {got}"


def test_the_chosen_budget_is_the_one_whose_worse_ratio_is_closest_to_the_paper():
    from minregion.reproduce.calibration import choose_budget
    paper = {"x^3": 1.0, "x^11": 1.0}
    cal = dict(steps=[1000, 1500, 2000, 3000], window=[1500, 2000, 3000],
               paper={"kaiming": paper},
               median={"kaiming": {"x^3": [3.0, 1.1, 0.9, 0.55],
                                   "x^11": [3.0, 1.6, 0.95, 0.6]}})
    assert choose_budget(cal) == 2000          # worse ratios 1.6, 1/0.9 and 1/0.55
    cal["median"]["kaiming"]["x^11"][2] = 1 / 0.5
    assert choose_budget(cal) == 1500          # now 2000's worse ratio is 2
    assert choose_budget(dict(cal, window=[])) is None


def test_within_2x_of_the_paper_is_two_sided():
    from minregion.reproduce.report import claims
    ref = paper_numbers()["table1_dense_500_points"]["mse"]
    seeds = {}
    for s, factor in (("0", 0.4), ("1", 1.5), ("2", 2.5)):   # below, inside, above the band
        seeds[s] = {m: {t: {"min": factor * ref[m][t]["min"], "mean": factor * ref[m][t]["mean"]}
                        for t in TABLES["1"]["targets"]} for m in TABLES["1"]["methods"]}
    summary = dict(methods=list(TABLES["1"]["methods"]), targets=list(TABLES["1"]["targets"]),
                   seeds=seeds)
    text = "\n".join(claims("1", summary))
    assert "at or below the paper's (7.86e-08) on 1 of 3 seeds, within 2x of it ([0.5x, 2x]) on 1 of 3" in text
    assert "Kaiming's minimum is within 2x of the paper's ([0.5x, 2x] of 2.11e-05) on 1 of 3 seeds" in text


def test_table_3_is_not_compared_with_the_paper_as_like_for_like():
    from minregion.reproduce.report import claims
    ref = paper_numbers()["table3_sparse_10_train_10_test"]["test_mse"]
    seeds = {"0": {m: {t: {"min": 0.4 * ref[m][t], "mean": 1.0} for t in TABLES["3"]["targets"]}
                   for m in TABLES["3"]["methods"]}}
    summary = dict(methods=list(TABLES["3"]["methods"]), targets=list(TABLES["3"]["targets"]),
                   seeds=seeds)
    text = "\n".join(claims("3", summary))
    assert "at or below" not in text and "not like for like" in text
    assert "Kaiming's minimum is within 2x of the paper's ([0.5x, 2x] of 2.41e-04) on 0 of 1" in text


def test_the_validation_block_is_its_own_and_leaves_the_reported_cells_alone():
    """The paper protocol runs a second, fixed block of seeds that no table cell comes from."""
    from minregion.reproduce.calibration import CALIBRATION_SEEDS
    from minregion.reproduce.report import claims
    paper = Config.for_protocol("paper")
    assert paper.validation_seeds == (1000, 1001, 1002, 1003, 1004)
    assert not set(paper.validation_seeds) & (set(paper.seeds) | set(CALIBRATION_SEEDS))
    assert paper.with_overrides(seeds=2).validation_seeds == ()          # --seeds: none unless asked
    assert paper.with_overrides(seeds=2, validation_seeds=1).validation_seeds == (1000,)
    with pytest.raises(ValueError, match="validation_seeds"):
        Config(seeds=(0, 1000), validation_seeds=(1000,)).check()
    cfg = Config(runs=2, epochs=20, pretrain_epochs=10, record_every=0, seeds=(0, 1))
    alone = run_tables(["3"], cfg, progress=lambda s: None)["3"]
    both = run_tables(["3"], replace(cfg, validation_seeds=(1000,)), progress=lambda s: None)["3"]
    for key in ("runs", "seeds", "mse", "regions"):
        assert both[key] == alone[key]                                  # bit for bit
    assert list(both["validation"]["seeds"]) == ["1000"] and "validation" not in alone
    text = "\n".join(claims("3", both))
    assert "of 2 reported seeds and" in text and "of 1 validation seeds (" in text
    assert "over the 3 seeds" in text                                   # ranges over both blocks


def test_the_readings_of_table_3s_points():
    """make table3-settings: per-run draws, one shared draw, evenly spaced training points."""
    from minregion.reproduce.table3_settings import reading_data, settings_block
    x, y, xt, _ = reading_data("per-run", 200, "x^3", runs=3)
    assert x.shape == xt.shape == (3, 10) and not np.array_equal(x[0], x[1])
    x, _, xt, _ = reading_data("shared", 200, "x^3", runs=3)
    assert np.array_equal(x[0], x[2]) and np.array_equal(xt[0], xt[1]) and not np.array_equal(x, xt)
    x, y, xt, _ = reading_data("grid", 200, "x^11", runs=2)
    np.testing.assert_array_equal(x[1], np.linspace(0, 1, 10))
    np.testing.assert_array_equal(y, x ** 11)
    block = settings_block("grid", 200, "x^3", "kaiming", runs=2, checkpoints=(5, 10))
    assert np.shape(block["test"]) == (2, 2) and np.all(np.array(block["test"]) > 0)
    with pytest.raises(ValueError, match="reading must be one of"):
        reading_data("random", 200, "x^3", runs=2)
    with pytest.raises(SystemExit):
        main(["table3-settings", "--seeds", "9"])
