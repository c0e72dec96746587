"""The reproduction's entry points name their bad argument and its allowed range: the tables'
configuration, the construction's random start, the runner, the regions study and the depth
study's helpers. Nothing fails with a NumPy or Python error from deep inside, nothing returns
NaN or drops results as if it were a result."""
import warnings

import numpy as np
import pytest

from minregion import triangle_network
from minregion.reproduce.depth_study import (curvature_knots, depth_blocks, fitted_slope,
                                             interior_minimum, mirror_bound, mirror_gap,
                                             spline_floor, study_config)
from minregion.reproduce.experiments import (Config, block_seeds, initial_params, paper_cell,
                                             quick)
from minregion.reproduce.regions_vs_depth import regions_by_depth
from minregion.reproduce.runner import run_blocks
from minregion.targets import get_target

X = np.linspace(0.0, 1.0, 20)
Y = X ** 3
CUBE = get_target("x^3").f


# --- the construction's random start (chapter 6) ------------------------------------------

@pytest.mark.ch06
@pytest.mark.parametrize("change, match", [
    (dict(rng=0), r"rng must be a numpy.random.Generator"),
    (dict(rng=np.random), r"rng must be a numpy.random.Generator"),
    (dict(y=np.where(X > 0.5, np.nan, Y)), "y must be finite"),
    (dict(y=Y[:5]), r"x and y must hold the same number of points; got \(20,\) and \(5,\)"),
    (dict(y=np.ones((2, 20))), "y has 2 rows but there are 3 runs"),
    (dict(config=None), "config must be a Config"),
    (dict(config=Config(runs=3, depth=3, peak_low=0.8)), "0 < peak_low < peak_high < 1"),
    (dict(config=Config(runs=0, depth=3)), r"config.runs must be an integer >= 1"),
])
def test_the_random_start_names_a_bad_argument(change, match, rng):
    args = dict(config=Config(runs=3, depth=3), target="x^3", x=X, y=Y, rng=rng)
    args.update(change)
    with pytest.raises(ValueError, match=match):
        initial_params(**args)


# --- the tables' configuration ----------------------------------------------------------------

@pytest.mark.ch06
@pytest.mark.parametrize("changes, match", [
    (dict(dense_n=0), r"dense_n must be an integer >= 2"),
    (dict(dense_n=500.0), r"dense_n must be an integer >= 2"),
    (dict(sparse_n=0), r"sparse_n must be an integer >= 1"),
    (dict(width=0), r"width must be an integer >= 1"),
    (dict(width="4"), r"width must be an integer >= 1"),
    (dict(runs=3.0), r"runs must be an integer >= 1; got 3.0"),
    (dict(record_every=-1), r"record_every must be an integer >= 0"),
    (dict(pretrain_in_budget="no"), r"pretrain_in_budget must be True .* or False"),
    (dict(pretrain_in_budget=0), r"pretrain_in_budget must be True"),
    (dict(lr_final="1e-5"), r"lr_final must be > 0 and finite"),
    (dict(lr_final=float("nan")), r"lr_final must be > 0 and finite"),
    (dict(seeds=5), r"seeds must be a tuple of distinct integers >= 0, at least one; got 5"),
    (dict(seeds="01"), r"seeds must be a tuple of distinct integers"),
    (dict(seeds=(2.0,)), r"seeds must be a tuple of distinct integers"),
    (dict(seeds=(None,)), r"seeds must be a tuple of distinct integers"),
    (dict(validation_seeds=(1.5,)), r"validation_seeds must be a tuple of distinct integers >= 0"),
    (dict(validation_seeds=1000), r"validation_seeds must be a tuple"),
])
def test_every_field_of_a_configuration_is_checked(changes, match):
    with pytest.raises(ValueError, match=match):
        Config.for_protocol("paper", **changes)


@pytest.mark.ch06
def test_a_configuration_keeps_false_and_true_apart():
    """``pretrain_in_budget='no'`` would count as true and shorten the raw phase silently."""
    assert Config.for_protocol("paper").steps("pretrain_theorem_3_1") == (1000, 1500)
    assert Config.for_protocol("long").steps("pretrain_theorem_3_1") == (1500, 13500)
    for flag in ("no", "False", 1, None):
        with pytest.raises(ValueError, match="pretrain_in_budget"):
            Config.for_protocol("paper", pretrain_in_budget=flag)
    with pytest.raises(ValueError, match="protocol must be one of paper, long, cosine"):
        Config(protocol=["paper"]).check()


@pytest.mark.ch06
@pytest.mark.parametrize("overrides, match", [
    (dict(seeds=2.7), r"seeds must be an integer >= 1 .*got 2.7"),
    (dict(seeds=0), r"seeds must be an integer >= 1"),
    (dict(seeds="3"), r"seeds must be an integer >= 1"),
    (dict(validation_seeds=-2), r"validation_seeds must be an integer >= 0 .*got -2"),
    (dict(validation_seeds=1.5), r"validation_seeds must be an integer >= 0"),
    (dict(first_seed=-1), r"first_seed must be an integer >= 0"),
    (dict(first_seed=0.5), r"first_seed must be an integer >= 0"),
    (dict(epochs="5"), r"epochs must be an integer >= 1"),
])
def test_the_command_lines_changes_are_counts_checked_before_use(overrides, match):
    for base in (Config.for_protocol("paper"), quick(Config.for_protocol("long"))):
        with pytest.raises(ValueError, match=match):
            base.with_overrides(**overrides)


# --- blocks, seeds and the paper's cells -----------------------------------------------------

@pytest.mark.ch06
@pytest.mark.parametrize("args, match", [
    ((0, "4", "x^3", "kaiming"), r"table must be one of '1', '2', '3' \(a string\); got '4'"),
    ((0, 1, "x^3", "kaiming"), r"table must be one of '1', '2', '3' \(a string\); got 1"),
    ((0, "1", "sin(x)", "kaiming"), r"target must be one of table 1's targets, x\^3, x\^11"),
    ((0, "1", "x^3", "adam"), r"method must be one of kaiming, raai"),
    ((-1, "1", "x^3", "kaiming"), r"seed must be an integer >= 0"),
    ((2.5, "1", "x^3", "kaiming"), r"seed must be an integer >= 0"),
])
def test_a_blocks_seeds_name_a_bad_table_target_method_or_seed(args, match):
    with pytest.raises(ValueError, match=match):
        block_seeds(*args)


@pytest.mark.ch06
@pytest.mark.parametrize("args, match", [
    (("9", "kaiming", "x^3", "min"), r"table must be one of '1', '2', '3'"),
    ((1, "kaiming", "x^3", "min"), r"table must be one of '1', '2', '3'"),
    (("3", "raai", "x^3", "min"), r"method must be one of table 3's methods, kaiming, "
                                  r"pretrain_theorem_3_1"),
    (("1", "kaiming", "tanh(3x)", "min"), r"target must be one of table 1's targets"),
    (("1", "kaiming", "x^3", "max"), r"stat must be 'min' or 'mean'"),
])
def test_a_paper_cell_that_cannot_exist_is_an_error_not_a_none(args, match):
    assert paper_cell("2", "kaiming", "sin(x)", "min") is None      # the paper gives none
    assert paper_cell("3", "kaiming", "x^3", "mean") is None
    assert paper_cell("3", "kaiming", "x^3", "min") == 2.41e-4
    with pytest.raises(ValueError, match=match):
        paper_cell(*args)


@pytest.mark.ch06
@pytest.mark.parametrize("kwargs, match", [
    (dict(weights=[1.0]), r"weights must hold one number per block: 3 blocks but 1 weights"),
    (dict(weights=[1.0] * 4), r"3 blocks but 4 weights"),
    (dict(weights=[0.0, 1.0, 1.0]), r"weights\[0\] must be > 0 and finite; got 0.0"),
    (dict(weights=[1.0, -2.0, 1.0]), r"weights\[1\] must be > 0 and finite"),
    (dict(weights=[1.0, 1.0, np.nan]), r"weights\[2\] must be > 0 and finite"),
    (dict(weights=[1.0, np.inf, 1.0]), r"weights\[1\] must be > 0 and finite"),
    (dict(weights=[1.0, "2", 1.0]), r"weights\[1\] must be a real number"),
    (dict(weights=5), r"weights must be a list of numbers > 0, one per block, or None"),
    (dict(jobs=0), r"jobs must be an integer >= 1"),
    (dict(jobs="2"), r"jobs must be an integer >= 1"),
    (dict(progress=None), r"progress must be a function"),
])
def test_run_blocks_refuses_bad_arguments_before_any_block_runs(kwargs, match):
    ran = []

    def work(v):
        ran.append(v)
        return abs(v)

    with pytest.raises(ValueError, match=match):
        run_blocks(work, [(-1,), (-2,), (-3,)], **{"progress": lambda s: None, **kwargs})
    assert ran == []


@pytest.mark.ch06
def test_run_blocks_refuses_blocks_that_are_not_argument_tuples():
    with pytest.raises(ValueError, match="blocks must be a list of argument tuples"):
        run_blocks(abs, [-1, -2], progress=lambda s: None)


# --- regions against depth (chapter 1) ----------------------------------------------------------

@pytest.mark.ch01
@pytest.mark.parametrize("low, high", [(0.7, 0.3), (0.5, 0.5), (float("nan"), 0.7),
                                       (0.3, float("inf")), (0.0, 0.7), (0.3, 1.0),
                                       (-0.5, 0.7), (0.3, 1.5)])
def test_regions_by_depth_names_a_bad_peak_range(low, high, rng):
    with pytest.raises(ValueError, match=r"0 < peak_low < peak_high < 1; got \["):
        regions_by_depth(2, rng, samples=1, peak_low=low, peak_high=high)


@pytest.mark.ch01
def test_regions_by_depth_names_a_peak_bound_that_is_not_a_number(rng):
    with pytest.raises(ValueError, match="peak_low must be a real number"):
        regions_by_depth(2, rng, samples=1, peak_low="0.3")


# --- the depth study's helpers (chapter 8) ------------------------------------------------------

@pytest.mark.ch08
@pytest.mark.parametrize("args, match", [
    ((4, 1.0, 0.0), r"lo < hi; got lo=1.0, hi=0.0"),
    ((4, 0.5, 0.5), r"lo < hi; got lo=0.5, hi=0.5"),
    ((4, 0.0, float("nan")), r"the interval \[lo, hi\] must be finite"),
    ((-1, 0.0, 1.0), r"pieces must be an integer >= 1; got -1"),
    ((0, 0.0, 1.0), r"pieces must be an integer >= 1"),
    ((2.5, 0.0, 1.0), r"pieces must be an integer >= 1"),
    ((4, 0.0, 1.0, 2), r"grid must be an integer >= 3"),
])
def test_curvature_knots_names_a_bad_argument_without_warnings(args, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=match):
            curvature_knots(CUBE, *args)


@pytest.mark.ch08
def test_the_floors_function_must_be_a_finite_function():
    with pytest.raises(ValueError, match="f must be a function of an array of points"):
        curvature_knots(3.0, 4)
    with np.errstate(all="ignore"), pytest.raises(ValueError, match="f must be finite"):
        curvature_knots(lambda v: np.log(v - 0.5), 4)
    with pytest.raises(ValueError, match="f must be finite"):
        spline_floor(lambda v: np.full(np.shape(v), np.inf), 4, X)
    with pytest.raises(ValueError, match="f must be finite"):
        mirror_bound(lambda v: np.where(v > 0.9, np.nan, v), 0.6)


@pytest.mark.ch08
@pytest.mark.parametrize("x, match", [
    (np.array([0.5]), r"x must be a finite \(N,\) array with at least two different points"),
    (np.array([0.5, 0.5, 0.5]), r"at least two different points"),
    (np.array([0.0, np.nan, 1.0]), r"x must be a finite \(N,\) array"),
    (np.ones((3, 3)), r"got shape \(3, 3\)"),
    (np.array([]), r"got shape \(0,\)"),
])
def test_spline_floor_names_points_it_cannot_fit(x, match):
    with pytest.raises(ValueError, match=match):
        spline_floor(CUBE, 4, x)


@pytest.mark.ch08
def test_spline_floor_names_a_bad_number_of_pieces():
    for pieces in (0, -3, 2.5, "4"):
        with pytest.raises(ValueError, match="pieces must be an integer >= 1"):
            spline_floor(CUBE, pieces, X)


@pytest.mark.ch08
@pytest.mark.parametrize("depths, mse, match", [
    ([1, 2, 3], [1e-3, 0.0, 1e-5], r"mse must be finite and > 0 \(its log10 is fitted\)"),
    ([1, 2, 3], [1e-3, -1e-4, 1e-5], r"mse must be finite and > 0"),
    ([1, 2, 3], [1e-3, np.nan, 1e-5], r"mse must be finite and > 0"),
    ([1, 2, 3], [1e-3, 1e-4], r"depths and mse must be two \(K,\) arrays of the same length"),
    ([1], [1e-3], r"depths must be finite with at least two different depths"),
    ([2, 2], [1e-3, 1e-4], r"at least two different depths"),
    ([1, np.inf], [1e-3, 1e-4], r"depths must be finite"),
])
def test_fitted_slope_names_what_it_cannot_fit(depths, mse, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=match):
            fitted_slope(depths, mse)


@pytest.mark.ch08
@pytest.mark.parametrize("a0", [1.5, 1.0, 0.0, -0.2, float("nan")])
def test_the_mirror_bound_needs_a_first_peak_inside_0_1(a0):
    with pytest.raises(ValueError, match=r"a0 \(the first peak\) must lie in the open "
                                         r"interval \(0, 1\)"):
        mirror_bound(CUBE, a0)


@pytest.mark.ch08
def test_the_mirror_bound_names_a_bad_number_of_nodes_or_peak_kind():
    with pytest.raises(ValueError, match="nodes must be an integer >= 1"):
        mirror_bound(CUBE, 0.6, nodes=0)
    with pytest.raises(ValueError, match="a0 must be a real number"):
        mirror_bound(CUBE, "0.6")


@pytest.mark.ch08
@pytest.mark.parametrize("grid", [np.linspace(0.0, 1.0, 11), [0.3, 0.5], [0.5, 0.4, 0.3],
                                  [0.2, np.nan, 0.6]])
def test_interior_minimum_names_a_bad_grid(grid):
    with pytest.raises(ValueError, match=r"grid must be at least 3 increasing points of the "
                                         r"open interval \(0, 1\)"):
        interior_minimum(CUBE, grid)


@pytest.mark.ch08
def test_mirror_gap_names_a_bad_argument():
    net = triangle_network([0.4, 0.5, 0.6])
    t = np.linspace(0.0, 1.0, 9)
    for args, match in (((net, 1.5, 1.0, t), r"a0 \(the first peak\) must lie"),
                        ((net, 0.4, np.nan, t), "alpha must be a finite real number"),
                        ((net, 0.4, 1.0, np.linspace(0, 2, 5)), r"t must be a \(N,\) array of "
                                                                 r"points of \[0, 1\]"),
                        ((net, 0.4, 1.0, np.array([])), r"t must be a \(N,\) array"),
                        (([(W[None], b[None]) for W, b in net], 0.4, 1.0, t),
                         "this takes one network")):
        with pytest.raises(ValueError, match=match):
            mirror_gap(*args)


@pytest.mark.ch08
@pytest.mark.parametrize("kwargs, match", [
    (dict(depths=(0, 1, 2)), r"depths must be distinct integers >= 1, at least two"),
    (dict(depths=(3,)), r"depths must be distinct integers >= 1, at least two"),
    (dict(depths=(1, 1, 2)), r"depths must be distinct"),
    (dict(depths=(1, 2.5)), r"depths must be distinct integers"),
    (dict(targets=("sin(x)",)), r"targets must be distinct names among x\^3, x\^11, tanh\(3x\)"),
    (dict(targets="x^3"), r"targets must be distinct names"),
    (dict(targets=()), r"targets must be distinct names"),
])
def test_the_depth_studys_depths_and_targets_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        depth_blocks(study_config(runs=2, seeds=(0,)), **kwargs)


@pytest.mark.ch08
def test_the_depth_studys_seeds_are_named():
    with pytest.raises(ValueError, match="seeds must be a tuple of distinct integers >= 0"):
        study_config(seeds=5)
