"""The settings model described field by field for the settings page and its API: kind of input,
bounds, unit, choices, help text, current value and where it came from. Everything is read from
the model (annotations, Field constraints and descriptions), so a new setting shows up without
template work."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Literal, get_args, get_origin

import annotated_types
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from mediaserver.config import Settings
from mediaserver.config_loading import ENV_PREFIX, SETTINGS_FILE, SettingsOrigin

Kind = Literal["toggle", "choice", "multichoice", "number", "list", "path", "secret", "text"]

_UNITS = (
    ("_seconds", "seconds"),
    ("_minutes", "minutes"),
    ("_hours", "hours"),
    ("_days", "days"),
    ("_bytes", "bytes"),
    ("_height", "pixels"),
    ("_timeout", "seconds"),
)
SOURCE_WORDS = {"default": "default", "file": "file", "environment": "environment", "flag": "flag"}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """What the model says about one setting (the same for every request)."""

    section: str
    name: str
    kind: Kind
    help: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    optional: bool = False
    unit: str = ""

    @property
    def key(self) -> str:
        return f"{self.section}.{self.name}"

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()

    @property
    def step(self) -> str:
        return "1" if self.integer else "any"


@dataclass(frozen=True, slots=True)
class FieldView:
    """One setting as the page shows it now."""

    spec: FieldSpec
    value: Any  # what the input holds: str, bool or list[str]; "" for secrets
    shown: str  # the value in words ("4", "5 GiB (5368709120)", "set", "not set")
    source: str  # default, file, environment or flag
    source_detail: str
    read_only: str  # why it cannot be changed here; "" when it can
    live: bool  # a saved change applies at once (else after a restart)
    pending: str  # saved, waiting for a restart: what runs until then; "" otherwise
    error: str = ""


@dataclass(frozen=True, slots=True)
class SectionView:
    name: str
    title: str
    fields: list[FieldView]


def _bounds(info: FieldInfo) -> tuple[float | None, float | None]:
    low = high = None
    for rule in info.metadata:
        if isinstance(rule, annotated_types.Ge):
            low = rule.ge
        elif isinstance(rule, annotated_types.Gt):
            low = rule.gt  # the browser cannot say "above"; the model says it on save
        elif isinstance(rule, annotated_types.Le):
            high = rule.le
        elif isinstance(rule, annotated_types.Lt):
            high = rule.lt
    return low, high


def _unit(name: str) -> str:
    return next((unit for suffix, unit in _UNITS if name.endswith(suffix)), "")


def describe_field(section: str, name: str, info: FieldInfo) -> FieldSpec:
    """The input a field gets, from its annotation and constraints."""
    ann = info.annotation
    optional = False
    if isinstance(ann, UnionType) or get_origin(ann) is not None and NoneType in get_args(ann):
        args = [a for a in get_args(ann) if a is not NoneType]
        optional = len(args) < len(get_args(ann))
        ann = args[0] if len(args) == 1 else ann
    common: dict[str, Any] = {
        "section": section,
        "name": name,
        "help": info.description or "",
        "optional": optional,
    }
    if ann is bool:
        return FieldSpec(kind="toggle", **common)
    if ann is SecretStr:
        return FieldSpec(kind="secret", **common)
    if get_origin(ann) is Literal:
        return FieldSpec(kind="choice", choices=tuple(map(str, get_args(ann))), **common)
    if get_origin(ann) is list:
        (item,) = get_args(ann)
        if get_origin(item) is Literal:
            return FieldSpec(kind="multichoice", choices=tuple(map(str, get_args(item))), **common)
        return FieldSpec(kind="list", **common)
    if ann in (int, float):
        low, high = _bounds(info)
        return FieldSpec(
            kind="number", minimum=low, maximum=high, integer=ann is int, unit=_unit(name), **common
        )
    if ann is Path:
        return FieldSpec(kind="path", **common)
    return FieldSpec(kind="text", **common)


def model_specs(model: type[Settings] = Settings) -> list[tuple[str, list[FieldSpec]]]:
    """Every section in the model's order, with its fields in theirs."""
    out = []
    for section, info in model.model_fields.items():
        section_model = info.annotation
        assert isinstance(section_model, type) and issubclass(section_model, BaseModel)
        fields = [describe_field(section, n, f) for n, f in section_model.model_fields.items()]
        out.append((section, fields))
    return out


SPECS = model_specs()
SPEC_BY_KEY = {spec.key: spec for _, specs in SPECS for spec in specs}


def _human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            text = f"{size:.0f}" if unit == "bytes" else f"{size:.1f}".removesuffix(".0")
            return f"{text} {unit}"
        size /= 1024
    return f"{n} bytes"


def _number(value: float) -> str:
    """Every digit kept (a shortened number would be saved back changed); 15.0 reads 15."""
    text = str(value)
    return text.removesuffix(".0") if isinstance(value, float) else text


def shown_value(spec: FieldSpec, value: Any) -> str:
    """A value in words for the page and the audit log's readers."""
    if spec.kind == "secret":
        return "set" if isinstance(value, SecretStr) and value.get_secret_value() else "not set"
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "(empty)"
    if spec.unit == "bytes" and isinstance(value, int) and value >= 1024:
        return f"{_human_bytes(value)} ({value})"
    if spec.unit and spec.kind == "number":
        return f"{_number(value)} {spec.unit}"
    return str(value)


def input_value(spec: FieldSpec, value: Any) -> Any:
    """What the form control holds for `value`."""
    if spec.kind == "secret" or value is None:
        return ""
    if spec.kind == "toggle":
        return bool(value)
    if spec.kind in ("list", "multichoice"):
        return [str(v) for v in value]
    if isinstance(value, float):
        return _number(value)
    return str(value)


def read_only_reason(spec: FieldSpec, origin: SettingsOrigin) -> str:
    """Why the page may not change a setting ("" when it may)."""
    source = origin.sources.get(spec.key)
    if source is not None and source.kind == "environment":
        return f"set by {source.detail}"
    if source is not None and source.kind == "flag":
        return f"set on {source.detail}"
    for name in ("url", "secret_key"):
        if spec.name == name and source is not None and source.detail == f"{spec.key}_file":
            return f"read from the file named by {spec.key}_file"
    if spec.key == "paths.data_dir" and origin.config_file is None:
        return (
            f"the settings file ({SETTINGS_FILE}) lives in the data folder; move it with "
            f"--data-dir, {ENV_PREFIX}PATHS__DATA_DIR or a config file"
        )
    return ""
