"""The benchmark scripts keep up with the code they measure: every name they import from the
server still exists, and each one starts (its --help) without an import error."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
SCRIPTS = sorted(BENCH.glob("*.py"))
# What can be run; the rest are helpers the scripts import (checked by the import test only).
RUNNABLE = [path for path in SCRIPTS if '__name__ == "__main__"' in path.read_text()]


def _server_imports(path: Path) -> list[tuple[int, str, str]]:
    """(line, module, name) of every `from mediaserver... import name`, top level or not."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mediaserver"):
            found += [(node.lineno, node.module or "", alias.name) for alias in node.names]
    return found


def _resolves(module: str, name: str) -> bool:
    if hasattr(importlib.import_module(module), name):
        return True
    try:
        importlib.import_module(f"{module}.{name}")
    except ImportError:
        return False
    return True


def test_every_server_name_a_bench_script_imports_exists() -> None:
    missing = [
        f"{path.name}:{line} from {module} import {name}"
        for path in SCRIPTS
        for line, module, name in _server_imports(path)
        if not _resolves(module, name)
    ]
    assert SCRIPTS and not missing, missing


@pytest.mark.slow
@pytest.mark.parametrize("script", RUNNABLE, ids=lambda p: p.name)
def test_bench_script_starts(script: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(script), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=BENCH.parent,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage" in done.stdout.lower()
