"""The package's own rules, read from its source: the floors of the layout, the fence around
the extensions, no import cycles, and no process-wide side effects from library calls."""
import ast
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.house

ROOT = os.path.join(os.path.dirname(__file__), "..")
PACKAGE = os.path.join(ROOT, "minregion")

# Each module imports only from modules on a lower floor (README: "Where each idea lives").
FLOORS = {
    "checks": 0, "speed": 0, "runner": 0, "summary": 0,
    "layers": 1, "optim": 1, "init": 1, "gradcheck": 1, "triangle": 1, "targets": 1,
    "readout": 1,
    "mlp": 2,
    # the region counter's float64 guard, a fenced folder below regions (its face last)
    "float64.thresholds": 0, "float64.arithmetic": 0, "float64.warning": 0,
    "float64.sizes": 1, "float64.chunk": 1, "float64.width_threshold": 1,
    "float64.kinks": 1.2, "float64.narrow": 1.2, "float64.recount": 1.2,
    "float64.dips": 1.4, "float64.tally": 1.4, "float64.marks": 1.6, "float64.__init__": 2,
    "construction": 3, "regions": 3,
    "training": 4, "regions_vs_depth": 4,
    "experiments": 5,
    "depth_study": 6, "report": 6, "calibration": 6,
    "plots": 7,
    "cli": 9, "__main__": 10, "__init__": 10,
    "extensions.__init__": 0,
    "extensions.losses": 2, "extensions.targets": 2,
    "extensions.regions2d": 3,
    "extensions.difference": 4, "extensions.triangle_layer": 4,
    "extensions.train": 5,
    "extensions.experiments": 6,
    "extensions.plots": 8,
}
# The model files: what a network computes, never how it is trained or reported.
MODELS = ("layers", "mlp", "triangle", "construction", "readout", "regions",
          *[name for name in FLOORS if name.startswith("float64.")], "extensions.difference", "extensions.triangle_layer", "extensions.regions2d")
TRAINING_AND_ABOVE = ("training", "runner", "experiments", "plots", "report", "cli",
                      "extensions.train", "extensions.experiments", "extensions.plots")


def modules():
    """Every module of the package, as a name relative to ``minregion``."""
    out = []
    for folder, _, files in os.walk(PACKAGE):
        for f in files:
            if f.endswith(".py"):
                rel = os.path.relpath(os.path.join(folder, f), PACKAGE)[:-3]
                out.append(rel.replace(os.sep, "."))
    return sorted(out)


def imports(name):
    """The package modules that ``name`` imports, at the top or inside a function."""
    path = os.path.join(PACKAGE, *name.split(".")) + ".py"
    with open(path) as fh:
        tree = ast.parse(fh.read())
    package = name.split(".")[:-1]          # e.g. ["extensions"] for extensions.train
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            base = package[: len(package) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
            if node.module is None:          # from . import x
                found.update(".".join(base + [a.name]) for a in node.names)
            else:
                found.add(target)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("minregion"):
            found.add(node.module[len("minregion."):] or "__init__")
        elif isinstance(node, ast.Import):
            found.update(a.name[len("minregion."):] for a in node.names
                         if a.name.startswith("minregion."))
    return {m if m in FLOORS else m + ".__init__" if m + ".__init__" in FLOORS else m
            for m in found}


def test_every_module_has_a_floor():
    assert sorted(FLOORS) == modules(), "add the new module to FLOORS (and to the README)"


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_each_module_imports_only_from_lower_floors(name):
    for target in imports(name):
        assert target in FLOORS, f"{name} imports an unknown module {target}"
        assert FLOORS[target] < FLOORS[name], (
            f"{name} (floor {FLOORS[name]}) imports {target} (floor {FLOORS[target]})")


def test_the_core_never_imports_the_extensions():
    for name in FLOORS:
        if not name.startswith("extensions") and name not in ("cli", "__main__"):
            assert not any(t.startswith("extensions") for t in imports(name)), name


def test_only_the_counter_enters_the_float64_guard():
    """minregion/float64/ is the region counter's guard: only regions imports it, through its
    face, and the guard imports nothing else of the package."""
    for name in FLOORS:
        inside = name.startswith("float64.")
        for target in imports(name):
            if inside:
                assert target.startswith("float64."), f"{name} imports {target}"
            elif target.startswith("float64."):
                assert name == "regions" and target == "float64.__init__", \
                    f"{name} imports {target}: only regions may, through the face"


def test_model_files_never_import_training_code():
    for name in MODELS:
        assert not imports(name) & set(TRAINING_AND_ABOVE), name


def test_there_is_no_import_cycle():
    graph = {name: imports(name) for name in FLOORS}
    state = {}

    def visit(node, path):
        if state.get(node) == "open":
            raise AssertionError("import cycle: " + " -> ".join(path + [node]))
        if state.get(node) == "done":
            return
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            visit(nxt, path + [node])
        state[node] = "done"

    for name in sorted(graph):
        visit(name, [])


def test_only_the_command_line_and_the_benchmark_touch_malloc():
    """The malloc setting changes the whole process: no library function may call it."""
    allowed = {"speed", "cli"}
    for name in FLOORS:
        with open(os.path.join(PACKAGE, *name.split(".")) + ".py") as fh:
            text = fh.read()
        if name not in allowed:
            assert "mallopt" not in text and "keep_freed_memory" not in text, name


def test_training_leaves_the_process_malloc_as_it_was():
    """In a fresh process, a user's calls into the library never load minregion.speed (the
    only code that calls mallopt)."""
    code = """
import sys
import numpy as np
from minregion.construction import construction_params
from minregion.experiments import Config, run_tables
from minregion.init import init_kaiming
from minregion.training import train_constrained, train_raw
x = np.linspace(0, 1, 50)
train_raw(init_kaiming([1, 4, 1], np.random.default_rng(0), runs=2), x, x**3, 5)
train_constrained(construction_params(np.full((2, 4), 0.5)), x, x**2, -1.0, 5)
run_tables(["3"], Config(runs=2, epochs=10, pretrain_epochs=2, record_every=0),
           progress=lambda s: None)
assert "minregion.speed" not in sys.modules, "a library call loaded the malloc setting"
print("untouched")
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0 and "untouched" in out.stdout, out.stderr
