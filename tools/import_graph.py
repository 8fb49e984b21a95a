"""The library's import graph: which module imports which, checked for layers and drawn as a picture.

`python tools/import_graph.py` redraws docs/import-graph.png; tests/test_architecture.py checks the same
rules on every run: no circles, no package importing one above it, the library never importing Snakemake
or the scripts.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
PACKAGE = "xraylatent"
# Packages from the ground up; a module may import only from its own package or one listed before it.
LAYERS = ("foundation", "data", "engine", "models", "selection", "interpret", "report")
# Top-level modules every stage uses (the data contract, config, logs, progress, R², spectra on grids).
FOUNDATION = "foundation"
CALLERS = {"scripts": REPO / "scripts", "tools": REPO / "tools"}  # not the library: they may import all of it


def module_of(path: Path, root: Path = SRC) -> str:
    """Dotted name of a source file (a package is its ``__init__``)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def library_modules() -> dict[str, Path]:
    return {module_of(p): p for p in sorted((SRC / PACKAGE).rglob("*.py"))}


def _imported(tree: ast.AST, modules: set[str]) -> tuple[set[str], set[str]]:
    """(library modules, other top-level packages) that a parsed file imports, anywhere in it."""
    inside, outside = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from pkg import name` imports the module pkg.name when there is one, else pkg itself
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                     for a in node.names]
        else:
            continue
        for name in names:
            (inside if name.split(".")[0] == PACKAGE else outside).add(name if name in modules else name.split(".")[0])
    return inside, outside


def import_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """For every library module: the library modules it imports, and the other packages it imports."""
    modules = library_modules()
    graph, external = {}, {}
    for name, path in modules.items():
        graph[name], external[name] = _imported(ast.parse(path.read_text()), set(modules))
        graph[name].discard(name)
        graph[name] -= {PACKAGE} if name != PACKAGE else set()  # the package face carries only __version__
    return graph, external


def package_of(module: str) -> str:
    """``xraylatent.data.sources.ingest`` → ``data``; a top-level module is ``foundation``."""
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and (SRC / PACKAGE / parts[1]).is_dir()):
        return parts[1]
    return FOUNDATION


def circles(graph: dict[str, set[str]]) -> list[str]:
    """The modules of an import circle (empty when there is none)."""
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as err:
        return list(err.args[1])
    return []


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(importer, imported) pairs where a package imports one above it in :data:`LAYERS`."""
    rank = {name: i for i, name in enumerate(LAYERS)}
    return sorted((a, b) for a, targets in graph.items() for b in targets
                  if rank[package_of(b)] > rank[package_of(a)])


def forbidden_imports(external: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(module, package) pairs where the library imports Snakemake or the workflow's scripts."""
    return sorted((m, p) for m, packages in external.items() for p in packages if p in ("snakemake", "scripts"))


def caller_arrows() -> Counter:
    """(caller, library package) → number of caller files importing it (scripts/ and tools/)."""
    modules = set(library_modules())
    arrows = Counter()
    for caller, folder in CALLERS.items():
        for path in sorted(folder.glob("*.py")):
            inside, _ = _imported(ast.parse(path.read_text()), modules)
            for package in {package_of(m) for m in inside}:
                arrows[caller, package] += 1
    return arrows


def floors(graph: dict[str, set[str]]) -> dict[str, int]:
    """Floor of each package: 1 + the highest floor it imports from (the ground floor imports none)."""
    deps = {p: set() for p in LAYERS}
    for a, targets in graph.items():
        deps[package_of(a)] |= {package_of(b) for b in targets} - {package_of(a)}
    floor: dict[str, int] = {}
    for package in TopologicalSorter(deps).static_order():
        floor[package] = 1 + max((floor[d] for d in deps[package]), default=0)
    return floor


def draw(path: Path) -> Path:
    """The package-level picture: a box per package listing its modules and lines, arrows = imports."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    graph, _ = import_graph()
    modules = library_modules()
    floor = floors(graph)
    floor.update({caller: max(floor.values()) + 1 for caller in CALLERS})
    rows: dict[int, list[str]] = {}
    for package, f in sorted(floor.items(), key=lambda item: (item[1], LAYERS.index(item[0])
                                                              if item[0] in LAYERS else 99)):
        rows.setdefault(f, []).append(package)
    contents = {p: [] for p in LAYERS}
    for name, file in modules.items():
        short = name.split(".", 1)[1] if "." in name else "__init__"
        if package_of(name) != FOUNDATION:
            short = short.split(".", 1)[1] if "." in short else "__init__"
        contents[package_of(name)].append(f"{short} ({len(file.read_text().splitlines())})")
    callers = caller_arrows()
    for caller, folder in CALLERS.items():
        used = sorted({p for (c, p) in callers if c == caller}, key=LAYERS.index)
        contents[caller] = [f"{len(list(folder.glob('*.py')))} files, importing:", ", ".join(used)]
    width, gap_x, gap_y = 3.6, 0.6, 1.2
    height = {p: 0.5 + 0.22 * len(lines) for p, lines in contents.items()}
    row_height = {f: max(height[p] for p in packages) for f, packages in rows.items()}
    top = sum(row_height.values()) + gap_y * len(rows)
    box = {}
    y = top
    fig, ax = plt.subplots(figsize=(13, top * 0.9 + 0.5))
    for f in sorted(rows, reverse=True):
        packages = rows[f]
        y -= row_height[f] + gap_y
        total = len(packages) * width + (len(packages) - 1) * gap_x
        for i, package in enumerate(packages):
            x = -total / 2 + i * (width + gap_x)
            h = height[package]
            y0 = y + row_height[f] - h
            box[package] = (x, y0, width, h)
            library = package in LAYERS
            ax.add_patch(FancyBboxPatch((x, y0), width, h, boxstyle="round,pad=0.05",
                                        facecolor="#e8f0fb" if library else "#f3f3f3",
                                        edgecolor="#3465a4" if library else "#888888"))
            title = f"{package}/" if package != FOUNDATION else "xraylatent/*.py"
            ax.text(x + 0.1, y0 + h - 0.12, f"floor {f}: {title}", fontsize=9, weight="bold", va="top")
            ax.text(x + 0.1, y0 + h - 0.4, "\n".join(contents[package]), fontsize=7, va="top", family="monospace")
    arrows = Counter()
    for a, targets in graph.items():
        for b in targets:
            if package_of(a) != package_of(b):
                arrows[package_of(a), package_of(b)] += 1
    outgoing = {a: sorted((b for (x, b) in arrows if x == a), key=lambda b: box[b][0]) for a, _ in arrows}
    incoming = {b: sorted((a for (a, x) in arrows if x == b), key=lambda a: box[a][0]) for _, b in arrows}

    def along(package, others, other):  # spread the ends of a box's arrows over its edge, left to right
        x, _, w, _ = box[package]
        return x + w * (others.index(other) + 1) / (len(others) + 1)

    for (a, b), count in arrows.items():
        start = (along(a, outgoing[a], b), box[a][1] - 0.05)
        end = (along(b, incoming[b], a), box[b][1] + box[b][3] + 0.05)
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color="#3465a4", lw=0.9,
                                     alpha=0.75))
        ax.text(start[0] * 0.75 + end[0] * 0.25, start[1] * 0.75 + end[1] * 0.25, str(count), fontsize=7,
                color="#3465a4", ha="center", va="center",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
    ax.set_xlim(min(b[0] for b in box.values()) - 0.3, max(b[0] + b[2] for b in box.values()) + 0.3)
    ax.set_ylim(-0.3, top + 0.2)
    ax.axis("off")
    ax.set_title("xraylatent: packages by floor (an arrow = imports; its number = modules that import)", fontsize=10)
    fig.savefig(path, dpi=130, bbox_inches="tight")
    plt.close(fig)
    return path


def main() -> int:
    graph, external = import_graph()
    problems = [f"circle: {' -> '.join(c)}" for c in [circles(graph)] if c]
    problems += [f"upward import: {a} -> {b}" for a, b in upward_imports(graph)]
    problems += [f"forbidden import: {a} -> {b}" for a, b in forbidden_imports(external)]
    print("\n".join(problems) or "layered, no circles, no Snakemake or scripts in the library")
    print(f"wrote {draw(REPO / 'docs' / 'import-graph.png')}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
