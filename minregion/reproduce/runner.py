"""Run independent blocks of work, in worker processes, with one progress line per block.

A *block* is one cell of a table (say, 30 runs of one method on one target and seed).
Blocks do not share anything, and each draws its randomness from its own seed, so the
numbers do not depend on how many processes run them or in which order they finish.

Interruptions end the workers too: when the caller is interrupted (Ctrl-C, or SIGTERM
turned into an exception by the command line) or a block fails, the pool is terminated
at once; and every worker watches its parent, so that it exits within a second if the
parent dies without cleaning up (killed outright). Workers ignore Ctrl-C themselves: the
parent decides what an interrupt means.
"""
import multiprocessing
import os
import signal
import threading
import time

from ..checks import check_integer, check_positive


def _watch_parent(parent):
    """Exit this (worker) process as soon as its parent is gone."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)


def _start_worker(parent, initializer):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if initializer is not None:
        initializer()


def _call(job):
    work, block = job
    return work(*block)


def _check_arguments(work, blocks, jobs, describe, weights, progress, initializer):
    """``run_blocks``' arguments, or a ``ValueError`` naming the one that is wrong (before a
    block runs: a bad weight would otherwise drop results or divide by zero at the end)."""
    for name, f in (("work", work), ("describe", describe), ("progress", progress)):
        if not callable(f):
            raise ValueError(f"{name} must be a function; got {f!r:.60}")
    if initializer is not None and not callable(initializer):
        raise ValueError(f"initializer must be a function or None; got {initializer!r:.60}")
    if not isinstance(blocks, (list, tuple)) or not all(isinstance(b, (list, tuple))
                                                        for b in blocks):
        raise ValueError(f"blocks must be a list of argument tuples, one per call of work; "
                         f"got {blocks!r:.60}")
    jobs = check_integer(jobs, "jobs", 1, " (worker processes; 1: run here)")
    if weights is None:
        return jobs
    if isinstance(weights, (str, bytes)) or not hasattr(weights, "__len__"):
        raise ValueError(f"weights must be a list of numbers > 0, one per block, or None; got "
                         f"{weights!r:.60}")
    if len(weights) != len(blocks):
        raise ValueError(f"weights must hold one number per block: {len(blocks)} blocks but "
                         f"{len(weights)} weights")
    for i, w in enumerate(weights):
        check_positive(w, f"weights[{i}]")
    return jobs


def run_blocks(work, blocks, jobs=1, describe=str, weights=None, progress=print,
               initializer=None):
    """Call ``work(*block)`` for every block; return the results in the order of ``blocks``.

    Parameters
    ----------
    work : a picklable (module-level) function
    blocks : list of argument tuples
    jobs : int >= 1, worker processes (1: run here, in this process)
    describe : callable ``result -> str``, the body of the progress line
    weights : list of numbers > 0, the relative cost of each block (for the estimate of the
        time left), one per block, or None for equal costs
    progress : callable taking one line of text (``print``; ``lambda s: None`` to be quiet)
    initializer : picklable callable run once in every worker process, or None

    Returns
    -------
    results : list, ``work(*block)`` for each block

    Raises
    ------
    Whatever a block raises, after the workers have been terminated; ``ValueError`` naming
    the argument before any block runs when an argument is not what is described above.
    """
    jobs = _check_arguments(work, blocks, jobs, describe, weights, progress, initializer)
    weights = [1.0] * len(blocks) if weights is None else list(weights)
    total, done, start = float(sum(weights)), 0.0, time.perf_counter()
    pool = None
    if jobs > 1:
        # spawn, not fork: safe whatever threads the parent holds
        pool = multiprocessing.get_context("spawn").Pool(
            jobs, initializer=_start_worker, initargs=(os.getpid(), initializer))
        results = pool.imap(_call, [(work, block) for block in blocks], chunksize=1)
    else:
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
    except BaseException:
        if pool is not None:
            pool.terminate()
            pool.join()
        raise
    if pool is not None:
        pool.close()
        pool.join()
    return out
