"""Every public entry point names its bad argument, as a careless or a hostile caller would
pass it; failed trainings leave the caller's arrays as they were, both phases included."""
import warnings

import numpy as np
import pytest

from minregion import count_regions, mlp_predict, triangle_network
from minregion.checks import MAX_COUNT_WIDTH
from minregion.construction import construction_params
from minregion.extensions.difference import init_difference
from minregion.extensions.train import train_dense, train_difference, train_triangle_stack
from minregion.extensions.triangle_layer import init_triangle_stack
from minregion.init import init_kaiming
from minregion.training import TrainingDiverged, adam_loop, train_constrained, train_raw

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
