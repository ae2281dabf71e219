"""Scanning libraries on disk: naming, NFO, sidecars, incremental rescans, moves, removals, and
every kind of bad input recorded with a reason while the scan goes on. Runs on every backend.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from mediaserver.library.libraries import create_library, get_library
from mediaserver.library.scan import analysis, walker
from mediaserver.library.scan.scanner import Scanner
from mediaserver.library.scan.store import list_issues
from tests.library.scan_helpers import file_row, place, rows, title_by_name, write
from tests.media_factory import (
    make_audio_only,
    make_playlist_disguised,
    make_text_file,
    make_truncated,
    make_video,
)

MOVIE_NFO = """<?xml version="1.0" encoding="UTF-8"?>
<movie>
  <title>The Matrix</title>
  <plot>A hacker learns that reality is a simulation.</plot>
  <year>1999</year>
  <mpaa>Rated R</mpaa>
  <genre>Action</genre><genre>Science Fiction</genre>
  <actor><name>Keanu Reeves</name><role>Neo</role><order>0</order></actor>
  <director>Lana Wachowski</director>
  <uniqueid type="imdb" default="true">tt0133093</uniqueid>
</movie>
"""
SHOW_NFO = """<tvshow><title>The Show</title><plot>Friends on a boat.</plot>
<genre>Comedy</genre></tvshow>"""


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clips")
    return make_video(
        folder / "clip.mkv",
        seconds=0.5,
        width=64,
        height=48,
        chapters=[("Opening", 0.0, 0.25), ("End", 0.25, 0.5)],
    )


@pytest.fixture
async def scanner(db, settings):
    s = Scanner(db, settings)
    yield s
    s.close()


def build_movies(root: Path, clip: Path) -> None:
    matrix = root / "The Matrix (1999)"
    place(clip, matrix / "The Matrix (1999).mkv")
    write(matrix / "The Matrix (1999).en.srt", "1\n00:00:00,000 --> 00:00:01,000\nHello\n")
    write(matrix / "The Matrix (1999).es.forced.srt", "1\n00:00:00,000 --> 00:00:01,000\nHola\n")
    write(matrix / "movie.nfo", MOVIE_NFO)
    write(matrix / "poster.jpg", "not really a jpeg; only its path is stored")
    place(clip, matrix / "Featurettes" / "Making of.mkv")
    place(clip, matrix / "The Matrix (1999)-trailer.mkv")
    place(clip, root / "Heat (1995)" / "Heat (1995) - cd1.mkv")
    place(clip, root / "Heat (1995)" / "Heat (1995) - cd2.mkv")
    place(clip, root / "Alien (1979).mkv")


def build_show(root: Path, clip: Path) -> None:
    show = root / "Show (2019)"
    write(show / "tvshow.nfo", SHOW_NFO)
    place(clip, show / "Season 01" / "Show - S01E01 - Pilot.mkv")
    place(clip, show / "Season 01" / "Show - S01E02E03.mkv")
    place(clip, show / "Season 02" / "Show - S02E01.mkv")
    place(clip, show / "Specials" / "Show - S00E01.mkv")


async def test_movies_with_nfo_parts_extras_and_sidecars(db, scanner, tmp_path, clip) -> None:
    root = tmp_path / "movies"
    build_movies(root, clip)
    lib = await create_library(db, "Movies", "movies", [str(root)])
    stats = await scanner.scan(lib)
    assert (stats.new, stats.failed) == (6, 0), stats.failures

    matrix = await title_by_name(db, "The Matrix")
    assert (matrix.kind, matrix.year, matrix.maturity_rating) == ("movie", 1999, "R")
    assert "simulation" in matrix.description
    genres = await rows(
        db,
        "SELECT g.name FROM genres g JOIN title_genres tg ON tg.genre_id = g.id "
        "WHERE tg.title_id = :t ORDER BY g.name",
        t=matrix.id,
    )
    assert [g.name for g in genres] == ["Action", "Science Fiction"]
    cast = await rows(
        db,
        "SELECT p.name, tp.role, tp.character FROM people p "
        "JOIN title_people tp ON tp.person_id = p.id WHERE tp.title_id = :t ORDER BY tp.position",
        t=matrix.id,
    )
    assert [tuple(c) for c in cast] == [
        ("Keanu Reeves", "actor", "Neo"),
        ("Lana Wachowski", "director", None),
    ]
    # Extras belong to the movie: no separate titles.
    files = await rows(db, "SELECT * FROM media_files WHERE title_id = :t", t=matrix.id)
    assert sorted(f.extra_kind or "" for f in files) == ["", "featurette", "trailer"]
    titles = await rows(db, "SELECT title FROM titles ORDER BY sort_title")
    assert [t.title for t in titles] == ["Alien", "Heat", "The Matrix"]

    heat = await title_by_name(db, "Heat")
    parts = await rows(db, "SELECT part FROM media_files WHERE title_id = :t", t=heat.id)
    assert sorted(p.part for p in parts) == [1, 2]

    main = await file_row(db, "The Matrix (1999).mkv")
    subs = await rows(
        db,
        "SELECT source, language, is_forced, format FROM subtitle_tracks "
        "WHERE media_file_id = :f ORDER BY source, language",
        f=main.id,
    )
    sidecar = [(s.language, bool(s.is_forced)) for s in subs if s.source == "sidecar"]
    assert sorted(sidecar) == [("eng", False), ("spa", True)]
    assert [s.language for s in subs if s.source == "embedded"] == ["eng", "spa"]
    streams = await rows(
        db, "SELECT kind, codec, width FROM media_streams WHERE media_file_id = :f", f=main.id
    )
    assert ("video", "h264", 64) in [tuple(s) for s in streams]
    chaps = await rows(db, "SELECT title FROM chapters WHERE media_file_id = :f", f=main.id)
    assert [c.title for c in chaps] == ["Opening", "End"]
    art = await rows(
        db, "SELECT kind, source, location FROM images WHERE title_id = :t", t=matrix.id
    )
    assert [(a.kind, a.source) for a in art] == [("poster", "local")]
    probe = json.loads(main.probe) if isinstance(main.probe, str) else main.probe
    assert main.container and main.duration_seconds and probe["video"]


async def test_show_seasons_specials_and_multi_episode(db, scanner, tmp_path, clip) -> None:
    root = tmp_path / "shows"
    build_show(root, clip)
    lib = await create_library(db, "Shows", "shows", [str(root)])
    stats = await scanner.scan(lib)
    assert (stats.new, stats.failed) == (4, 0), stats.failures
    series = await title_by_name(db, "The Show")  # tvshow.nfo overrides the folder name
    assert series.kind == "series" and series.year == 2019 and "boat" in series.description
    eps = await rows(
        db,
        "SELECT season_number, episode_number, episode_number_end, title FROM episodes "
        "WHERE series_id = :s ORDER BY season_number, episode_number",
        s=series.id,
    )
    assert [tuple(e) for e in eps] == [
        (0, 1, None, None),
        (1, 1, None, "Pilot"),
        (1, 2, 3, None),
        (2, 1, None, None),
    ]
    seasons = await rows(db, "SELECT number FROM seasons WHERE series_id = :s", s=series.id)
    assert sorted(s.number for s in seasons) == [0, 1, 2]
    linked = await rows(db, "SELECT title_id, episode_id FROM media_files")
    assert all(r.title_id == series.id and r.episode_id for r in linked)


async def test_unchanged_rescan_probes_nothing(db, scanner, tmp_path, clip, monkeypatch) -> None:
    root = tmp_path / "movies"
    build_movies(root, clip)
    build_show(tmp_path / "movies" / "shows-inside", clip)
    lib = await create_library(db, "Mixed", "mixed", [str(root)])
    first = await scanner.scan(lib)
    assert first.failed == 0, first.failures
    calls: list[str] = []
    real = analysis.probe_file
    monkeypatch.setattr(analysis, "probe_file", lambda p: calls.append(str(p)) or real(p))
    lib = await get_library(db, lib.id)
    started = time.monotonic()
    again = await scanner.scan(lib)
    assert calls == []
    assert (again.new, again.changed, again.removed, again.unchanged) == (0, 0, 0, first.files)
    assert time.monotonic() - started < 2.0

    # A changed file is probed again, and only that one.
    target = root / "Alien (1979).mkv"
    target.write_bytes(clip.read_bytes())
    changed = await scanner.scan(await get_library(db, lib.id))
    assert calls == [str(target)] and changed.changed == 1


async def test_renamed_file_keeps_its_row_and_title(db, scanner, tmp_path, clip) -> None:
    root = tmp_path / "movies"
    build_movies(root, clip)
    lib = await create_library(db, "Movies", "movies", [str(root)])
    await scanner.scan(lib)
    before = await file_row(db, "Alien (1979).mkv")
    title_before = await title_by_name(db, "Alien")
    (root / "Alien (1979).mkv").rename(root / "Alien Directors Cut (1979).mkv")
    stats = await scanner.scan(await get_library(db, lib.id))
    assert (stats.moved, stats.new, stats.removed) == (1, 0, 0)
    after = await file_row(db, "Alien Directors Cut (1979).mkv")
    assert after.id == before.id and after.title_id == title_before.id
    assert after.status == "ok"
    title_after = await rows(db, "SELECT * FROM titles WHERE id = :t", t=title_before.id)
    assert title_after[0].title == "Alien Directors Cut" and title_after[0].removed_at is None

    # A whole series folder renamed: every episode keeps its row, the series its id.
    build_show(tmp_path / "shows", clip)
    shows = await create_library(db, "Shows", "shows", [str(tmp_path / "shows")])
    await scanner.scan(shows)
    series = await title_by_name(db, "The Show")
    ids = {
        r.id for r in await rows(db, "SELECT id FROM media_files WHERE title_id = :t", t=series.id)
    }
    (tmp_path / "shows" / "Show (2019)").rename(tmp_path / "shows" / "The Show (2019)")
    stats = await scanner.scan(await get_library(db, shows.id))
    assert (stats.moved, stats.new, stats.removed) == (4, 0, 0)
    after_ids = {
        r.id for r in await rows(db, "SELECT id FROM media_files WHERE title_id = :t", t=series.id)
    }
    assert after_ids == ids


async def test_deleted_file_hides_title_and_returns(db, scanner, tmp_path, clip) -> None:
    root = tmp_path / "movies"
    build_movies(root, clip)
    build_show(tmp_path / "shows", clip)
    lib = await create_library(db, "Movies", "movies", [str(root)])
    shows = await create_library(db, "Shows", "shows", [str(tmp_path / "shows")])
    await scanner.scan(lib)
    await scanner.scan(shows)
    alien = await title_by_name(db, "Alien")
    row = await file_row(db, "Alien (1979).mkv")
    aside = tmp_path / "aside.mkv"
    (root / "Alien (1979).mkv").rename(aside)
    stats = await scanner.scan(await get_library(db, lib.id))
    assert stats.removed == 1
    gone = await file_row(db, "Alien (1979).mkv")
    assert gone.status == "missing" and gone.removed_at is not None
    assert (await title_by_name(db, "Alien")).removed_at is not None

    aside.rename(root / "Alien (1979).mkv")
    await scanner.scan(await get_library(db, lib.id))
    back = await file_row(db, "Alien (1979).mkv")
    assert back.id == row.id and back.status == "ok" and back.title_id == alien.id
    assert (await title_by_name(db, "Alien")).removed_at is None

    # An episode removed: the episode hides, the series stays.
    (tmp_path / "shows" / "Show (2019)" / "Season 02" / "Show - S02E01.mkv").unlink()
    await scanner.scan(await get_library(db, shows.id))
    series = await title_by_name(db, "The Show")
    assert series.removed_at is None
    eps = await rows(
        db, "SELECT season_number, removed_at FROM episodes WHERE series_id = :s", s=series.id
    )
    assert {e.season_number for e in eps if e.removed_at is not None} == {2}
    season2 = await rows(db, "SELECT removed_at FROM seasons WHERE number = 2")
    assert season2[0].removed_at is not None


async def test_bad_input_is_recorded_and_the_scan_goes_on(
    db, scanner, tmp_path, clip, monkeypatch
) -> None:
    root = tmp_path / "media"
    (root / "zero.mkv").parent.mkdir(parents=True)
    (root / "zero.mkv").write_bytes(b"")
    make_text_file(root / "notes.mkv")
    make_truncated(clip, root / "cut.mkv", 600)
    make_playlist_disguised(root / "playlist.mkv")
    hostile = [
        "Quote \"double\" 'single' (2001).mkv",
        "New\nLine (2002).mkv",
        "Dots .. in name (2003).mkv",
        "L" * 246 + ".mkv",
    ]
    for name in hostile:
        place(clip, root / name)
    non_utf8 = os.path.join(os.fsencode(root), b"Caf\xe9 (2004).mkv")
    place(clip, non_utf8)
    place(clip, root / "Good (2005)" / "Good (2005).mkv")
    write(root / "Good (2005)" / "movie.nfo", "this is not XML at all, sorry")
    place(clip, root / "Vanishing" / "Gone (2006).mkv")
    loop = root / "Loop"
    loop.mkdir()
    (loop / "again").symlink_to(loop)
    outside = tmp_path / "outside"
    place(clip, outside / "Secret (2007).mkv")
    (root / "escape").symlink_to(outside)
    (root / "escape-file.mkv").symlink_to(outside / "Secret (2007).mkv")
    place(clip, root / ".@__thumb" / "Thumb.mkv")
    place(clip, root / "@eaDir" / "Index.mkv")

    real_scandir = os.scandir

    def flaky_scandir(path=".", *args):
        if os.fspath(path).endswith("Vanishing"):
            raise FileNotFoundError(2, "No such file or directory", path)
        return real_scandir(path, *args)

    monkeypatch.setattr(walker.os, "scandir", flaky_scandir)
    lib = await create_library(db, "Bad", "movies", [str(root)])
    stats = await scanner.scan(lib)

    files = {r.path: r for r in await rows(db, "SELECT * FROM media_files")}
    failed = {os.path.basename(p): r.error for p, r in files.items() if r.status == "failed"}
    assert set(failed) == {"zero.mkv", "notes.mkv", "cut.mkv", "playlist.mkv"}, failed
    assert all(reason for reason in failed.values())
    assert "text" in failed["notes.mkv"]
    ok = [r for r in files.values() if r.status == "ok"]
    assert len(ok) == len(hostile) + 2  # hostile names, non-UTF-8, Good
    undecodable = [r for r in ok if r.path.startswith("b64:")]
    assert len(undecodable) == 1 and "Caf\ufffd" in undecodable[0].display_path
    assert not any("Secret" in p or "Thumb" in p or "Index" in p for p in files)
    assert "New\\nLine (2002).mkv" in {os.path.basename(r.display_path) for r in ok}

    issues = {
        os.path.basename(r.path): r.reason for r in await rows(db, "SELECT * FROM scan_issues")
    }
    assert "vanished" in issues["Vanishing"]
    assert "loop" in issues["again"]
    assert "outside" in issues["escape"] and "outside" in issues["escape-file.mkv"]
    assert "NFO" in issues["movie.nfo"] and "XML" in issues["movie.nfo"]
    assert stats.failed == 4
    assert await title_by_name(db, "Good")  # the bad NFO did not stop the movie


async def test_audio_files_end_as_issues_with_a_reason(db, scanner, tmp_path, clip) -> None:
    root = tmp_path / "media"
    root.mkdir()
    make_audio_only(root / "Soundtrack.m4a")
    make_audio_only(root / "Theme.mka", container="mkv")
    make_audio_only(root / "Audio in a video name (2001).mp4")
    place(clip, root / "Film (2002).mkv")
    lib = await create_library(db, "Mixed", "movies", [str(root)])
    stats = await scanner.scan(lib)
    # Every media file the scan met is a title or a failed file the issues page shows, with why.
    issues = {os.path.basename(i.path): i.reason for i in await list_issues(db, lib.id)}
    expected = {"Soundtrack.m4a", "Theme.mka", "Audio in a video name (2001).mp4"}
    assert set(issues) == expected, issues
    assert all("no video stream (audio only" in reason for reason in issues.values())
    assert stats.failed == 3 and await title_by_name(db, "Film")


async def test_partial_scan_looks_only_at_the_given_paths(db, scanner, tmp_path, clip) -> None:
    root = tmp_path / "movies"
    build_movies(root, clip)
    lib = await create_library(db, "Movies", "movies", [str(root)])
    await scanner.scan(lib)
    new = place(clip, root / "Brazil (1985).mkv")
    (root / "Heat (1995)" / "Heat (1995) - cd2.mkv").unlink()  # not reported: stays for now
    stats = await scanner.scan(await get_library(db, lib.id), [str(new)])
    assert (stats.files, stats.new, stats.removed) == (1, 1, 0)
    assert (await title_by_name(db, "Brazil")).removed_at is None
    cd2 = await file_row(db, "Heat (1995) - cd2.mkv")
    assert cd2.status == "ok"
    # The deleted path reported: now it is missing.
    stats = await scanner.scan(
        await get_library(db, lib.id), [str(root / "Heat (1995)" / "Heat (1995) - cd2.mkv")]
    )
    assert stats.removed == 1
    assert (await file_row(db, "Heat (1995) - cd2.mkv")).status == "missing"


async def test_unmounted_root_does_not_empty_the_library(db, scanner, tmp_path, clip) -> None:
    root = tmp_path / "movies"
    build_movies(root, clip)
    lib = await create_library(db, "Movies", "movies", [str(root)])
    await scanner.scan(lib)
    root.rename(tmp_path / "unplugged")
    stats = await scanner.scan(await get_library(db, lib.id))
    assert stats.removed == 0
    assert not await rows(db, "SELECT id FROM titles WHERE removed_at IS NOT NULL")
    issues = await rows(db, "SELECT reason FROM scan_issues")
    assert any("vanished" in i.reason for i in issues)


async def test_scan_command_prints_progress_and_summary(db, settings, tmp_path, clip) -> None:
    from io import StringIO

    from mediaserver.cli.scan import scan_command

    build_movies(tmp_path / "movies", clip)
    await create_library(db, "Movies", "movies", [str(tmp_path / "movies")])
    out = StringIO()
    assert await scan_command(settings, "Movies", out=out) == 0
    text = out.getvalue()
    assert "6/6 files" in text and "Movies: 6 files: 6 new" in text and "files/s" in text
    assert await scan_command(settings, "Nope", out=StringIO()) == 1
