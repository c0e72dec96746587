"""Chapter 5: training in two phases, many runs at once."""
import numpy as np
import pytest

from minregion.construction import construction_params, weight_map_forward
from minregion.gradcheck import numerical_gradient, vector_rel_error
from minregion.init import init_kaiming
from minregion.mlp import mlp_predict, prepare_data
from minregion.readout import fit_alpha_beta, lstsq_readout
from minregion.training import (TrainingDiverged, constrained_loss_and_grads, copy_layers,
                                train_constrained, train_raw)

pytestmark = pytest.mark.ch05

X = np.linspace(0, 1, 200)
Y = X**3


def _pretrained(rng, runs=3, depth=5, epochs=300, free_scales=False, record_every=25):
    params = construction_params(rng.uniform(0.25, 0.75, size=(runs, depth + 1)),
                          free_scales=free_scales)
    g = mlp_predict(weight_map_forward(params, -1.0)[0], X)
    params["alpha"][:], params["beta"][:] = fit_alpha_beta(g, Y)
    history = train_constrained(params, X, Y, -1.0, epochs, record_every=record_every)
    return params, history


@pytest.mark.parametrize("free_scales", [False, True])
def test_phase_1_keeps_exactly_2_to_the_d_regions_at_every_recorded_step(rng, free_scales):
    params, history = _pretrained(rng, free_scales=free_scales)
    counts = np.array(history.regions)
    assert counts.shape == (len(history.region_steps), 3)
    assert history.region_steps[0] == 0 and history.region_steps[-1] == 300
    assert np.all(counts == 2**5), counts
    losses = history.loss_array()
    assert np.all(losses[-1] < 0.5 * losses[0]), "phase 1 should lower the loss"


def test_phase_1_gradients_match_finite_differences_on_a_real_training_state(rng):
    """After phase 1, alpha and beta sit near their least-squares optimum: dL/dalpha is about
    1e-6, and a centred difference with h = 1e-6 carries a rounding error of about
    1e-16 |L| / h, relative 1e-7 to it (1.7e-7 measured on one machine, 8e-8 on another).
    The output is linear in s0, alpha and beta (alpha, beta: the output layer; s0 scales every
    wave, and ReLU(c z) = c ReLU(z)), so the loss is exactly quadratic in each and a centred
    difference has no truncation error there, whatever the step: a larger step shrinks the
    rounding error without any bias. The peaks move the kinks, so they keep a small step."""
    params, _ = _pretrained(rng, runs=1, epochs=200, record_every=0)
    one = {k: np.array(v[0]) for k, v in params.items()}  # the first run, alone
    Xc, Yc = prepare_data(X, Y)
    _, grads = constrained_loss_and_grads(one, Xc, Yc, -1.0)
    for k in one:
        def f():
            return float(constrained_loss_and_grads(one, Xc, Yc, -1.0)[0])
        h = 1e-3 if k in ("s0", "alpha", "beta") else 1e-6
        assert vector_rel_error(grads[k], numerical_gradient(f, one[k], h=h)) < 1e-7, k


def test_phase_2_starts_from_the_same_function_and_reports_the_count(rng):
    params, history = _pretrained(rng, epochs=100, record_every=0)
    layers = copy_layers(weight_map_forward(params, -1.0)[0])
    before = mlp_predict(layers, X)
    train_raw(layers, X, Y, 200, record_every=100, history=history)
    assert history.phase.count("constrained") == 100 and history.phase.count("raw") == 200
    assert history.region_steps == [100, 200, 300]
    assert np.all(np.array(history.regions[0]) == 32)  # the switch itself changes nothing
    assert np.all(np.abs(mlp_predict(layers, X) - before) < 0.1)


def test_many_runs_at_once_equal_the_same_runs_one_at_a_time(rng):
    layers = init_kaiming([1, 4, 4, 1], rng, runs=3)
    alone = [[(W[r].copy(), b[r].copy()) for W, b in layers] for r in range(3)]
    train_raw(layers, X, Y, 50)
    for r in range(3):
        train_raw(alone[r], X, Y, 50)
        for (W, b), (W1, b1) in zip(layers, alone[r]):
            np.testing.assert_allclose(W[r], W1, rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(b[r], b1, rtol=1e-12, atol=1e-15)


def test_same_seed_same_numbers():
    runs = []
    for _ in range(2):
        params, history = _pretrained(np.random.default_rng(7), epochs=50, record_every=0)
        runs.append((params["a"].copy(), history.loss_array()))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


def test_an_absurd_learning_rate_stops_with_a_clear_message(rng):
    layers = init_kaiming([1, 4, 4, 1], rng, runs=2)
    with pytest.raises(TrainingDiverged, match=r"diverged.*lower the learning rate"):
        train_raw(layers, X, Y * 1e3, 500, lr=1e4)


def test_alpha_beta_least_squares_recover_an_affine_map(rng):
    g = rng.normal(size=(2, 50))
    alpha, beta = fit_alpha_beta(g, 3.0 * g - 1.5)
    np.testing.assert_allclose(alpha, [3.0, 3.0])
    np.testing.assert_allclose(beta, [-1.5, -1.5])


def test_bad_data_gets_a_clear_error(rng):
    layers = init_kaiming([1, 4, 1], rng)
    with pytest.raises(ValueError, match="y must be finite"):
        train_raw(layers, X, np.where(X > 0.5, np.nan, Y), 1)
    with pytest.raises(ValueError, match="same number of points"):
        train_raw(layers, X, Y[:10], 1)
    with pytest.raises(ValueError, match="epochs"):
        train_raw(layers, X, Y, -1)
    batched = init_kaiming([1, 4, 1], rng, runs=3)
    with pytest.raises(ValueError, match="2 rows but there are 3 runs"):
        train_raw(batched, np.tile(X, (2, 1)), Y, 1)


def test_least_squares_readout_recovers_several_features(rng):
    """The read-out behind alpha, beta (one feature) and the extensions (several)."""
    g = rng.normal(size=(2, 3, 40))                      # 2 runs, 3 features, 40 points
    coef = np.array([[1.5, -2.0, 0.25], [0.5, 0.0, 3.0]])
    y = np.einsum("rk,rkn->rn", coef, g) + np.array([[0.7], [-1.0]])
    got_coef, got_bias = lstsq_readout(g, y)
    np.testing.assert_allclose(got_coef, coef, atol=1e-12)
    np.testing.assert_allclose(got_bias, [0.7, -1.0], atol=1e-12)
    const, bias = lstsq_readout(np.ones((1, 10)), np.arange(10.0))
    assert const[0] == 0.0 and bias == pytest.approx(4.5)
    with pytest.raises(ValueError, match="linearly dependent"):
        lstsq_readout(np.stack([g[0, 0], g[0, 0]]), y[0])


def test_a_failed_phase_1_leaves_the_callers_parameters_as_they_were():
    params = construction_params(np.array([[1e-300, 0.5, 0.5, 0.5]]), s0=0.1)
    before = {k: v.copy() for k, v in params.items()}
    with pytest.raises(TrainingDiverged, match="before the first step"):
        train_constrained(params, X, Y, -1.0, 5)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k], err_msg=k)


def test_training_refuses_what_it_cannot_update_in_place_and_bad_settings(rng):
    layers = init_kaiming([1, 4, 1], rng)
    ints = [(np.ones((4, 1), int), np.zeros(4, int)), (np.ones((1, 4), int), np.zeros(1, int))]
    with pytest.raises(ValueError, match=r"layers\[0\]\[0\] must be a float64 NumPy array"):
        train_raw(ints, X, Y, 1)
    params = construction_params([0.3, 0.5, 0.6])
    params["s0"] = 0.09                                  # a Python float cannot be updated
    with pytest.raises(ValueError, match=r"params\['s0'\] must be a float64 NumPy array"):
        train_constrained(params, X, Y, -1.0, 1)
    for bad in (-1, 0.5, True):
        with pytest.raises(ValueError, match="record_every must be an integer >= 0"):
            train_raw(layers, X, Y, 1, record_every=bad)
    with pytest.raises(ValueError, match="squares overflow float64; rescale"):
        train_raw(layers, X, 1e200 * Y, 1)
