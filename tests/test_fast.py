"""The experiments' training step (minregion.reproduce.fast) equals the readable one bit for bit."""
import numpy as np
import pytest

from minregion import training
from minregion.construction import construction_params, weight_map_forward
from minregion.init import init_kaiming, init_raai
from minregion.mlp import mlp_predict
from minregion.readout import fit_alpha_beta
from minregion.reproduce import fast
from minregion.reproduce.experiments import Config, resolve_step, run_block

from test_arguments import TRAINING_SETTINGS, check_training_settings

pytestmark = pytest.mark.ch06

X = np.linspace(-1.0, 1.0, 120)
STEPS = 300


def assert_same_history(h1, h2):
    """Every loss, phase label and region count of two histories identical."""
    assert h1.phase == h2.phase and h1.region_steps == h2.region_steps
    assert np.array_equal(h1.loss_array(), h2.loss_array()), "the losses differ"
    assert len(h1.regions) == len(h2.regions) > 1
    for a, b in zip(h1.regions, h2.regions):
        assert np.array_equal(a, b), f"the region counts differ: {a} against {b}"
    for a, b in zip(h1.regions_flagged, h2.regions_flagged):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("depth", [1, 2, 5])
@pytest.mark.parametrize("chunk", [1, 4, 64])
def test_the_fast_raw_phase_equals_the_readable_one_bit_for_bit(rng, depth, chunk):
    widths = [1] + [4] * depth + [1]
    for init, sparse in ((init_kaiming, False), (init_raai, True)):
        layers = init(widths, rng, runs=7)
        x = rng.uniform(-1, 1, size=(7, 10)) if sparse else X       # each run its own points
        y = np.sin(3 * x)
        mine = training.copy_layers(layers)
        h1 = training.train_raw(layers, x, y, STEPS, lr=3e-3, lo=-1.0, hi=1.0, record_every=60)
        h2 = fast.train_raw(mine, x, y, STEPS, lr=3e-3, lo=-1.0, hi=1.0, record_every=60,
                            chunk=chunk)
        assert_same_history(h1, h2)
        for (W1, b1), (W2, b2) in zip(layers, mine):
            assert np.array_equal(W1, W2) and np.array_equal(b1, b2), "the weights differ"
        assert h1.loss[-1].min() < 0.5 * h1.loss[0].min(), "the test should train something"


@pytest.mark.parametrize("sigma", [-1.0, 1.0])
@pytest.mark.parametrize("depth", [1, 2, 5])
@pytest.mark.parametrize("free_scales", [False, True])
def test_the_fast_constrained_phase_equals_the_readable_one_bit_for_bit(rng, sigma, depth,
                                                                        free_scales):
    y = X**3 if sigma < 0 else np.tanh(3 * X)
    params = construction_params(rng.uniform(0.25, 0.75, size=(6, depth + 1)),
                                 free_scales=free_scales)
    g = mlp_predict(weight_map_forward(params, sigma, -1.0, 1.0)[0], X)
    params["alpha"][:], params["beta"][:] = fit_alpha_beta(g, y)
    mine = {k: v.copy() for k, v in params.items()}
    h1 = training.train_constrained(params, X, y, sigma, STEPS, lr=3e-3, lo=-1.0, hi=1.0,
                                    record_every=50)
    h2 = fast.train_constrained(mine, X, y, sigma, STEPS, lr=3e-3, lo=-1.0, hi=1.0,
                                record_every=50, chunk=4)
    assert_same_history(h1, h2)
    for k in params:
        assert np.array_equal(params[k], mine[k]), f"params[{k!r}] differ"
    assert h1.loss[-1].min() < h1.loss[0].min(), "the test should train something"


def test_a_whole_block_is_the_same_with_either_step():
    cfg = Config(runs=5, epochs=120, pretrain_epochs=80, seeds=(0,), record_every=40)
    for method in ("kaiming", "pretrain_theorem_3_1"):
        a = run_block(cfg, 0, "1", "x^3", method, step="readable")
        b = run_block(cfg, 0, "1", "x^3", method, step="fast")
        a.pop("seconds"), b.pop("seconds")
        assert a == b, f"{method}: the block's summary differs between the two steps"


def test_the_fast_step_leaves_the_parameters_as_they_were_when_training_diverges(rng):
    layers = init_kaiming([1, 4, 4, 1], rng, runs=3)
    before = training.copy_layers(layers)
    with pytest.raises(training.TrainingDiverged, match="diverged"):
        fast.train_raw(layers, X, X**3, 50, lr=1e3)
    for (W1, b1), (W2, b2) in zip(layers, before):
        assert np.array_equal(W1, W2) and np.array_equal(b1, b2)


def test_bad_steps_and_chunks_are_named():
    with pytest.raises(ValueError, match="step must be one of"):
        resolve_step("quick")
    assert resolve_step(None) == "fast"
    with pytest.raises(ValueError, match="chunk must be an integer >= 1"):
        fast.check_chunk(0)


def test_a_learning_rate_schedule_gives_the_same_numbers_too(rng):
    layers = init_kaiming([1, 4, 4, 4, 1], rng, runs=5)
    mine = training.copy_layers(layers)
    lr = training.cosine_lr(1e-2, 1e-4, 200)
    h1 = training.train_raw(layers, X, X**3, 200, lr=lr, lo=-1.0, hi=1.0, record_every=100)
    h2 = fast.train_raw(mine, X, X**3, 200, lr=lr, lo=-1.0, hi=1.0, record_every=100)
    assert_same_history(h1, h2)
    for (W1, b1), (W2, b2) in zip(layers, mine):
        assert np.array_equal(W1, W2) and np.array_equal(b1, b2), "the weights differ"


@pytest.mark.parametrize("kwargs, match", TRAINING_SETTINGS)
def test_the_fast_trainer_checks_its_settings_as_the_readable_one_does(kwargs, match, rng):
    check_training_settings(fast.train_raw, kwargs, match, rng)
