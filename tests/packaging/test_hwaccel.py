"""Hardware encoder detection: what really works is found by encoding frames; the fallback to
libx264 is clear. This machine has no GPU, so the real probes must fail fast and cleanly."""

from __future__ import annotations

import logging
import time

import pytest

from mediaserver.config import TranscodingSettings
from mediaserver.media import hwaccel
from mediaserver.media.hwaccel import HwaccelStatus, detect, log_status, probe_encoder
from mediaserver.media.ladder import rungs as ladder
from mediaserver.media.ladder.rungs import LadderProfile
from mediaserver.media.ladder.segmenter import _encoder_options
from mediaserver.packaging.hwaccel import HwaccelState, run_detection
from mediaserver.packaging.work import Plan, package_into
from tests.media_factory import make_video

HEVC_ENCODERS = {"nvenc": "hevc_nvenc", "qsv": "hevc_qsv", "vaapi": "hevc_vaapi"}


def encoder_for(status: HwaccelStatus, codec: str = "h264") -> str:
    """The encoder name for `codec` ("h264" or "hevc"): the hardware one when in use."""
    kind = status.hardware
    if kind is not None:
        return (HEVC_ENCODERS if codec == "hevc" else hwaccel.H264_ENCODERS)[kind]
    return hwaccel.SOFTWARE.get(codec, hwaccel.SOFTWARE["h264"])


def test_auto_on_a_machine_without_gpu_uses_libx264_with_a_reason():
    started = time.monotonic()
    status = detect("auto")
    assert time.monotonic() - started < 3 * hwaccel.PROBE_TIMEOUT
    assert status.active_encoder == "libx264"
    assert status.hardware is None
    assert status.available == []
    assert set(status.failures) == {"nvenc", "qsv", "vaapi"}
    assert all(status.failures.values())  # every candidate says why
    assert "using libx264" in status.reason
    assert encoder_for(status, "hevc") == "libx265"


def test_nvenc_requested_without_gpu_falls_back_with_a_clear_message():
    status = detect("nvenc")
    assert status.requested == "nvenc"
    assert status.active_encoder == "libx264"
    assert status.reason.startswith("nvenc was requested but does not work here (")
    assert "falling back to libx264" in status.reason
    # FFmpeg's own words, not "Operation not permitted" alone
    assert status.failures["nvenc"]


def test_none_touches_no_encoder():
    def probe(kind):
        raise AssertionError("must not probe")

    status = detect("none", probe=probe)
    assert status.active_encoder == "libx264"
    assert "turned off" in status.reason


def test_unknown_choice_is_refused():
    with pytest.raises(ValueError):
        detect("cuda")


@pytest.mark.parametrize(
    ("requested", "works", "encoder"),
    [
        ("auto", {"qsv"}, "h264_qsv"),
        ("auto", {"nvenc", "qsv"}, "h264_nvenc"),
        ("vaapi", {"vaapi", "nvenc"}, "h264_vaapi"),
        ("qsv", {"nvenc"}, "libx264"),
    ],
)
def test_decision_from_probes(requested, works, encoder):
    status = detect(requested, probe=lambda kind: None if kind in works else "broken")
    assert status.active_encoder == encoder
    assert status.available == [k for k in ("nvenc", "qsv", "vaapi") if k in works]
    if encoder != "libx264":
        assert encoder_for(status, "hevc") == encoder.replace("h264", "hevc")


def test_a_hanging_driver_costs_the_timeout_not_the_server(monkeypatch):
    def hang(kind):
        time.sleep(5)

    monkeypatch.setattr(hwaccel, "_encode_frames", hang)
    started = time.monotonic()
    assert probe_encoder("nvenc", timeout=0.2) == "did not answer within 0.2 s"
    assert time.monotonic() - started < 2


def test_an_exploding_probe_is_a_reason(monkeypatch):
    def boom(kind):
        raise MemoryError("driver out of memory")

    monkeypatch.setattr(hwaccel, "_encode_frames", boom)
    assert probe_encoder("qsv") == "driver out of memory"


def test_one_log_line_warns_on_fallback(caplog):
    caplog.set_level(logging.INFO, logger="mediaserver.media.hwaccel")
    log_status(detect("nvenc"))
    lines = [r for r in caplog.records if r.name == "mediaserver.media.hwaccel"]
    assert len(lines) == 1
    assert lines[0].levelno == logging.WARNING
    assert "nvenc was requested" in lines[0].getMessage()


async def test_state_starts_as_detecting_then_holds_the_result():
    state = HwaccelState("auto")
    assert state.status.detecting and state.status.active_encoder == "libx264"
    status = await run_detection(state, "auto")
    assert await state.ready() is status
    assert not status.detecting
    assert isinstance(status, HwaccelStatus)
    assert status.to_json()["active_encoder"] == "libx264"


# -- the ladder with a hardware encoder -----------------------------------------------------------


def test_a_detected_hardware_encoder_is_what_the_ladder_asks_for():
    nvenc = LadderProfile(hardware="nvenc")
    assert nvenc.encoder == "h264_nvenc" and nvenc.pixel_format == "yuv420p"
    assert LadderProfile(codec="hevc", hardware="qsv").encoder == "hevc_qsv"
    assert LadderProfile(hardware="qsv").pixel_format == "nv12"
    assert nvenc.software().encoder == "libx264"
    settings = TranscodingSettings()
    # VA-API needs GPU surfaces the pipeline does not upload to: ladders stay on libx264.
    assert LadderProfile.from_settings(settings, "vaapi").encoder == "libx264"
    assert LadderProfile.from_settings(settings, "nvenc").encoder == "h264_nvenc"
    with pytest.raises(ValueError, match="hardware"):
        LadderProfile(hardware="cuda")
    plan = ladder.plan_rungs(LadderProfile(), 1920, 1080)[0]
    options = _encoder_options(nvenc, plan, 48)
    # Same fixed GOP on every rung: forced frames are IDR, no scene-cut keyframes, capped VBR.
    assert options["forced-idr"] == "1" and options["no-scenecut"] == "1"
    assert options["maxrate"] == str(plan.maxrate) and "x264-params" not in options


def test_a_hardware_encoder_that_fails_falls_back_to_software_and_says_which(tmp_path, caplog):
    """This machine has no GPU, so h264_nvenc cannot open: the title is still packaged (libx264),
    nothing of the failed attempt is left in the output, and the log says what happened."""
    clip = make_video(tmp_path / "clip.mp4", seconds=3, width=320, height=240, fps=24)
    profile = LadderProfile(rungs=("360p",), hardware="nvenc")
    plan = Plan(clip, [str(tmp_path)], [], profile)
    with caplog.at_level(logging.WARNING):
        output = package_into(plan, tmp_path / "out", lambda *a: None, lambda: False)
    assert output.encoder == "libx264"
    assert "h264_nvenc failed" in caplog.text and "libx264" in caplog.text
    master = (tmp_path / "out" / "master.m3u8").read_text()
    assert "RESOLUTION=" in master
    segments = sorted((tmp_path / "out" / "video").rglob("seg_*.m4s"))
    assert segments and len(segments) == output.ladder.rungs[0].segment_count
