"""Chapter 7: the extensions' doors name a bad argument and what it must be, before any
step; nothing comes back as NaN or as the fit of data the model cannot see."""
import warnings

import numpy as np
import pytest

from minregion.extensions.difference import init_difference
from minregion.extensions.losses import error_rate, softmax_cross_entropy_forward
from minregion.extensions.regions2d import box_polygon, region_partition
from minregion.extensions.targets import grid_2d, r_cubed
from minregion.extensions.train import train_dense, train_difference, train_triangle_stack
from minregion.extensions.triangle_layer import (fit_combination, init_triangle_layer,
                                                 init_triangle_stack)
from minregion.init import init_kaiming

X11 = np.linspace(-1.0, 1.0, 40)        # x^3 - x lives on [-1, 1]
Y11 = X11 ** 3 - X11
XG = grid_2d(5)                         # (2, 25) columns


def _copies(params):
    return {h: {k: v.copy() for k, v in params[h].items()} for h in params}


def _same(params, before):
    return all(np.array_equal(params[h][k], before[h][k]) for h in params for k in params[h])


# --- the difference model: x inside [lo, hi], sigmas a pair -----------------------------------

@pytest.mark.ch07
def test_init_difference_refuses_x_outside_lo_hi_and_says_which_interval_to_pass(rng):
    with pytest.raises(ValueError, match=r"x must lie in \[lo, hi\] = \[0, 1\], the interval "
                                         r"the construction maps onto \[0, 1\]; got values in "
                                         r"\[-1, 1\]: pass lo=-1.0, hi=1.0"):
        init_difference(X11, Y11, 4, rng)
    with pytest.raises(ValueError, match=r"x must lie in \[lo, hi\] = \[-1, 1\]"):
        init_difference(np.stack([X11, X11 * 1e10]), np.stack([Y11, Y11]), 2, rng, runs=2,
                        lo=-1.0, hi=1.0)
    init_difference(X11, Y11, 2, rng, lo=-1.0, hi=1.0)                 # the ends themselves
    init_difference(X11 * (1 + 1e-12), Y11, 2, rng, lo=-1.0, hi=1.0)   # and rounding past them


@pytest.mark.ch07
def test_train_difference_refuses_x_outside_lo_hi_before_any_step(rng):
    params = init_difference(X11, Y11, 2, rng, runs=2, lo=-1.0, hi=1.0)
    before = _copies(params)
    with pytest.raises(ValueError, match=r"x must lie in \[lo, hi\] = \[0, 1\].*got values in "
                                         r"\[-1, 1\]: pass lo=-1.0, hi=1.0"):
        train_difference(params, X11, Y11, 3, 6)
    # a huge x blames x, lo and hi, not the targets
    with pytest.raises(ValueError, match=r"x must lie in \[lo, hi\] = \[-1, 1\].*\[-1e\+10, "
                                         r"1e\+10\]") as err:
        train_difference(params, X11 * 1e10, Y11, 3, 6, lo=-1.0, hi=1.0)
    assert "target" not in str(err.value)
    assert _same(params, before), "a refused training leaves the parameters as they were"


@pytest.mark.ch07
@pytest.mark.parametrize("sigmas", [-1, 1.0, None, "ab", (-1,), (-1, 1, 1), (-1, 0),
                                    np.array([[-1], [1]])])
def test_sigmas_that_are_not_a_pair_of_signs_are_named(rng, sigmas):
    match = r"sigmas must be a pair \(sigma_1, sigma_2\) of -1 or \+1, one sign per half"
    with pytest.raises(ValueError, match=match):
        init_difference(X11, Y11, 2, rng, sigmas=sigmas, lo=-1.0, hi=1.0)
    params = init_difference(X11, Y11, 2, rng, lo=-1.0, hi=1.0)
    with pytest.raises(ValueError, match=match):
        train_difference(params, X11, Y11, 1, 2, sigmas=sigmas, lo=-1.0, hi=1.0)


# --- outputs and targets that do not fit ----------------------------------------------------

@pytest.mark.ch07
def test_train_dense_refuses_targets_that_do_not_fit_its_outputs_at_the_door(rng):
    z = r_cubed(XG)
    with pytest.raises(ValueError, match=r"loss='mse' fits one output; the output layer "
                                         r"\(layers\[1\]'s W of shape \(2, 4\)\) has 2 outputs"):
        train_dense(init_kaiming([2, 4, 2], rng), XG, z, 3)
    with pytest.raises(ValueError, match=r"target has shape \(3, 25\); .* must be \(25,\)$"):
        train_dense(init_kaiming([2, 4, 1], rng), XG, np.zeros((3, 25)), 3)
    with pytest.raises(ValueError, match=r"target has shape \(3, 25\); .* must be \(25,\) or "
                                         r"\(2, 25\), one row per run"):
        train_dense(init_kaiming([2, 4, 1], rng, runs=2), XG, np.zeros((3, 25)), 3)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\)"):
        train_dense(init_kaiming([2, 4, 2], rng), XG, np.arange(25) % 3, 3,
                    loss="cross_entropy")


@pytest.mark.ch07
def test_train_triangle_stack_refuses_targets_that_do_not_fit_its_outputs_at_the_door(rng):
    z = r_cubed(XG)
    stack = init_triangle_stack(XG, [(3, 1)], 2, rng)
    with pytest.raises(ValueError, match=r"target has shape \(1, 25\); the model's output has "
                                         r"shape \(1, 25\), so target must be \(25,\)"):
        train_triangle_stack(stack, XG, z[None], 3, 3)
    two = init_triangle_stack(XG, [(3, 2)], 2, rng)
    with pytest.raises(ValueError, match=r"loss='mse' fits one output; the stack's last layer "
                                         r"\(stack\[0\]\['V'\] of shape \(2, 3\)\) has 2 outputs"):
        train_triangle_stack(two, XG, z, 3, 3)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\)"):
        train_triangle_stack(two, XG, np.arange(25) % 3, 3, 3, loss="cross_entropy")


@pytest.mark.ch07
def test_fit_combination_refuses_targets_that_do_not_fit(rng):
    params = init_triangle_layer(XG, 3, 1, 2, rng)
    with pytest.raises(ValueError, match=r"y has shape \(1, 25\); .* must be \(25,\)"):
        fit_combination(params, XG, r_cubed(XG)[None])
    with pytest.raises(ValueError, match="y must hold real numbers; got a complex array"):
        fit_combination(params, XG, r_cubed(XG) + 0j)


# --- points as columns ----------------------------------------------------------------------

@pytest.mark.ch07
def test_points_given_as_rows_are_refused_with_a_hint(rng):
    with pytest.raises(ValueError, match=r"points are columns \(2, N\) here .* has shape "
                                         r"\(100, 2\), points as rows: pass x.T"):
        r_cubed(np.zeros((100, 2)))
    with pytest.raises(ValueError, match=r"got x of shape \(25, 2\): 2 point\(s\) in 25 "
                                         r"dimensions. If the points are rows, pass x.T"):
        init_triangle_layer(XG.T, 4, 1, 2, rng)
    with pytest.raises(ValueError, match=r"pass x.T"):
        init_triangle_stack(XG.T, [(4, 1)], 2, rng)
    with pytest.raises(ValueError, match=r"has shape \(25, 2\), points as rows: pass x.T"):
        train_dense(init_kaiming([2, 4, 1], rng), XG.T, r_cubed(XG), 3)
    stack = init_triangle_stack(XG, [(3, 1)], 2, rng)
    with pytest.raises(ValueError, match=r"pass x.T"):
        train_triangle_stack(stack, XG.T, r_cubed(XG), 3, 3)
    with pytest.raises(ValueError, match=r"x must be \(2, N\)"):
        r_cubed(np.zeros((3, 2, 5)))


# --- the cross-entropy's own door -----------------------------------------------------------

LOGITS = np.zeros((3, 4))


@pytest.mark.ch07
@pytest.mark.parametrize("logits, labels, match", [
    (LOGITS, np.array([0.5, 1, 2, 0]), r"labels must be integers in \[0, 3\).*got dtype float64"),
    (LOGITS, np.array([True, False, True, False]), r"labels must be integers.*got dtype bool"),
    (LOGITS, np.array([0, 1, 3, 0]), r"labels must lie in \[0, 3\).*from 0 to 3"),
    (LOGITS, np.array([0, -1, 2, 0]), r"labels must lie in \[0, 3\)"),
    (LOGITS, np.array([0, 1, 2]), r"labels must have shape \(N,\) = \(4,\)"),
    (np.full((3, 4), np.nan), np.array([0, 1, 2, 0]), "logits must be finite"),
    (np.full((3, 4), np.inf), np.array([0, 1, 2, 0]), "logits must be finite"),
    (np.zeros((3, 0)), np.array([], dtype=int), r"logits must have shape \(\.\.\., C, N\).*"
                                                r"N >= 1; got shape \(3, 0\)"),
    (np.zeros(4), np.array([0, 1, 2, 0]), r"logits must have shape \(\.\.\., C, N\)"),
    (np.array([["a", "b"]]), np.array([0, 0]), "logits must hold real numbers"),
    (np.array([[1e308, -1e308], [-1e308, 1e308]]), np.array([0, 0]),
     "the cross-entropy overflows float64 for these logits"),
])
def test_the_cross_entropy_refuses_bad_labels_and_logits(logits, labels, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # no RuntimeWarning, no NaN: an error
        with pytest.raises(ValueError, match=match):
            softmax_cross_entropy_forward(logits, labels)


@pytest.mark.ch07
def test_the_error_rate_refuses_labels_that_are_no_class():
    with pytest.raises(ValueError, match=r"labels must be integers in \[0, 3\)"):
        error_rate(LOGITS, np.array([0.5, 1, 2, 0]))
    with pytest.raises(ValueError, match="logits must be finite"):
        error_rate(np.full((3, 4), np.nan), np.array([0, 1, 2, 0]))


# --- targets and inputs of the wrong kind ---------------------------------------------------

BAD_KINDS = [(np.array(["a"] * 25), "got strings"), (np.zeros(25, dtype=bool), "got booleans"),
             (np.zeros(25) + 1j, "got a complex array")]


@pytest.mark.ch07
@pytest.mark.parametrize("target, match", BAD_KINDS)
def test_targets_that_are_not_real_numbers_are_named(rng, target, match):
    stack = init_triangle_stack(XG, [(3, 1)], 2, rng)
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # no ComplexWarning: an error
        with pytest.raises(ValueError, match=f"target must hold real numbers.*{match}"):
            train_dense(init_kaiming([2, 4, 1], rng), XG, target, 3)
        with pytest.raises(ValueError, match=f"target must hold real numbers.*{match}"):
            train_triangle_stack(stack, XG, target, 3, 3)


@pytest.mark.ch07
def test_complex_or_boolean_inputs_of_a_triangle_layer_are_named(rng):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for init in (lambda x: init_triangle_layer(x, 4, 1, 2, rng),
                     lambda x: init_triangle_stack(x, [(4, 1)], 2, rng)):
            with pytest.raises(ValueError, match="x must hold real numbers; got a complex"):
                init(XG + 0j)
            with pytest.raises(ValueError, match="x must hold real numbers.*got booleans"):
                init(XG > 0)


# --- the 2-D region partition ---------------------------------------------------------------

@pytest.mark.ch07
def test_region_partition_refuses_weights_too_large_for_float64():
    W = 1e200 * np.array([[1, -1], [2, 1], [-1, 3.0]])
    layers = [(W, np.ones(3)), (np.full((3, 3), 1e200), np.ones(3)), (np.ones((1, 3)), np.ones(1))]
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # no RuntimeWarning, no NaN: an error
        with pytest.raises(ValueError, match=r"layers\[0\]: the weights are too large for the "
                                             r"2-D region partition.*Scale the network down"):
            region_partition(layers)
        # the box counts too: weights of 1e160 overflow on a box of 1e160
        with pytest.raises(ValueError, match=r"layers\[0\]: the weights are too large"):
            region_partition([(np.array([[1.0, -1.0], [2.0, 1.0]]) * 1e160, np.zeros(2)),
                              (np.ones((1, 2)), np.zeros(1))], box=(-1e160, 1e160, -1e160, 1e160))


@pytest.mark.ch07
@pytest.mark.parametrize("box", [None, (0, 1, 0), ("a", 1, 0, 1), 5])
def test_a_box_that_is_not_four_numbers_is_named(box):
    with pytest.raises(ValueError, match=r"box must be four real numbers \(x0, x1, y0, y1\)"):
        box_polygon(box)


@pytest.mark.ch07
@pytest.mark.parametrize("field, value, message", [
    ("dense_n", "5", "dense_n must be an integer >= 2"),
    ("dense_n", 1, "dense_n must be an integer >= 2"),
    ("grid_n", 1, "grid_n must be >= 2")])
def test_the_extensions_config_names_a_bad_point_count(field, value, message):
    import dataclasses

    from minregion.extensions.experiments import ExtConfig
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(ExtConfig(), **{field: value}).check()
