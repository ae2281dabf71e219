"""Plugin loading, as Datasette does it: built-ins, installed entry points, the plugins folder."""

from __future__ import annotations

import importlib.util
import logging
import re
import sys
from pathlib import Path

import pluggy

from mediaserver import hookspecs
from mediaserver.config import Settings

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "mediaserver"
PLUGIN_FILE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}\.py$")
BUILTIN_PLUGINS: tuple[str, ...] = ()


class PluginError(Exception):
    """A plugin failed to load; the message names it."""


def _load_folder(pm: pluggy.PluginManager, folder: Path, disabled: set[str]) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        # Only plain files with strict names: no symlinks out of the folder, no odd module names.
        if path.is_symlink() or not path.is_file() or not PLUGIN_FILE_RE.fullmatch(path.name):
            continue
        name = path.stem
        if name in disabled:
            continue
        module_name = f"mediaserver_plugin_{name}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(module_name, None)
            raise PluginError(f"plugin {path} failed to load: {type(exc).__name__}: {exc}") from exc
        pm.register(module, name=name)
        log.info("loaded plugin %s from %s", name, path)


def create_plugin_manager(settings: Settings) -> pluggy.PluginManager:
    pm = pluggy.PluginManager("mediaserver")
    pm.add_hookspecs(hookspecs)
    disabled = set(settings.plugins.disabled)
    for dotted in BUILTIN_PLUGINS:
        if dotted.rsplit(".", 1)[-1] not in disabled:
            pm.register(importlib.import_module(dotted), name=dotted)
    for name in disabled:
        pm.set_blocked(name)  # entry points with a disabled name are skipped
    try:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    except Exception as exc:
        raise PluginError(
            f"an installed plugin failed to load: {type(exc).__name__}: {exc}"
        ) from exc
    _load_folder(pm, settings.plugins_folder, disabled)
    return pm
