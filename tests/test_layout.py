"""The package's own rules, read from its source: the floors of the core, the fences around
its folders, no import cycles, and no process-wide side effects from library calls.

There is one list of the core's files and floors: the map in README.md, between the markers
``<!-- BEGIN MAP -->`` and ``<!-- END MAP -->``. These tests read it, and hold the source to
it: every file of the core is on the map once, and imports only from lower floors.
"""
import ast
import os
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.house

ROOT = os.path.join(os.path.dirname(__file__), "..")
PACKAGE = os.path.join(ROOT, "minregion")

# The fenced folders: who may import them, and what they may import from the core
# ("core" = any module of the core, or a list of core modules).
FENCES = {
    "float64": dict(imported_by={"regions"}, may_import=[], face_only=True,
                    why="the counter's float64 engine room: only regions.py calls it, "
                        "through its face (float64/__init__.py)"),
    "reproduce": dict(imported_by={"cli", "commands", "extensions"}, may_import="core",
                      why="the reproduction apparatus: the core never imports it"),
    "extensions": dict(imported_by={"commands"}, may_import="core",
                       why="the paper's preliminary extensions: the core never imports them"),
}
TOP = ("cli", "commands", "__main__", "__init__")     # on top of everything: they may import any floor
# The model files: what a network computes, never how it is trained or reported.
MODELS = ("layers", "mlp", "triangle", "construction", "readout", "regions", "float64",
          "extensions.difference", "extensions.triangle_layer", "extensions.regions2d")


MAP = re.compile(r"<!-- BEGIN MAP -->.*?<!-- END MAP -->", re.S)


def map_block(path):
    """The map between its markers in the Markdown file ``path``, or None."""
    with open(path, encoding="utf-8") as fh:
        m = MAP.search(fh.read())
    return m.group(0) if m else None


@pytest.fixture(scope="module")
def readme_map():
    """The README's map of the core: ({module: floor}, [fenced folders])."""
    block = map_block(os.path.join(ROOT, "README.md"))
    assert block, "README.md must hold the map of the core between <!-- BEGIN MAP --> and <!-- END MAP -->"
    floors, folders = {}, []
    for row in block.splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[1].startswith("`"):
            continue
        for name in re.findall(r"`([\w/]+(?:\.py)?/?)`", cells[1]):
            if name.endswith("/"):
                folders.append(name[:-1])
            else:
                module = name[:-3] if name.endswith(".py") else name
                assert module not in floors, f"{name} is on the README's map twice"
                floors[module] = cells[0]
    return floors, folders


def modules():
    """Every module of the package, as a name relative to ``minregion``."""
    out = []
    for folder, _, files in os.walk(PACKAGE):
        for f in files:
            if f.endswith(".py"):
                rel = os.path.relpath(os.path.join(folder, f), PACKAGE)[:-3]
                out.append(rel.replace(os.sep, "."))
    return sorted(out)


def folder_of(name):
    """'reproduce' for 'reproduce.report', None for a module of the core."""
    return name.split(".")[0] if "." in name else None


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
            if node.module is None:          # from . import x
                found.update(".".join(base + [a.name]) for a in node.names)
            else:
                found.add(".".join(base + [node.module]))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("minregion"):
            found.add(node.module[len("minregion."):] or "__init__")
        elif isinstance(node, ast.Import):
            found.update(a.name[len("minregion."):] for a in node.names
                         if a.name.startswith("minregion."))
    known = set(modules())
    return {m if m in known else m + ".__init__" for m in found}


CORE = sorted(m for m in modules() if folder_of(m) is None)


def test_the_readme_map_lists_every_file_of_the_core_once(readme_map):
    FLOORS = readme_map[0]
    assert sorted(FLOORS) == CORE, ("README.md's map and the core differ: add the new module "
                                    "to the map (with its floor), or remove the old one")
    for module, floor in FLOORS.items():
        assert module in TOP or floor.isdigit(), f"{module}: floor {floor!r} must be a number"


def test_the_readme_map_names_every_fenced_folder(readme_map):
    FOLDERS = readme_map[1]
    folders = sorted({folder_of(m) for m in modules() if folder_of(m)} - {"data"})
    assert sorted(FOLDERS) == folders, "README.md's map must name each folder of the package"
    assert set(folders) <= set(FENCES), f"a new folder needs a fence in FENCES: {folders}"


@pytest.mark.parametrize("name", sorted(m for m in CORE if m not in TOP))
def test_each_core_module_imports_only_from_lower_floors(readme_map, name):
    FLOORS = readme_map[0]
    for target in imports(name):
        folder = folder_of(target)
        if folder is not None:
            assert name in FENCES[folder]["imported_by"], (
                f"{name} imports {target}, behind the fence of {folder}/ "
                f"({FENCES[folder]['why']})")
            continue
        assert target not in TOP, f"{name} imports {target}, which is on top of the core"
        assert int(FLOORS[target]) < int(FLOORS[name]), (
            f"{name} (floor {FLOORS[name]}) imports {target} (floor {FLOORS[target]}): "
            f"a module imports only from lower floors (README.md, the map)")


def test_every_copy_of_the_map_is_the_readmes():
    """The student README carries the same map (it is the README of the student tree)."""
    readme = map_block(os.path.join(ROOT, "README.md"))
    folder = os.path.join(ROOT, "course")
    for f in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        if f.endswith(".md"):
            block = map_block(os.path.join(folder, f))
            assert block in (None, readme), (f"course/{f} holds an old copy of the map: copy "
                                             f"the README's, from <!-- BEGIN MAP --> to <!-- END MAP -->")


@pytest.mark.parametrize("folder", sorted(FENCES))
def test_each_fenced_folder_keeps_its_fence(folder):
    rule = FENCES[folder]
    for name in modules():
        outside = folder_of(name) != folder
        for target in imports(name):
            if folder_of(target) == folder and outside:
                importer = folder_of(name) or name
                assert importer in rule["imported_by"], (
                    f"{name} imports {target}: {rule['why']}")
                assert not rule.get("face_only") or target == f"{folder}.__init__", (
                    f"{name} imports {target}: {rule['why']}")
            if not outside and folder_of(target) is None:
                assert rule["may_import"] == "core" or target in rule["may_import"], (
                    f"{name} imports {target}; {folder}/ may import only {rule['may_import']}")
                assert target not in TOP, f"{name} imports {target}, which is on top of it"


def test_model_files_never_import_training_code():
    training = {"training", "cli", "commands"} | {m for m in modules() if folder_of(m) == "reproduce"} | {
        "extensions.train", "extensions.experiments", "extensions.plots"}
    for name in modules():
        if name in MODELS or folder_of(name) in MODELS:
            assert not imports(name) & training, name


def test_there_is_no_import_cycle():
    graph = {name: imports(name) for name in modules()}
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
    allowed = {"reproduce.speed", "cli"}
    for name in modules():
        with open(os.path.join(PACKAGE, *name.split(".")) + ".py") as fh:
            text = fh.read()
        if name not in allowed:
            assert "mallopt" not in text and "keep_freed_memory" not in text, name


def test_training_leaves_the_process_malloc_as_it_was():
    """In a fresh process, a user's calls into the library never load minregion.reproduce.speed (the
    only code that calls mallopt)."""
    code = """
import sys
import numpy as np
from minregion.construction import construction_params
from minregion.reproduce.experiments import Config, run_tables
from minregion.init import init_kaiming
from minregion.training import train_constrained, train_raw
x = np.linspace(0, 1, 50)
train_raw(init_kaiming([1, 4, 1], np.random.default_rng(0), runs=2), x, x**3, 5)
train_constrained(construction_params(np.full((2, 4), 0.5)), x, x**2, -1.0, 5)
run_tables(["3"], Config(runs=2, epochs=10, pretrain_epochs=2, record_every=0),
           progress=lambda s: None)
assert "minregion.reproduce.speed" not in sys.modules, "a library call loaded the malloc setting"
print("untouched")
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0 and "untouched" in out.stdout, out.stderr


# --- one colour-blind-safe palette for every figure --------------------------------------------

# Machado, Oliveira & Fernandes (2009), full severity, on linear RGB.
CVD = {"protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                      [-0.003882, -0.048116, 1.051998]],
       "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                        [-0.011820, 0.042940, 0.968881]],
       "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                      [0.004733, 0.691367, 0.303900]]}


def _lab(hex_colour, matrix=None):
    """CIE L*a*b* (D65) of an sRGB colour, as seen with a colour vision deficiency."""
    import numpy as np
    rgb = np.array([int(hex_colour[k:k + 2], 16) / 255 for k in (1, 3, 5)])
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    if matrix is not None:
        lin = np.clip(np.array(matrix) @ lin, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ lin / np.array([0.9505, 1.0, 1.089])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_the_palette_is_told_apart_with_every_common_colour_vision_deficiency():
    """Every two data colours of the palette (black and grey are for targets and guides, drawn
    dotted or dashed) differ by a CIE76 distance of at least 15 with normal vision and with
    each simulated deficiency at full severity, and every method has a line style and a
    marker of its own."""
    import numpy as np
    from minregion.reproduce.experiments import METHODS
    from minregion.reproduce.plots import COLORS, LINES, MARKERS, PALETTE, PROP_CYCLE
    names = sorted(n for n in PALETTE if n not in ("black", "grey"))
    for vision, matrix in [("normal", None)] + list(CVD.items()):
        labs = {n: _lab(PALETTE[n], matrix) for n in names}
        worst = min((float(np.linalg.norm(labs[a] - labs[b])), a, b)
                    for i, a in enumerate(names) for b in names[i + 1:])
        assert worst[0] >= 15, (vision, worst)
    assert set(COLORS) == set(LINES) == set(MARKERS) == set(METHODS)
    assert set(COLORS.values()) <= set(PALETTE.values())
    for table in (COLORS, LINES, MARKERS):
        assert len({str(v) for v in table.values()}) == len(table), table
    cycle = list(PROP_CYCLE)
    assert len({c["color"] for c in cycle}) == len({str(c["linestyle"]) for c in cycle}) == \
        len(cycle) and {c["color"] for c in cycle} <= set(PALETTE.values())


FIGURE_CALL = re.compile(r"\.(plot|semilogy|semilogx|loglog|scatter|axhline|axvline|bar|step|"
                         r"fill_between|errorbar|imshow|hist)\(")
# a colour given by name or by matplotlib's own palettes, or a format string with a colour letter
FOREIGN_COLOUR = re.compile(
    r"tab:\w+|plt\.cm\.\w+|cmap\s*=\s*[\"']|\b(?:color|c|facecolors?|edgecolor)\s*=\s*[\"']"
    r"(?!k[\"']|0?\.\d+[\"']|none[\"'])[^\"']+[\"']|"
    r"[\"'][-:.o^sv*x|+]*[rgbcmyw][-:.o^sv*x|+]*[\"']|[\"']#[0-9a-fA-F]{6}[\"']")


def _figure_sources():
    """(where, code) of every notebook code cell and every package file except the palette."""
    import json
    for folder, _, files in os.walk(PACKAGE):
        for f in files:
            path = os.path.join(folder, f)
            if f.endswith(".py") and not path.endswith(os.path.join("reproduce", "plots.py")):
                with open(path, encoding="utf-8") as fh:
                    yield os.path.relpath(path, ROOT), fh.read()
    tutorials = os.path.join(ROOT, "tutorials")
    for f in sorted(os.listdir(tutorials)):
        if f.endswith(".ipynb"):
            with open(os.path.join(tutorials, f), encoding="utf-8") as fh:
                cells = json.load(fh)["cells"]
            yield f, "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def test_every_figure_takes_its_colours_from_the_palette():
    """No figure of the package or the notebooks names a colour of its own (only black and
    greys besides the palette of ``minregion/reproduce/plots.py``), and every notebook that
    draws sets the palette's colour-and-line-style cycle for the lines it does not colour."""
    found = []
    for where, code in _figure_sources():
        for k, line in enumerate(code.splitlines(), 1):
            if FIGURE_CALL.search(line) or "color" in line or "cmap" in line:
                found += [f"{where} line {k}: {m.group(0)}"
                          for m in FOREIGN_COLOUR.finditer(line.split("#")[0])]
        if where.endswith(".ipynb") and "plt." in code:
            assert 'plt.rcParams["axes.prop_cycle"] = PROP_CYCLE' in code, where
    assert not found, "colours outside the palette:\n" + "\n".join(found)
