"""The paper's experiments: the five methods of Table 1 and Tables 1-3, on several seeds.

A *block* is one (table, target, method, seed) cell: ``runs`` networks trained at once.
Every method of a table sees the same data. Two named **protocols** fix the step budget:

- ``paper``: every method trains its raw weights for ``epochs`` Adam steps, the budget at
  which the random-init baseline reproduces the paper's numbers (measured by
  ``python -m minregion calibrate`` on seeds that are not reported); the pretraining
  methods first spend ``pretrain_epochs`` steps in phase 1 (the paper's "about 1000
  epochs" of pretraining, then training) [choice];
- ``long``: every method gets the same total of 15,000 steps, the pretraining methods
  spending 1,500 of them in phase 1 [choice], to show what longer training does;
- ``cosine``: ``long`` with the raw-weight learning rate decayed from 1e-3 to 1e-5 along a
  cosine, the same rule for every method [choice]: what a decaying rate changes.

Randomness comes from seeds derived from the seed and the block's place in the table, so a
block gives the same numbers whichever process runs it, and each seed is an independent
repetition of the whole table.

The ``paper`` protocol runs every table on two blocks of seeds: the **reported seeds** (0-4),
whose medians the tables show, and a **validation block** (1000-1004) that no claim was
written from; the report checks every claim on each seed of both.
"""
import json
import os
import time
from dataclasses import asdict, dataclass, replace
from importlib import resources

import importlib.util

import numpy as np

from ..checks import (check_budget, check_count, check_data, check_depth, check_generator,
                      check_integer, check_lr, check_peak_range, check_record_every)
from ..construction import construction_params, weight_map_forward
from ..init import init_kaiming, init_raai
from ..mlp import mlp_predict
from ..readout import fit_alpha_beta
from .runner import run_blocks
from .summary import summarise_blocks, write_json
from ..targets import dense_points, get_target, sparse_points
from .. import training
from ..training import History, copy_layers, cosine_lr, count_runs

if importlib.util.find_spec(f"{__package__}.fast") is not None:
    from . import fast
else:       # the student edition leaves the fast step out: it would show the answers
    fast = None
STEPS = ("fast", "readable")

METHODS = {
    "kaiming": "Kaiming init",
    "raai": "RAAI init",
    "skip_pretraining": "Skipping pretraining",
    "pretrain_free_scales": "Pretraining, no regularization",
    "pretrain_theorem_3_1": "Pretraining + Theorem 3.1",
}

TABLES = {
    "1": dict(title="Table 1: convex targets, 500 dense points, training MSE",
              targets=("x^3", "x^11"), methods=tuple(METHODS), data="dense"),
    "2": dict(title="Table 2: concave targets, 500 dense points, training MSE",
              targets=("sin(x)", "tanh(3x)"), methods=tuple(METHODS), data="dense"),
    "3": dict(title="Table 3: 10 training and 10 test points, test MSE",
              targets=("x^3", "x^11", "sin(x)", "tanh(3x)"),
              methods=("kaiming", "pretrain_theorem_3_1"), data="sparse"),
}


PRETRAINING = ("pretrain_free_scales", "pretrain_theorem_3_1")   # methods with a phase 1
FROM_CONSTRUCTION = ("skip_pretraining",) + PRETRAINING          # start from the construction

PROTOCOLS = {          # paper's epochs: what `python -m minregion calibrate` chooses [choice]
    "paper": dict(epochs=1_500, pretrain_epochs=1_000, pretrain_in_budget=False,
                  seeds=(0, 1, 2, 3, 4), validation_seeds=(1000, 1001, 1002, 1003, 1004)),
    "long": dict(epochs=15_000, pretrain_epochs=1_500, pretrain_in_budget=True, seeds=(0,)),
    "cosine": dict(epochs=15_000, pretrain_epochs=1_500, pretrain_in_budget=True, seeds=(0,),
                   lr_schedule="cosine"),
}
LR_SCHEDULES = ("constant", "cosine")
VALIDATION_START = 1000   # the validation block: seeds from here, never reported nor calibrated


def _what(value):
    """How a value of the wrong kind is named in a message: ``'no' (a str)``, ``5``."""
    return f"{value!r}" if isinstance(value, (int, float, np.number)) else \
        f"{value!r:.60} (a {type(value).__name__})"


def _check_int_field(value, name, minimum, why=""):
    """An integer field of a configuration (an int or a NumPy integer, not a float: the
    configuration keeps what it is given), or a ``ValueError`` naming it."""
    if isinstance(value, (float, np.floating)):
        raise ValueError(f"{name} must be an integer >= {minimum}{why}; got {value!r} (a float)")
    return check_integer(value, name, minimum, why)


def _check_seeds(seeds, name, allowed):
    """``seeds``: a tuple (or list) of distinct integers >= 0, or a ``ValueError`` naming it."""
    values = list(seeds) if isinstance(seeds, (tuple, list, range)) else None
    if (values is None or (not values and name == "seeds")
            or any(isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer))
                   or s < 0 for s in values)
            or len(set(values)) != len(values)):
        raise ValueError(f"{name} must be a tuple of distinct integers >= 0{allowed}; "
                         f"got {list(values) if values is not None else _what(seeds)}")


@dataclass(frozen=True)
class Config:
    """Everything that decides a table's numbers (defaults: the ``paper`` protocol).

    ``epochs`` : raw-weight Adam steps of every method (phase 2; the whole training of the
    random-init methods and of skipping pretraining).
    ``pretrain_epochs`` : phase-1 steps of the pretraining methods; with
    ``pretrain_in_budget`` they are taken out of ``epochs`` (same total for every method),
    otherwise they come before the ``epochs`` raw steps [choice].
    ``seeds`` : the independent repetitions of the table, ``runs`` networks per cell each.
    ``validation_seeds`` : a second block of seeds, run the same way; the tables report the
    medians of ``seeds`` only, and the report checks every claim on both blocks (empty: none).
    ``record_every`` : count every run's pieces every this many steps during training, on
    the first seed (for the figure of the counts through both phases; 0: never); the counts
    at the switch and at the end are taken on every seed.
    ``lr_schedule`` : ``"constant"`` (``lr`` throughout) or ``"cosine"`` (the raw-weight
    phase decays from ``lr`` to ``lr_final``; phase 1 keeps ``lr``).
    ``peak_low``, ``peak_high`` : where the initial peaks are drawn [choice].
    """
    protocol: str = "paper"
    depth: int = 5
    width: int = 4
    epochs: int = 1_500
    pretrain_epochs: int = 1_000
    pretrain_in_budget: bool = False
    lr: float = 1e-3
    lr_schedule: str = "constant"
    lr_final: float = 1e-5
    runs: int = 30
    seeds: tuple = (0, 1, 2, 3, 4)
    validation_seeds: tuple = ()
    record_every: int = 250
    peak_low: float = 0.25
    peak_high: float = 0.75
    dense_n: int = 500
    sparse_n: int = 10

    def check(self):
        """Raise a clear ``ValueError`` for an impossible configuration, naming the field and
        its allowed range (a field of the wrong kind too); return the configuration.

        ``depth``, ``width``, ``epochs``, ``runs``: integers >= 1; ``pretrain_epochs``,
        ``record_every``: integers >= 0; ``dense_n`` >= 2 and ``sparse_n`` >= 1 integers;
        ``pretrain_in_budget``: True or False; ``lr``, ``lr_final``: real numbers > 0;
        ``seeds``: distinct integers >= 0, at least one; ``validation_seeds``: distinct
        integers >= 0, none of ``seeds`` (may be empty).
        """
        if not isinstance(self.protocol, str) or self.protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}; "
                             f"got {self.protocol!r}")
        for name, minimum, why in (("depth", 1, " (one ReLU layer at least)"),
                                   ("width", 1, " (neurons per hidden layer)"),
                                   ("epochs", 1, ""), ("pretrain_epochs", 0, ""),
                                   ("runs", 1, ""), ("dense_n", 2, " (points of Tables 1-2)"),
                                   ("sparse_n", 1, " (points of Table 3)")):
            _check_int_field(getattr(self, name), name, minimum, why)
        check_record_every(self.record_every)
        if not isinstance(self.pretrain_in_budget, (bool, np.bool_)):
            raise ValueError(f"pretrain_in_budget must be True (phase 1 inside the epochs) or "
                             f"False (before them); got {_what(self.pretrain_in_budget)}")
        check_lr(self.lr)
        if not isinstance(self.lr_schedule, str) or self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}; "
                             f"got {self.lr_schedule!r}")
        check_lr(self.lr_final, "lr_final")
        if self.lr_schedule == "cosine" and not 0 < self.lr_final <= self.lr:
            raise ValueError(f"lr_final must lie in (0, lr={self.lr}]; got {self.lr_final}")
        _check_seeds(self.seeds, "seeds", ", at least one")
        _check_seeds(self.validation_seeds, "validation_seeds", " (empty: no validation block)")
        both = set(self.seeds) & set(self.validation_seeds)
        if both or len(set(self.validation_seeds)) != len(self.validation_seeds):
            raise ValueError(f"validation_seeds must differ from each other and from seeds "
                             f"{list(self.seeds)}; got {list(self.validation_seeds)}")
        if any(int(s) < 0 for s in self.validation_seeds):
            raise ValueError(f"validation_seeds must be >= 0; got {list(self.validation_seeds)}")
        return check_budget(self)

    def raw_lr(self, epochs):
        """The raw-weight phase's learning rate: ``lr``, or its schedule over ``epochs`` steps."""
        if self.lr_schedule == "cosine":
            return cosine_lr(self.lr, self.lr_final, epochs)
        return self.lr

    @classmethod
    def for_protocol(cls, protocol="paper", **changes):
        """The configuration of a named protocol, with ``changes`` on top, checked."""
        if not isinstance(protocol, str) or protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}; "
                             f"got {protocol!r}")
        return replace(cls(protocol=protocol, **PROTOCOLS[protocol]), **changes).check()

    def with_overrides(self, runs=None, epochs=None, seeds=None, first_seed=None, lr=None,
                       pretrain_epochs=None, validation_seeds=None):
        """This configuration with the command line's changes (None: keep), checked.

        A new ``epochs`` without a new ``pretrain_epochs`` keeps the protocol's ratio of
        phase-1 steps to raw steps. ``seeds`` is a count (K seeds from ``first_seed``, which
        defaults to the first seed of the configuration). ``validation_seeds`` is a count too
        (K seeds from ``VALIDATION_START``; 0: no validation block); when the seeds are
        changed and it is not given, the run has no validation block.
        """
        if epochs is not None:          # the ratio below needs it before check() sees it
            _check_int_field(epochs, "epochs", 1)
        if first_seed is not None:
            check_integer(first_seed, "first_seed", 0, " (the first of the seeds)")
        if seeds is not None:
            check_integer(seeds, "seeds", 1, " (how many seeds, a count)")
        if validation_seeds is not None:
            check_integer(validation_seeds, "validation_seeds", 0,
                          f" (how many validation seeds from {VALIDATION_START}, a count; 0: none)")
        changes = {k: v for k, v in (("runs", runs), ("epochs", epochs), ("lr", lr),
                                     ("pretrain_epochs", pretrain_epochs)) if v is not None}
        if epochs is not None and pretrain_epochs is None:
            changes["pretrain_epochs"] = epochs * self.pretrain_epochs // self.epochs
        if seeds is not None or first_seed is not None:
            start = self.seeds[0] if first_seed is None else int(first_seed)
            count = len(self.seeds) if seeds is None else int(seeds)
            changes["seeds"] = tuple(range(start, start + count))
            if validation_seeds is None:
                changes["validation_seeds"] = ()
        if validation_seeds is not None:
            changes["validation_seeds"] = tuple(range(VALIDATION_START,
                                                      VALIDATION_START + int(validation_seeds)))
        return replace(self, **changes).check()

    def block_memory(self, depth=None):
        """Bytes that one block holds at most: the caches of a forward pass of ``runs``
        networks of ``depth`` (default: ``self.depth``) layers of ``width`` on ``dense_n``
        points (each layer keeps a few arrays of 8-byte numbers)."""
        depth = self.depth if depth is None else depth
        return self.runs * self.dense_n * self.width * (depth + 2) * 8 * 8

    def steps(self, method):
        """``(phase-1 steps, raw-weight steps)`` of a method under this configuration."""
        if method not in PRETRAINING:
            return 0, self.epochs
        raw = self.epochs - self.pretrain_epochs if self.pretrain_in_budget else self.epochs
        return self.pretrain_epochs, raw


QUICK_CHANGES = dict(runs=6, epochs=600, pretrain_epochs=300, seeds=(0, 1), record_every=100)


def quick(config):
    """The small version behind ``--quick`` (``make reproduce QUICK=1``): a first look."""
    changes = dict(QUICK_CHANGES)
    if config.validation_seeds:
        changes["validation_seeds"] = config.validation_seeds[:1]
    if config.pretrain_in_budget:
        changes["epochs"] += changes["pretrain_epochs"]
    return replace(config, **changes).check()


def paper_numbers():
    """The paper's table numbers, as transcribed into ``minregion/data/paper_numbers.json``."""
    text = resources.files("minregion").joinpath("data/paper_numbers.json").read_text()
    return json.loads(text)


# --- one block ------------------------------------------------------------------------

def _check_cell(table, target, method, tables_methods=False):
    """A table's name, one of its targets and a method (one of the table's methods with
    ``tables_methods``), or a ``ValueError`` naming the argument and what it may be
    (instead of a KeyError)."""
    if not isinstance(table, str) or table not in TABLES:
        raise ValueError(f"table must be one of {', '.join(map(repr, TABLES))} (a string); "
                         f"got {_what(table)}")
    targets = TABLES[table]["targets"]
    methods = TABLES[table]["methods"] if tables_methods else tuple(METHODS)
    if not isinstance(target, str) or target not in targets:
        raise ValueError(f"target must be one of table {table}'s targets, "
                         f"{', '.join(targets)}; got {_what(target)}")
    if not isinstance(method, str) or method not in methods:
        whose = f"table {table}'s methods, " if tables_methods else ""
        raise ValueError(f"method must be one of {whose}{', '.join(methods)}; "
                         f"got {_what(method)}")


def block_seeds(seed, table, target, method):
    """Seeds of a block: data depend on (seed, table, target), networks on the method too.

    ``seed`` : an integer >= 0; ``table`` : ``"1"``, ``"2"`` or ``"3"``; ``target`` : one of
    the table's targets; ``method`` : one of :data:`METHODS`.
    """
    seed = check_integer(seed, "seed", 0)
    _check_cell(table, target, method)
    t = list(TABLES[table]["targets"]).index(target)
    m = list(METHODS).index(method)
    return [seed, int(table), t], [seed, int(table), t, m]


def block_data(config, seed, table, target):
    """Training (and test) data of a table's target, the same for every method.

    Returns
    -------
    x : (N,) or (R, N); y : like x; x_test, y_test : (R, n) or None
    """
    tgt = get_target(target)
    data_seed, _ = block_seeds(seed, table, target, "kaiming")
    if TABLES[table]["data"] == "dense":
        x = dense_points(config.dense_n, tgt.lo, tgt.hi)
        return x, tgt.f(x), None, None
    rng = np.random.default_rng(data_seed)
    x = sparse_points(rng, config.sparse_n, config.runs, tgt.lo, tgt.hi)
    x_test = sparse_points(rng, config.sparse_n, config.runs, tgt.lo, tgt.hi)
    return x, tgt.f(x), x_test, tgt.f(x_test)


def _check_config(config, name="config"):
    """A :class:`Config`, or a ``ValueError`` naming it (instead of an AttributeError)."""
    if not isinstance(config, Config):
        raise ValueError(f"{name} must be a Config (Config(...) or Config.for_protocol(...)); "
                         f"got {_what(config)}")
    return config


def initial_params(config, target, x, y, rng, free_scales=False):
    """Random peaks U(peak_low, peak_high), ``s_0 = a_0 a_1``, least-squares alpha, beta.

    ``config`` : a :class:`Config` (its ``runs``, ``depth``, ``peak_low``, ``peak_high``);
    ``x``, ``y`` : the training data, finite, (N,) or (R, N) each with the same N;
    ``rng`` : a ``numpy.random.Generator``.

    Returns params : dict with a runs axis ``(R,)``.
    """
    config = _check_config(config)
    check_count(config.runs, "config.runs")
    check_depth(config.depth)
    check_peak_range(config.peak_low, config.peak_high)
    check_data(x, y, runs=config.runs)
    rng = check_generator(rng)
    tgt = get_target(target)
    a = rng.uniform(config.peak_low, config.peak_high, size=(config.runs, config.depth + 1))
    params = construction_params(a, free_scales=free_scales)
    g = mlp_predict(weight_map_forward(params, tgt.sigma, tgt.lo, tgt.hi)[0], x)
    params["alpha"][:], params["beta"][:] = fit_alpha_beta(g, y)
    return params


def resolve_step(step):
    """The training step to run: ``"fast"``, ``"readable"``, or None for the fast step where
    this edition has it (the reference) and the readable one where it does not (the student
    edition leaves :mod:`minregion.reproduce.fast` out, so the tables run the student's code).
    """
    if step is None:
        return "readable" if fast is None else "fast"
    if step not in STEPS:
        raise ValueError(f"step must be one of {', '.join(STEPS)} or None; got {step!r}")
    if step == "fast" and fast is None:
        raise ValueError("step='fast' needs minregion/reproduce/fast.py, which the student "
                         "edition leaves out; use step='readable' (the same numbers)")
    return step


def train_method(method, config, target, x, y, rng, verbose=0, step=None):
    """Train ``config.runs`` networks of one method, with the budget of ``config.steps``.

    ``step`` : ``"fast"`` (:mod:`minregion.reproduce.fast`) or ``"readable"``
    (:mod:`minregion.training`, the course text): the same numbers, bit for bit; None: see
    :func:`resolve_step`.

    Returns
    -------
    layers : list of (W, b) with runs axis, the trained networks
    history : :class:`~minregion.training.History`
    switch : (pieces (R,) int array, flagged (R,) bool array, params) at the switch to the raw
        phase (after phase 1) for the methods that start from the construction, else None;
        ``params`` are the construction's parameters then
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    train_raw, train_constrained = ((fast.train_raw, fast.train_constrained)
                                    if resolve_step(step) == "fast" else
                                    (training.train_raw, training.train_constrained))
    tgt = get_target(target)
    widths = [1] + [config.width] * config.depth + [1]
    history = History()
    common = dict(lr=config.lr, lo=tgt.lo, hi=tgt.hi, record_every=config.record_every,
                  history=history, verbose=verbose)
    phase1, raw = config.steps(method)
    if method not in FROM_CONSTRUCTION:
        init = init_kaiming if method == "kaiming" else init_raai
        layers = init(widths, rng, runs=config.runs)
        train_raw(layers, x, y, raw, **{**common, "lr": config.raw_lr(raw)})
        return layers, history, None
    if config.width != 4:
        raise ValueError(f"the construction has width 4; got width={config.width}")
    params = initial_params(config, target, x, y, rng,
                            free_scales=(method == "pretrain_free_scales"))
    train_constrained(params, x, y, tgt.sigma, phase1, **common)
    layers = copy_layers(weight_map_forward(params, tgt.sigma, tgt.lo, tgt.hi)[0])
    switch = count_runs(layers, tgt.lo, tgt.hi) + (params,)
    train_raw(layers, x, y, raw, **{**common, "lr": config.raw_lr(raw)})
    return layers, history, switch


def run_block(config, seed, table, target, method, step=None):
    """Train one block and summarise it (picklable, so a worker process can return it).

    ``step`` : the training step, ``"fast"``, ``"readable"`` or None (see :func:`resolve_step`).

    Returns
    -------
    dict with ``train_mse`` (R,), ``test_mse`` (R,) or None, ``score`` (R,) (the table's
    statistic: test MSE where there is a test set, else training MSE), ``pieces_switch``
    (R,) or None and ``pieces_end`` (R,) (exact affine pieces at the switch to the raw phase
    and at the end), ``flagged`` (how many of those counts the counter flagged),
    ``median_loss`` (steps,), ``region_steps`` (K,), ``regions`` (K, R), ``switch`` (the
    phase-2 start step), ``grid`` (G,), ``best_fit`` (G,), ``seconds``
    """
    start = time.perf_counter()
    x, y, x_test, y_test = block_data(config, seed, table, target)
    _, init_seed = block_seeds(seed, table, target, method)
    if seed != config.seeds[0]:      # region counts during training: the first seed's figure
        config = replace(config, record_every=0)
    layers, history, switch = train_method(method, config, target, x, y,
                                           np.random.default_rng(init_seed), step=step)
    train_mse = np.mean((mlp_predict(layers, x) - y) ** 2, axis=-1)
    test_mse = None if x_test is None else np.mean((mlp_predict(layers, x_test) - y_test) ** 2, -1)
    score = train_mse if test_mse is None else test_mse
    best = int(np.argmin(score))
    tgt = get_target(target)
    end, end_flagged = count_runs(layers, tgt.lo, tgt.hi)
    flagged = int(np.sum(end_flagged)) + (0 if switch is None else int(np.sum(switch[1])))
    grid = np.linspace(tgt.lo, tgt.hi, 400)
    loss = history.loss_array()
    return dict(
        table=table, target=target, method=method, seed=seed,
        train_mse=train_mse.tolist(),
        test_mse=None if test_mse is None else test_mse.tolist(),
        score=score.tolist(),
        pieces_switch=None if switch is None else switch[0].tolist(),
        pieces_end=end.tolist(), flagged=flagged,
        median_loss=np.median(loss, axis=1).tolist(),
        region_steps=list(history.region_steps),
        regions=np.array(history.regions).tolist(),
        regions_flagged=int(np.sum(history.regions_flagged)),
        switch=history.phase.count("constrained"),
        grid=grid.tolist(),
        best_fit=mlp_predict([(W[best], b[best]) for W, b in layers], grid).tolist(),
        seconds=time.perf_counter() - start,
    )


# --- tables ---------------------------------------------------------------------------

def parse_tables(spec):
    """``"1,2,3"`` -> ``["1", "2", "3"]`` (each once, in order), or a clear ``ValueError``.

    ``"ext"`` names the extensions (:mod:`minregion.extensions`) and ``"depth"`` the study of
    the error against depth (:mod:`minregion.reproduce.depth_study`), run beside the tables.
    """
    names = [t.strip() for t in str(spec).split(",") if t.strip()]
    unknown = [t for t in names if t not in TABLES and t not in ("ext", "depth")]
    if not names or unknown:
        raise ValueError(f"unknown table(s) {unknown or spec!r}; choose from "
                         f"{', '.join(TABLES)}, ext, depth")
    return list(dict.fromkeys(names))


def _block_work(config, table, method):
    n = config.dense_n if TABLES[table]["data"] == "dense" else config.sparse_n
    return config.runs * sum(config.steps(method)) * (n + 50)  # + a per-step overhead


def describe_block(res):
    """The progress line of a finished block."""
    return (f"table {res['table']} seed {res['seed']} {res['target']:>8s} "
            f"{METHODS[res['method']]:<31s} min MSE {min(res['score']):.2e}")


def table_blocks(tables, config):
    """Every block of the tables on every seed, the reported seeds first and then the
    validation block: ``(config, seed, table, target, method)``."""
    return [(config, seed, t, tgt, m)
            for seed in tuple(config.seeds) + tuple(config.validation_seeds) for t in tables
            for tgt in TABLES[t]["targets"] for m in TABLES[t]["methods"]]


def run_tables(tables, config, jobs=1, progress=print, initializer=None):
    """Run every block of the tables on every seed, ``jobs`` processes at once.

    The numbers do not depend on ``jobs``.

    Returns
    -------
    results : dict table -> table summary (see :func:`summarise_table`)
    """
    config.check()
    blocks = table_blocks(tables, config)
    done = run_blocks(run_block, blocks, jobs, describe_block,
                      weights=[_block_work(config, t, m) for _, _, t, _, m in blocks],
                      progress=progress, initializer=initializer)
    return {t: summarise_table(t, config, [b for b in done if b["table"] == t])
            for t in tables}


def summarise_table(table, config, blocks):
    """The JSON summary of a table (see :mod:`minregion.reproduce.summary` for its layout).

    ``mse[method][target]`` holds the table's statistic (training MSE for Tables 1-2, test
    MSE for Table 3) as ``{"min", "mean", "min_range", "mean_range"}``: the median over the
    seeds of each seed's minimum and mean over its runs, and their lowest and highest seed;
    method keys and target names are those of ``paper_numbers.json``. Blocks of the
    validation seeds are summarised apart, under ``validation`` (the same layout), so the
    table's cells come from the reported seeds alone.
    """
    spec = TABLES[table]
    validation = [b for b in blocks if b["seed"] in config.validation_seeds]
    blocks = [b for b in blocks if b["seed"] not in config.validation_seeds]
    summary = dict(table=table, title=spec["title"], protocol=config.protocol,
                   config=asdict(config),
                   statistic="test MSE" if spec["data"] == "sparse" else "training MSE",
                   methods=list(spec["methods"]), targets=list(spec["targets"]),
                   **summarise_blocks(blocks), blocks=blocks)
    if validation:
        summary["validation"] = summarise_blocks(validation)
        summary["validation_blocks"] = validation
    summary["train_runs"] = {}
    for b in blocks:
        summary["train_runs"].setdefault(b["method"], {}).setdefault(
            b["target"], []).append(b["train_mse"])
    return summary


def write_results(results, out_dir):
    """Write ``tableN.json`` for each table. Returns the list of paths written."""
    return [write_json(summary, os.path.join(out_dir, f"table{t}.json"))
            for t, summary in results.items()]


def paper_cell(table, method, target, stat):
    """The paper's number for a cell, or None where the paper gives none to us (Table 2,
    and Table 3's mean; callers rely on it).

    ``table`` : ``"1"``, ``"2"`` or ``"3"``; ``method`` : one of the table's methods;
    ``target`` : one of the table's targets; ``stat`` : ``"min"`` or ``"mean"``. Anything
    else is a ``ValueError`` naming the argument, not a None.
    """
    _check_cell(table, target, method, tables_methods=True)
    if not isinstance(stat, str) or stat not in ("min", "mean"):
        raise ValueError(f"stat must be 'min' or 'mean'; got {_what(stat)}")
    ref = paper_numbers()
    try:
        if table == "1":
            return ref["table1_dense_500_points"]["mse"][method][target][stat]
        if table == "3" and stat == "min":
            return ref["table3_sparse_10_train_10_test"]["test_mse"][method][target]
    except KeyError:
        return None
    return None
