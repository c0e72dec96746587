"""The capstone: the paper's Table 1 on your own code, beside the reference and the paper.

    make capstone                               # in the student edition, once chapters 1-5 are written
    python course/capstone.py [--protocol laptop|test]
    python course/capstone.py --write-reference # in the reference edition: the shipped numbers

Table 1 trains five methods on ``x^3`` and ``x^11`` (500 points on [0, 1], networks 1-4x5-1)
through the package's readable path: ``minregion.reproduce.experiments.run_block`` with
``step="readable"`` (never the experiments' fast step), which
calls the training loops of ``minregion.training`` on ``layers``, ``mlp``, ``optim`` and the
weight map of ``construction``, then counts every network's pieces with ``regions``: the
functions of chapters 1 to 5, as written in this tree. Protocols:

- ``laptop`` (the default): the ``paper`` protocol's step budget (1,000 phase-1 steps, then
  1,500 raw steps) on 10 runs per cell and one seed, instead of 30 runs on 5 seeds: about a
  minute;
- ``test``: 2 runs, 20 + 30 steps, seconds (what the course's own test runs).

The reference edition's numbers for both protocols are shipped in
``course/capstone_reference.json`` (written by ``--write-reference`` in the reference
edition; the course's tests recompute the ``test`` protocol and compare it bit for bit). The
verdict compares every run's final MSE and the median loss of the first 10 steps of every
cell:

- **bit for bit**: every final MSE is the reference's exactly: your code performs the same
  floating-point operations in the same order (on the machine and NumPy build that wrote the
  reference numbers; elsewhere matrix products may round differently, and even the answer
  key's verdict is then "within tolerance");
- **within tolerance**: the first 10 steps agree within a relative 1e-8 in every cell, the
  final numbers do not: your code computes the same losses and gradients but rounds
  differently (another order of a sum, ``einsum`` for ``@``...), and thousands of Adam
  steps amplify differences of 1e-16 into visible ones, so only the early steps can be
  compared closely; the table then differs the way another seed would;
- **does not reproduce**: an early step differs by more: the first such cell and step say
  where to look (a method without pretraining uses only chapters 1 and 3; the pretraining
  methods also use chapters 2, 4 and 5).
"""
import argparse
import json
import os
import sys
import time
from dataclasses import asdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)            # this tree's package: the student's own code
sys.path.insert(1, HERE)
REFERENCE = os.path.join(HERE, "capstone_reference.json")
PROTOCOLS = {    # [choice] laptop: the paper budget on 10 runs, seed 0 (docs/choices.md, 32)
    "laptop": dict(runs=10, epochs=1_500, pretrain_epochs=1_000, seeds=(0,), record_every=0),
    "test": dict(runs=2, epochs=30, pretrain_epochs=20, seeds=(0,), record_every=0),
}
EARLY, EARLY_RTOL = 10, 1e-8
CHAPTERS = ("ch01", "ch02", "ch03", "ch04", "ch05")


def config(protocol):
    from minregion.reproduce.experiments import Config
    return Config.for_protocol("paper", **PROTOCOLS[protocol])


def run_table(protocol, progress=print):
    """{target: {method: cell}} of Table 1 under ``protocol``: each cell holds every run's
    final training MSE, their minimum and mean, the median loss of the first steps and the
    exact pieces at the end."""
    from minregion.reproduce.experiments import METHODS, TABLES, run_block
    cfg = config(protocol)
    cells = {}
    for target in TABLES["1"]["targets"]:
        for method in TABLES["1"]["methods"]:
            block = run_block(cfg, cfg.seeds[0], "1", target, method, step="readable")
            mse = block["train_mse"]
            cells.setdefault(target, {})[method] = dict(
                train_mse=mse, min=min(mse), mean=sum(mse) / len(mse),
                early=block["median_loss"][:EARLY], pieces_end=block["pieces_end"])
            progress(f"  {target:>5s} {METHODS[method]:<31s} min MSE {min(mse):.3e} "
                     f"({block['seconds']:.1f} s)")
    return cells


def verdict(mine, ref):
    """(kind, explanation): bit for bit, within tolerance, or does not reproduce."""
    from minregion.reproduce.experiments import METHODS
    if all(mine[t][m]["train_mse"] == ref[t][m]["train_mse"] for t in ref for m in ref[t]):
        return "bit for bit", ("every run's final MSE is the reference's exactly: your code "
                               "does the same floating-point operations in the same order")
    worst = 0.0
    for t in ref:
        for m in ref[t]:
            for k, (a, b) in enumerate(zip(mine[t][m]["early"], ref[t][m]["early"])):
                rel = abs(a - b) / max(abs(b), 1e-300)
                worst = max(worst, rel)
                if rel > EARLY_RTOL:
                    return "does not reproduce", (
                        f"{t}, {METHODS[m]}: the median loss of step {k} is {a:.6e}, the "
                        f"reference's {b:.6e} (relative difference {rel:.1e} > {EARLY_RTOL:g}); "
                        + ("this method uses chapters 1 and 3 only" if m in ("kaiming", "raai")
                           else "this method also uses chapters 2, 4 and 5"))
    final = max(abs(mine[t][m][s] - ref[t][m][s]) / abs(ref[t][m][s])
                for t in ref for m in ref[t] for s in ("min", "mean"))
    return "within tolerance", (
        f"the first {EARLY} steps of every cell agree within a relative {worst:.1e} (at most "
        f"{EARLY_RTOL:g} allowed), the final numbers do not (a min or mean differs by up to "
        f"{final:.0%} of the reference's): your code computes the same "
        "losses and gradients but rounds differently, and training amplifies rounding "
        "differences, so the final table differs the way another seed would (another machine "
        "or NumPy build than the reference's rounds matrix products differently too)")


def print_table(mine, ref, protocol):
    from minregion.reproduce.experiments import METHODS, paper_cell
    cfg = config(protocol)
    print(f"\nTable 1, training MSE, min | mean over runs ({protocol} protocol: {cfg.runs} runs "
          f"per cell, seed {cfg.seeds[0]}, {cfg.pretrain_epochs} phase-1 + {cfg.epochs} raw "
          "steps; the paper: 30 runs)\n")
    print(f"{'target':>6s}  {'method':<31s} {'yours':>19s}   {'reference':>19s}   "
          f"{'paper':>19s}")
    for t in ref:
        for m in ref[t]:
            paper = [paper_cell("1", m, t, s) for s in ("min", "mean")]
            cols = [f"{mine[t][m]['min']:.2e} | {mine[t][m]['mean']:.2e}",
                    f"{ref[t][m]['min']:.2e} | {ref[t][m]['mean']:.2e}",
                    " | ".join("n/a" if v is None else f"{v:.2e}" for v in paper)]
            print(f"{t:>6s}  {METHODS[m]:<31s} {cols[0]:>19s}   {cols[1]:>19s}   {cols[2]:>19s}")


def blanks_left(root=ROOT):
    """The package blanks of chapters 1-5 still to write in a student edition."""
    import grade
    return [f"{f.id} ({f.where})" for f in grade.read_tree(root).regions.values()
            if f.cell is None and f.chapter in CHAPTERS and f.state in ("blank", "missing")]


def write_reference(path=REFERENCE):
    if os.path.exists(os.path.join(ROOT, "course", "edition.json")):
        print("capstone: --write-reference belongs to the reference edition; this is a "
              "student edition, whose shipped numbers it would overwrite")
        return 2
    out = {"command": "python course/capstone.py --write-reference",
           "note": "Table 1 of the reference edition under the capstone's protocols",
           "protocols": {}}
    for protocol in PROTOCOLS:
        print(f"{protocol} protocol:")
        start = time.perf_counter()
        cells = run_table(protocol)
        out["protocols"][protocol] = dict(config=asdict(config(protocol)), cells=cells)
        print(f"  {time.perf_counter() - start:.0f} s")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")
    print(f"capstone: wrote {os.path.relpath(path, ROOT)}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--protocol", default="laptop", choices=sorted(PROTOCOLS),
                        help="laptop (default, about a minute) or test (seconds)")
    parser.add_argument("--write-reference", action="store_true",
                        help="in the reference edition: write course/capstone_reference.json")
    args = parser.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    if args.write_reference:
        return write_reference()
    left = blanks_left()
    if left:
        print("capstone: write the package blanks of chapters 1-5 first (make grade UNIT=1 "
              f"tells you how they do); {len(left)} left:\n  " + "\n  ".join(left))
        return 1
    with open(REFERENCE, encoding="utf-8") as fh:
        shipped = json.load(fh)["protocols"][args.protocol]
    if shipped["config"] != json.loads(json.dumps(asdict(config(args.protocol)))):
        print(f"capstone: the shipped reference numbers are for another {args.protocol} "
              "protocol than this script's; regenerate them in the reference edition")
        return 2
    print(f"Table 1 on your code, {args.protocol} protocol:")
    start = time.perf_counter()
    mine = run_table(args.protocol)
    print(f"  ({time.perf_counter() - start:.0f} s)")
    print_table(mine, shipped["cells"], args.protocol)
    kind, why = verdict(mine, shipped["cells"])
    print(f"\nYour code reproduces the reference: {kind.upper()}. {why}." if kind !=
          "does not reproduce" else f"\nYour code DOES NOT REPRODUCE the reference: {why}.")
    print("The reference and the paper differ too: the paper reports 30 runs and does not "
          "state how long it trained the raw weights; docs/results.md compares the full "
          "reproduction (30 runs on each of 5 reported and 5 validation seeds) with it.")
    return 0 if kind != "does not reproduce" else 1


if __name__ == "__main__":
    sys.exit(main())
