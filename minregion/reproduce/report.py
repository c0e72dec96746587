"""The Markdown report: each table beside the paper's numbers, with its spread over seeds,
the exact piece counts after training, and every claim checked seed by seed."""
import numpy as np

from .experiments import METHODS, PRETRAINING, paper_cell


def _range(cell, stat):
    lo, hi = cell[f"{stat}_range"]
    return f"{cell[stat]:.2e} [{lo:.1e}, {hi:.1e}]"


def protocol_line(summary):
    """One sentence: the budget, the runs and the seeds behind a table."""
    cfg = summary["config"]
    seeds = cfg["seeds"]
    if cfg["pretrain_in_budget"]:
        budget = (f"{cfg['epochs']} Adam steps for every method, {cfg['pretrain_epochs']} of "
                  f"them in phase 1 for the pretraining methods")
    else:
        budget = (f"{cfg['epochs']} raw-weight Adam steps for every method, after "
                  f"{cfg['pretrain_epochs']} phase-1 steps for the pretraining methods")
    lr = (f"lr {cfg['lr']}" if cfg.get("lr_schedule", "constant") == "constant" else
          f"lr {cfg['lr']} in phase 1, and decayed along a cosine from {cfg['lr']} to "
          f"{cfg['lr_final']} over the raw-weight steps of every method")
    return (f"Protocol `{summary['protocol']}`: {budget}; {lr}; network "
            f"1-{'-'.join([str(cfg['width'])] * cfg['depth'])}-1; {cfg['runs']} runs per cell "
            f"on each of {len(seeds)} seed(s) ({', '.join(map(str, seeds))}). Each cell: the "
            f"median over the seeds of the {summary['statistic']}'s minimum (or mean) over the "
            f"runs, [lowest, highest seed].")


def seeds_where(summary, test):
    """How many seeds satisfy ``test(per_seed_cells)``, out of how many: ``(k, n)``."""
    per_seed = summary["seeds"]
    return sum(bool(test(per_seed[s])) for s in per_seed), len(per_seed)


def claims(table, summary):
    """Sentences about the paper's claims, each saying on how many seeds it holds."""
    out, methods = [], summary["methods"]
    ours, base = "pretrain_theorem_3_1", "kaiming"
    for tgt in summary["targets"]:
        k, n = seeds_where(summary, lambda c: c[ours][tgt]["min"] < c[base][tgt]["min"])
        ratio = summary["mse"][base][tgt]["min"] / summary["mse"][ours][tgt]["min"]
        out.append(f"{tgt}: Theorem 3.1's minimum is below Kaiming's on {k} of {n} seeds "
                   f"(median gap {ratio:.0f}x).")
        if len(methods) > 2:
            k, n = seeds_where(summary, lambda c: min(methods, key=lambda m: c[m][tgt]["mean"])
                               in PRETRAINING)
            out.append(f"{tgt}: a pretraining method has the lowest mean on {k} of {n} seeds; "
                       f"Theorem 3.1 has it on "
                       f"{seeds_where(summary, lambda c: min(methods, key=lambda m: c[m][tgt]['mean']) == ours)[0]}"
                       f" of {n}.")
        for stat in ("min", "mean"):
            ref = paper_cell(table, ours, tgt, stat)
            if ref is None:
                continue
            below = seeds_where(summary, lambda c: c[ours][tgt][stat] <= ref)[0]
            within = seeds_where(summary, lambda c: ref / 2 <= c[ours][tgt][stat] <= 2 * ref)[0]
            out.append(f"{tgt}: Theorem 3.1's {stat} is at or below the paper's ({ref:.2e}) on "
                       f"{below} of {n} seeds, within 2x of it ([0.5x, 2x]) on {within} of {n}.")
            refk = paper_cell(table, base, tgt, stat)
            if stat == "min" and refk is not None:
                within = seeds_where(summary, lambda c: refk / 2 <= c[base][tgt]["min"] <= 2 * refk)[0]
                out.append(f"{tgt}: Kaiming's minimum is within 2x of the paper's ([0.5x, 2x] of {refk:.2e}) "
                           f"on {within} of {n} seeds.")
    return out


def regions_lines(summary):
    """The exact piece counts at the switch to the raw phase and at the end, per cell."""
    depth = summary["config"]["depth"]
    head = ["method"]
    for tgt in summary["targets"]:
        head += [f"{tgt} at the switch", f"{tgt} at the end"]
    lines = [f"**Exact affine pieces on the target's interval** (2^{depth} = {2 ** depth} for "
             f"the construction; median [lowest, highest] over all runs and seeds)", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    flagged = 0
    for m in summary["methods"]:
        row = [METHODS[m]]
        for tgt in summary["targets"]:
            cell = summary["regions"][m][tgt]
            flagged += cell["flagged"]
            for where in ("switch", "end"):
                r = cell[where]
                row.append("-" if r is None else
                           f"{r['median']:.0f} [{r['lowest']:.0f}, {r['highest']:.0f}]")
        lines.append("| " + " | ".join(row) + " |")
    return lines + ["", f"Counts the counter flagged (float64 could not settle them): "
                        f"{flagged}.", ""]


def format_table_report(table, summary):
    """The Markdown section of one table."""
    lines = [f"## {summary['title']}", "", protocol_line(summary), ""]
    for stat in ("min", "mean"):
        head = ["method"]
        for tgt in summary["targets"]:
            head += [f"{tgt} ours", "paper", "ours / paper"]
        lines += [f"**{stat} {summary['statistic']}**", "", "| " + " | ".join(head) + " |",
                  "|" + "---|" * len(head)]
        for m in summary["methods"]:
            row = [METHODS[m]]
            for tgt in summary["targets"]:
                cell = summary["mse"][m][tgt]
                ref = paper_cell(table, m, tgt, stat)
                row += [_range(cell, stat), "-" if ref is None else f"{ref:.2e}",
                        "-" if ref is None else f"{cell[stat] / ref:.2g}"]
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    lines += regions_lines(summary)
    lines += ["Checked seed by seed:", ""] + [f"- {c}" for c in claims(table, summary)] + [""]
    return lines


def format_report(results, command="", machine=""):
    """A Markdown report of every table."""
    lines = ["# Reproduction of the paper's tables", ""]
    if command:
        lines += [f"Command: `{command}`" + (f" on {machine}" if machine else "") + ".", ""]
    for t, summary in results.items():
        lines += format_table_report(t, summary)
    return "\n".join(lines)
