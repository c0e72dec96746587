"""Chapter 7: losses, bad input, and ``reproduce --tables ext``."""
import json

import numpy as np
import pytest

from minregion.cli import main
from minregion.extensions.difference import init_difference
from minregion.extensions.experiments import ExtConfig, run_ext_block
from minregion.extensions.losses import (softmax_cross_entropy_backward,
                                         softmax_cross_entropy_forward)
from minregion.extensions.regions2d import box_polygon, region_partition
from minregion.extensions.targets import two_spirals
from minregion.extensions.triangle_layer import constrained_layer_forward, init_triangle_layer
from minregion.gradcheck import numerical_gradient, vector_rel_error
from minregion.init import init_kaiming
from minregion.training import History, TrainingDiverged, adam_loop

pytestmark = pytest.mark.ch07


# --- losses, data, bad input ----------------------------------------------------------

def test_softmax_cross_entropy_gradient(rng):
    logits = rng.normal(size=(2, 3, 7))
    labels = rng.integers(0, 3, size=7)
    _, cache = softmax_cross_entropy_forward(logits, labels)
    def f():
        return float(np.sum(softmax_cross_entropy_forward(logits, labels)[0]))
    num = numerical_gradient(f, logits)
    assert vector_rel_error(softmax_cross_entropy_backward(1.0, cache), num) < 1e-8


@pytest.mark.parametrize("call, message", [
    (lambda r: init_triangle_layer(np.zeros((2, 5)), 0, 1, 3, r), "K must be"),
    (lambda r: init_triangle_layer(np.zeros((2, 5)), 2, 1, 0, r), "depth must be"),
    (lambda r: init_triangle_layer(np.full((2, 5), np.nan), 2, 1, 3, r), "finite"),
    (lambda r: constrained_layer_forward(np.zeros((3, 5)),
                                   init_triangle_layer(np.eye(2), 2, 1, 2, r)), "D = 2"),
    (lambda r: init_difference(np.linspace(0, 1, 5), np.ones(5), 0, r), "depth must be"),
    (lambda r: init_difference(np.linspace(0, 1, 5), np.array([1, 2, np.nan, 4, 5]), 2, r),
     "finite"),
    (lambda r: region_partition(init_kaiming([3, 4, 1], r)), "2 inputs"),
    (lambda r: box_polygon((1, -1, 0, 1)), "x0 < x1"),
    (lambda r: two_spirals(0, r), "n must be"),
    (lambda r: ExtConfig(K_2d=0).check(), "K_2d must be"),
])
def test_bad_input_gets_a_clear_error(rng, call, message):
    with pytest.raises(ValueError, match=message):
        call(rng)


def test_a_diverging_loop_raises_says_why_and_restores_the_arrays(rng):
    w = np.ones(1)
    with pytest.raises(TrainingDiverged, match="before the first step.*not the learning rate"):
        adam_loop([w], lambda: (np.array([np.inf]), [np.ones(1)]), 3, 1e-3, History(), "raw")
    losses = iter([1.0, 2.0, np.inf])
    with pytest.raises(TrainingDiverged, match="diverged.*lower the learning rate"):
        adam_loop([w], lambda: (np.array([next(losses)]), [np.ones(1)]), 3, 1e-3, History(),
                  "raw")
    assert w[0] == 1.0, "a failed loop restores the arrays it was given"


# --- the experiment -------------------------------------------------------------------

def test_same_seed_same_numbers():
    cfg = ExtConfig(runs=2, epochs=30, pretrain_epochs=10, record_every=10)
    for target in ("x^3-x", "spirals"):
        one = run_ext_block(cfg, 0, target, "pretrain_theorem_3_1")
        two = run_ext_block(cfg, 0, target, "pretrain_theorem_3_1")
        assert one["score"] == two["score"]


def test_reproduce_ext_writes_json_report_and_figures(tmp_path):
    out = tmp_path / "res"
    assert main(["reproduce", "--tables", "ext", "--quick", "--runs", "2", "--epochs", "40",
                 "--seeds", "1", "--jobs", "1", "--out", str(out)]) == 0
    ext = json.loads((out / "ext.json").read_text())
    assert ext["config"]["runs"] == 2 and ext["config"]["epochs"] == 40
    for m in ("kaiming", "pretrain_theorem_3_1"):
        for t in ("x^3-x", "r^3", "spirals"):
            cell = ext["mse"][m][t]
            assert cell["min"] == min(ext["runs"][m][t][0])
            assert cell["mean"] == pytest.approx(np.mean(ext["runs"][m][t][0]))
    assert "error rate" in ext["statistic"]["spirals"]
    assert ext["parameters"]["pretrain_theorem_3_1"]["x^3-x"] == 186
    assert "Extensions" in (out / "report.md").read_text()
    for name in ("nonconvex", "r3", "regions2d", "spirals"):
        assert (out / f"ext_{name}.png").stat().st_size > 1000


def test_the_extensions_trainers_refuse_bad_targets(rng):
    from minregion.extensions.train import train_dense
    layers = init_kaiming([2, 4, 1], rng)
    x = rng.uniform(-1, 1, size=(2, 10))
    with pytest.raises(ValueError, match="targets must be finite"):
        train_dense(layers, x, np.full(10, np.nan), 1)
    with pytest.raises(ValueError, match="labels must be"):
        train_dense(init_kaiming([2, 4, 2], rng), x, np.full(10, 0.5), 1, loss="cross_entropy")
