"""Settings from their sources: defaults < TOML file < environment (MEDIASERVER_SECTION__KEY) <
CLI flags, validated into the model in config.py. Unknown keys are errors that name the key and
suggest the closest known one.

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


def load_settings(
    config_file: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Settings:
    """Build the effective settings; raise ConfigError with a readable message."""
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    origins = ["defaults"]
    config_file = config_file_for(config_file, environ)
    if config_file:
        path = Path(config_file)
        try:
            file_data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {path} cannot be read: {exc}") from None
        _check_unknown(file_data, str(path))
        _anchor_paths(file_data, path.absolute().parent)
        _merge(data, file_data)
        origins.append(str(path))
    env_data = _env_overrides(environ)
    if env_data:
        _check_unknown(env_data, "environment")
        _merge(data, env_data)
        origins.append("environment")
    if overrides:
        cleaned = {
            s: {k: v for k, v in vals.items() if v is not None} for s, vals in overrides.items()
        }
        _merge(data, cleaned)
        origins.append("command line")
    _platform_defaults(data, environ)
    _read_secret_files(data)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_validation(exc, " < ".join(origins))) from None


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
