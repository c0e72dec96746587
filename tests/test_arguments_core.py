"""The core modules name a bad argument and its allowed range instead of failing silently,
returning NaN or failing deep inside NumPy: training data outside the construction's
interval, gradient checks, the loss, the read-out, the weight map, the network's doors, the
triangle helpers, Adam, the region counter, a History and the targets."""
import warnings

import numpy as np
import pytest

from minregion.construction import (construction_params, default_s0, project_params, scales,
                                    weight_map_backward, weight_map_forward)
from minregion.gradcheck import (compare, directional_check, numerical_gradient, rel_error,
                                 vector_rel_error)
from minregion.init import init_kaiming
from minregion.layers import mse_forward
from minregion.mlp import mlp_backward, mlp_forward, mlp_predict
from minregion.optim import SGD, Adam
from minregion.readout import fit_alpha_beta
from minregion.regions import activation_patterns, count_regions
from minregion.targets import get_target
from minregion import training
from minregion.triangle import (F, construction_function, tent, tent_from_relus, theorem31_ratios,
                                theorem31_scales, waves)

X = np.linspace(0.0, 1.0, 20)
Y = X ** 3


def _unchanged(params, before):
    return all(np.array_equal(params[k], before[k]) for k in before)


def _trainers(step):
    """The module of the readable trainers, or of their fast twins: minregion.reproduce.fast,
    which the student edition leaves out (its cases are skipped there)."""
    if step == "readable":
        return training
    return pytest.importorskip("minregion.reproduce.fast")


# --- phase 1 takes x on [lo, hi] only --------------------------------------------------------

@pytest.mark.ch05
@pytest.mark.parametrize("step, runs", [("readable", None), ("readable", 2), ("fast", 2)])
def test_phase_1_refuses_inputs_outside_the_interval_it_maps_onto_0_1(step, runs):
    train = _trainers(step).train_constrained
    a = [0.3, 0.5, 0.6] if runs is None else [[0.3, 0.5, 0.6]] * runs
    params = construction_params(a)
    before = {k: v.copy() for k, v in params.items()}
    x = np.linspace(-1.0, 1.0, 20)
    with pytest.raises(ValueError, match=r"x must lie in \[lo, hi\] = \[0, 1\], the interval the "
                                         r"construction maps onto \[0, 1\]; got values in "
                                         r"\[-1, 1\]: pass lo=-1.0, hi=1.0"):
        train(params, x, x ** 2, -1, 2)
    with pytest.raises(ValueError, match=r"got values in \[0, 2\]: pass lo=0.0, hi=2.0"):
        train(params, 2 * X, Y, -1, 2)
    with pytest.raises(ValueError, match=r"\[lo, hi\] = \[0.5, 2\], .*; got values in "
                                         r"\[0, 1\]: pass lo=0.0, hi=2.0"):
        train(params, X, Y, -1, 2, lo=0.5, hi=2.0)
    assert _unchanged(params, before)
    train(params, x, x ** 2, -1, 2, lo=-1.0, hi=1.0)      # the ends themselves are inside


# --- gradient checks ---------------------------------------------------------------------------

@pytest.mark.ch03
@pytest.mark.parametrize("x, got", [(np.array([1, 2]), "int64 array"),
                                    ([1.0, 2.0], r"\[1.0, 2.0\] \(a list\)")])
def test_numerical_gradient_refuses_what_it_cannot_perturb(x, got):
    with pytest.raises(ValueError, match=rf"x must be a NumPy array of floats, which the check "
                                         rf"perturbs in place by h .*; got {got}"):
        numerical_gradient(lambda: float(np.sum(np.asarray(x) ** 2)), x)


@pytest.mark.ch03
def test_numerical_gradient_refuses_a_loss_that_is_not_a_finite_number():
    x = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match=r"f must return one finite real number; got nan at "
                                         r"x\[0\] \+ h"):
        numerical_gradient(lambda: float(np.sum(x)) if x[0] == 1.0 else np.nan, x)
    with pytest.raises(ValueError, match="h must be > 0 and finite"):
        numerical_gradient(lambda: float(np.sum(x)), x, h=0.0)


@pytest.mark.ch03
def test_gradient_checks_restore_the_arrays_when_f_raises(rng):
    x = np.array([1.0, 2.0, 3.0])
    before = x.copy()

    def fails_when_moved():
        if not np.array_equal(x, before):
            raise KeyboardInterrupt
        return 0.0

    with pytest.raises(KeyboardInterrupt):
        numerical_gradient(fails_when_moved, x)
    assert np.array_equal(x, before)
    with pytest.raises(KeyboardInterrupt):
        directional_check(fails_when_moved, [x], [np.zeros(3)], rng)
    assert np.array_equal(x, before)


@pytest.mark.ch03
@pytest.mark.parametrize("grads, match", [
    ([np.zeros(2)], "grads must hold one gradient per parameter; got 1 gradients for 2"),
    ([np.zeros(2), np.zeros((2, 2)), np.zeros(3)], "got 3 gradients for 2 parameters"),
    ([np.zeros(2), np.zeros(4)], r"grads\[1\] has shape \(4,\); params\[1\] has \(2, 2\)"),
    ([np.zeros(2), np.full((2, 2), "a")], r"grads\[1\] must hold real numbers"),
    (None, "grads must be a list of arrays, one per parameter"),
])
def test_directional_check_wants_one_gradient_of_its_shape_per_parameter(grads, match, rng):
    p = [np.ones(2), np.ones((2, 2))]
    with pytest.raises(ValueError, match=match):
        directional_check(lambda: float(np.sum(p[0]) + np.sum(p[1])), p, grads, rng)


@pytest.mark.ch03
@pytest.mark.parametrize("compare_", [rel_error, vector_rel_error])
def test_relative_errors_of_nan_or_inf_are_refused_naming_the_argument(compare_):
    name = compare_.__name__
    with pytest.raises(ValueError, match=rf"{name}\(a, b\): a must be finite; 1 of 3 entries "
                                         rf"are NaN or inf \(first at index \(1,\)\)"):
        compare_(np.array([1.0, np.nan, 3.0]), np.ones(3))
    with pytest.raises(ValueError, match=rf"{name}\(a, b\): b must be finite"):
        compare_(np.ones(2), np.array([np.inf, 1.0]))


@pytest.mark.ch03
def test_compare_says_a_nan_is_not_close_and_where_it_is(capsys):
    assert not compare("dW", np.array([1.0, np.nan]), np.array([1.0, 2.0]))
    line = capsys.readouterr().out
    assert "close: False" in line and "(NaN or inf in got)" in line


# --- the loss ----------------------------------------------------------------------------------

@pytest.mark.ch03
@pytest.mark.parametrize("pred, y, match", [
    (np.zeros(3), np.arange(3.0)[:, None], r"y has shape \(3, 1\) and pred \(3,\): y must hold "
                                           r"one target per point, shape \(3,\)"),
    (np.zeros(3), np.zeros(4), r"y has shape \(4,\) and pred \(3,\)"),
    (np.zeros((2, 3)), np.zeros((3, 3)), r"y has shape \(3, 3\) and pred \(2, 3\)"),
    (np.zeros(3), np.zeros((2, 3)), r"y has shape \(2, 3\) and pred \(3,\)"),
    (np.zeros(3), 0.5, r"y has shape \(\) and pred \(3,\)"),
    (np.zeros(0), np.zeros(0), r"pred must have shape \(\.\.\., N\) with N >= 1 points"),
    (np.zeros((2, 0)), np.zeros(0), r"N >= 1 points .*; got shape \(2, 0\)"),
    (np.zeros(3), np.array([0.0, np.nan, 1.0]), "y must be finite; found NaN or inf"),
    (np.zeros((2, 3)), np.array([0.0, np.inf, 1.0]), "y must be finite"),
    (np.zeros(3), np.full(3, "1"), "y must hold real numbers"),
    (np.zeros(3) + 0j, np.zeros(3), "pred must hold real numbers"),
])
def test_mse_forward_names_targets_that_do_not_fit_one_per_point(pred, y, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")             # no "Mean of empty slice" on the way
        with pytest.raises(ValueError, match=match):
            mse_forward(pred, y)


@pytest.mark.ch03
def test_mse_forward_takes_targets_per_point_or_per_run_never_per_point_losses(rng):
    pred, y = rng.normal(size=(2, 5)), rng.normal(size=5)
    for target in (y, y[None], np.stack([y, y])):
        loss, _ = mse_forward(pred, target)
        assert np.array_equal(loss, np.mean((pred - y) ** 2, axis=-1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        loss, _ = mse_forward(np.array([np.inf, 0.0]), np.zeros(2))
    assert loss == np.inf              # the training loops stop there, with the cause
    with pytest.raises(ValueError, match="one loss per point, not per network"):
        mse_forward(pred[0], y[:, None])


# --- the least-squares read-out ----------------------------------------------------------------

@pytest.mark.ch05
@pytest.mark.parametrize("g, y, match", [
    (X, Y[:, None], r"g and y must hold the same number of points; got shapes \(20,\) and "
                    r"\(20, 1\)"),
    (X, Y[None, None], r"y must have shape \(N,\) or \(R, N\) with N >= 1; got \(1, 1, 20\)"),
    (X, np.where(X > 0.5, np.nan, Y), "y must be finite; found NaN or inf"),
    (X + np.inf, Y, "g must be finite"),
    ([], [], r"g must have shape \(N,\) or \(R, N\) with N >= 1; got \(0,\)"),
    (X, Y[:5], r"same number of points; got shapes \(20,\) and \(5,\)"),
    (np.stack([X] * 3), np.stack([Y] * 2), r"g has 3 rows \(runs\) and y 2"),
    (X + 1j, Y, "g must hold real numbers; got a complex array"),
    (X, Y * 1e200, "y has values as large as 1e\\+200: their squares overflow"),
])
def test_fit_alpha_beta_names_features_and_targets_it_cannot_fit(g, y, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")             # no RuntimeWarning, no ComplexWarning
        with pytest.raises(ValueError, match=match):
            fit_alpha_beta(g, y)


# --- the raw trainers train one-input, one-output networks ------------------------------------

@pytest.mark.ch05
@pytest.mark.parametrize("step", ["readable", "fast"])
@pytest.mark.parametrize("widths, inputs, outputs", [([1, 4, 2], 1, 2), ([2, 4, 1], 2, 1)])
def test_the_raw_trainers_name_the_networks_they_train(step, widths, inputs, outputs, rng):
    train = _trainers(step).train_raw
    layers = init_kaiming(widths, rng, runs=2)
    before = [(W.copy(), b.copy()) for W, b in layers]
    with pytest.raises(ValueError, match=rf"train_raw trains networks with one input and one "
                                         rf"output .*; got {inputs} input\(s\) and {outputs} "
                                         rf"output\(s\)"):
        train(layers, X, Y, 2)
    assert all(np.array_equal(W, W0) and np.array_equal(b, b0)
               for (W, b), (W0, b0) in zip(layers, before))


# --- the construction's parameters and their projection ----------------------------------------

@pytest.mark.ch05
@pytest.mark.parametrize("kwargs, match", [
    (dict(margin=0.7), r"margin must lie in \(0, 0.5\]: the peaks are clipped into \[margin, "
                       r"1 - margin\]"),
    (dict(margin=0.0), r"margin must lie in \(0, 0.5\]"),
    (dict(margin=-0.1), r"margin must lie in \(0, 0.5\]"),
    (dict(margin=float("nan")), r"margin must lie in \(0, 0.5\]"),
    (dict(margin="0.1"), "margin must be a real number"),
    (dict(min_scale=-1.0), "min_scale must be > 0 and finite; got -1.0"),
    (dict(min_scale=0), "min_scale must be > 0 and finite"),
    (dict(min_scale=float("inf")), "min_scale must be > 0 and finite"),
    (dict(min_scale=None), "min_scale must be a real number"),
])
def test_project_params_names_a_margin_or_a_scale_floor_out_of_range(kwargs, match):
    params = construction_params(np.array([[0.3, 0.5, 0.6]] * 2))
    before = {k: v.copy() for k, v in params.items()}
    with pytest.raises(ValueError, match=match):
        project_params(params, **kwargs)
    assert _unchanged(params, before)


@pytest.mark.ch05
def test_project_params_names_parameters_it_cannot_clip_in_place():
    with pytest.raises(ValueError, match=r"params\['a'\] must be a float64 NumPy array "
                                         r"\(project_params updates it in place\); got list"):
        project_params({"a": [0.3, 0.5, 0.6], "s0": 0.15, "alpha": 1.0, "beta": 0.0})
    params = construction_params([0.3, 0.5, 0.6], free_scales=True)
    params["S"] = params["S"].astype(np.float32)
    with pytest.raises(ValueError, match=r"params\['S'\] must be a float64 NumPy array"):
        project_params(params)
    with pytest.raises(ValueError, match="params must be a dict of the construction's "
                                         "parameters holding 'a' and one of 's0'"):
        project_params([0.3, 0.5, 0.6])


@pytest.mark.ch02
@pytest.mark.parametrize("kwargs, match", [
    (dict(alpha=np.nan), r"alpha must be finite \(found NaN or inf\)"),
    (dict(alpha=np.inf), "alpha must be finite"),
    (dict(beta=-np.inf), "beta must be finite"),
    (dict(free_scales="no"), "free_scales must be True or False; got 'no' \\(a str\\)"),
    (dict(free_scales=1), "free_scales must be True or False"),
    (dict(free_scales=None), "free_scales must be True or False"),
])
def test_construction_params_refuses_nan_scales_and_non_booleans(kwargs, match):
    with pytest.raises(ValueError, match=match):
        construction_params([0.3, 0.5, 0.6], **kwargs)


# --- the first scale s0 has one value per run of the peaks --------------------------------------

@pytest.mark.ch04
def test_an_s0_of_the_wrong_shape_is_named_with_the_shape_it_must_have():
    a = np.array([0.3, 0.5, 0.6])
    params = {"a": a, "s0": np.array([1.0, 2.0]), "alpha": 1.0, "beta": 0.0}
    match = r"s0 must be a number or an array of shape \(\) \(one per run of the peaks\); " \
            r"got shape \(2,\)"
    for call in (lambda: weight_map_forward(params), lambda: theorem31_ratios(a, [1.0, 2.0]),
                 lambda: theorem31_scales(a, np.array([1.0, 2.0]))):
        with pytest.raises(ValueError, match=match):
            call()
    with pytest.raises(ValueError, match=r"array of shape \(2,\) .*; got shape \(3,\)"):
        theorem31_ratios(np.stack([a, a]), np.ones(3))
    assert theorem31_ratios(np.stack([a, a]), 0.15).shape == (2, 2)   # one s0 for every run


# --- the triangle map and its waves live on [0, 1] ---------------------------------------------

@pytest.mark.ch02
@pytest.mark.parametrize("call, match", [
    (lambda: tent([-1.0, 2.0, 0.5], 0.5), r"y must lie in \[0, 1\], the domain of the triangle "
                                          r"map T_a; got values from -1 to 2"),
    (lambda: tent([0.5, np.nan], 0.5), r"y must be finite \(found NaN or inf\)"),
    (lambda: tent_from_relus([1.5], 0.5), r"y must lie in \[0, 1\]"),
    (lambda: waves([3.0], [0.5, 0.5]), r"x must lie in \[0, 1\], .*; got values from 3 to 3"),
    (lambda: waves(X, 0.5), r"peaks a must be a vector \(K,\), one peak per wave; got shape "
                            r"\(\)"),
    (lambda: waves(X, [[0.5, 0.5]]), r"peaks a must be a vector \(K,\)"),
    (lambda: F(X, [0.5], [1, 2]), r"F needs a peak per scale, a : \(K,\) with K >= len\(s\) = "
                                  r"2; got peaks of shape \(1,\)"),
    (lambda: F(X, [0.5, 0.5], [[1.0]]), r"scales s must be a finite vector \(d,\)"),
    (lambda: F(X, [0.5, 0.5], [np.nan]), r"scales s must be a finite vector \(d,\); .*NaN"),
    (lambda: construction_function(X, [0.5, 0.5], [0.25], sigma=3), "sigma must be -1"),
    (lambda: construction_function(X, [0.5, 0.5], [0.25], alpha=np.nan),
     "alpha must be a finite real number; got nan"),
    (lambda: construction_function(X, [0.5, 0.5], [0.25], beta=np.inf), "beta must be a finite"),
    (lambda: construction_function(X - 1, [0.5, 0.5], [0.25]), r"x must lie in \[0, 1\]"),
    (lambda: theorem31_ratios([0.5, 7.0, -2.0], 0.25), r"every peak in a must lie in the open "
                                                       r"interval \(0, 1\); got values from -2 "
                                                       r"to 7"),
    (lambda: default_s0([2.0, 3.0]), r"open interval \(0, 1\); got values from 2 to 3"),
    (lambda: default_s0([0.5]), r"peaks a must have length d \+ 1 >= 2"),
    (lambda: scales({"a": [0.5], "s0": 1.0}), r"peaks a must have length d \+ 1 >= 2 \(depth d "
                                              r">= 1\); got shape \(1,\)"),
])
def test_the_triangle_helpers_name_what_is_outside_their_domain(call, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=match):
            call()


# --- scales that overflow are named, without a RuntimeWarning ----------------------------------

@pytest.mark.ch04
@pytest.mark.parametrize("sigma", [-1.0, 1.0])
def test_free_scale_ratios_whose_product_overflows_are_named(sigma):
    params = {"a": np.array([0.5, 0.4, 0.6]), "S": np.array([1e300, 1e300]), "alpha": 1.0,
              "beta": 0.0}
    with warnings.catch_warnings():
        warnings.simplefilter("error")             # no "overflow encountered in accumulate"
        with pytest.raises(ValueError, match=r"params\['S'\]: the scales s_i = S_0 S_1 \.\.\. "
                                             r"S_i overflow float64 \(free scale ratios up to "
                                             r"1e\+300"):
            weight_map_forward(params, sigma)
        with pytest.raises(ValueError, match=r"params\['S'\]: the scales .* overflow"):
            scales(params)


@pytest.mark.ch04
def test_scales_too_large_for_the_offset_or_the_entries_are_named_not_alpha_and_beta():
    params = {"a": np.full(4, 0.5), "S": np.array([1e300, 1e8, 1.0]), "alpha": 1.0,
              "beta": 0.0}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"their sum, the sum neuron's offset \(sigma = -1\), "
                                             r"overflows float64"):
            weight_map_forward(params, -1.0)
        with pytest.raises(ValueError, match=r"the scales are too large: the weight map's "
                                             r"entries .* S_0 = s_0, up to 1e\+308"):
            weight_map_forward(construction_params([0.5, 0.5, 0.5], s0=1e308))
        with pytest.raises(ValueError, match="use peaks further from 0 and 1"):
            weight_map_forward(construction_params([1e-310, 0.5, 0.5], s0=0.1))
    layers, _ = weight_map_forward(params, 1.0)     # no offset with sigma = +1: finite weights
    assert all(np.isfinite(W).all() and np.isfinite(b).all() for W, b in layers)


# --- the network's doors: runs axes and the whole list of caches -------------------------------

@pytest.mark.ch03
def test_mlp_forward_names_runs_axes_that_do_not_match(rng):
    with pytest.raises(ValueError, match=r"layers\[0\]: W has runs axes \(3,\) \(shape \(3, 1, "
                                         r"1\)\) but x \(shape \(2, 1, 4\)\) has \(2,\)"):
        mlp_forward([(np.ones((3, 1, 1)), np.zeros((3, 1)))], np.zeros((2, 1, 4)))
    layers = [(np.ones((3, 4, 1)), np.zeros((3, 4))), (np.ones((2, 1, 4)), np.zeros((2, 1)))]
    with pytest.raises(ValueError, match=r"layers\[1\]: W has runs axes \(2,\) .* but "
                                         r"layers\[0\]'s W \(shape \(3, 4, 1\)\) has \(3,\)"):
        mlp_forward(layers, np.zeros((1, 4)))
    layers = init_kaiming([1, 4, 1], rng, runs=3)        # shared points, or one row per run
    for x in (np.zeros((1, 5)), np.zeros((3, 1, 5)), np.zeros((1, 1, 5))):
        assert mlp_forward(layers, x)[0].shape == (3, 1, 5)


@pytest.mark.ch03
def test_mlp_backward_refuses_a_slice_of_the_caches(rng):
    layers = init_kaiming([1, 4, 4, 1], rng)
    out, caches = mlp_forward(layers, X[None])
    for part in (caches[1:], list(caches)):
        with pytest.raises(ValueError, match="caches must hold every layer's cache from one "
                                             "mlp_forward call: pass the list it returned as "
                                             "it is, not a slice or a copy"):
            mlp_backward(np.ones_like(out), part)
    grads, _ = mlp_backward(np.ones_like(out), caches)
    assert len(grads) == len(layers)


# --- Adam, the weight map's backward, the region counter, History, the targets ------------------

@pytest.mark.ch03
@pytest.mark.parametrize("make, match", [
    (lambda p: Adam(None), r"params must be a list of writable float64 arrays .*; got None "
                           r"\(a NoneType\)"),
    (lambda p: Adam(p[0]), r"params must be a list of .*; got one array of shape \(2,\): pass "
                           r"\[array\]"),
    (lambda p: Adam(p).step(None), r"grads must be a list of gradient arrays, one per "
                                   r"parameter; got None"),
    (lambda p: Adam(p).step([np.array(["a", "b"])]), r"grads\[0\] must hold real numbers .*; "
                                                     r"got strings"),
    (lambda p: Adam(p).step([np.array([1j, 1j])]), r"grads\[0\] must hold real numbers; got a "
                                                   r"complex array"),
    (lambda p: SGD(p).step([["a", "b"]]), r"grads\[0\] must hold real numbers"),
])
def test_adam_names_parameters_and_gradients_of_the_wrong_kind(make, match):
    params = [np.zeros(2)]
    with pytest.raises(ValueError, match=match):
        make(params)
    assert np.array_equal(params[0], np.zeros(2))


@pytest.mark.ch03
def test_adam_takes_a_gradient_given_as_a_list_of_numbers():
    p, q = np.array([1.0, 2.0]), np.array([1.0, 2.0])
    Adam([p]).step([[0.5, -0.5]])
    Adam([q]).step([np.array([0.5, -0.5])])
    assert np.array_equal(p, q)
    with pytest.raises(ValueError, match=r"gradient 0 has shape \(3,\), parameter has \(2,\)"):
        Adam([p]).step([[0.5, -0.5, 0.0]])


@pytest.mark.ch04
def test_weight_map_backward_names_nested_lists_and_a_wrong_cache():
    layers, cache = weight_map_forward(construction_params([0.3, 0.5, 0.6]))
    grads = [(np.ones_like(W), np.ones_like(b)) for W, b in layers]
    nested = [(W.tolist(), b.tolist()) for W, b in grads]
    expected = weight_map_backward(grads, cache)
    got = weight_map_backward(nested, cache)         # nested lists of numbers are arrays
    assert all(np.array_equal(got[k], expected[k]) for k in expected)
    with pytest.raises(ValueError, match=r"grads\[1\]: dW must hold real numbers"):
        weight_map_backward([grads[0], ([["a"] * 4] * 4, [0.0] * 4), grads[2]], cache)
    with pytest.raises(ValueError, match=r"grads\[0\] must be a pair \(dW, db\); got None"):
        weight_map_backward([None] + grads[1:], cache)
    with pytest.raises(ValueError, match="cache must be the dict that weight_map_forward "
                                         r"returns \(keys A, B, S, a, .*\); got keys \[\]"):
        weight_map_backward(grads, {})
    with pytest.raises(ValueError, match=r"cache must be the dict .*; got \(1, 2\)"):
        weight_map_backward(grads, (1, 2))


@pytest.mark.ch01
@pytest.mark.parametrize("widths", [(0, 1), (2, 0, 1)])
def test_a_hidden_layer_without_neurons_is_named_by_the_region_counter(widths):
    layers, fan_in = [], 1
    for w in widths:
        layers.append((np.ones((w, fan_in)), np.zeros(w)))
        fan_in = w
    l = list(widths).index(0)
    assert np.all(mlp_predict(layers, X) == 0.0)     # a constant network
    for call in (lambda: count_regions(layers), lambda: activation_patterns(layers, X)):
        with pytest.raises(ValueError, match=rf"layers\[{l}\] has no neurons \(W of shape "
                                             rf"\(0, \d\)\): a hidden layer of width 0 makes "
                                             rf"the network constant"):
            call()


@pytest.mark.ch05
@pytest.mark.parametrize("step", ["readable", "fast"])
def test_a_history_of_another_number_of_runs_is_refused_before_any_step(step, rng):
    train = _trainers(step).train_raw
    history = train(init_kaiming([1, 4, 1], rng, runs=2), X, Y, 2)
    layers = init_kaiming([1, 4, 1], rng, runs=3)
    before = [(W.copy(), b.copy()) for W, b in layers]
    with pytest.raises(ValueError, match=r"history holds a training of 2 run\(s\) and this "
                                         r"training has 3: .* pass history=None"):
        train(layers, X, Y, 2, history=history)
    assert history.steps == 2 and history.loss_array().shape == (2, 2)
    assert all(np.array_equal(W, W0) for (W, _), (W0, _) in zip(layers, before))
    params = construction_params(np.array([[0.3, 0.5, 0.6]] * 3))
    with pytest.raises(ValueError, match=r"history holds a training of 2 run\(s\)"):
        _trainers(step).train_constrained(params, X, Y, -1, 2, history=history)


@pytest.mark.ch06
@pytest.mark.parametrize("name", [[], None, 3, ["x^3"]])
def test_a_target_name_that_is_not_a_string_is_named_with_the_known_names(name):
    with pytest.raises(ValueError, match=r"the target's name must be a string, one of x\^3, "
                                         r"x\^11, sin\(x\), tanh\(3x\); got"):
        get_target(name)


@pytest.mark.ch04
@pytest.mark.parametrize("features, y, message", [
    (np.ones(5), np.ones(5), "features must have shape"),
    (np.ones((1, 0)), np.ones(0), "features must have shape"),
    (np.array([[0.0, 1.0, np.nan]]), np.ones(3), "must be finite"),
    (np.array([[0.0, 1.0, 2.0]]), np.array([1.0, np.inf, 0.0]), "must be finite"),
    (np.array([[0.0, 1.0, 2.0]]), np.ones(4), "y must have shape"),
    (np.array([[0.0, 1.0, 2.0]]), np.array(["a", "b", "c"]), "y must hold real numbers"),
    (np.array([[0j, 1.0, 2.0]]), np.ones(3), "features must hold real numbers")])
def test_the_least_squares_readout_names_bad_features_and_targets(features, y, message):
    from minregion.readout import lstsq_readout
    with pytest.raises(ValueError, match=message):
        lstsq_readout(features, y)
