"""Whether two checkouts count alike, field by field: every field of ``region_report``
(the default count and ``resolution=0``), ``affine_pieces`` and ``breakpoints`` on 573
networks (the fuzz families of tests/families.py near 1, near 0 and mixed, each on its own
interval and a wide one, also far from 0; constructions of depth 1-14 with both signs;
Yarotsky's; 60 Kaiming networks of random depth and width; the reports of depth-16 and
depth-18 constructions). A change meant to make the counter faster, not different, must
leave them all equal.

    python benchmarks/counter_same.py --against DIR     # this checkout against the one in DIR
                                                        # (git worktree add DIR REV)

Each checkout counts in its own process (about a minute each); prints the first field
that differs for each network that does, and how many differ.
"""
import argparse
import os
import pickle
import subprocess
import sys
import tempfile
import warnings

import numpy as np

HERE = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def networks():
    """(name, layers, lo, hi) of every network compared."""
    from families import KINDS, member
    from minregion.construction import triangle_network
    from minregion.init import init_kaiming
    rng = np.random.default_rng(7)
    for kind in KINDS:
        for i in range(60):
            _, layers, spans = member(rng, kind)
            for lo, hi in spans:
                yield f"{kind} {i} on [{lo:g}, {hi:g}]", layers, lo, hi
        for i in range(20):
            _, layers, spans = member(rng, kind, far=1e4)
            for lo, hi in spans:
                yield f"far {kind} {i} on [{lo:g}, {hi:g}]", layers, lo, hi
    for d in range(1, 15):
        for sigma in (-1.0, 1.0):
            peaks = np.random.default_rng(d).uniform(0.3, 0.7, d + 1)
            yield f"construction d {d} sigma {sigma:+g}", \
                triangle_network(peaks, sigma=sigma), 0.0, 1.0
    for d in (2, 3, 5):
        yield f"Yarotsky d {d}", triangle_network(np.full(d + 1, .5), s0=.25), 0.0, 1.0
    for s in range(60):
        r = np.random.default_rng(100 + s)
        widths = [1] + [int(r.integers(2, 9))] * int(r.integers(1, 7)) + [1]
        yield f"Kaiming {widths} seed {100 + s}", init_kaiming(widths, r), -2.0, 2.0
    for d in (16, 18):
        peaks = np.random.default_rng(d).uniform(0.3, 0.7, d + 1)
        yield f"construction d {d} (report only)", triangle_network(peaks), 0.0, 1.0


def snapshot(path):
    """Count every network with the checkout on sys.path; pickle {name: outputs} to path."""
    from minregion import regions
    warnings.simplefilter("ignore")
    out = {}
    for name, layers, lo, hi in networks():
        report = regions.region_report(layers, lo, hi)
        if "report only" in name:
            out[name] = {"region_report": report}
            continue
        edges, slopes = regions.affine_pieces(layers, lo, hi)
        out[name] = {"region_report": report, "affine_pieces edges": edges,
                     "affine_pieces slopes": slopes,
                     "breakpoints": regions.breakpoints(layers, lo, hi),
                     "region_report(resolution=0)": regions.region_report(layers, lo, hi,
                                                                          resolution=0.0)}
    with open(path, "xb") as f:                 # a new file in our own temporary folder
        pickle.dump(out, f)


def equal(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b)
    return a == b


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", required=True, help="the other checkout")
    parser.add_argument("--snapshot", help=argparse.SUPPRESS)      # (internal) -> file
    args = parser.parse_args()
    if args.snapshot:
        sys.path[:0] = [args.against, os.path.join(args.against, "tests")]
        snapshot(args.snapshot)
        return
    with tempfile.TemporaryDirectory() as tmp:
        found = {}
        for name, root in (("this checkout", HERE), (args.against, os.path.abspath(args.against))):
            found[name] = os.path.join(tmp, f"{len(found)}.pkl")
            subprocess.run([sys.executable, __file__, "--against", root, "--snapshot",
                            found[name]], check=True, cwd=tmp)
        mine, theirs = (pickle.load(open(p, "rb")) for p in found.values())
    differ = 0
    for name, outputs in mine.items():
        for field, value in outputs.items():
            if not equal(value, theirs[name][field]):
                differ += 1
                print(f"{name}: {field} differs:\n  {value}\n  {theirs[name][field]}")
                break
    print(f"{len(mine)} networks compared, {differ} differ")


if __name__ == "__main__":
    main()
