"""probe_file: what a generated media file really is, field by field."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from mediaserver.media import MediaRejected, ProbeResult, probe_file
from tests.media_factory import make_audio_only, make_video


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("probe")


@pytest.fixture(scope="module")
def rich_mkv(samples: Path) -> Path:
    return make_video(
        samples / "rich.mkv",
        audio_tracks=[("eng", 2), ("fre", 6)],
        subtitle_tracks=[("eng", False), ("spa", True)],
        chapters=[("Intro", 0.0, 1.0), ("Main part", 1.0, 2.0)],
        title="A Rich Test",
    )


@pytest.fixture(scope="module")
def plain_mp4(samples: Path) -> Path:
    return make_video(samples / "plain.mp4", container="mp4", seconds=1.0)


def test_rich_mkv_every_field(rich_mkv: Path) -> None:
    result = probe_file(rich_mkv)
    assert result.container == "matroska,webm"
    assert (result.container_kind, result.extension) == ("mkv", ".mkv")
    assert result.size_bytes == rich_mkv.stat().st_size
    assert result.duration_seconds == pytest.approx(2.0, abs=0.1)
    assert result.bitrate and result.bitrate > 0
    assert result.tags["title"] == "A Rich Test"

    (video,) = result.video
    assert (video.codec, video.width, video.height) == ("h264", 320, 240)
    assert video.profile and video.level and video.level > 0
    assert (video.sample_aspect, video.display_aspect) == ("1:1", "4:3")
    assert video.frame_rate == 24.0
    assert (video.bit_depth, video.pixel_format, video.hdr_transfer) == (8, "yuv420p", None)
    assert video.rotation == 0
    assert not video.attached_picture

    eng, fre = result.audio
    assert (eng.codec, eng.profile, eng.channels, eng.channel_layout) == ("aac", "LC", 2, "stereo")
    assert (eng.language, eng.default, eng.sample_rate) == ("eng", True, 48000)
    assert (fre.language, fre.channels, fre.channel_layout, fre.default) == ("fre", 6, "5.1", False)

    sub_eng, sub_spa = result.subtitles
    assert (sub_eng.codec, sub_eng.language, sub_eng.forced, sub_eng.is_bitmap) == (
        "subrip",
        "eng",
        False,
        False,
    )
    assert (sub_spa.language, sub_spa.forced) == ("spa", True)

    assert [(c.position, c.title, c.start_seconds, c.end_seconds) for c in result.chapters] == [
        (1, "Intro", 0.0, 1.0),
        (2, "Main part", 1.0, 2.0),
    ]
    assert [s.index for s in (*result.video, *result.audio, *result.subtitles)] == [0, 1, 2, 3, 4]


def test_seven_one_audio(samples: Path) -> None:
    path = make_video(samples / "surround.mkv", seconds=0.5, audio_tracks=[("eng", 8)])
    (audio,) = probe_file(path).audio
    assert (audio.language, audio.channels) == ("eng", 8)


def test_mp4_text_subtitles_are_mov_text(plain_mp4: Path) -> None:
    result = probe_file(plain_mp4)
    assert (result.container_kind, result.extension) == ("mp4", ".mp4")
    assert result.container == "mov,mp4,m4a,3gp,3g2,mj2"
    assert [(s.codec, s.language, s.forced) for s in result.subtitles] == [
        ("mov_text", "eng", False),
        ("mov_text", "spa", True),
    ]
    assert result.video[0].bitrate and result.video[0].bitrate > 0
    assert result.video[0].language is None  # "und" in the file


@pytest.mark.parametrize("container", ["mp4", "mkv"])
def test_rotation_90_reports_90(samples: Path, container: str) -> None:
    path = make_video(samples / f"rot.{container}", container=container, rotation=90, seconds=0.5)
    video = probe_file(path).video[0]
    assert video.rotation == 90
    assert (video.width, video.height) == (320, 240)  # coded size, not display size


def test_rotation_270(samples: Path) -> None:
    path = make_video(samples / "rot270.mp4", container="mp4", rotation=270, seconds=0.5)
    assert probe_file(path).video[0].rotation == 270


@pytest.mark.parametrize(("width", "height", "dar"), [(318, 240, "53:40"), (1917, 803, "1917:803")])
def test_odd_sizes_reported_exactly(samples: Path, width: int, height: int, dar: str) -> None:
    path = make_video(
        samples / f"odd{width}.mkv",
        width=width,
        height=height,
        seconds=0.25,
        audio_tracks=(),
        subtitle_tracks=(),
    )
    video = probe_file(path).video[0]
    assert (video.width, video.height, video.display_aspect) == (width, height, dar)


def test_ten_bit_and_hdr(samples: Path) -> None:
    path = make_video(samples / "hdr10.mkv", pix_fmt="yuv420p10le", hdr=True, seconds=0.5)
    video = probe_file(path).video[0]
    assert (video.bit_depth, video.pixel_format) == (10, "yuv420p10le")
    assert video.hdr_transfer == "smpte2084"
    assert video.profile == "High 10"


def test_ten_bit_hevc(samples: Path) -> None:
    path = make_video(
        samples / "hevc10.mp4",
        container="mp4",
        video_codec="libx265",
        pix_fmt="yuv420p10le",
        seconds=0.5,
        subtitle_tracks=(),
    )
    video = probe_file(path).video[0]
    assert (video.codec, video.bit_depth, video.hdr_transfer) == ("hevc", 10, None)


@pytest.mark.parametrize(
    ("container", "codec", "kind", "extension"),
    [
        ("webm", None, "webm", ".webm"),
        ("avi", "mpeg4", "avi", ".avi"),
        ("ts", None, "ts", ".ts"),
        ("mov", None, "mov", ".mov"),
    ],
)
def test_other_containers(
    samples: Path, container: str, codec: str | None, kind: str, extension: str
) -> None:
    path = make_video(samples / f"other.{container}", container=container, video_codec=codec)
    result = probe_file(path)
    assert (result.container_kind, result.extension) == (kind, extension)
    assert result.video[0].width == 320 and result.audio


@pytest.mark.parametrize(
    ("container", "kind", "extension", "codec"),
    [
        ("mp4", "m4a", ".m4a", "aac"),
        ("mkv", "mkv", ".mka", "aac"),
        ("webm", "webm", ".webm", "opus"),
    ],
)
def test_audio_only(samples: Path, container: str, kind: str, extension: str, codec: str) -> None:
    result = probe_file(make_audio_only(samples / f"audio.{container}", container=container))
    assert result.video == () and not result.has_video
    assert (result.container_kind, result.extension) == (kind, extension)
    assert (result.audio[0].codec, result.audio[0].channels) == (codec, 2)
    assert result.duration_seconds == pytest.approx(1.0, abs=0.1)


def test_extension_comes_from_content(plain_mp4: Path, rich_mkv: Path, tmp_path: Path) -> None:
    liar = tmp_path / "really-an-mp4.mkv"
    shutil.copyfile(plain_mp4, liar)
    assert probe_file(liar).extension == ".mp4"
    other_liar = tmp_path / "really-an-mkv.mp4"
    shutil.copyfile(rich_mkv, other_liar)
    assert probe_file(other_liar).extension == ".mkv"
    no_name = tmp_path / "noextension"
    shutil.copyfile(plain_mp4, no_name)
    assert probe_file(no_name).container_kind == "mp4"


def test_hostile_file_names(plain_mp4: Path, tmp_path: Path) -> None:
    base = os.fsencode(tmp_path)
    names = [
        b'quote\'s "double" and spaces.mkv',
        b"new\nline.mkv",
        b"non-utf8 \xff\xfe\xc3(.mkv",
        b"a" * 196 + b".mkv",
        b"-i pipe:0.mkv",
        b"concat:a.mkv|b.mkv",
        b"http:x.mkv",
    ]
    for name in names:
        target = base + b"/" + name
        shutil.copyfile(plain_mp4, target)
        as_bytes = probe_file(target)
        as_str = probe_file(os.fsdecode(target))
        as_path = probe_file(Path(os.fsdecode(target)))
        assert as_bytes == as_str == as_path
        assert as_bytes.video[0].width == 320, name


def test_a_url_is_never_fetched() -> None:
    for url in ("http://127.0.0.1:9/a.mkv", "file:///etc/passwd", "concat:/etc/passwd"):
        with pytest.raises(MediaRejected, match="file not found"):
            probe_file(url)


def test_attachments_are_listed(samples: Path) -> None:
    path = make_video(
        samples / "fonts.mkv",
        seconds=0.25,
        attachments=[("../../evil name.ttf", "font/ttf", b"\x00\x01\x00\x00fontdata")],
    )
    (attachment,) = probe_file(path).other
    assert attachment.kind == "attachment"
    assert attachment.filename == "../../evil name.ttf"  # reported, never used as a path
    assert attachment.mimetype == "font/ttf"


def test_json_round_trip(rich_mkv: Path, plain_mp4: Path) -> None:
    for path in (rich_mkv, plain_mp4):
        result = probe_file(path)
        data = json.loads(json.dumps(result.to_json()))
        assert isinstance(data["video"], list) and isinstance(data["chapters"], list)
        assert ProbeResult.from_json(data) == result


def test_from_json_ignores_unknown_keys(plain_mp4: Path) -> None:
    data = probe_file(plain_mp4).to_json()
    data["video"][0]["added_later"] = 1
    assert ProbeResult.from_json(data).video[0].width == 320


def test_truncated_mp4_moov_at_end(plain_mp4: Path, tmp_path: Path) -> None:
    data = plain_mp4.read_bytes()
    assert data.rfind(b"moov") > data.find(b"mdat")  # the muxer put the index last
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaRejected) as info:
        probe_file(cut)
    assert info.value.reason == "truncated or damaged: moov atom not found"


def test_truncated_faststart_mp4(samples: Path, tmp_path: Path) -> None:
    src = make_video(samples / "fast.mp4", container="mp4", faststart=True, seconds=1.0)
    data = src.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaRejected, match=r"truncated or damaged: .*'mdat' box \(\d+ bytes"):
        probe_file(cut)


def test_truncated_mkv(rich_mkv: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(rich_mkv.read_bytes()[:5000])
    with pytest.raises(MediaRejected, match="truncated or damaged: the Matroska segment is"):
        probe_file(cut)


def test_damaged_header_is_a_reason_not_a_traceback(rich_mkv: Path, tmp_path: Path) -> None:
    data = bytearray(rich_mkv.read_bytes())
    data[4:400] = b"\xff" * 396
    bad = tmp_path / "bad.mkv"
    bad.write_bytes(bytes(data))
    with pytest.raises(MediaRejected) as info:
        probe_file(bad)
    assert info.value.reason.startswith("truncated or damaged")
