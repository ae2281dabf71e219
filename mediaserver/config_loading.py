"""Settings from their sources: defaults < TOML file < environment (MEDIASERVER_SECTION__KEY) <
CLI flags, validated into the model in mediaserver/config/. Unknown keys are errors that name
the key and suggest the closest known one.

Nothing depends on the working directory unless a relative path is given on the command line or in
the environment: the data folder defaults to the platform's (platform_paths), the config
file named by nothing is the platform's when it exists, and relative paths in a config file are
relative to that file.
"""

from __future__ import annotations

import difflib
import json
import os
import tomllib
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import UnionType
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import make_url

from mediaserver.config import ConfigError, Settings

ENV_PREFIX = "MEDIASERVER_"

# Set to 1 by the container image; 0 makes a process in any container use the desktop defaults.
CONTAINER_ENV = "MEDIASERVER_IN_CONTAINER"


@dataclass(frozen=True)
class PlatformPaths:
    """Where the data folder and the config file are when nothing names them.

    Never the working directory, so `mediaserver user list` finds the server's data from any
    folder. In the container everything is under the /config volume, beside /cache.
    """

    in_container: bool
    data_dir: Path
    config_file: Path  # read when present and no --config or $MEDIASERVER_CONFIG names one
    cache_dir: Path | None  # None: data_dir/cache


SETTINGS_FILE = "settings.toml"  # in data_dir: what the admin pages save without a config file


@dataclass(frozen=True, slots=True)
class SettingSource:
    """Where one setting's value came from: kind "file", "environment" or "flag" and the file,
    variable or flag; a setting with no source has its default."""

    kind: str
    detail: str


@dataclass(frozen=True)
class SettingsOrigin:
    """The config file the settings were read from (None: none was named or found) and each
    set value's source by dotted key. The admin pages update `sources` when they save."""

    config_file: Path | None
    sources: dict[str, SettingSource]

    def settings_file(self, settings: Settings) -> Path:
        """The file a change is saved to: the config file, else data_dir/settings.toml."""
        return self.config_file or settings.paths.data_dir / SETTINGS_FILE


# Settings objects are not hashable; the entry goes when its Settings object does.
_ORIGINS: dict[int, SettingsOrigin] = {}


def _remember(settings: Settings, origin: SettingsOrigin) -> None:
    _ORIGINS[id(settings)] = origin
    weakref.finalize(settings, _ORIGINS.pop, id(settings), None)


def settings_origin(settings: Settings) -> SettingsOrigin:
    """Where `settings` came from; settings built in code (not loaded) have every value as a
    default and no config file."""
    origin = _ORIGINS.get(id(settings))
    if origin is None:
        origin = SettingsOrigin(None, {})
        _remember(settings, origin)
    return origin


def platform_paths(environ: Mapping[str, str], root: Path = Path("/")) -> PlatformPaths:
    """The default locations for this platform: XDG folders, or /config in the container."""
    flag = environ.get(CONTAINER_ENV, "").strip().lower()
    if flag:
        in_container = flag not in ("0", "false", "no")
    else:
        # Without the image's variable, a Docker container that has a /config folder counts.
        in_container = (root / ".dockerenv").exists() and (root / "config").is_dir()
    if in_container:
        return PlatformPaths(True, root / "config", root / "config" / "config.toml", root / "cache")
    home = Path(environ.get("HOME") or Path.home())
    data_home = Path(environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    config_home = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    return PlatformPaths(
        False, data_home / "mediaserver", config_home / "mediaserver" / "config.toml", None
    )


def known_keys(model: type[BaseModel] = Settings, prefix: str = "") -> list[str]:
    """Every dotted setting name, e.g. 'server.port'."""
    keys: list[str] = []
    for name, field in model.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            keys.extend(known_keys(ann, f"{prefix}{name}."))
        else:
            keys.append(prefix + name)
    return keys


def _suggest(key: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _check_unknown(data: Mapping[str, Any], origin: str) -> None:
    """Raise ConfigError naming the first unknown key, with the close match."""
    sections = {k: v.annotation for k, v in Settings.model_fields.items()}
    for section, values in data.items():
        if section not in sections:
            raise ConfigError(
                f"{origin}: unknown section '{section}'{_suggest(section, list(sections))}"
            )
        if not isinstance(values, Mapping):
            raise ConfigError(f"{origin}: '{section}' must be a table of settings")
        fields = list(sections[section].model_fields)
        for key in values:
            if key not in fields:
                dotted = [f"{section}.{f}" for f in fields]
                all_keys = known_keys()
                dotted_key = f"{section}.{key}"
                hint = _suggest(dotted_key, dotted) or _suggest(dotted_key, all_keys)
                raise ConfigError(f"{origin}: unknown setting '{dotted_key}'{hint}")


def _env_overrides(environ: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """MEDIASERVER_SERVER__PORT=9000 -> {'server': {'port': '9000'}}.

    Variables without a double underscore (MEDIASERVER_TEST_POSTGRES_URL) are not settings.
    """
    out: dict[str, dict[str, Any]] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
        value: Any = raw
        if raw.strip().startswith("["):  # lists are given as JSON
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"environment {name}: not a JSON list: {exc}") from None
        out.setdefault(section, {})[key] = value
    return out


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    for section, values in over.items():
        base.setdefault(section, {}).update(values)
    return base


def _is_path_field(annotation: Any) -> bool:
    if annotation is Path:
        return True
    return isinstance(annotation, UnionType) and Path in get_args(annotation)


def _anchor_paths(file_data: dict[str, Any], folder: Path) -> None:
    """Relative paths in a config file are relative to the file, not to the working directory."""
    sections = {k: v.annotation for k, v in Settings.model_fields.items()}
    for section, values in file_data.items():
        fields = sections[section].model_fields
        for key, value in values.items():
            if isinstance(value, str) and value and _is_path_field(fields[key].annotation):
                path = Path(value).expanduser()
                values[key] = str(path if path.is_absolute() else folder / path)


def config_file_for(
    config_file: Path | str | None = None, environ: Mapping[str, str] | None = None
) -> Path | None:
    """The config file that is read: the one named (--config, else $MEDIASERVER_CONFIG), else
    the platform's (/config/config.toml in the container) when it exists, else none."""
    environ = os.environ if environ is None else environ
    if config_file:
        return Path(config_file)
    if environ.get(f"{ENV_PREFIX}CONFIG"):
        return Path(environ[f"{ENV_PREFIX}CONFIG"])
    default = platform_paths(environ).config_file
    return default if default.is_file() else None


def _platform_defaults(data: dict[str, Any], environ: Mapping[str, str]) -> None:
    """The data folder when no source set it; the container's /cache goes with its /config."""
    paths = data.setdefault("paths", {})
    if paths.get("data_dir") is not None:
        return
    platform = platform_paths(environ)
    paths["data_dir"] = platform.data_dir
    if paths.get("cache_dir") is None and platform.cache_dir is not None:
        paths["cache_dir"] = platform.cache_dir


def _read_secret_files(data: dict[str, Any]) -> None:
    """A `<name>_file` setting fills `<name>` from that file (Docker/K8s secrets)."""
    for section, name in (("database", "url"), ("auth", "secret_key")):
        path = data.get(section, {}).get(f"{name}_file")
        if not path:
            continue
        try:
            data[section][name] = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"{section}.{name}_file: cannot read {path}: {exc.strerror}"
            ) from None


def _format_validation(exc: ValidationError, origin: str) -> str:
    lines = [f"invalid configuration ({origin}):"]
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        lines.append(f"  {loc}: {err['msg']} (got {err.get('input')!r})")
    return "\n".join(lines)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc}") from None
    _check_unknown(data, str(path))
    _anchor_paths(data, path.absolute().parent)
    return data


def _early_data_dir(
    env_data: Mapping[str, Any], flags: Mapping[str, Any], environ: Mapping[str, str]
) -> Path:
    """The data folder as flags, environment or platform name it, before the settings file in
    it is read (which therefore cannot move it)."""
    named = flags.get("paths", {}).get("data_dir") or env_data.get("paths", {}).get("data_dir")
    folder = Path(named) if named else platform_paths(environ).data_dir
    return folder.expanduser().absolute()


def _sources_of(layer: Mapping[str, Mapping[str, Any]], source: SettingSource) -> dict:
    return {f"{s}.{k}": source for s, values in layer.items() for k in values}


def _env_sources(environ: Mapping[str, str]) -> dict[str, SettingSource]:
    out: dict[str, SettingSource] = {}
    for name in environ:
        if name.startswith(ENV_PREFIX) and "__" in name:
            section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
            out[f"{section}.{key}"] = SettingSource("environment", name)
    return out


def load_settings(
    config_file: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Settings:
    """Build the effective settings; raise ConfigError with a readable message.

    Without a config file, the settings file the admin pages write in the data folder
    (data_dir/settings.toml) takes the config file's place. Where each value came from is kept
    for the admin pages: `settings_origin(settings)`.
    """
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    origins = ["defaults"]
    sources: dict[str, SettingSource] = {}
    env_data = _env_overrides(environ)
    flags = {
        s: {k: v for k, v in vals.items() if v is not None} for s, vals in (overrides or {}).items()
    }
    config_file = config_file_for(config_file, environ)
    read_file: Path | None = None
    if config_file:
        read_file = Path(config_file)
    else:
        own = _early_data_dir(env_data, flags, environ) / SETTINGS_FILE
        if own.is_file():
            read_file = own
    if read_file is not None:
        file_data = _read_toml(read_file)
        if not config_file and "data_dir" in file_data.get("paths", {}):
            raise ConfigError(
                f"{read_file}: paths.data_dir cannot be set in the settings file inside the data "
                "folder; use --data-dir or MEDIASERVER_PATHS__DATA_DIR"
            )
        _merge(data, file_data)
        sources |= _sources_of(file_data, SettingSource("file", str(read_file)))
        origins.append(str(read_file))
    if env_data:
        _check_unknown(env_data, "environment")
        _merge(data, env_data)
        sources |= _env_sources(environ)
        origins.append("environment")
    if flags:
        _merge(data, flags)
        sources |= _sources_of(flags, SettingSource("flag", "the command line"))
        origins.append("command line")
    _platform_defaults(data, environ)
    for section, name in (("database", "url"), ("auth", "secret_key")):
        via = sources.get(f"{section}.{name}_file")
        if via is not None and data[section].get(f"{name}_file"):
            sources[f"{section}.{name}"] = SettingSource(via.kind, f"{section}.{name}_file")
    _read_secret_files(data)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_validation(exc, " < ".join(origins))) from None
    _remember(settings, SettingsOrigin(Path(config_file) if config_file else None, sources))
    return settings


def redacted(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data with secrets hidden, for `config check`."""
    data = settings.model_dump(mode="json")
    url = settings.database.url.get_secret_value()
    data["database"]["url"] = _redact_url(url) if url else ""
    data["auth"]["secret_key"] = "********" if settings.auth.secret_key.get_secret_value() else ""
    return data


def _redact_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # a malformed URL is reported elsewhere; never echo it with a password
        return "********"
