"""sniff / open_media: what is refused before FFmpeg sees it, and the bounds after it has."""

from __future__ import annotations

import os
from pathlib import Path

import av
import pytest

import mediaserver.media.sniff as sniff_module
from mediaserver.media import MediaRejected, probe_file, sniff_file, sniff_kind
from mediaserver.media.magic import Verdict
from tests.media_factory import (
    make_audio_only,
    make_concat_disguised,
    make_image_disguised,
    make_playlist_disguised,
    make_text_file,
    make_video,
)


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sniff")


@pytest.fixture
def av_open_spy(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Every av.open made by open_media: its arguments and the demuxer it ended with."""
    calls: list[dict] = []
    real_open = av.open

    def spy(file, *args, **kwargs):
        call = {"file": file, "kwargs": kwargs, "demuxer": None}
        calls.append(call)
        container = real_open(file, *args, **kwargs)
        call["demuxer"] = container.format.name
        return container

    class AvWithSpy:  # only open_media's own view of av is patched, not the factory's
        open = staticmethod(spy)

        def __getattr__(self, name: str):
            return getattr(av, name)

    monkeypatch.setattr(sniff_module, "av", AvWithSpy())
    return calls


def rejected(path: Path | bytes) -> str:
    with pytest.raises(MediaRejected) as info:
        probe_file(path)
    assert isinstance(info.value.reason, str) and info.value.reason == str(info.value)
    return info.value.reason


@pytest.mark.parametrize(
    ("container", "kind"),
    [
        ("mkv", "mkv"),
        ("mp4", "mp4"),
        ("webm", "webm"),
        ("avi", "avi"),
        ("ts", "ts"),
        ("mov", "mov"),
    ],
)
def test_sniff_kind_of_real_containers(samples: Path, container: str, kind: str) -> None:
    path = make_video(
        samples / f"v.{container}",
        container=container,
        seconds=0.5,
        video_codec="mpeg4" if container == "avi" else None,
        subtitle_tracks=(),
    )
    assert sniff_kind(path) == kind
    assert sniff_file(path).size_bytes == path.stat().st_size


def test_sniff_kind_audio_brand(samples: Path) -> None:
    assert sniff_kind(make_audio_only(samples / "a.m4a", container="mp4")) in ("mp4", "m4a")


def test_zero_byte_file(tmp_path: Path, av_open_spy: list) -> None:
    empty = tmp_path / "empty.mkv"
    empty.touch()
    assert rejected(empty) == "empty file (0 bytes)"
    assert av_open_spy == []


def test_text_named_mkv(tmp_path: Path, av_open_spy: list) -> None:
    path = make_text_file(tmp_path / "notes.mkv", "Shopping list\n- milk\n- eggs é\n")
    assert rejected(path) == "not a video: it is a text file"
    assert av_open_spy == []


def test_playlist_disguised_never_reaches_a_playlist_demuxer(
    tmp_path: Path, av_open_spy: list
) -> None:
    path = make_playlist_disguised(tmp_path / "movie.mkv")
    reason = rejected(path)
    assert "playlist" in reason
    assert av_open_spy == []  # FFmpeg never saw it, so it never opened /etc/passwd


def test_concat_list_disguised(tmp_path: Path, av_open_spy: list) -> None:
    reason = rejected(make_concat_disguised(tmp_path / "movie.mp4"))
    assert "playlist" in reason and "concat" in reason
    assert av_open_spy == []


def test_whitelist_refuses_playlists_even_if_sniffing_missed_them(
    tmp_path: Path, samples: Path, av_open_spy: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth: with the byte check bypassed, FFmpeg's format_whitelist still refuses
    hls/concat/image2, even for a playlist whose segment is real media."""
    segment = make_video(samples / "seg.ts", container="ts", seconds=0.5, subtitle_tracks=())
    monkeypatch.setattr(sniff_module, "classify_head", lambda head, size: Verdict())
    for path in (
        make_playlist_disguised(tmp_path / "list.m3u8", target=str(segment)),
        make_concat_disguised(tmp_path / "list.ffconcat", target=str(segment)),
        make_image_disguised(tmp_path / "img.png"),
    ):
        assert rejected(path) == "not a recognised audio or video format"
    assert av_open_spy and all(call["demuxer"] is None for call in av_open_spy)
    for call in av_open_spy:
        options = call["kwargs"]["container_options"]
        assert options["protocol_whitelist"] == "file"
        assert "hls" not in options["format_whitelist"].split(",")
        assert not isinstance(call["file"], str | bytes | os.PathLike)  # a file object


def test_opened_with_bounded_local_options(samples: Path, av_open_spy: list) -> None:
    path = make_video(samples / "ok.mkv", seconds=0.5, subtitle_tracks=())
    probe_file(path)
    (call,) = av_open_spy
    assert call["demuxer"] == "matroska,webm"
    assert call["kwargs"]["format"] == "matroska,webm"
    options = call["kwargs"]["container_options"]
    assert options["protocol_whitelist"] == "file"
    assert int(options["probesize"]) <= 32 * 1024 * 1024
    assert int(options["analyzeduration"]) <= 30 * 1_000_000


@pytest.mark.parametrize(
    ("kind", "words"), [("png", "image (PNG)"), ("jpeg", "image (JPEG)"), ("gif", "image (GIF)")]
)
def test_images_disguised(tmp_path: Path, av_open_spy: list, kind: str, words: str) -> None:
    path = make_image_disguised(tmp_path / "clip.mp4", kind=kind)
    assert rejected(path) == f"not a video: it is an {words}"
    assert av_open_spy == []


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"#EXTM3U\n#EXTINF:-1,x\nhttp://example.com/a.ts\n", "playlist files are not accepted"),
        (b"\xef\xbb\xbf#EXTM3U\n", "playlist files are not accepted"),
        (b"#EXT-X-VERSION:3\n", "playlist files are not accepted"),
        (b"[playlist]\nFile1=/etc/passwd\n", "(PLS playlist)"),
        (b"v=0\no=- 0 0 IN IP4 127.0.0.1\nm=video 5004 RTP/AVP 96\n", "(SDP stream description)"),
        (b"<?xml version='1.0'?>\n<MPD xmlns='urn:mpeg:dash'>", "(DASH manifest)"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "web page (HTML)"),
        (b"<?xml version='1.0'?><root/>", "XML or markup document"),
        (b"https://example.com/video.mp4\n", "(a list of links)"),
        (b"WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n", "subtitle file (WebVTT)"),
        (b"1\n00:00:01,000 --> 00:00:02,000\nhi\n", "subtitle file (SubRip)"),
        (b"[Script Info]\nTitle: x\n", "subtitle file (ASS/SSA)"),
        ("caf\u00e9 cr\u00e8me\n".encode("utf-16"), "text file (UTF-16)"),
        (b"PK\x03\x04" + bytes(100), "archive (ZIP)"),
        (b"Rar!\x1a\x07\x01\x00" + bytes(100), "archive (RAR)"),
        (b"\x1f\x8b\x08" + bytes(100), "archive (gzip)"),
        (b"%PDF-1.7\n" + bytes(100), "PDF document"),
        (b"\x7fELF" + bytes(100), "program (ELF executable)"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(64), "image (WebP)"),
        (b"\x00\x00\x00\x18ftypavif" + bytes(64), "image (HEIF/AVIF)"),
    ],
)
def test_not_media_by_first_bytes(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "thing.mkv"
    path.write_bytes(content)
    with pytest.raises(MediaRejected) as info:
        sniff_kind(path)
    assert words in info.value.reason


def test_unknown_binary_is_refused_by_ffmpeg_whitelist(tmp_path: Path) -> None:
    path = tmp_path / "noise.mkv"
    path.write_bytes(bytes(range(256)) * 64)
    assert sniff_kind(path) == "unknown"
    assert rejected(path) == "not a recognised audio or video format"


def test_fifo_device_folder_and_loops_do_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.mkv"
    os.mkfifo(fifo)
    assert rejected(fifo) == "not a regular file: it is a device, pipe or socket"
    device = tmp_path / "zero.mkv"
    device.symlink_to("/dev/zero")
    assert rejected(device) == "not a regular file: it is a device, pipe or socket"
    assert "folder" in rejected(tmp_path)
    loop = tmp_path / "loop.mkv"
    loop.symlink_to(loop)
    assert rejected(loop) == "the path is a symbolic link loop"
    assert rejected(tmp_path / "missing.mkv").startswith("file not found")


def test_nul_in_name_is_refused() -> None:
    with pytest.raises(MediaRejected, match="NUL"):
        probe_file("movie\x00.mkv")


def test_not_a_path_type() -> None:
    with pytest.raises(TypeError):
        probe_file(42)  # type: ignore[arg-type]


def test_dimension_bound(samples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_video(samples / "dims.mkv", seconds=0.25, subtitle_tracks=())
    monkeypatch.setattr(sniff_module, "MAX_DIMENSION", 300)
    assert rejected(path) == "video is 320x240, larger than the 300x300 limit"
    monkeypatch.setattr(sniff_module, "MAX_DIMENSION", 16384)
    monkeypatch.setattr(sniff_module, "MAX_PIXELS", 320 * 240 - 1)
    assert "more than 76799 pixels" in rejected(path)


def test_stream_and_duration_bounds(samples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_video(samples / "bounds.mkv", seconds=0.5)  # 1 video, 1 audio, 2 subtitles
    monkeypatch.setattr(sniff_module, "MAX_STREAMS", 3)
    assert rejected(path) == "4 streams, more than the 3 limit"
    monkeypatch.setattr(sniff_module, "MAX_STREAMS", 64)
    monkeypatch.setattr(sniff_module, "MAX_DURATION_SECONDS", 0)
    assert "hour limit" in rejected(path)


def test_bounds_defaults_are_sane() -> None:
    assert sniff_module.MAX_STREAMS == 64
    assert sniff_module.MAX_DIMENSION == 16384
    assert sniff_module.MAX_PIXELS == 1 << 28
    assert sniff_module.MAX_DURATION_SECONDS == 48 * 3600
    for name in ("hls", "concat", "image2", "sdp", "lavfi", "tty", "data"):
        assert name in sniff_module.DANGEROUS_DEMUXERS
        assert name not in sniff_module.ALLOWED_DEMUXERS
