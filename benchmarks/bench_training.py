"""Benchmark: the cost of training, measured as ratios within one run.

    python benchmarks/bench_training.py [--run-steps 3000] [--rounds 3] [--skip-table]
    python benchmarks/bench_training.py --counter-only [--rounds 5]    # section 5 alone
    python benchmarks/bench_training.py --peers-only      # section 3 alone (PyTorch, JAX)

1. microseconds per run-step (one Adam step of one network of 1-4-4-4-4-4-1 on 500 points)
   with R = 1, 10, 30, 100, 300 networks trained at once, for the readable step
   (:mod:`minregion.training`, the course text) and the experiments' step
   (:mod:`minregion.reproduce.fast`) side by side, in both phases, and their ratio, beside
   NumPy's floor, timed in the same rounds: the step's matrix products plus its passes over
   memory, each pass timed as the cheapest one, ``a += 1.0`` in place on an array that size;
2. the fast step's chunk size against R = 300 (how ``fast.CHUNK`` was chosen);
3. a batched PyTorch peer and JAX (jit + vmap), only where they are installed (never
   required), float64 on the CPU, same network, data and Adam, one thread each, at R = 30
   and R = 300;
4. the malloc setting (:mod:`minregion.reproduce.speed`), each in a fresh process;
5. the exact region count of a depth-20 construction, beside the counter before the
   float64 guard (from git), each in fresh processes: warm and first counts;
6. how ``--jobs`` scales: a reduced Table 1 with 1 worker and with one per core;
   and, unless --skip-table, the whole Table 1 under the paper protocol.

Each timing is the best of ``--rounds`` rounds, the variants compared taking turns within
every round, so a busy machine slows them alike: read the ratios, not the microseconds.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from minregion import training  # noqa: E402
from minregion.construction import construction_params  # noqa: E402
from minregion.init import init_kaiming  # noqa: E402
from minregion.mlp import prepare_data  # noqa: E402
from minregion.optim import Adam  # noqa: E402
from minregion.reproduce import fast  # noqa: E402
from minregion.reproduce.experiments import Config, run_tables  # noqa: E402
from minregion.reproduce.speed import keep_freed_memory  # noqa: E402
from minregion.targets import dense_points  # noqa: E402

DEPTH = 5
WIDTHS = [1] + [4] * DEPTH + [1]
N = 500
RS = (1, 10, 30, 100, 300)
CHUNKS = (4, 8, 16, 30, 60, 300)
LR = 1e-4          # small, so that no run diverges however many steps are timed


def _raw(train, R, **kw):
    layers = init_kaiming(WIDTHS, np.random.default_rng(0), runs=R)
    x = dense_points(N)
    return lambda steps: train(layers, x, x**3, steps, lr=LR, **kw)


def _constrained(train, R, **kw):
    params = construction_params(np.random.default_rng(0).uniform(0.25, 0.75, (R, DEPTH + 1)))
    x = dense_points(N)
    return lambda steps: train(params, x, x**3, -1.0, steps, lr=LR, **kw)


def best_of(variants, run_steps, R, rounds):
    """{name: microseconds per run-step}, the best of ``rounds``, the variants taking turns."""
    steps = max(run_steps // R, 5)
    for f in variants.values():
        f(2)                                              # warm-up: buffers, caches
    best = {k: np.inf for k in variants}
    for _ in range(rounds):
        for k, f in variants.items():
            start = time.perf_counter()
            f(steps)
            best[k] = min(best[k], (time.perf_counter() - start) / steps / R * 1e6)
    return best


def floor(R):
    """NumPy's floor for a step of R runs (in chunks of ``fast.CHUNK``): ``steps -> None``.

    What any op-by-op NumPy step must do: the step's matrix products, as they are called
    (the 4x4 products forward, their transposes backward, the weight gradients), and its
    passes over the (c, 4, N) arrays (bias, ReLU mask, ReLU forward; mask and bias gradient
    backward; the two outer products; the loss about 1.5 passes), each costed as the
    cheapest pass there is, ``a += 1.0`` in place on a contiguous array of that size (one
    read, one write). No Adam, no Python between the calls. Returns
    ``(run(steps), products only(steps))``, to be timed beside the steps themselves.
    """
    c = min(fast.CHUNK, R)
    chunks = -(-R // c)
    rng = np.random.default_rng(0)
    h = rng.standard_normal((c, 4, N))
    dz, out = rng.standard_normal((c, 4, N)), np.empty((c, 4, N))
    W, dW = rng.standard_normal((c, 4, 4)), np.empty((c, 4, 4))
    Wl, zl, dWl = rng.standard_normal((c, 1, 4)), np.empty((c, 1, N)), np.empty((c, 1, 4))
    x, dW0 = rng.standard_normal((1, N)), np.empty((c, 4, 1))
    hT, WT, xT = np.swapaxes(h, -1, -2), np.swapaxes(W, -1, -2), np.swapaxes(x, -1, -2)
    passes = int(5 * DEPTH + 3.5)             # + 0.5 pass: the loss's last half is left out

    def products(steps):
        for _ in range(steps * chunks):
            for _ in range(DEPTH - 1):
                np.matmul(W, h, out=out)                  # forward, 4x4
                np.matmul(WT, dz, out=out)                # backward, W^T dz
                np.matmul(dz, hT, out=dW)                 # backward, dW
            np.matmul(Wl, h, out=zl)
            np.matmul(zl, hT, out=dWl)
            np.matmul(dz, xT, out=dW0)

    def both(steps):
        products(steps)
        for _ in range(steps * chunks * passes):
            np.add(out, 1.0, out=out)
    return both, products


# --- the region counter against the one before the float64 guard ---------------------------

BEFORE_GUARD = "2ad6beb"      # the last commit whose counter had no float64 guard

COUNT_20 = """
import sys, time
import numpy as np
from minregion.construction import triangle_network
from minregion.reproduce.speed import keep_freed_memory
keep_freed_memory()                           # as this benchmark's own process does
if sys.argv[1] == "now":
    from minregion.regions import count_regions
else:                                         # the counter before the guard, from git
    sys.path.insert(0, "benchmarks")
    from regions_float64 import load_old
    count_regions = load_old(sys.argv[1]).count_regions
layers = triangle_network(np.random.default_rng(20).uniform(0.3, 0.7, size=21))
seconds = []
for _ in range(3):
    start = time.perf_counter()
    pieces = count_regions(layers)
    seconds.append(time.perf_counter() - start)
print(seconds[0], min(seconds[1:]), pieces)
"""


def depth20_seconds(rounds):
    """{name: (first, warm, pieces)}: the depth-20 count of this checkout's counter and,
    where git can show it, of the counter before the float64 guard (``git show
    BEFORE_GUARD:minregion/regions.py``). Each process counts three times: ``first`` is its
    first count (the pages of its arrays are new to the process: the earlier counter holds
    0.41 GB at once, this one a few MB per chunk), ``warm`` the better of the other two
    (freed memory kept). The counters take turns, a fresh process each, the best of
    ``rounds`` kept for each (a busy machine slows both alike: read the ratios)."""
    import subprocess
    import tempfile
    root = os.path.join(os.path.dirname(__file__), "..")
    variants = {"this counter": "now"}
    with tempfile.TemporaryDirectory() as tmp:
        before = os.path.join(tmp, "regions_before.py")
        shown = subprocess.run(["git", "show", f"{BEFORE_GUARD}:minregion/regions.py"],
                               cwd=root, capture_output=True, text=True)
        if shown.returncode == 0:
            with open(before, "x") as f:                  # a new file in our own folder
                f.write(shown.stdout)
            variants[f"the counter before the guard ({BEFORE_GUARD})"] = before
        else:
            print(f"   (git cannot show {BEFORE_GUARD} here: the counter before the guard "
                  "is skipped)")
        best = {name: [np.inf, np.inf, None] for name in variants}
        for _ in range(rounds):
            for name, arg in variants.items():
                done = subprocess.run([sys.executable, "-c", COUNT_20, arg], cwd=root,
                                      capture_output=True, text=True, check=True)
                first, warm, pieces = done.stdout.split()
                best[name] = [min(best[name][0], float(first)),
                              min(best[name][1], float(warm)), int(pieces)]
    return best


# --- the peers: only where installed -------------------------------------------------------

def torch_peer(R):
    """One batched PyTorch step function (float64, CPU, one thread), or None without PyTorch."""
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(0)
    torch.set_num_threads(1)                   # one thread, like NumPy's step
    x = torch.tensor(dense_points(N), dtype=torch.float64)[None, None, :]
    y = x[:, 0, :] ** 3
    params = []
    for fi, fo in zip(WIDTHS[:-1], WIDTHS[1:]):
        bound = (6.0 / fi) ** 0.5
        params.append((torch.empty(R, fo, fi, dtype=torch.float64).uniform_(-bound, bound)
                       .requires_grad_()))
        params.append(torch.zeros(R, fo, 1, dtype=torch.float64, requires_grad=True))
    opt = torch.optim.Adam(params, lr=LR)

    def steps(k):
        for _ in range(k):
            opt.zero_grad()
            h = x
            for l in range(0, len(params), 2):
                h = torch.matmul(params[l], h) + params[l + 1]
                if l < len(params) - 2:
                    h = torch.relu(h)
            loss = ((h[:, 0, :] - y) ** 2).mean(-1).sum()
            loss.backward()
            opt.step()
    return steps, f"torch {torch.__version__}, {torch.get_num_threads()} threads"


def jax_peer(R):
    """One JAX step function (jit of vmap, float64, CPU, one thread like NumPy's step), or
    None without JAX."""
    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                          "intra_op_parallelism_threads=1")
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    x = jnp.asarray(dense_points(N))[None, :]
    y = x[0] ** 3
    rng = np.random.default_rng(0)
    params = []
    for fi, fo in zip(WIDTHS[:-1], WIDTHS[1:]):
        bound = (6.0 / fi) ** 0.5
        params += [jnp.asarray(rng.uniform(-bound, bound, (R, fo, fi))), jnp.zeros((R, fo, 1))]

    def loss(ps):
        h = x
        for l in range(0, len(ps), 2):
            h = ps[l] @ h + ps[l + 1]
            if l < len(ps) - 2:
                h = jnp.maximum(h, 0.0)
        return jnp.mean((h[0] - y) ** 2)

    def adam(p, g, m, v, t):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        p = p - LR * (m / (1 - 0.9 ** t)) / (jnp.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
        return p, m, v

    grad = jax.vmap(jax.grad(loss))

    @jax.jit
    def step(ps, ms, vs, t):
        gs = grad(ps)
        out = [adam(p, g, m, v, t) for p, g, m, v in zip(ps, gs, ms, vs)]
        return [o[0] for o in out], [o[1] for o in out], [o[2] for o in out]

    state = [params, [jnp.zeros_like(p) for p in params], [jnp.zeros_like(p) for p in params]]

    def steps(k):
        for t in range(1, k + 1):
            state[:] = step(*state, float(t))
        jax.block_until_ready(state[0])
    return steps, f"jax {jax.__version__}, jit + vmap"


# --- the malloc setting, the counter, the processes ------------------------------------------

def _loop_seconds(runs, steps, keep_memory):
    """Readable phase-2 steps in a fresh process, with or without the malloc setting."""
    if keep_memory:
        keep_freed_memory()
    x = dense_points(N)
    X, Y = prepare_data(x, x**3, runs)
    layers = init_kaiming(WIDTHS, np.random.default_rng(0), runs=runs)
    opt = Adam([p for pair in layers for p in pair], lr=LR)
    start = time.perf_counter()
    for _ in range(steps):
        _, grads = training.raw_loss_and_grads(layers, X, Y)
        opt.step([g for pair in grads for g in pair])
    return time.perf_counter() - start


def malloc_seconds(runs, steps):
    """(seconds without, seconds with) the malloc setting, each in a fresh process."""
    import multiprocessing
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        without = pool.apply(_loop_seconds, (runs, steps, False))
    with ctx.Pool(1) as pool:
        with_ = pool.apply(_loop_seconds, (runs, steps, True))
    return without, with_


def table_seconds(config, jobs):
    start = time.perf_counter()
    run_tables(["1"], config, jobs=jobs, progress=lambda s: None, initializer=keep_freed_memory)
    return time.perf_counter() - start


def peers_section(args):
    """Section 3: a batched PyTorch peer and JAX, where installed, against the fast step."""
    print("\n3. peers, where installed (never required), R = 30 and 300:")
    for name, make in (("PyTorch", torch_peer), ("JAX", jax_peer)):
        for R in (30, 300):
            peer = make(R)
            if peer is None:
                print(f"   {name} is not installed: skipped")
                break
            steps, version = peer
            t = best_of({"peer": steps, "fast": _raw(fast.train_raw, R)}, args.run_steps, R,
                        args.rounds)
            print(f"   {version}, R = {R}: {t['peer']:.1f} us per run-step; minregion's fast "
                  f"step {t['fast']:.1f}: the peer is {t['fast'] / t['peer']:.2f}x as fast")


def counter_section(rounds):
    """Section 5: the depth-20 count beside the counter before the float64 guard."""
    print("\n5. exact count of a depth-20 construction (2^20 pieces), three counts in each "
          f"fresh process, taking turns, best of {max(rounds, 3)} processes:")
    times = depth20_seconds(max(rounds, 3))
    for name, (first, warm, pieces) in times.items():
        print(f"   {name}: {warm:.2f} s warm, {first:.2f} s its first count ({pieces} pieces)")
    if len(times) == 2:
        (first, warm, _), (first_0, warm_0, _) = times.values()
        print(f"   ratio {warm / warm_0:.2f} warm (the work of each count), "
              f"{first / first_0:.2f} first counts (with the pages the earlier counter's "
              "0.41 GB costs a new process)")
        print(f"   where the counter before the guard takes 0.36 s, this one would take "
              f"{0.36 * warm / warm_0:.2f} s (the warm ratio)")


def main():
    """The benchmark owns its process: it keeps freed memory, as the command line does."""
    keep_freed_memory()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--run-steps", type=int, default=3000,
                        help="run-steps per timing (steps x R)")
    parser.add_argument("--rounds", type=int, default=3, help="timings per variant (best kept)")
    parser.add_argument("--skip-table", action="store_true", help="do not time Table 1")
    parser.add_argument("--counter-only", action="store_true",
                        help="only section 5, the region counter")
    parser.add_argument("--peers-only", action="store_true",
                        help="only section 3, the peers (where installed)")
    args = parser.parse_args()
    if args.peers_only:
        print(f"machine: {os.cpu_count() or 1} cores; numpy {np.__version__}")
        peers_section(args)
        return
    if args.counter_only:
        print(f"machine: {os.cpu_count() or 1} cores; numpy {np.__version__}")
        counter_section(args.rounds)
        return
    cores = os.cpu_count() or 1
    print(f"machine: {cores} cores; numpy {np.__version__}; network 1-{'-'.join(['4'] * DEPTH)}-1 "
          f"on {N} points; best of {args.rounds} rounds; us per run-step")
    print("\n1. readable step (minregion.training) against the experiments' step "
          f"(minregion.reproduce.fast, chunks of {fast.CHUNK} runs):")
    print(f"{'R':>5s} | {'raw: readable':>13s} {'fast':>7s} {'ratio':>6s} | "
          f"{'constrained: readable':>21s} {'fast':>7s} {'ratio':>6s} | {'floor':>6s} "
          f"{'fast/floor':>10s}")
    fast_us = {}
    for R in RS:
        run_floor, products = floor(R)
        t = best_of({"rr": _raw(training.train_raw, R), "rf": _raw(fast.train_raw, R),
                     "cr": _constrained(training.train_constrained, R),
                     "cf": _constrained(fast.train_constrained, R), "floor": run_floor,
                     "products": products}, args.run_steps, R, args.rounds)
        fast_us[R] = t["rf"]
        print(f"{R:5d} | {t['rr']:13.1f} {t['rf']:7.1f} {t['rr'] / t['rf']:5.2f}x | "
              f"{t['cr']:21.1f} {t['cf']:7.1f} {t['cr'] / t['cf']:5.2f}x | {t['floor']:6.1f} "
              f"{t['rf'] / t['floor']:9.2f}x", flush=True)
        if R == 30:
            at30 = t
    print(f"   fast raw step, R = 300 against R = 30: {fast_us[300] / fast_us[30]:.2f}x the cost "
          f"per run-step (flat: 1.00x)")
    print(f"   floor at R = 30: {at30['products']:.1f} us in the matrix products + "
          f"{at30['floor'] - at30['products']:.1f} us in the passes over memory")

    print("\n2. the fast raw step at R = 300 against the chunk size (fast.CHUNK = "
          f"{fast.CHUNK}):")
    t = best_of({c: _raw(fast.train_raw, 300, chunk=c) for c in CHUNKS}, args.run_steps, 300,
                args.rounds)
    print("   " + ", ".join(f"chunk {c}: {t[c]:.1f}" for c in CHUNKS))

    peers_section(args)

    without, with_ = malloc_seconds(30, max(args.run_steps // 30, 20))
    print(f"\n4. readable step, 30 runs, glibc's default malloc against keeping freed memory "
          f"(minregion/reproduce/speed.py): {without / with_:.2f}x")
    counter_section(args.rounds)
    small = Config.for_protocol("paper", epochs=300, pretrain_epochs=200, seeds=(0,))
    one = many = np.inf
    for _ in range(2):                                  # taking turns, the best of two
        one, many = min(one, table_seconds(small, 1)), min(many, table_seconds(small, cores))
    print(f"\n6. --jobs on {cores} cores (Table 1, 300 + 200 steps, 1 seed): {one:.1f} s with "
          f"1 worker, {many:.1f} s with {cores}: {one / many:.2f}x")
    if not args.skip_table:
        config = Config.for_protocol("paper")
        seconds = table_seconds(config, min(2, cores))
        print(f"\n7. whole Table 1, paper protocol (5 methods x 2 targets x {config.runs} runs x "
              f"{len(config.seeds)} seeds, {min(2, cores)} workers): {seconds:.0f} s wall time")


if __name__ == "__main__":
    main()
