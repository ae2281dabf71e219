"""The settings page's sections and fields, its form read back into values, and the JSON twins'
records: all built from the field descriptions in settings_form."""

from __future__ import annotations

from typing import Any

from multidict import MultiDictProxy
from pydantic import Field

from mediaserver.admin.settings_apply import (
    SettingsState,
    applies_live,
    configured_values,
)
from mediaserver.admin.settings_form import (
    SPECS,
    FieldSpec,
    FieldView,
    SectionView,
    input_value,
    read_only_reason,
    shown_value,
)
from mediaserver.config import Settings
from mediaserver.config_loading import SettingsOrigin, settings_origin
from mediaserver.http.api import ApiModel

CLEAR_PREFIX = "clear:"  # a secret's "remove it" box: clear:metrics.token


def _field(
    spec: FieldSpec,
    configured: Any,
    running: Any,
    origin: SettingsOrigin,
    state: SettingsState,
    error: str,
    raw: Any,
) -> FieldView:
    source = origin.sources.get(spec.key)
    pending = ""
    if spec.key in state.pending:
        pending = f"saved; {shown_value(spec, running)} until the server restarts"
    value = input_value(spec, configured)
    if raw is not None and spec.kind != "secret":
        value = raw  # what was typed, shown again beside its error
    return FieldView(
        spec=spec,
        value=value,
        shown=shown_value(spec, configured),
        source=source.kind if source else "default",
        source_detail=source.detail if source else "",
        read_only=read_only_reason(spec, origin),
        live=applies_live(spec.key),
        pending=pending,
        error=error,
    )


def page_sections(
    settings: Settings,
    state: SettingsState,
    errors: dict[str, str] | None = None,
    submitted: dict[str, Any] | None = None,
) -> list[SectionView]:
    """Every section in the model's order with every field, as saved (and typed, on errors)."""
    origin = settings_origin(settings)
    configured = configured_values(settings, state)
    errors, submitted = errors or {}, submitted or {}
    sections = []
    for section, specs in SPECS:
        fields = [
            _field(
                spec,
                configured[section][spec.name],
                getattr(getattr(settings, section), spec.name),
                origin,
                state,
                errors.get(spec.key, ""),
                submitted.get(spec.key),
            )
            for spec in specs
        ]
        sections.append(SectionView(section, section.replace("_", " ").capitalize(), fields))
    return sections


def parse_form(form: MultiDictProxy[Any], settings: Settings) -> dict[str, Any]:
    """The submitted settings as raw values the model validates; fields not in the form (read
    only ones are disabled, so browsers leave them out) and untouched secrets are left alone."""
    origin = settings_origin(settings)
    out: dict[str, Any] = {}
    for _, specs in SPECS:
        for spec in specs:
            key = spec.key
            if read_only_reason(spec, origin):
                continue
            values = [v for v in form.getall(key, []) if isinstance(v, str)]
            if spec.kind == "secret":
                if form.get(CLEAR_PREFIX + key):
                    out[key] = ""
                elif values and values[-1]:
                    out[key] = values[-1]
            elif key not in form:
                continue
            elif spec.kind == "toggle":
                out[key] = values[-1] if values else "false"  # hidden "false", then the box
            elif spec.kind == "multichoice":
                out[key] = [v for v in values if v]
            elif spec.kind == "list":
                out[key] = [line.strip() for line in (values[-1] if values else "").splitlines()]
                out[key] = [line for line in out[key] if line]
            else:
                text = values[-1].strip() if values else ""
                out[key] = None if spec.optional and not text else text
    return out


class SettingOut(ApiModel):
    key: str = Field(description="Dotted name, as in the config file: streaming.max_sessions.")
    kind: str = Field(description="toggle, choice, multichoice, number, list, path, secret, text.")
    value: Any = Field(description='The saved value; a secret is "set" or "not set".')
    running: Any = Field(description="The value in use now (differs until a restart).")
    source: str = Field(description="default, file, environment or flag.")
    source_detail: str = Field(description="The file, variable or flag it came from.")
    read_only: str = Field(description='Why it cannot be changed here; "" when it can.')
    applies_live: bool = Field(description="A change applies at once (else after a restart).")
    restart_pending: bool = Field(description="Saved, and waiting for a restart.")
    help: str
    choices: list[str] = Field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""


class SettingsOut(ApiModel):
    settings: list[SettingOut]
    settings_file: str = Field(description="Where a change is saved.")
    restart_supported: bool = Field(description="POST /admin/settings/restart can restart it.")


class SettingsSavedOut(ApiModel):
    changed: list[str] = Field(description="The settings that changed.")
    restart_needed: list[str] = Field(description="Changed settings used only after a restart.")


def _json_value(spec: FieldSpec, value: Any) -> Any:
    if spec.kind == "secret":
        return shown_value(spec, value)
    if isinstance(value, list):
        return [str(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def api_settings(settings: Settings, state: SettingsState, supported: bool) -> SettingsOut:
    origin = settings_origin(settings)
    saved = configured_values(settings, state)
    items = []
    for section in page_sections(settings, state):
        for view in section.fields:
            spec = view.spec
            configured = saved[section.name][spec.name]
            running = getattr(getattr(settings, section.name), spec.name)
            items.append(
                SettingOut(
                    key=spec.key,
                    kind=spec.kind,
                    value=_json_value(spec, configured),
                    running=_json_value(spec, running),
                    source=view.source,
                    source_detail=view.source_detail,
                    read_only=view.read_only,
                    applies_live=view.live,
                    restart_pending=bool(view.pending),
                    help=spec.help,
                    choices=list(spec.choices),
                    minimum=spec.minimum,
                    maximum=spec.maximum,
                    unit=spec.unit,
                )
            )
    return SettingsOut(
        settings=items,
        settings_file=str(origin.settings_file(settings)),
        restart_supported=supported,
    )
