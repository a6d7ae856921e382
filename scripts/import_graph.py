#!/usr/bin/env python3
"""Print the import graph between the project's top-level packages and any cycle in it.

    python3 scripts/import_graph.py            # edges, then cycles (exit 1 when there is one)
    python3 scripts/import_graph.py --local    # also list function-level imports of our own code

Reads the source with `ast`; nothing is imported or run. An edge A -> B means some module of
A imports B at module level. Imports inside a function are listed separately with --local: they
do not take part in import-time cycles but still say that A depends on B (--all-edges counts
them as edges too). Imports under `if TYPE_CHECKING:` are for type hints only and left out.
"""
from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".git", ".venv", "node_modules", "tests", "migrations", "scripts", "instance", "static",
        "templates", "docs"}


def top_level_units(root: Path) -> set[str]:
    """Packages (folders with __init__.py) and single modules at the root of the project."""
    units = set()
    for path in root.iterdir():
        if path.name in SKIP or path.name.startswith("."):
            continue
        if path.is_dir() and (path / "__init__.py").exists():
            units.add(path.name)
        elif path.suffix == ".py":
            units.add(path.stem)
    return units


def source_files(root: Path, units: set[str]):
    for unit in sorted(units):
        path = root / unit
        if path.is_dir():
            yield from ((unit, p) for p in sorted(path.rglob("*.py")))
        else:
            yield unit, root / f"{unit}.py"


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(path: Path, package: str, units: set[str]):
    """Yield (target unit, line, module_level) for each import of our own code in a file."""
    tree = ast.parse(path.read_text(), str(path))
    relative_base = path.relative_to(ROOT).with_suffix("").parts
    if relative_base[-1] == "__init__":
        relative_base = relative_base[:-1]
    else:
        relative_base = relative_base[:-1]

    def visit(node, module_level):
        for child in ast.iter_child_nodes(node):
            level_here = module_level
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                level_here = False
            elif isinstance(child, ast.If) and _is_type_checking(child):
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    head = alias.name.split(".")[0]
                    if head in units:
                        yield head, child.lineno, level_here
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = relative_base[: len(relative_base) - (child.level - 1)]
                    name = ".".join(base + ((child.module,) if child.module else ()))
                else:
                    name = child.module or ""
                head = name.split(".")[0]
                if head in units:
                    yield head, child.lineno, level_here
            yield from visit(child, level_here)

    yield from visit(tree, True)


def graph(root: Path = ROOT):
    units = top_level_units(root)
    edges: dict[str, set[str]] = {unit: set() for unit in units}
    local: list[tuple[str, int, str]] = []
    for unit, path in source_files(root, units):
        for target, line, module_level in imports_of(path, unit, units):
            if not module_level:
                local.append((str(path.relative_to(root)), line, target))
            elif target != unit:
                edges[unit].add(target)
    return edges, local


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one unit (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def strongconnect(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            strongconnect(v)
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--local", action="store_true",
                        help="also list function-level imports of our own modules")
    parser.add_argument("--all-edges", action="store_true",
                        help="count function-level imports as edges too when looking for cycles")
    args = parser.parse_args(argv)
    edges, local = graph()
    if args.all_edges:
        for path, _line, target in local:
            unit = path.split("/")[0].removesuffix(".py")
            if target != unit:
                edges[unit].add(target)
    for unit in sorted(edges):
        targets = ", ".join(sorted(edges[unit])) or "-"
        print(f"{unit:14} -> {targets}")
    if args.local:
        print(f"\nfunction-level imports of our own code: {len(local)}")
        for path, line, target in local:
            print(f"  {path}:{line} -> {target}")
    found = cycles(edges)
    print()
    if found:
        for component in found:
            print("cycle: " + " <-> ".join(component))
        return 1
    print("no cycle between top-level packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
