"""The region counter's time and memory against the width (docs/guarantees.md).

    python benchmarks/counter_width.py                 # 1-w-w-1 Kaiming networks, w = 256 .. 1024
    python benchmarks/counter_width.py 512 1024 --layers 3

Each network is counted in a fresh process, so that its peak resident memory is its own
(``resource``, Unix). The counter refuses layers wider than ``MAX_COUNT_WIDTH``; this shows
what the widths it takes cost, on random networks (a network built so that every neuron cuts
every cell costs far more: see ``minregion.checks.check_counter_network``).
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

CHILD = """
import json, resource, sys, time, warnings
import numpy as np
from minregion.init import init_kaiming
from minregion.regions import count_regions
w, layers = int(sys.argv[1]), int(sys.argv[2])
net = init_kaiming([1] + [w] * layers + [1], np.random.default_rng(0))
start = time.perf_counter()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    pieces = count_regions(net, -1.0, 1.0)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
print(json.dumps(dict(pieces=pieces, seconds=seconds, peak=peak, warned=len(caught))))
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("widths", nargs="*", type=int, default=[256, 512, 1024])
    parser.add_argument("--layers", type=int, default=2, help="hidden layers (2)")
    args = parser.parse_args(argv)
    base = json.loads(subprocess.run([sys.executable, "-c", CHILD.replace(
        "pieces = count_regions(net, -1.0, 1.0)", "pieces = 0"), "1", "1"], cwd=ROOT,
        capture_output=True, text=True, check=True).stdout)["peak"]
    print(f"1-w-...-w-1 Kaiming networks, {args.layers} hidden layers, counted on [-1, 1]; "
          f"memory above the {base / 1e6:.0f} MB of a process that only imports minregion")
    print("| width | pieces | seconds | peak memory |")
    print("|---|---|---|---|")
    for w in args.widths:
        out = subprocess.run([sys.executable, "-c", CHILD, str(w), str(args.layers)], cwd=ROOT,
                             capture_output=True, text=True)
        if out.returncode != 0:
            print(f"| {w} | refused or failed: {out.stderr.strip().splitlines()[-1][:120]} | | |")
            continue
        r = json.loads(out.stdout)
        print(f"| {w} | {r['pieces']} | {r['seconds']:.2f} | {(r['peak'] - base) / 1e6:.0f} MB |")


if __name__ == "__main__":
    main()
