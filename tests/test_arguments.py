"""Every public entry point names its bad argument, as a careless or a hostile caller would
pass it; failed trainings leave the caller's arrays as they were, both phases included."""
import warnings

import numpy as np
import pytest

from minregion import count_regions, mlp_backward, mlp_forward, mlp_predict, triangle_network
from minregion.checks import MAX_COUNT_WIDTH
from minregion.construction import construction_params, weight_map_forward
from minregion.extensions.difference import init_difference
from minregion.extensions.regions2d import activation_patterns_2d
from minregion.extensions.targets import grid_2d, two_spirals
from minregion.extensions.train import train_dense, train_difference, train_triangle_stack
from minregion.extensions.triangle_layer import init_triangle_stack
from minregion.init import init_kaiming, init_raai
from minregion.regions import activation_patterns
from minregion.targets import dense_points, sparse_points
from minregion.training import (TrainingDiverged, adam_loop, cosine_lr, train_constrained,
                                train_raw)

X = np.linspace(0.0, 1.0, 20)
Y = X ** 3


def _net(rng, widths=(1, 4, 4, 1)):
    return init_kaiming(list(widths), rng)


# --- numbers of steps and learning rates -----------------------------------------------------

BAD_EPOCHS = [float("inf"), float("nan"), None, "5", 2.5, True, -1, 1j]
BAD_LR = ["0.1", 1j, None, float("nan"), float("inf"), 0.0, -1e-3, [1e-3]]


@pytest.mark.ch05
@pytest.mark.parametrize("epochs", BAD_EPOCHS)
def test_epochs_that_are_not_a_count_are_named(epochs, rng):
    params = construction_params([0.3, 0.5, 0.6])
    for call in (lambda: train_raw(_net(rng), X, Y, epochs),
                 lambda: train_constrained(params, X, Y, -1, epochs),
                 lambda: train_dense(_net(rng), X[None], Y, epochs)):
        with pytest.raises(ValueError, match="epochs must be an integer >= 0"):
            call()


@pytest.mark.ch05
@pytest.mark.parametrize("lr", BAD_LR)
def test_a_learning_rate_that_is_not_a_positive_real_number_is_named(lr, rng):
    params = construction_params([0.3, 0.5, 0.6])
    for call in (lambda: train_raw(_net(rng), X, Y, 2, lr=lr),
                 lambda: train_constrained(params, X, Y, -1, 2, lr=lr),
                 lambda: adam_loop([np.zeros(2)], None, 2, lr, None, "raw")):
        with pytest.raises(ValueError, match="lr must be > 0 and finite"):
            call()


@pytest.mark.ch07
def test_the_raw_phases_learning_rate_is_checked_before_phase_1_runs(rng):
    params = init_difference(X, Y ** 0.5 - X, 2, rng)
    before = {h: {k: v.copy() for k, v in params[h].items()} for h in params}
    with pytest.raises(ValueError, match="raw_lr must be > 0"):
        train_difference(params, X, Y ** 0.5 - X, 3, 6, raw_lr="1e-3")
    assert all(np.array_equal(params[h][k], before[h][k]) for h in params for k in params[h])


@pytest.mark.ch05
def test_read_only_arrays_are_refused_before_any_step(rng):
    layers = _net(rng)
    layers[1][0].flags.writeable = False
    with pytest.raises(ValueError, match=r"layers\[1\]\[0\] is a read-only array"):
        train_raw(layers, X, Y, 2)
    params = construction_params([0.3, 0.5, 0.6])
    params["a"].flags.writeable = False
    with pytest.raises(ValueError, match=r"params\['a'\] is a read-only array"):
        train_constrained(params, X, Y, -1, 2)


# --- weights and inputs that are not real numbers ----------------------------------------------

def _with_first_W(rng, W):
    layers = _net(rng)
    return [(W, layers[0][1])] + layers[1:]


@pytest.mark.ch03
@pytest.mark.parametrize("W, what", [
    (np.full((4, 1), object()), "objects that are not real numbers"),
    (np.array([[None]] * 4), "objects that are not real numbers"),
    (np.full((4, 1), "0.5"), "strings"),
    (np.full((4, 1), 1 + 2j), "complex"),
    (np.full((4, 1), True), "booleans"),
    ([[1.0], [2.0, 3.0], [1.0], [1.0]], "real numbers"),
])
def test_weights_that_are_not_real_numbers_are_named(W, what, rng):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.VisibleDeprecationWarning
                              if hasattr(np, "VisibleDeprecationWarning") else Warning)
        for call in (lambda: mlp_predict(_with_first_W(rng, W), X),
                     lambda: count_regions(_with_first_W(rng, W))):
            with pytest.raises(ValueError, match=r"layers\[0\]: W must") as err:
                call()
            assert what in str(err.value)


@pytest.mark.ch03
@pytest.mark.parametrize("x, what", [(X * (1 + 1j), "complex"), (["0.5", "0.7"], "strings"),
                                     ([0.5, None], "real numbers")])
def test_inputs_that_are_not_real_numbers_are_named(x, what, rng):
    with pytest.raises(ValueError, match="x must") as err:
        mlp_predict(_net(rng), x)
    assert what in str(err.value)
    with pytest.raises(ValueError, match="must"):
        train_raw(_net(rng), x, np.zeros(len(x)), 1)


@pytest.mark.ch02
def test_peaks_scales_and_intervals_that_are_not_real_numbers_are_named():
    with pytest.raises(ValueError, match="peaks a must hold real numbers"):
        triangle_network(["0.3", "0.5"])
    with pytest.raises(ValueError, match="s0 must hold real numbers"):
        triangle_network([0.3, 0.5], s0=0.1j)
    with pytest.raises(ValueError, match="lo and hi must be real numbers"):
        triangle_network([0.3, 0.5], lo="0", hi=1)
    with pytest.raises(ValueError, match="alpha must hold real numbers"):
        construction_params([0.3, 0.5], alpha="1")


# --- what the region counter can hold ----------------------------------------------------------

@pytest.mark.ch01
@pytest.mark.parametrize("scale", [1e300, 1e160, 1e100])
def test_weights_too_large_for_the_counter_get_a_clear_error_and_no_warning(scale, rng):
    layers = [(W * scale, b * scale) for W, b in _net(rng, (1, 4, 4, 4, 1))]
    with warnings.catch_warnings():
        warnings.simplefilter("error")             # no RuntimeWarning from inside
        with pytest.raises(ValueError, match="too large for the region counter"):
            count_regions(layers)


@pytest.mark.ch01
def test_a_layer_wider_than_the_counter_takes_is_refused_with_an_estimate():
    w = MAX_COUNT_WIDTH + 1
    layers = [(np.ones((w, 1)), np.zeros(w)), (np.ones((w, w)), np.zeros(w)),
              (np.ones((1, w)), np.zeros(1))]
    with pytest.raises(ValueError, match=rf"layers\[1\] has {w} neurons") as err:
        count_regions(layers)
    assert "multiply-adds" in str(err.value) and "B and" in str(err.value)


@pytest.mark.ch01
def test_a_network_as_wide_as_the_counter_takes_is_counted(rng):
    """The largest width the counter takes, in a network whose pieces are known: one
    layer of MAX_COUNT_WIDTH ReLUs with kinks at distinct points of (0, 1) summed with
    alternating signs has a kink at each."""
    w = MAX_COUNT_WIDTH
    kinks = np.sort(rng.uniform(0.0, 1.0, w))
    layers = [(np.ones((w, 1)), -kinks), (np.where(np.arange(w) % 2, 1.0, -1.0)[None],
                                           np.zeros(1))]
    assert count_regions(layers) == w + 1


# --- no half-updated parameters in the two-phase trainers ---------------------------------------

@pytest.mark.ch07
def test_train_difference_restores_both_phases_when_phase_2_diverges(rng):
    y = X ** 3 - X
    params = init_difference(X, y, 2, rng, runs=2)
    before = {h: {k: v.copy() for k, v in params[h].items()} for h in params}
    with pytest.raises(TrainingDiverged):
        train_difference(params, X, y, 5, 40, raw_lr=1e6)
    for h in params:
        for k in params[h]:
            assert np.array_equal(params[h][k], before[h][k]), (h, k)


@pytest.mark.ch07
def test_train_triangle_stack_restores_phase_1_when_phase_2_is_interrupted(rng):
    x = rng.uniform(-1, 1, size=(2, 30))
    stack = init_triangle_stack(x, [(3, 1)], 2, rng)
    before = [{k: np.copy(v) for k, v in layer.items() if isinstance(v, np.ndarray)}
              for layer in stack]

    def monitor(step, forward):
        if step >= 6:                      # phase 2 has begun (phase 1: steps 0 to 4)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_triangle_stack(stack, x, np.sum(x ** 2, axis=0), 5, 20, monitor=monitor,
                             every=1)
    for layer, old in zip(stack, before):
        for k, v in old.items():
            assert np.array_equal(layer[k], v), k


# --- the network's own doors: mlp_forward, mlp_backward, mlp_predict ---------------------------

@pytest.mark.ch03
@pytest.mark.parametrize("layers, x, match", [
    ("net", X[None] * np.nan, "x must be finite"),
    ("net", X[None] > 0.5, "x must hold real numbers"),
    ("net", X[None] + 0j, "x must hold real numbers"),
    ([], X[None], "layers must be a non-empty list"),
    ("net", np.ones((2, 5)), r"layers\[0\]: W must be \(\.\.\., fan_out, 2\)"),
    ("net", X, r"x must have shape \(\.\.\., n_in, N\)"),
])
def test_mlp_forward_names_bad_layers_and_inputs(layers, x, match, rng):
    with pytest.raises(ValueError, match=match):
        mlp_forward(_net(rng) if layers == "net" else layers, x)


@pytest.mark.ch03
def test_mlp_backward_wants_every_cache_and_the_outputs_shape(rng):
    out, caches = mlp_forward(_net(rng), X[None])
    with pytest.raises(ValueError, match="caches must hold every layer's cache"):
        mlp_backward(np.ones_like(out), caches[:-1])
    with pytest.raises(ValueError, match="caches must be the non-empty list"):
        mlp_backward(np.ones_like(out), [])
    with pytest.raises(ValueError, match="dout must have the output's shape"):
        mlp_backward(np.ones((1, 7)), caches)


@pytest.mark.ch03
def test_an_output_that_overflows_is_an_error_not_inf(rng):
    big = [(np.full((2, 1), 1e200), np.zeros(2)), (np.full((1, 2), 1e200), np.zeros(1))]
    with warnings.catch_warnings():
        warnings.simplefilter("error")             # no RuntimeWarning on the way
        with pytest.raises(ValueError, match="mlp_predict: the network's output overflows"):
            mlp_predict(big, X)
        with pytest.raises(ValueError, match="output overflows"):
            mlp_predict(triangle_network([0.3, 0.5, 0.6], alpha=-1e308, beta=-1e308), X)


# --- the construction's parameters -------------------------------------------------------------

@pytest.mark.ch02
def test_construction_parameters_of_the_wrong_kind_or_shape_are_named():
    with pytest.raises(ValueError, match=r"alpha must be a number or an array of shape \(\)"):
        triangle_network([0.3, 0.5, 0.6], alpha=[1.0, 2.0])
    params = construction_params([0.3, 0.5, 0.6])
    del params["beta"]
    with pytest.raises(ValueError, match="params must hold the keys 'a', 'alpha', 'beta'"):
        weight_map_forward(params)
    with pytest.raises(ValueError, match="params must be a dict"):
        weight_map_forward([0.3, 0.5, 0.6])
    with pytest.raises(ValueError, match="alpha and beta are too large"):
        weight_map_forward(construction_params([0.1, 0.1, 0.5], alpha=1e308))


@pytest.mark.ch05
def test_train_constrained_names_extra_keys_and_parameters_without_runs(rng):
    params = construction_params([0.3, 0.5, 0.6])
    params["extra"] = np.zeros(1)
    with pytest.raises(ValueError, match="and nothing else; got keys"):
        train_constrained(params, X, Y, -1, 1)
    params = dict(a=np.array([[0.3, 0.5, 0.6]] * 2), s0=np.array(0.15), alpha=np.array(1.0),
                  beta=np.array(0.0))
    with pytest.raises(ValueError, match=r"params\['s0'\] has shape \(\); .* needs \(2,\)"):
        train_constrained(params, X, Y, -1, 1)
    with pytest.raises(ValueError, match="sigma must be -1"):
        train_constrained(construction_params([0.3, 0.5, 0.6]), X, Y, True, 1)


# --- training settings ----------------------------------------------------------------------

TRAINING_SETTINGS = [
    (dict(lo=float("nan")), "interval"), (dict(lo=1.0, hi=0.0), "lo < hi"),
    (dict(verbose=0.5), "verbose must be an integer >= 0"),
    (dict(verbose=-1), "verbose must be an integer >= 0"),
    (dict(verbose="a"), "verbose must be an integer >= 0"),
    (dict(history=[]), "history must be a minregion.training.History"),
    (dict(lr=cosine_lr(1e-3, 1e-5, 10)), None),
]


def check_training_settings(train, kwargs, match, rng):
    """``train`` (a train_raw) with ``kwargs`` raises a ValueError matching ``match``, or
    trains (``match`` None). tests/test_fast.py runs it on the fast twin."""
    layers = init_kaiming([1, 4, 1], rng, runs=2)
    if match is None:
        train(layers, X, Y, 2, **kwargs)
        return
    with pytest.raises(ValueError, match=match):
        train(layers, X, Y, 2, **kwargs)


@pytest.mark.ch05
@pytest.mark.parametrize("kwargs, match", TRAINING_SETTINGS)
def test_training_settings_are_checked_when_no_region_is_counted(kwargs, match, rng):
    check_training_settings(train_raw, kwargs, match, rng)


@pytest.mark.ch05
@pytest.mark.parametrize("args, match", [
    ((-1e-3, 1e-5, 10), "lr must be > 0"), ((float("nan"), 1e-5, 10), "lr must be > 0"),
    ((1e-3, -1.0, 100), "lr_final must be > 0"), ((1e-3, 1e-5, 2.5), "epochs must be"),
])
def test_a_learning_rate_schedule_is_checked_when_made(args, match):
    with pytest.raises(ValueError, match=match):
        cosine_lr(*args)


# --- random generators, counts and widths ---------------------------------------------------

@pytest.mark.ch01
@pytest.mark.parametrize("bad", [None, 3, np.random])
def test_a_random_generator_is_required(bad):
    calls = [lambda: init_kaiming([1, 2, 1], bad), lambda: init_raai([1, 2, 1], bad),
             lambda: sparse_points(bad), lambda: two_spirals(3, bad),
             lambda: init_difference(X, Y, 2, bad)]
    for call in calls:
        with pytest.raises(ValueError, match=r"rng must be a numpy.random.Generator \(np.random"
                                             r".default_rng\(seed\)\); got"):
            call()


@pytest.mark.ch01
@pytest.mark.parametrize("kwargs, match", [
    (dict(runs=0), "runs must be an integer >= 1"), (dict(runs=-1), "runs must be"),
    (dict(runs=2.5), "runs must be"), (dict(widths=[1, 2.5, 1]), r"widths\[1\] must be"),
    (dict(widths=[1, True, 1]), r"widths\[1\] must be an integer >= 1"),
])
def test_initialisers_refuse_counts_they_would_truncate(kwargs, match, rng):
    widths, runs = kwargs.get("widths", [1, 2, 1]), kwargs.get("runs")
    for init in (init_kaiming, init_raai):
        with pytest.raises(ValueError, match=match):
            init(widths, rng, runs=runs)


@pytest.mark.ch01
@pytest.mark.parametrize("call, match", [
    (lambda rng: dense_points(5, float("nan"), 1), "interval"),
    (lambda rng: dense_points(5, 1, 0), "lo < hi"),
    (lambda rng: dense_points(1.5), "n must be an integer >= 2"),
    (lambda rng: sparse_points(rng, runs=0), "runs must be an integer >= 1"),
    (lambda rng: sparse_points(rng, lo=1, hi=0), "lo < hi"),
    (lambda rng: grid_2d(3, float("nan"), 1), "interval"),
    (lambda rng: grid_2d(3, 1, -1), "lo < hi"),
    (lambda rng: two_spirals(3, rng, noise=float("nan")), "noise must be >= 0 and finite"),
    (lambda rng: two_spirals(3, rng, noise=-1), "noise must be >= 0"),
    (lambda rng: two_spirals(3, rng, turns=float("nan")), "turns must be a finite"),
])
def test_data_helpers_refuse_what_would_give_nan_or_no_points(call, match, rng):
    with pytest.raises(ValueError, match=match):
        call(rng)


@pytest.mark.ch01
def test_a_nan_point_has_no_activation_pattern(rng):
    with pytest.raises(ValueError, match="x must be finite"):
        activation_patterns(_net(rng), [0.5, float("nan")])
    with pytest.raises(ValueError, match="points must be finite"):
        activation_patterns_2d(_net(rng, (2, 3, 1)), [[float("nan"), 0.0]])
