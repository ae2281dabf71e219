"""Subtitle tracks as WebVTT through signed URLs: embedded SRT, side files, pictures refused."""

from __future__ import annotations

from mediaserver.db.catalog_schema import subtitle_tracks
from mediaserver.keys import config_key, db_key
from tests.streaming.helpers import add_probed_file, add_sidecar, play

HOSTILE_SRT = (
    "1\n00:00:00,500 --> 00:00:01,500\nDanger <script>alert(1)</script> <i>ahead</i>\n\n"
    "2\n00:00:02,000 --> 00:00:03,000\nSecond cue\n"
)


async def test_embedded_and_sidecar_tracks_become_webvtt(sclient, place, media_dir):
    app = sclient.server.app
    file_id = await add_probed_file(app[db_key], media_dir, place("mkv", "Film.mkv"))
    (media_dir / "Film.de.srt").write_text(HOSTILE_SRT, encoding="utf-8")
    sidecar_id = await add_sidecar(app[db_key], file_id, media_dir / "Film.de.srt")
    data = await play(sclient, file_id)
    urls = {s["id"]: s["url"] for s in data["subtitles"]}
    embedded = next(s for s in data["subtitles"] if s["language"] == "eng")
    sclient.session.cookie_jar.clear()  # a receiver without cookies

    resp = await sclient.get(embedded["url"])
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/vtt")
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    text = await resp.text()
    assert text.startswith("WEBVTT") and "Hello eng" in text and "00:00:00.100 -->" in text

    resp = await sclient.get(urls[sidecar_id])
    text = await resp.text()
    assert resp.status == 200 and "Second cue" in text
    assert "<script>" not in text and "&lt;script&gt;" in text and "<i>ahead</i>" in text
    # Converted once, then served from the cache folder.
    cached = list((app[config_key].paths.cache_dir / "subtitles").glob(f"{file_id}-*.vtt"))
    assert len(cached) == 2
    again = await sclient.get(urls[sidecar_id], headers={"Range": "bytes=0-5"})
    assert again.status == 206 and await again.read() == b"WEBVTT"


async def test_picture_subtitles_and_other_files_tracks_are_404(sclient, place, media_dir):
    db = sclient.server.app[db_key]
    file_id = await add_probed_file(db, media_dir, place("mkv", "A.mkv"))
    other_id = await add_probed_file(db, media_dir, place("mkv", "B.mkv"))
    async with db.write() as conn:
        await conn.execute(
            subtitle_tracks.insert().values(
                media_file_id=file_id,
                source="embedded",
                stream_index=9,
                format="pgs",
                language="fre",
                is_bitmap=True,
            )
        )
    data = await play(sclient, file_id)
    pgs = next(s for s in data["subtitles"] if s["burn_in_only"])
    assert pgs["url"] is None
    token = data["url"].split("/")[3]
    resp = await sclient.get(f"/media/t/{token}/subs/{pgs['id']}.vtt")
    assert resp.status == 404 and "burned in" in await resp.text()
    other = await play(sclient, other_id)
    resp = await sclient.get(f"/media/t/{token}/subs/{other['subtitles'][0]['id']}.vtt")
    assert resp.status == 404
