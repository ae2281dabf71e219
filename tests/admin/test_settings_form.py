"""The settings page is generated from the settings model: each field's input kind, bounds, unit
and choices come from its annotation and constraints, and a new setting needs no template."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from mediaserver.admin.settings_form import SPEC_BY_KEY, model_specs, shown_value
from mediaserver.config import Settings, StreamingSettings
from mediaserver.config_loading import known_keys


def test_every_setting_of_the_model_is_described_in_model_order() -> None:
    assert list(SPEC_BY_KEY) == known_keys()
    sections = [section for section, _ in model_specs()]
    assert sections == list(Settings.model_fields)


def test_inputs_follow_annotations_and_constraints() -> None:
    sessions = SPEC_BY_KEY["streaming.max_sessions"]
    assert (sessions.kind, sessions.minimum, sessions.maximum, sessions.integer) == (
        "number",
        1,
        256,
        True,
    )
    ttl = SPEC_BY_KEY["streaming.token_ttl_seconds"]
    assert (ttl.unit, ttl.minimum, ttl.maximum) == ("seconds", 60, 7 * 86400)
    assert SPEC_BY_KEY["transcoding.gop_seconds"].step == "any"
    assert SPEC_BY_KEY["uploads.max_bytes"].unit == "bytes"
    hwaccel = SPEC_BY_KEY["transcoding.hwaccel"]
    assert hwaccel.kind == "choice"
    assert hwaccel.choices == ("auto", "none", "nvenc", "qsv", "vaapi")
    assert SPEC_BY_KEY["transcoding.rungs"].kind == "multichoice"
    assert SPEC_BY_KEY["library.watch"].kind == "toggle"
    assert SPEC_BY_KEY["server.trusted_proxies"].kind == "list"
    assert SPEC_BY_KEY["metrics.token"].kind == "secret"
    assert SPEC_BY_KEY["auth.secret_key"].kind == "secret"
    root = SPEC_BY_KEY["storage.root"]
    assert (root.kind, root.optional) == ("path", True)
    assert SPEC_BY_KEY["paths.data_dir"].optional is False
    description = StreamingSettings.model_fields["max_sessions"].description
    assert sessions.help == description


def test_a_new_setting_appears_without_template_work() -> None:
    class MoreStreaming(StreamingSettings):
        burst_seconds: float = Field(3.0, ge=0.5, le=30, description="Seconds of burst.")
        relay_key: SecretStr = Field(SecretStr(""), description="Relay key.")

    class MoreSettings(Settings):
        streaming: MoreStreaming = Field(default_factory=MoreStreaming)

    specs = {s.key: s for _, fields in model_specs(MoreSettings) for s in fields}
    burst = specs["streaming.burst_seconds"]
    assert (burst.kind, burst.minimum, burst.maximum, burst.unit) == (
        "number",
        0.5,
        30,
        "seconds",
    )
    assert burst.help == "Seconds of burst."
    assert specs["streaming.relay_key"].kind == "secret"


def test_values_in_words() -> None:
    assert shown_value(SPEC_BY_KEY["metrics.token"], SecretStr("s3cret")) == "set"
    assert shown_value(SPEC_BY_KEY["metrics.token"], SecretStr("")) == "not set"
    assert shown_value(SPEC_BY_KEY["uploads.max_bytes"], 50 * 1024**3) == (
        f"50 GiB ({50 * 1024**3})"
    )
    assert shown_value(SPEC_BY_KEY["streaming.max_height"], 720) == "720 pixels"
    assert shown_value(SPEC_BY_KEY["library.watch"], False) == "off"
    assert shown_value(SPEC_BY_KEY["storage.root"], None) == "(none)"
    assert shown_value(SPEC_BY_KEY["paths.data_dir"], Path("/srv/m")) == "/srv/m"
