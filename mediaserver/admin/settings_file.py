"""Writing changed settings into the TOML file the server reads at start: the config file it was
started with, else data_dir/settings.toml. Edited with tomlkit, so comments, order, spacing and
everything not changed stay as the admin wrote them; written atomically (a temporary file beside
it, fsync, rename, fsync of the folder), so a crash leaves the old file or the new one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

import tomlkit
from pydantic import SecretStr
from tomlkit.items import Table

NEW_FILE_HEADER = (
    "# Settings saved by Admin > Settings. The server reads this file at start when no config\n"
    "# file is named (--config, MEDIASERVER_CONFIG); environment variables and flags win over\n"
    "# it. Every setting is described in config.example.toml.\n"
)


def toml_value(value: Any) -> Any:
    """A validated setting as TOML can hold it; None (no value) removes the key."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list):
        return [toml_value(v) for v in value]
    return value


def updated_text(text: str, changes: dict[str, Any]) -> str:
    """`text` (a TOML document) with each dotted key set to its value (None: removed)."""
    doc = tomlkit.parse(text)
    for key, value in changes.items():
        section, _, name = key.partition(".")
        table = doc.get(section)
        if table is None:
            if value is None:
                continue
            table = tomlkit.table()
            doc.add(section, table)
        assert isinstance(table, Table | dict)
        if value is None:
            table.pop(name, None)
        else:
            table[name] = toml_value(value)
    return tomlkit.dumps(doc)


def _atomic_write(path: Path, text: str) -> None:
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o600  # it may come to hold a secret (a metrics token)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_settings(path: Path, changes: dict[str, Any]) -> Path:
    """Save `changes` ({"streaming.max_sessions": 8}) into the file at `path` (created when
    missing; a link is followed, so a linked config file stays linked). Blocking: run it in a
    thread. Returns the file written."""
    target = path.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = NEW_FILE_HEADER
    _atomic_write(target, updated_text(text, changes))
    return target
