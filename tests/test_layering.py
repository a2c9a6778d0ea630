"""Imports between VitalKit's packages go down the layers, and form no cycle.

Every import in ``vitalkit/`` (module level and inside functions) is read with :mod:`ast` and
mapped to the package (or top-level module) it names. A unit may import units of its own layer
and of the layers below; an import that climbs is allowed only when it is listed in
:data:`KNOWN_UPWARD` with the reason it has not been moved down yet, so that any new one fails.
The same layers are drawn in the README's Layout section.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "vitalkit"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "lazy"),
    ("io", "config", "labels", "splits", "augment", "viz"),
    ("signal",),
    ("data",),
    ("samples",),
    ("beats",),
    ("models",),
    ("evaluate",),
    ("datasets",),
    ("train",),
    ("explore",),
    ("export",),
    ("clinical", "rhythm", "vitals"),
    ("pipeline",),
    ("pretrained",),
    ("inference",),
    ("serve",),
    ("cli",),
)
"""Units from the bottom up: each may import its own layer and the ones below."""

KNOWN_UPWARD: dict[tuple[str, str], str] = {
    # (importing module, imported unit): why it still climbs (none today: keep it that way)
}
"""Upward imports that exist today; remove an entry when its import moves down."""


def _rank() -> dict[str, int]:
    return {unit: i for i, layer in enumerate(LAYERS) for unit in layer}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _unit(module: str) -> str | None:
    """The layered unit a dotted ``vitalkit.*`` name belongs to (None for the root package)."""
    parts = module.split(".")
    if parts[0] != "vitalkit" or len(parts) == 1:
        return None
    name = parts[1]
    if (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file():
        return name
    return None  # an attribute of the root package, e.g. __version__


def import_edges() -> list[tuple[str, str, str, int]]:
    """``(importing module, its unit, imported unit, line)`` for every import between units."""
    edges = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        source = _unit(module) or "vitalkit"
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                names = [base, *(f"{base}.{a.name}" for a in node.names)]
            else:
                continue
            for target in {u for u in map(_unit, names) if u is not None and u != source}:
                edges.append((module, source, target, node.lineno))
    return edges


def test_every_unit_has_a_layer() -> None:
    units = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    units |= {p.stem for p in PACKAGE.glob("*.py") if not p.name.startswith("_")}
    assert units - set(_rank()) == set(), "give the new package or module a layer in LAYERS (and the README)"


def test_no_import_climbs_a_layer_unless_known() -> None:
    rank = _rank()
    upward = {(m, t): line for m, s, t, line in import_edges() if s in rank and rank[t] > rank[s]}
    new = sorted(f"{m}:{line} imports {t}" for (m, t), line in upward.items() if (m, t) not in KNOWN_UPWARD)
    assert not new, "imports that climb a layer (move the code down, or import from below):\n" + "\n".join(
        new
    )
    stale = sorted(k for k in KNOWN_UPWARD if k not in upward)
    assert not stale, f"these imports no longer climb: remove them from KNOWN_UPWARD: {stale}"


def test_no_import_cycle_between_units() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, source, target, _ in import_edges():
        if (module, target) not in KNOWN_UPWARD:
            graph[source].add(target)
    state: dict[str, int] = {}

    def visit(unit: str, path: list[str]) -> None:
        state[unit] = 1
        for nxt in sorted(graph[unit]):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path[path.index(nxt) :], nxt]))
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[unit] = 2

    for unit in sorted(graph):
        if unit not in state:
            visit(unit, [unit])
