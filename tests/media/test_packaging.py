"""The packaged ladder, checked the way players check it: HLS master and media playlists parsed
with `m3u8`, the MPD with `mpegdash`, every segment decoded with PyAV, timing compared with the
playlists, rungs aligned, and the whole master played over HTTP by FFmpeg's HLS demuxer."""

from __future__ import annotations

import io
import itertools
import math
from pathlib import Path

import av
import m3u8
import pytest

from mediaserver.media.ladder.build import build_ladder
from mediaserver.media.ladder.rungs import LadderProfile
from mediaserver.media.packaged.bmff import read_init, read_segment
from mediaserver.media.packaged.renditions import LadderResult, SubtitleRendition
from tests.media.ladder_checks import (
    check_media_playlist,
    check_mpd,
    play_over_http,
    serve,
)
from tests.media_factory import make_video

# Slow: the module's fixture encodes a full 480p ladder with two audio tracks, and every segment
# is decoded.
pytestmark = pytest.mark.slow

SECONDS = 9.0
FPS = 30
VTT = "WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nHello\n"


@pytest.fixture(scope="module")
def ladder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, LadderResult]:
    root = tmp_path_factory.mktemp("packaging")
    source = make_video(
        root / "source.mkv",
        seconds=SECONDS,
        width=854,
        height=480,
        fps=FPS,
        audio_tracks=[("eng", 2), ("fre", 6)],
        subtitle_tracks=(),
    )
    out = root / "out"
    (out / "subs").mkdir(parents=True)
    (out / "subs" / "eng.vtt").write_text(VTT, encoding="utf-8")
    (out / "subs" / "spa-forced.vtt").write_text(VTT, encoding="utf-8")
    subtitles = [
        SubtitleRendition("eng", "English", forced=False, default=True, uri="subs/eng.vtt"),
        SubtitleRendition("spa", "Español (forced)", forced=True, uri="subs/spa-forced.vtt"),
    ]
    seen: list[tuple] = []
    result = build_ladder(
        source,
        out,
        LadderProfile(surround=True),
        subtitles=subtitles,
        progress=lambda *args: seen.append(args),
    )
    assert seen and seen[-1][0] == 100.0
    return out, result


def _master(out: Path) -> m3u8.M3U8:
    master = m3u8.load(str(out / "master.m3u8"))
    assert master.is_variant
    return master


def test_result_describes_the_ladder(ladder: tuple[Path, LadderResult]) -> None:
    _out, result = ladder
    assert [(r.name, r.width, r.height) for r in result.rungs] == [
        ("480p", 854, 480),
        ("360p", 640, 360),
    ]
    assert abs(result.duration - SECONDS) < 0.1
    assert result.segment_duration == 4.0
    assert result.frames == SECONDS * FPS and result.fps > 0
    assert [(a.name, a.channels, a.default) for a in result.audio] == [
        ("1_en_2ch", 2, True),
        ("2_fr_2ch", 2, False),
        ("2_fr_6ch", 6, False),
    ]
    for rung in result.rungs:
        assert rung.segment_count == math.ceil(SECONDS / 4)
        assert rung.bandwidth >= rung.average_bandwidth > rung.video_bandwidth // 2 > 0


def test_master_playlist_variants(ladder: tuple[Path, LadderResult]) -> None:
    out, result = ladder
    master = _master(out)
    text = (out / "master.m3u8").read_text()
    assert "#EXT-X-INDEPENDENT-SEGMENTS" in text and "#EXT-X-VERSION:7" in text
    by_uri: dict[str, list] = {}
    for variant in master.playlists:
        by_uri.setdefault(variant.uri, []).append(variant)
    assert set(by_uri) == {"video/480p/index.m3u8", "video/360p/index.m3u8"}
    for rung in result.rungs:
        variants = by_uri[f"video/{rung.name}/index.m3u8"]
        assert {v.stream_info.audio for v in variants} == {"aac-2ch", "aac-6ch"}
        for variant in variants:
            info = variant.stream_info
            video_codec, audio_codec = info.codecs.split(",")
            assert video_codec.startswith("avc1.64")  # High profile, from the real SPS
            assert audio_codec == "mp4a.40.2"
            assert info.resolution == (rung.width, rung.height)
            assert info.frame_rate == pytest.approx(30.0)
            assert info.bandwidth >= info.average_bandwidth > 0
            assert info.subtitles == "subs"
        stereo = next(v for v in variants if v.stream_info.audio == "aac-2ch")
        assert stereo.stream_info.bandwidth == rung.bandwidth
        assert stereo.stream_info.average_bandwidth == rung.average_bandwidth
    assert len(master.iframe_playlists) == len(result.rungs)


def test_bandwidth_is_measured(ladder: tuple[Path, LadderResult]) -> None:
    out, result = ladder
    for rung in result.rungs:
        playlist = m3u8.load(str(out / "video" / rung.name / "index.m3u8"))
        folder = out / "video" / rung.name
        sizes = [(folder / s.uri).stat().st_size for s in playlist.segments]
        durations = [s.duration for s in playlist.segments]
        average = sum(sizes) * 8 / sum(durations)
        assert rung.video_bandwidth >= average * 0.99
        peak = max(size * 8 / d for size, d in zip(sizes, durations, strict=True) if d >= 1)
        assert rung.video_bandwidth == pytest.approx(peak, rel=0.01)


def test_audio_and_subtitle_renditions(ladder: tuple[Path, LadderResult]) -> None:
    out, _result = ladder
    master = _master(out)
    audio = [m for m in master.media if m.type == "AUDIO"]
    stereo = [m for m in audio if m.group_id == "aac-2ch"]
    assert [(m.language, m.name, m.default, m.autoselect) for m in stereo] == [
        ("en", "English", "YES", "YES"),
        ("fr", "French", "NO", "YES"),
    ]
    surround = [m for m in audio if m.group_id == "aac-6ch"]
    assert [(m.language, m.channels) for m in surround] == [("en", "2"), ("fr", "6")]
    subs = [m for m in master.media if m.type == "SUBTITLES"]
    assert [(m.language, m.name, m.default, m.forced) for m in subs] == [
        ("en", "English", "YES", "NO"),
        ("es", "Español (forced)", "NO", "YES"),
    ]
    for media in subs:
        playlist = m3u8.load(str(out / media.uri))
        assert playlist.is_endlist and len(playlist.segments) == 1
        segment = playlist.segments[0]
        assert segment.duration == pytest.approx(SECONDS, abs=0.1)
        vtt = (out / media.uri).parent / segment.uri
        assert vtt.resolve().is_file() and vtt.read_text().startswith("WEBVTT")


def test_every_segment_decodes_and_matches_extinf(ladder: tuple[Path, LadderResult]) -> None:
    out, result = ladder
    for rung in result.rungs:
        decoded = check_media_playlist(out, f"video/{rung.name}/index.m3u8")
        assert sum(d.frames for d in decoded) == SECONDS * FPS
        for segment in decoded:
            assert segment.first_is_key
            assert (segment.width, segment.height) == (rung.width, rung.height)
            assert segment.pix_fmt == "yuv420p" and segment.profile == "High"
            assert abs(segment.duration - segment.extinf) <= 1 / FPS + 1e-3
            assert segment.extinf <= 6.0
    for track in result.audio:
        decoded = check_media_playlist(out, f"audio/{track.name}/index.m3u8")
        assert {d.channels for d in decoded} == {track.channels}
        for segment in decoded:
            assert abs(segment.duration - segment.extinf) <= 2 * 1024 / 48000


def test_all_rungs_start_segments_at_the_same_instants(ladder: tuple[Path, LadderResult]) -> None:
    out, result = ladder
    decoded_starts, decode_times, playlist_starts = {}, {}, {}
    for rung in result.rungs:
        folder = out / "video" / rung.name
        decoded = check_media_playlist(out, f"video/{rung.name}/index.m3u8")
        decoded_starts[rung.name] = [round(d.start, 6) for d in decoded]
        init = read_init(folder / "init.mp4")
        segments = [read_segment(folder / d.uri, init, d.uri) for d in decoded]
        decode_times[rung.name] = [s.start / init.timescale for s in segments]
        playlist_starts[rung.name] = [0.0] + list(
            itertools.accumulate(d.extinf for d in decoded[:-1])
        )
    # CMAF: the first frame of each segment is presented at the segment's decode time (tfdt);
    # segments start at whole multiples of the segment duration, to within one frame.
    first = next(iter(decode_times.values()))
    assert first == pytest.approx([0.0, 4.0, 8.0], abs=1 / FPS)
    for name in decode_times:
        assert decode_times[name] == first
        assert decoded_starts[name] == next(iter(decoded_starts.values()))
        assert playlist_starts[name] == pytest.approx(first, abs=1e-5)


def test_iframe_playlists_point_at_keyframes(ladder: tuple[Path, LadderResult]) -> None:
    out, result = ladder
    for rung in result.rungs:
        folder = out / "video" / rung.name
        playlist = m3u8.load(str(folder / "iframes.m3u8"))
        assert playlist.is_i_frames_only and playlist.is_endlist
        init = (folder / "init.mp4").read_bytes()
        for segment in playlist.segments:
            length, offset = (int(x) for x in segment.byterange.split("@"))
            data = (folder / segment.uri).read_bytes()[offset : offset + length]
            with av.open(io.BytesIO(init + data), format="mp4") as container:
                frames = [f for p in container.demux(video=0) for f in p.decode()]
            assert len(frames) == 1 and frames[0].key_frame


def test_dash_manifest_uses_the_same_segments(ladder: tuple[Path, LadderResult]) -> None:
    out, result = ladder
    mpd = check_mpd(out)
    period = mpd.periods[0]
    kinds = [a.content_type for a in period.adaptation_sets]
    assert kinds == ["video", "audio", "audio", "text", "text"]
    video = period.adaptation_sets[0]
    assert [r.id for r in video.representations] == ["video-360p", "video-480p"]
    for representation in video.representations:
        timeline = representation.segment_templates[0].segment_timelines[0]
        count = sum(1 + (s.r or 0) for s in timeline.Ss)
        assert count == result.rungs[0].segment_count
        assert representation.codecs.startswith("avc1.64")
    languages = [a.lang for a in period.adaptation_sets[1:]]
    assert languages == ["en", "fr", "en", "es"]
    french = period.adaptation_sets[2]
    channels = [r.audio_channel_configurations[0].value for r in french.representations]
    assert channels == ["2", "6"]
    text = period.adaptation_sets[3]
    assert text.mime_type == "text/vtt"
    assert text.representations[0].base_urls[0].base_url_value == "subs/eng.vtt"


def test_master_plays_over_http_start_to_end(ladder: tuple[Path, LadderResult]) -> None:
    out, _result = ladder
    with serve(out) as base:
        ends = play_over_http(f"{base}/master.m3u8")
    assert ends["video"] == pytest.approx(SECONDS - 1 / FPS, abs=0.1)
    assert ends["audio"] == pytest.approx(SECONDS, abs=0.2)


def test_every_uri_is_relative_and_inside(ladder: tuple[Path, LadderResult]) -> None:
    out, result = ladder
    for name in result.files:
        assert not name.startswith("/") and ".." not in name
        assert (out / name).is_file()
    text = (out / "master.m3u8").read_text() + (out / "manifest.mpd").read_text()
    assert str(out) not in text
