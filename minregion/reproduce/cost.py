"""What a run of ``python -m minregion`` will cost, estimated before it starts.

Three numbers, from the blocks of each suite (``table_blocks``, ``depth_blocks``,
``calibration_blocks``, ``settings_blocks``; the extensions' ``ext_blocks`` in
:mod:`minregion.commands`, since the reproduction apparatus does not import the extensions)
and the configurations' ``block_memory()``:

- **work**: the sum over blocks of runs x Adam steps x points x (depth + 2) x width / 4, a
  number proportional to the arithmetic of a training; the command line compares it with
  the work of ``make reproduce``, whose time the README states;
- **worker memory**: the most that one block holds in one process, the caches of the largest
  network (``block_memory``) and the loss history (one (R,) array per step);
- **results memory**: what the parent process keeps of every block until the end (the
  median loss per step, the curves, per-run numbers and region counts, as Python lists).

They are estimates for refusing runs out of reach before any work, not measurements.
"""
from dataclasses import dataclass, replace

ARRAY_OVERHEAD = 112     # bytes of a small NumPy array beside its data
LIST_NUMBER = 32         # bytes of a float in a Python list (the pointer and the object)
COPIES = 3               # a result is pickled, kept, and summarised


@dataclass
class Cost:
    """work (see the module docstring), worker_bytes, results_bytes."""
    work: float = 0.0
    worker_bytes: float = 0.0
    results_bytes: float = 0.0

    def __add__(self, other):
        return Cost(self.work + other.work, max(self.worker_bytes, other.worker_bytes),
                    self.results_bytes + other.results_bytes)

    def times(self, k):
        """The cost of ``k`` seeds when ``self`` is the cost of one."""
        return Cost(self.work * k, self.worker_bytes, self.results_bytes * k)


def block_cost(runs, steps, points, depth, width, block_memory, record_every=0, curve=1200):
    """The cost of one block: ``runs`` networks trained ``steps`` Adam steps on ``points``."""
    counts = (steps // record_every + 2) if record_every else 2
    history = steps * (8 * runs + ARRAY_OVERHEAD + 8)
    numbers = steps + curve + 8 * runs + counts * runs
    return Cost(work=float(runs) * steps * points * (depth + 2) * width / 4,
                worker_bytes=block_memory + history,
                results_bytes=COPIES * LIST_NUMBER * numbers)


def one_seed(config):
    """The configuration with its first seed only: suites are costed per seed."""
    return replace(config, seeds=config.seeds[:1])


def tables_cost(tables, config):
    """The tables' blocks (``experiments.table_blocks``)."""
    from .experiments import TABLES, table_blocks
    total = Cost()
    for _, _, t, _, m in table_blocks(tables, one_seed(config)):
        points = config.dense_n if TABLES[t]["data"] == "dense" else config.sparse_n
        total = total + block_cost(config.runs, sum(config.steps(m)), points, config.depth,
                                   config.width, config.block_memory(), config.record_every)
    return total.times(len(config.seeds) + len(config.validation_seeds))


def depth_cost(config):
    """The depth study's blocks (``depth_study.depth_blocks``)."""
    from .depth_study import depth_blocks
    total = Cost()
    for _, _, _, d, m in depth_blocks(one_seed(config)):
        total = total + block_cost(config.runs, sum(config.steps(m)), config.dense_n, d,
                                   config.width, config.block_memory(d))
    return total.times(len(config.seeds))


def calibration_cost(seeds, runs):
    """The calibration's blocks (``calibration.calibration_blocks``)."""
    from .calibration import calibration_blocks
    total = Cost()
    for config, _, _, _, steps in calibration_blocks(seeds[:1], runs=runs):
        total = total + block_cost(runs, max(steps), config.dense_n, config.depth,
                                   config.width, config.block_memory(), curve=0)
    return total.times(len(seeds))


def settings_cost(seeds, runs):
    """The readings of Table 3's points (``table3_settings.settings_blocks``): networks of
    the tables' shape trained on 10 points to the last checkpoint (after phase 1 for the
    pretraining method); the parent keeps the test MSE of every run at every checkpoint."""
    from .experiments import Config
    from .table3_settings import CHECKPOINTS, PRETRAIN_STEPS, settings_blocks
    config = Config(runs=runs)
    config = replace(config, dense_n=config.sparse_n)       # block_memory on the 10 points
    total = Cost()
    for _, _, _, method, _ in settings_blocks(seeds[:1], runs):
        steps = max(CHECKPOINTS) + (0 if method == "kaiming" else PRETRAIN_STEPS)
        cost = block_cost(runs, steps, config.sparse_n, config.depth, config.width,
                          config.block_memory(), curve=0)
        total = total + replace(cost, results_bytes=COPIES * LIST_NUMBER
                                * (len(CHECKPOINTS) * runs + 8))
    return total.times(len(seeds))
