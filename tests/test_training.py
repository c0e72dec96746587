"""Chapter 5: training in two phases, many runs at once."""
import numpy as np
import pytest

from minregion.construction import (MIN_SCALE, PEAK_MARGIN, construction_params, project_params,
                                    weight_map_forward)
from minregion.gradcheck import numerical_gradient
from minregion.init import init_kaiming
from minregion.mlp import mlp_predict, prepare_data
from minregion.readout import fit_alpha_beta, lstsq_readout
from minregion.training import (TrainingDiverged, constrained_loss_and_grads, copy_layers,
                                train_constrained, train_raw)

from assertions import assert_close, assert_equal, assert_gradient, returned

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
    assert np.all(counts == 2**5), f"regions at the recorded steps, expected 32 everywhere: {counts}"
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
        assert_gradient(f"constrained_loss_and_grads after phase 1: d{k}", grads[k],
                        numerical_gradient(f, one[k], h=h), tol=1e-7, measure="vector")


@pytest.mark.parametrize("free_scales", [False, True])
def test_constrained_loss_and_grads_on_fresh_parameters(rng, free_scales):
    """The loss is the MSE of the network the parameters build, and the gradients are its
    centred differences, for two runs at once and for one network alone."""
    params = construction_params(rng.uniform(0.3, 0.7, size=(2, 5)), alpha=[1.0, 0.8],
                                 beta=[0.1, -0.2], free_scales=free_scales)
    Xc, Yc = prepare_data(X, Y, runs=2)
    loss, grads = returned("constrained_loss_and_grads",
                           constrained_loss_and_grads(params, Xc, Yc, -1.0), ("loss", "grads"))
    mse = np.mean((mlp_predict(weight_map_forward(params, -1.0)[0], X) - Y) ** 2, axis=-1)
    assert_close("constrained_loss_and_grads: loss (one per run)", loss, mse, rtol=1e-12)
    assert isinstance(grads, dict) and sorted(grads) == sorted(params), \
        f"constrained_loss_and_grads: grads must be a dict with the keys {sorted(params)}"
    for k in sorted(params):
        def f():
            return float(np.sum(constrained_loss_and_grads(params, Xc, Yc, -1.0)[0]))
        assert_gradient(f"constrained_loss_and_grads: d{k}", grads[k],
                        numerical_gradient(f, params[k], h=1e-6), tol=1e-6, measure="vector")
    one = {k: np.array(v[1]) for k, v in params.items()}
    loss1, grads1 = constrained_loss_and_grads(one, *prepare_data(X, Y), -1.0)
    assert_close("constrained_loss_and_grads: loss of run 1 alone", loss1, loss[1], rtol=1e-12)
    for k in sorted(params):
        assert_close(f"constrained_loss_and_grads: d{k} of run 1 alone", grads1[k], grads[k][1],
                     rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("free_scales", [False, True])
def test_project_params_clips_peaks_and_floors_scales_in_place(free_scales):
    params = construction_params(np.full((2, 4), 0.5), free_scales=free_scales)
    a, key = params["a"], "S" if free_scales else "s0"
    scale = params[key]
    a[:] = [[-0.2, 0.0005, 0.5, 1.3], [0.999, 0.9995, 0.25, 0.001]]
    scale[...] = -3.0
    scale.flat[0] = 0.4
    project_params(params)
    assert params["a"] is a and params[key] is scale, \
        "project_params must change the arrays in place (Adam holds them), not replace them"
    lo, hi = PEAK_MARGIN, 1.0 - PEAK_MARGIN
    assert_equal("project_params: the peaks", a, [[lo, lo, 0.5, hi], [0.999, hi, 0.25, 0.001]])
    expected = np.full(scale.shape, MIN_SCALE)
    expected.flat[0] = 0.4
    assert_equal(f"project_params: {key}", scale, expected)
    project_params(params, margin=0.1, min_scale=0.5)
    assert_equal("project_params(margin=0.1): the peaks", a,
                 [[0.1, 0.1, 0.5, 0.9], [0.9, 0.9, 0.25, 0.1]])
    assert_equal(f"project_params(min_scale=0.5): {key}", scale, np.full(scale.shape, 0.5))


@pytest.mark.parametrize("free_scales", [False, True])
def test_project_params_leaves_scales_above_one(free_scales):
    """Only a floor for the scales: s0 (or a ratio S_i) above 1 is a valid scale."""
    params = construction_params(np.full((2, 4), 0.5), free_scales=free_scales)
    key = "S" if free_scales else "s0"
    params[key][...] = 3.0
    project_params(params)
    assert_equal(f"project_params: {key} of 3.0 (only a floor, min_scale {MIN_SCALE})",
                 params[key], np.full(params[key].shape, 3.0))


def test_constrained_loss_and_grads_for_a_concave_target_on_another_interval(rng):
    """sigma = +1 (the network is x + F) and an input interval other than [0, 1]: the loss is
    the MSE of the network the parameters build for them, and its gradients are the centred
    differences of that loss."""
    lo, hi = -1.0, 2.0
    x = np.linspace(lo, hi, 40)
    y = np.sqrt(x + 1.5)                                     # concave on [-1, 2]
    params = construction_params(rng.uniform(0.3, 0.7, size=(1, 4)), alpha=[0.9], beta=[0.2])
    Xc, Yc = prepare_data(x, y, runs=1)
    loss, grads = constrained_loss_and_grads(params, Xc, Yc, 1.0, lo, hi)
    mse = np.mean((mlp_predict(weight_map_forward(params, 1.0, lo, hi)[0], x) - y) ** 2, axis=-1)
    assert_close("constrained_loss_and_grads(sigma=+1, lo=-1, hi=2): the loss", loss, mse,
                 rtol=1e-12)
    for k in sorted(params):
        def f():
            return float(np.sum(constrained_loss_and_grads(params, Xc, Yc, 1.0, lo, hi)[0]))
        assert_gradient(f"constrained_loss_and_grads(sigma=+1, lo=-1, hi=2): d{k}", grads[k],
                        numerical_gradient(f, params[k], h=1e-6), tol=1e-6, measure="vector")


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
        for l, ((W, b), (W1, b1)) in enumerate(zip(layers, alone[r])):
            assert_close(f"train_raw with runs: W of layer {l}, run {r}", W[r], W1, rtol=1e-12,
                         atol=1e-15)
            assert_close(f"train_raw with runs: b of layer {l}, run {r}", b[r], b1, rtol=1e-12,
                         atol=1e-15)


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


def test_a_cosine_schedule_decays_the_learning_rate_from_lr_to_lr_final(rng):
    from minregion.training import cosine_lr
    lr = cosine_lr(1e-3, 1e-5, 101)
    assert lr(0) == pytest.approx(1e-3) and lr(100) == pytest.approx(1e-5)
    assert lr(50) == pytest.approx((1e-3 + 1e-5) / 2)
    layers = init_kaiming([1, 4, 1], rng)
    same = copy_layers(layers)
    train_raw(layers, X, Y, 5, lr=lambda t: 1e-3)           # a constant schedule ...
    train_raw(same, X, Y, 5, lr=1e-3)                        # ... is the constant rate
    for (W, b), (W2, b2) in zip(layers, same):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)


def test_a_flagged_count_is_kept_with_its_flag_and_no_warning():
    """count_flagged reads the counter's flag (RegionReport.flagged) instead of catching the
    warning: the same flag, and no warning escapes to the caller."""
    import warnings

    from minregion.regions import RegionResolutionWarning, region_report
    from minregion.training import count_flagged
    from networks import constructed_network

    for layers, want in ((constructed_network([1e-3] * 7), True),
                         (constructed_network([0.4, 0.6, 0.5, 0.3]), False)):
        with pytest.warns(RegionResolutionWarning) if want else warnings.catch_warnings():
            if not want:
                warnings.simplefilter("error", RegionResolutionWarning)
            report = region_report(layers)
        with warnings.catch_warnings():
            warnings.simplefilter("error", RegionResolutionWarning)
            pieces, flagged = count_flagged(layers, 0.0, 1.0)
        assert (pieces, flagged) == (report.pieces, want) and report.flagged == want


def test_a_finite_loss_above_the_threshold_names_the_threshold_and_the_remedy(rng):
    layers = init_kaiming([1, 4, 1], rng)
    with pytest.raises(TrainingDiverged, match="before the first step") as err:
        train_raw(layers, X, 1e6 * X ** 2, 5)
    message = str(err.value)
    assert "above DIVERGED_MSE = 1e+10" in message and "scale the targets down" in message
    assert "float64 cannot hold" not in message
