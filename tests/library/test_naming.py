"""Naming: real-world file names to NameGuess, table-driven."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import PurePosixPath

import pytest

from mediaserver.library.scan.naming import guess, parse_folder
from mediaserver.library.scan.naming_rules import season_folder, sort_title, strip_part

# (relative path, library kind, expected fields)
CASES = [
    # --- movies: scene names, folders, years in titles ---
    (
        "The.Matrix.1999.1080p.BluRay.x264-GROUP.mkv",
        "movies",
        dict(kind="movie", title="The Matrix", year=1999, sort_title="matrix, the"),
    ),
    (
        "The Matrix (1999)/The Matrix (1999).mkv",
        "movies",
        dict(kind="movie", title="The Matrix", year=1999, source_key="movie:The Matrix (1999)"),
    ),
    (
        "The Matrix (1999)/matrix.mkv",
        "movies",
        dict(kind="movie", title="The Matrix", year=1999, source_key="movie:The Matrix (1999)"),
    ),
    (
        "The Matrix (1999)/The.Matrix.1999.1080p.BluRay.x264-GROUP.mkv",
        "movies",
        dict(kind="movie", title="The Matrix", year=1999, source_key="movie:The Matrix (1999)"),
    ),
    (
        "Blade Runner 2049 (2017)/Blade Runner 2049 (2017).mkv",
        "movies",
        dict(kind="movie", title="Blade Runner 2049", year=2017),
    ),
    (
        "Blade.Runner.2049.2017.1080p.BluRay.mkv",
        "movies",
        dict(kind="movie", title="Blade Runner 2049", year=2017),
    ),
    ("1917 (2019)/1917 (2019).mkv", "movies", dict(kind="movie", title="1917", year=2019)),
    ("1917.2019.1080p.WEB-DL.mkv", "movies", dict(kind="movie", title="1917", year=2019)),
    (
        "2001 A Space Odyssey (1968).mkv",
        "movies",
        dict(kind="movie", title="2001 A Space Odyssey", year=1968),
    ),
    ("2012 (2009).mkv", "mixed", dict(kind="movie", title="2012", year=2009)),
    (
        "千と千尋の神隠し (2001).mkv",
        "movies",
        dict(kind="movie", title="千と千尋の神隠し", year=2001),
    ),
    ("Амели (2001).mkv", "movies", dict(kind="movie", title="Амели", year=2001)),
    ("Ocean's Eleven (2001).mkv", "movies", dict(kind="movie", title="Ocean's Eleven", year=2001)),
    ("Don't Look Up (2021).mkv", "mixed", dict(kind="movie", title="Don't Look Up", year=2021)),
    ('Movie "Quoted" (2001).mkv', "movies", dict(kind="movie", title='Movie "Quoted"', year=2001)),
    ("Mr. Nobody (2009).mkv", "movies", dict(kind="movie", title="Mr. Nobody", year=2009)),
    ("An American Tail (1986).mkv", "movies", dict(sort_title="american tail, an")),
    ("A Quiet Place (2018).mkv", "movies", dict(sort_title="quiet place, a")),
    (
        "Movie (2001) [imdbid-tt0123456]/Movie (2001) [imdbid-tt0123456].mkv",
        "movies",
        dict(
            kind="movie",
            title="Movie",
            year=2001,
            provider_ids={"imdb": "tt0123456"},
            source_key="movie:Movie (2001) [imdbid-tt0123456]",
        ),
    ),
    (
        "Movie (2001) {tmdb-1234}/Movie (2001) {tmdb-1234} {edition-Director's Cut}.mkv",
        "movies",
        dict(kind="movie", title="Movie", year=2001, provider_ids={"tmdb": "1234"}),
    ),
    (
        "Collection/Heat (1995).mkv",
        "movies",
        dict(kind="movie", title="Heat", year=1995, source_key="movie:Collection/Heat (1995)"),
    ),
    # --- multi-part movies ---
    (
        "Movie (2001)/Movie (2001) - part1.mkv",
        "movies",
        dict(kind="movie", title="Movie", year=2001, part=1, source_key="movie:Movie (2001)"),
    ),
    (
        "Movie (2001)/Movie (2001) - part2.mkv",
        "movies",
        dict(kind="movie", part=2, source_key="movie:Movie (2001)"),
    ),
    (
        "Movie Title (1999)/Movie Title (1999) - cd2.mkv",
        "movies",
        dict(kind="movie", title="Movie Title", year=1999, part=2),
    ),
    ("Movie (2001)/Movie (2001) - disc 2.mkv", "movies", dict(kind="movie", part=2)),
    (
        "Movie (2001) - cd1.avi",
        "movies",
        dict(kind="movie", title="Movie", part=1, source_key="movie:Movie (2001)"),
    ),
    ("Movie (2001) - pt.b.avi", "movies", dict(kind="movie", part=2)),
    (
        "Harry Potter and the Deathly Hallows Part 1 (2010).mkv",
        "movies",
        dict(kind="movie", title="Harry Potter and the Deathly Hallows Part 1", part=None),
    ),
    # --- extras ---
    (
        "Movie (2001)/Extras/Making of.mkv",
        "movies",
        dict(
            kind="extra",
            title="Making of",
            extra_kind="other",
            owner_kind="movie",
            owner_title="Movie",
            year=2001,
            source_key="movie:Movie (2001)",
        ),
    ),
    (
        "Movie (2001)/Movie (2001)-trailer.mkv",
        "movies",
        dict(
            kind="extra", extra_kind="trailer", owner_title="Movie", source_key="movie:Movie (2001)"
        ),
    ),
    ("Movie (2001)/Trailers/Teaser.mkv", "movies", dict(kind="extra", extra_kind="trailer")),
    (
        "Movie (2001)/Behind The Scenes/Stunts.mkv",
        "movies",
        dict(kind="extra", extra_kind="behindthescenes", title="Stunts"),
    ),
    (
        "Movie (2001)/Deleted Scenes/Alt ending.mkv",
        "movies",
        dict(kind="extra", extra_kind="deleted"),
    ),
    ("Movie (2001)/Featurettes/x.mkv", "movies", dict(kind="extra", extra_kind="featurette")),
    ("Movie (2001)/Interviews/x.mkv", "movies", dict(kind="extra", extra_kind="interview")),
    ("Movie (2001)/Scenes/x.mkv", "movies", dict(kind="extra", extra_kind="scene")),
    ("Movie (2001)/Shorts/x.mkv", "movies", dict(kind="extra", extra_kind="short")),
    ("Movie (2001)/Other/x.mkv", "movies", dict(kind="extra", extra_kind="other")),
    ("Movie (2001)/Movie (2001)-featurette.mkv", "movies", dict(extra_kind="featurette")),
    ("Movie (2001)/Movie (2001)-behindthescenes.mkv", "movies", dict(extra_kind="behindthescenes")),
    ("Movie (2001)/Movie (2001)-deleted.mkv", "movies", dict(extra_kind="deleted")),
    ("Movie (2001)/Movie (2001)-interview.mkv", "movies", dict(extra_kind="interview")),
    ("Movie (2001)/Movie (2001)-scene.mkv", "movies", dict(extra_kind="scene")),
    ("Movie (2001)/Movie (2001)-short.mkv", "movies", dict(extra_kind="short")),
    ("Movie (2001)/Movie (2001)-other.mkv", "movies", dict(extra_kind="other")),
    (
        "Movie (2001)/trailer.mkv",
        "movies",
        dict(kind="extra", extra_kind="trailer", source_key="movie:Movie (2001)"),
    ),
    (
        "Movie (2001)-trailer.mkv",
        "movies",
        dict(kind="extra", extra_kind="trailer", source_key="movie:Movie (2001)"),
    ),
    ("The Other (1972).mkv", "movies", dict(kind="movie", title="The Other")),
    # --- episodes ---
    (
        "Breaking.Bad.S05E14.720p.mkv",
        "shows",
        dict(kind="episode", series_title="Breaking Bad", season=5, episodes=(14,)),
    ),
    ("Breaking.Bad.S05E14.720p.mkv", "mixed", dict(kind="episode", season=5, episodes=(14,))),
    (
        "Show Name/Season 02/S02E03.mkv",
        "shows",
        dict(
            kind="episode",
            series_title="Show Name",
            season=2,
            episodes=(3,),
            source_key="series:Show Name",
        ),
    ),
    (
        "Show/Season 1/Show - S01E02 - Title.mkv",
        "shows",
        dict(kind="episode", title="Show", season=1, episodes=(2,), episode_title="Title"),
    ),
    (
        "Show (2019)/Specials/Show - S00E01.mkv",
        "shows",
        dict(
            kind="episode",
            series_title="Show",
            year=2019,
            season=0,
            episodes=(1,),
            source_key="series:Show (2019)",
        ),
    ),
    ("Show (2019)/Specials/Show - E01.mkv", "shows", dict(kind="episode", season=0)),
    ("Show (2019)/Season 00/Show - S00E02.mkv", "shows", dict(season=0, episodes=(2,))),
    ("Show/Season 1/Show - S01E01E02.mkv", "shows", dict(season=1, episodes=(1, 2))),
    ("Show/Season 1/Show - S01E01-E03.mkv", "shows", dict(season=1, episodes=(1, 2, 3))),
    ("Show/Season 1/Show.S01E01-E9999.mkv", "shows", dict(season=1)),
    ("Show/Season 2/Show - 12.mkv", "shows", dict(season=2, episodes=(12,))),
    (
        "Show/Season 1/Show.1x02.Title.mkv",
        "shows",
        dict(season=1, episodes=(2,), episode_title="Title"),
    ),
    (
        "Doctor Who (2005)/Season 1/Doctor Who (2005) - S01E01 - Rose.mkv",
        "shows",
        dict(series_title="Doctor Who", year=2005, season=1, episodes=(1,), episode_title="Rose"),
    ),
    (
        "TV/Doctor Who (2005)/Season 1/Doctor Who (2005) - S01E01 - Rose.mkv",
        "mixed",
        dict(kind="episode", series_title="Doctor Who", source_key="series:TV/Doctor Who (2005)"),
    ),
    (
        "Grey's Anatomy/Season 3/Grey's Anatomy - S03E01 - Time Has Come Today.mkv",
        "shows",
        dict(series_title="Grey's Anatomy", episode_title="Time Has Come Today"),
    ),
    (
        "Extras/Season 1/Extras - S01E01.mkv",
        "shows",
        dict(kind="episode", series_title="Extras", season=1, episodes=(1,)),
    ),
    (
        "Show/Season 1/Extras/Bloopers.mkv",
        "shows",
        dict(
            kind="extra",
            extra_kind="other",
            owner_kind="series",
            series_title="Show",
            season=1,
            source_key="series:Show",
        ),
    ),
    ("Show/Staffel 3/Show - S03E04.mkv", "shows", dict(season=3, episodes=(4,))),
    (
        "Show/Season 1/Show - S01E01 - Pilot - part1.mkv",
        "shows",
        dict(episodes=(1,), episode_title="Pilot", part=1),
    ),
    # --- anime absolute numbering, date-based ---
    (
        "[Group] Show - 12 [1080p].mkv",
        "shows",
        dict(kind="episode", series_title="Show", season=1, episodes=(12,)),
    ),
    (
        "Show/[Group] Show - 05 [1080p][ABCDEF12].mkv",
        "shows",
        dict(kind="episode", series_title="Show", episodes=(5,), source_key="series:Show"),
    ),
    (
        "The Daily Show/The Daily Show 2024-03-05.mkv",
        "shows",
        dict(
            kind="episode",
            series_title="The Daily Show",
            season=2024,
            episodes=(305,),
            air_date=dt.date(2024, 3, 5),
        ),
    ),
    (
        "The Daily Show/The.Daily.Show.2024.03.05.Guest.720p.WEB.mkv",
        "shows",
        dict(kind="episode", season=2024, air_date=dt.date(2024, 3, 5)),
    ),
]


@pytest.mark.parametrize(("path", "library", "expected"), CASES, ids=[c[0] for c in CASES])
def test_guess(path: str, library: str, expected: dict) -> None:
    g = guess(PurePosixPath(path), library)  # type: ignore[arg-type]
    got = {k: getattr(g, k) for k in expected}
    assert got == expected, g


def test_at_least_forty_cases() -> None:
    assert len(CASES) >= 40


def test_library_kind_decides() -> None:
    name = PurePosixPath("Show - S01E02.mkv")
    assert guess(name, "shows").kind == "episode"
    assert guess(name, "mixed").kind == "episode"
    assert guess(name, "movies").kind == "movie"
    movie = PurePosixPath("Heat (1995)/Heat (1995).mkv")
    assert guess(movie, "mixed").kind == "movie"
    assert guess(movie, "movies").kind == "movie"


def test_parts_and_extras_share_the_movie_key() -> None:
    keys = {
        guess(PurePosixPath(p), "movies").source_key
        for p in (
            "Movie (2001)/Movie (2001) - cd1.mkv",
            "Movie (2001)/Movie (2001) - cd2.mkv",
            "Movie (2001)/Movie (2001)-trailer.mkv",
            "Movie (2001)/Extras/Making of.mkv",
            "Movie (2001)/Movie (2001) - 1080p.mkv",
        )
    }
    assert keys == {"movie:Movie (2001)"}


def test_episodes_of_one_series_share_a_key() -> None:
    keys = {
        guess(PurePosixPath(p), "shows").source_key
        for p in ("Show/Season 1/S01E01.mkv", "Show/Season 2/S02E01.mkv", "Show/Specials/x.mkv")
    }
    assert keys == {"series:Show"}


@pytest.mark.parametrize(
    "path",
    [
        "Movie\nInjected (2001).mkv",
        "Bad \udcff\udcfe Bytes (2001).mkv",
        "'; DROP TABLE titles; --.mkv",
        "<script>alert(1)</script> (2001).mkv",
        "../../etc/passwd",
        "/abs/olute.mkv",
        "a" * 5000 + ".mkv",
        "x." * 1000 + "mkv",
        ".mkv",
        "",
        "Show/Season 1/" + "\u202e" + "vkm.S01E01.exe",
    ],
)
@pytest.mark.parametrize("library", ["movies", "shows", "mixed"])
def test_hostile_names_never_fail(path: str, library: str) -> None:
    started = time.perf_counter()
    g = guess(PurePosixPath(path), library)  # type: ignore[arg-type]
    assert time.perf_counter() - started < 2
    for text in (g.title, g.source_key, g.sort_title, g.series_title or "", g.episode_title or ""):
        text.encode("utf-8")  # storable: no lone surrogates
        assert "\n" not in text and "\x00" not in text and "\u202e" not in text
    assert ".." not in PurePosixPath(g.source_key.partition(":")[2]).parts


def test_fast_path_agrees_with_guessit() -> None:
    """The strict patterns give what guessit gives for the names they accept."""
    from guessit import guessit

    for name, kind in [
        ("The Matrix (1999).mkv", "movie"),
        ("Blade Runner 2049 (2017).mkv", "movie"),
        ("Show - S01E02 - Title.mkv", "episode"),
        ("Show - S01E01-E03.mkv", "episode"),
    ]:
        ref = guessit(name, {"type": kind})
        g = guess(PurePosixPath(name), "movies" if kind == "movie" else "shows")
        assert g.title == ref["title"]
        if kind == "movie":
            assert g.year == ref["year"]
        else:
            eps = ref["episode"] if isinstance(ref["episode"], list) else [ref["episode"]]
            assert (g.season, list(g.episodes)) == (ref["season"], eps)


def test_well_named_files_are_fast() -> None:
    started = time.perf_counter()
    for i in range(2000):
        guess(
            PurePosixPath(f"Show {i % 50}/Season 1/Show {i % 50} - S01E{i:02d} - Ep.mkv"), "shows"
        )
        guess(PurePosixPath(f"Movie {i} (2001)/Movie {i} (2001).mkv"), "movies")
    assert time.perf_counter() - started < 4  # >= 1,000 names/s even on a slow CI machine


@pytest.mark.parametrize(
    ("folder", "season"),
    [
        ("Season 1", 1),
        ("Season 02", 2),
        ("season_3", 3),
        ("S04", 4),
        ("Specials", 0),
        ("Season 00", 0),
        ("Staffel 5", 5),
        ("Saison 6", 6),
        ("Show", None),
        ("Seasoning", None),
    ],
)
def test_season_folder(folder: str, season: int | None) -> None:
    assert season_folder(folder) == season


def test_helpers() -> None:
    assert sort_title("The Matrix") == "matrix, the"
    assert sort_title("Theodore Rex") == "theodore rex"
    assert sort_title("A") == "a"
    assert strip_part("Movie - CD3") == ("Movie", 3)
    assert strip_part("Part 2") == ("Part 2", None)  # a part needs a title before it
    assert parse_folder("Show (2019) [tvdbid-12345]", "episode") == ("Show", 2019)
