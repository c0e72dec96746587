"""Run independent blocks of work, in worker processes, with one progress line per block.

A *block* is one cell of a table (say, 30 runs of one method on one target). Blocks do not
share anything, and each draws its randomness from its own seed, so the numbers do not
depend on how many processes run them or in which order they finish.
"""
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor


def run_blocks(work, blocks, jobs=1, describe=str, weights=None, progress=print,
               initializer=None):
    """Call ``work(*block)`` for every block; return the results in the order of ``blocks``.

    Parameters
    ----------
    work : a picklable (module-level) function
    blocks : list of argument tuples
    jobs : int >= 1, worker processes (1: run here, in this process)
    describe : callable ``result -> str``, the body of the progress line
    weights : list of floats, the relative cost of each block (for the estimate of the time
        left), or None for equal costs
    progress : callable taking one line of text (``print``; ``lambda s: None`` to be quiet)
    initializer : callable run once in every worker process, or None

    Returns
    -------
    results : list, ``work(*block)`` for each block
    """
    weights = [1.0] * len(blocks) if weights is None else list(weights)
    total, done, start = float(sum(weights)), 0.0, time.perf_counter()
    if jobs > 1:
        # spawn, not fork: safe whatever threads the parent holds
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=initializer,
                                   mp_context=multiprocessing.get_context("spawn"))
        futures = [pool.submit(work, *block) for block in blocks]
        results = (future.result() for future in futures)
    else:
        pool = None
        results = (work(*block) for block in blocks)
    out = []
    try:
        for i, (res, weight) in enumerate(zip(results, weights), 1):
            done += weight
            elapsed = time.perf_counter() - start
            left = elapsed * (total - done) / done
            progress(f"[{i:2d}/{len(blocks)}] {describe(res)}  ({elapsed:5.0f} s elapsed, "
                     f"about {left:4.0f} s left)")
            out.append(res)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return out
