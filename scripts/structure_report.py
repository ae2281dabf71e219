"""Measures how well the code keeps its structure: package cycles, long modules, long handlers,
handlers that unpack wide tuples, and untyped `.get("...")` reads of data from other domains.

    .venv/bin/python scripts/structure_report.py          # the table
    .venv/bin/python scripts/structure_report.py --list   # and every offender
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import grimp

PACKAGE = Path(__file__).resolve().parent.parent / "mediaserver"
DOMAINS = ("accounts", "admin", "catalog", "library", "packaging", "streaming")
LONG_MODULE = 350
LONG_HANDLER = 40
WIDE_TUPLE = 3


def package_cycles() -> list[tuple[str, str]]:
    """Pairs of top-level packages that import each other (directly, at run time)."""
    graph = grimp.build_graph("mediaserver", exclude_type_checking_imports=True)
    edges = set()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            a, b = _top(module), _top(imported)
            if a and b and a != b:
                edges.add((a, b))
    return sorted((a, b) for a, b in edges if a < b and (b, a) in edges)


def _top(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _is_handler(fn: ast.AST) -> bool:
    if not isinstance(fn, ast.AsyncFunctionDef):
        return False
    for deco in fn.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        name = ast.unparse(target)
        if name.endswith((".get", ".post", ".put", ".patch", ".delete", ".head", ".view")):
            return True
        if name == "access":
            return True
    return False


def _modules() -> list[tuple[Path, ast.Module, int]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        text = path.read_text()
        found.append((path, ast.parse(text), len(text.splitlines())))
    return found


def _domain_of(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if parts and parts[0] in DOMAINS else None


def measure() -> dict[str, list[str]]:
    long_modules, long_handlers, wide_unpacks, untyped_gets = [], [], [], []
    inner_imports = []
    for path, tree, lines in _modules():
        rel = path.relative_to(PACKAGE.parent)
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(fn):
                    if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith(
                        "mediaserver"
                    ):
                        inner_imports.append(f"{rel}:{inner.lineno} {inner.module}")
        if lines > LONG_MODULE:
            long_modules.append(f"{rel} ({lines} lines)")
        for node in ast.walk(tree):
            if _is_handler(node):
                assert isinstance(node, ast.AsyncFunctionDef)
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > LONG_HANDLER:
                    long_handlers.append(f"{rel}:{node.lineno} {node.name} ({length} lines)")
                for inner in ast.walk(node):
                    targets = inner.targets if isinstance(inner, ast.Assign) else []
                    for target in targets:
                        if isinstance(target, ast.Tuple) and len(target.elts) > WIDE_TUPLE:
                            wide_unpacks.append(
                                f"{rel}:{inner.lineno} {node.name} ({len(target.elts)} values)"
                            )
        if _domain_of(path) not in ("packaging", "streaming"):
            continue
        # A string-keyed .get on something that is not a request, a form or settings: data
        # that crossed a boundary as a dict instead of a record.
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                owner = ast.unparse(node.func.value)
                if any(
                    word in owner
                    for word in (
                        "routes",
                        "request",
                        "query",
                        "headers",
                        "match_info",
                        "form",
                        "payload",
                        "cookies",
                        "app",
                        "environ",
                        "os.",
                    )
                ):
                    continue
                untyped_gets.append(f"{rel}:{node.lineno} {ast.unparse(node)}")
    return {
        "package cycles": [f"{a} <-> {b}" for a, b in package_cycles()],
        "imports of our own modules inside functions": inner_imports,
        f"modules over {LONG_MODULE} lines": long_modules,
        f"handlers over {LONG_HANDLER} lines": long_handlers,
        f"handlers unpacking more than {WIDE_TUPLE} values": wide_unpacks,
        'untyped .get("...") in packaging and streaming': untyped_gets,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print every offender")
    args = parser.parse_args()
    for name, found in measure().items():
        print(f"{len(found):5d}  {name}")
        if args.list:
            for item in found:
                print(f"         {item}")


if __name__ == "__main__":
    main()
