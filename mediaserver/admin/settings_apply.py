"""Saving settings from the admin pages: validate with the settings model, write the settings
file, record each change in the audit log, change the running values of what may change at run
time and remember what waits for a restart.

The running Settings object is changed in place, section object by section object, so every
component that kept a section (the job runner its JobSettings, the on-the-fly service its
StreamingSettings) sees the new values; the whole candidate was validated first, which is why
fields are set without a second, one-field-at-a-time validation (that would refuse a pair such as
segment_seconds and gop_seconds changed together). Components that copied a value at start-up
are told through `http.live_settings`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel, SecretStr, ValidationError

from mediaserver.admin.settings_file import write_settings
from mediaserver.admin.settings_form import SPEC_BY_KEY, read_only_reason
from mediaserver.config import Settings
from mediaserver.config_loading import SettingSource, settings_origin
from mediaserver.db.audit import REDACTED, AuditActor, record_audit_in
from mediaserver.http.live_settings import settings_changed
from mediaserver.keys import config_key, db_key

# What applies while the server runs (read per request or per job, or re-read when told);
# every other setting is saved and used from the next start.
LIVE_SECTIONS = {
    "transcoding",
    "streaming",
    "jobs",
    "uploads",
    "metrics",
    "logging",
    "billing",
    "metadata",
}
LIVE_KEYS = {
    "watchparty.max_rooms_per_user",
    "watchparty.max_members",
    "watchparty.buffer_wait_seconds",
    "watchparty.invite_hours",
    "server.trusted_proxies",
    "housekeeping.keep_ended_sessions_days",
    "housekeeping.keep_plays_days",
    "housekeeping.keep_finished_uploads_days",
    "library.watch",
    "library.rescan_minutes",
    "auth.session_days",
    "auth.cookie_secure",
    "auth.login_attempts_per_account",
    "auth.login_attempts_per_address",
    "auth.login_window_seconds",
    "auth.max_profiles",
    "analytics.keep_heartbeats_days",
    "social.clip_max_seconds",
    "social.public_clips",
}


def applies_live(key: str) -> bool:
    return key.partition(".")[0] in LIVE_SECTIONS or key in LIVE_KEYS


class SettingsRejected(Exception):
    """Nothing was saved; `errors` maps each dotted key (or a section) to what is wrong."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class SettingsNotWritten(Exception):
    """The settings file could not be written; nothing was changed."""


@dataclass(frozen=True, slots=True)
class Change:
    key: str
    old: Any
    new: Any
    live: bool


@dataclass
class SettingsState:
    """Per process: saved values that wait for a restart (key -> saved value) and the lock that
    makes saves one at a time."""

    pending: dict[str, Any] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


settings_state_key: web.AppKey[SettingsState] = web.AppKey("admin_settings", SettingsState)


def _get(settings: BaseModel, key: str) -> Any:
    section, _, name = key.partition(".")
    return getattr(getattr(settings, section), name)


def configured_values(settings: Settings, state: SettingsState) -> dict[str, dict[str, Any]]:
    """The values as saved: the running ones, with those waiting for a restart."""
    data = {s: dict(getattr(settings, s).__dict__) for s in Settings.model_fields}
    for key, value in state.pending.items():
        section, _, name = key.partition(".")
        data[section][name] = value
    return data


def _message(err: dict[str, Any]) -> str:
    text = str(err["msg"]).removeprefix("Value error, ").replace("Input should be", "Must be")
    return text if text.endswith(".") else text + "."


def _field_errors(exc: ValidationError, submitted: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err["loc"]]
        key = ".".join(loc[:2])
        if key not in SPEC_BY_KEY:
            # A check across fields (e.g. transcoding): put it on a changed field it names.
            named = [k for k in submitted if k in err["msg"] and k.startswith(loc[0] + ".")]
            key = named[0] if named else next((k for k in submitted if k.startswith(loc[0])), key)
        errors.setdefault(key, _message(err))
    return errors


def plan_changes(
    settings: Settings, state: SettingsState, submitted: dict[str, Any]
) -> tuple[Settings, list[Change]]:
    """Validate `submitted` ({"section.key": raw value}) over the configured values; the changed
    settings in the model's order, or SettingsRejected naming each wrong field."""
    origin = settings_origin(settings)
    errors: dict[str, str] = {}
    for key in submitted:
        spec = SPEC_BY_KEY.get(key)
        if spec is None:
            errors[key] = "No such setting."
        elif reason := read_only_reason(spec, origin):
            errors[key] = f"Cannot be changed here: {reason}."
    data = configured_values(settings, state)
    for key, value in submitted.items():
        if key not in errors:
            section, _, name = key.partition(".")
            data[section][name] = value
    try:
        candidate = Settings.model_validate(data)
    except ValidationError as exc:
        errors = _field_errors(exc, submitted) | errors
    if errors:
        raise SettingsRejected(errors)
    before = configured_values(settings, state)
    changes = []
    for key in SPEC_BY_KEY:
        if key not in submitted:
            continue
        section, _, name = key.partition(".")
        old, new = before[section][name], _get(candidate, key)
        if old != new:
            changes.append(Change(key, old, new, applies_live(key)))
    return candidate, changes


def audit_value(value: Any) -> Any:
    """A value for the audit log: secrets never appear, only whether one is set."""
    if isinstance(value, SecretStr):
        return REDACTED if value.get_secret_value() else ""
    if isinstance(value, list):
        return [audit_value(v) for v in value]
    return value if isinstance(value, bool | int | float | None) else str(value)


def _apply_live(settings: Settings, change: Change) -> None:
    section, _, name = change.key.partition(".")
    target = getattr(settings, section)
    target.__dict__[name] = change.new  # validated with the whole candidate (module docstring)
    target.__pydantic_fields_set__.add(name)


async def save_settings(
    app: web.Application, actor: AuditActor, submitted: dict[str, Any]
) -> list[Change]:
    """Validate, write, audit and apply; nothing at all changes when anything is wrong."""
    settings, state = app[config_key], app[settings_state_key]
    origin = settings_origin(settings)
    async with state.lock:
        _candidate, changes = plan_changes(settings, state, submitted)
        if not changes:
            return []
        path = origin.settings_file(settings)
        async with app[db_key].write() as conn:
            for change in changes:
                detail = {"old": audit_value(change.old), "new": audit_value(change.new)}
                await record_audit_in(conn, actor, "settings.change", change.key, detail)
            try:  # inside the transaction: a file that cannot be written records no change
                written = await asyncio.to_thread(
                    write_settings, path, {c.key: c.new for c in changes}
                )
            except OSError as exc:
                raise SettingsNotWritten(
                    f"The settings file {path} could not be written: {exc.strerror or exc}. "
                    "Nothing was changed."
                ) from None
        for change in changes:
            origin.sources[change.key] = SettingSource("file", str(written))
            if change.live:
                _apply_live(settings, change)
            elif change.new == _get(settings, change.key):
                state.pending.pop(change.key, None)  # back to what is running
            else:
                state.pending[change.key] = change.new
    if any(c.live for c in changes):
        await settings_changed(app)
    return changes
