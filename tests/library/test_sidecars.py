"""Sidecars: subtitles, artwork and NFO chosen among the names the scanner listed."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from mediaserver.library.scan.sidecars import (
    Artwork,
    find_folder_artwork,
    find_series_nfo,
    find_sidecars,
    normalize_language,
)

FOLDER = PurePosixPath("/media/movies/Movie (2001)")
VIDEO = FOLDER / "Movie.mkv"


def subs(siblings: list[str], video: PurePosixPath = VIDEO) -> dict[str, tuple]:
    found = find_sidecars(video, ["Movie.mkv", *siblings]).subtitles
    return {
        s.path.name: (s.format, s.language, s.is_forced, s.is_sdh, s.is_default, s.is_bitmap)
        for s in found
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Movie.srt", ("srt", None, False, False, False, False)),
        ("Movie.en.srt", ("srt", "eng", False, False, False, False)),
        ("Movie.eng.srt", ("srt", "eng", False, False, False, False)),
        ("Movie.English.srt", ("srt", "eng", False, False, False, False)),
        ("Movie.eng.forced.ass", ("ass", "eng", True, False, False, False)),
        ("Movie.es.sdh.vtt", ("vtt", "spa", False, True, False, False)),
        ("Movie.fr.default.srt", ("srt", "fre", False, False, True, False)),
        ("Movie.fra.srt", ("srt", "fre", False, False, False, False)),
        ("Movie.de.ssa", ("ssa", "ger", False, False, False, False)),
        ("Movie.pt-BR.srt", ("srt", "por", False, False, False, False)),
        ("Movie.zh.forced.default.srt", ("srt", "chi", True, False, True, False)),
        ("Movie.en.cc.srt", ("srt", "eng", False, True, False, False)),
        ("Movie.en.hi.srt", ("srt", "eng", False, True, False, False)),
        ("Movie.hi.srt", ("srt", "hin", False, False, False, False)),  # Hindi, not SDH
        ("Movie.ja.smi", ("smi", "jpn", False, False, False, False)),
        ("MOVIE.EN.SRT", ("srt", "eng", False, False, False, False)),  # case-insensitive
        ("Movie.sub", ("microdvd", None, False, False, False, False)),  # no .idx: text
    ],
)
def test_subtitle_patterns(name: str, expected: tuple) -> None:
    assert subs([name]) == {name: expected}


def test_vobsub_pair_is_one_bitmap_track() -> None:
    found = find_sidecars(
        VIDEO,
        ["Movie.mkv", "Movie.idx", "Movie.sub", "Movie.en.idx", "Movie.en.sub", "Movie.fr.idx"],
    ).subtitles
    assert [
        (s.path.name, s.companion and s.companion.name, s.format, s.language, s.is_bitmap)
        for s in found
    ] == [
        ("Movie.en.idx", "Movie.en.sub", "vobsub", "eng", True),
        ("Movie.idx", "Movie.sub", "vobsub", None, True),
    ]  # a lone .idx (fr) has no data and is not listed


def test_label_and_unrelated_names() -> None:
    found = find_sidecars(
        VIDEO,
        [
            "Movie.mkv",
            "Movie.en.Commentary.srt",
            "Movie 2.srt",
            "Movie2.en.srt",
            "Other.srt",
            "Movie.txt",
            "Movie.en.srt.bak",
            "Movie.mkv.srt",
        ],
    ).subtitles
    assert [(s.path.name, s.language, s.label) for s in found] == [
        ("Movie.en.Commentary.srt", "eng", "Commentary"),
        ("Movie.mkv.srt", None, "mkv"),
    ]


@pytest.mark.parametrize(
    "name",
    [
        "../Movie.en.srt",
        "Movie.en.srt/../../etc/passwd",
        "/etc/Movie.en.srt",
        "..",
        ".",
        "",
        "Movie.\x00.srt",
        "Movie..\\..\\x.srt",
    ],
)
def test_hostile_names_are_ignored(name: str) -> None:
    result = find_sidecars(VIDEO, ["Movie.mkv", name])
    assert result.subtitles == () and result.artwork == () and result.nfo is None


def test_hostile_but_plain_names_stay_in_the_folder() -> None:
    names = [
        "Movie.mkv",
        "Movie.'; DROP TABLE x;--.srt",
        "Movie.<script>.srt",
        "Movie.\n.srt",
        "Movie.\udcff.srt",
        "Movie." + "x" * 300 + ".srt",
    ]
    found = find_sidecars(VIDEO, names).subtitles
    assert len(found) == 5
    for s in found:
        assert s.path.parent == FOLDER
        assert s.path.name in names
        assert s.language is None


def test_only_listed_names_are_returned() -> None:
    result = find_sidecars(VIDEO, ["Movie.mkv"])
    assert result.subtitles == () and result.artwork == () and result.nfo is None


def test_movie_artwork() -> None:
    names = [
        "Movie.mkv",
        "poster.jpg",
        "folder.jpg",
        "cover.png",
        "Movie-poster.webp",
        "fanart.jpg",
        "backdrop.jpeg",
        "Movie-fanart.png",
        "logo.png",
        "banner.jpg",
        "Movie.jpg",
        "random.jpg",
        "poster.gif",
        "poster.jpg.exe",
    ]
    art = find_sidecars(VIDEO, names).artwork
    got = {(a.path.name, a.kind) for a in art}
    assert got == {
        ("Movie-poster.webp", "poster"),
        ("Movie-fanart.png", "fanart"),
        ("Movie.jpg", "poster"),
        ("poster.jpg", "poster"),
        ("folder.jpg", "poster"),
        ("cover.png", "poster"),
        ("fanart.jpg", "fanart"),
        ("backdrop.jpeg", "fanart"),
        ("logo.png", "logo"),
        ("banner.jpg", "banner"),
    }
    # the movie's own images come first
    assert art[0].path.name == "Movie-poster.webp"
    assert all(a.path.parent == FOLDER and a.season is None for a in art)


def test_shared_folder_gets_no_folder_art() -> None:
    names = ["Heat.mkv", "Other.mkv", "poster.jpg", "movie.nfo", "Heat-poster.jpg"]
    result = find_sidecars(FOLDER / "Heat.mkv", names, own_folder=False)
    assert [a.path.name for a in result.artwork] == ["Heat-poster.jpg"]
    assert result.nfo is None


def test_parts_share_the_base_name_sidecars() -> None:
    video = FOLDER / "Movie (2001) - cd1.mkv"
    names = [
        video.name,
        "Movie (2001) - cd2.mkv",
        "Movie (2001).nfo",
        "Movie (2001)-poster.jpg",
        "Movie (2001) - cd1.en.srt",
    ]
    result = find_sidecars(video, names)
    assert result.nfo == FOLDER / "Movie (2001).nfo"
    assert [a.path.name for a in result.artwork] == ["Movie (2001)-poster.jpg"]
    assert [s.path.name for s in result.subtitles] == ["Movie (2001) - cd1.en.srt"]


@pytest.mark.parametrize(
    ("names", "nfo"),
    [
        (["Movie.nfo", "movie.nfo"], "Movie.nfo"),
        (["movie.nfo"], "movie.nfo"),
        (["MOVIE.NFO"], "MOVIE.NFO"),
        (["tvshow.nfo"], None),
        (["Other.nfo"], None),
    ],
)
def test_movie_nfo_choice(names: list[str], nfo: str | None) -> None:
    result = find_sidecars(VIDEO, ["Movie.mkv", *names])
    assert result.nfo == (FOLDER / nfo if nfo else None)


def test_episode_sidecars() -> None:
    folder = PurePosixPath("/media/tv/Show/Season 01")
    video = folder / "Show - S01E02.mkv"
    names = [
        video.name,
        "Show - S01E02-thumb.jpg",
        "Show - S01E02.jpg",
        "Show - S01E02.nfo",
        "poster.jpg",
        "folder.jpg",
        "movie.nfo",
        "Show - S01E02.en.srt",
        "Show - S01E03.en.srt",
    ]
    result = find_sidecars(video, names, kind="episode")
    assert [(a.path.name, a.kind) for a in result.artwork] == [
        ("Show - S01E02-thumb.jpg", "thumb"),
        ("Show - S01E02.jpg", "thumb"),
    ]
    assert result.nfo == folder / "Show - S01E02.nfo"
    assert [s.path.name for s in result.subtitles] == ["Show - S01E02.en.srt"]
    assert find_sidecars(video, [video.name, "movie.nfo"], kind="episode").nfo is None


def test_series_folder_artwork_and_nfo() -> None:
    folder = PurePosixPath("/media/tv/Show")
    names = [
        "poster.jpg",
        "fanart.jpg",
        "banner.png",
        "logo.png",
        "landscape.jpg",
        "season02-poster.jpg",
        "season2-fanart.jpg",
        "season-specials-poster.jpg",
        "season00-banner.jpg",
        "season-all-poster.jpg",
        "seasonx-poster.jpg",
        "season02-poster.txt",
        "tvshow.nfo",
        "Season 01",
    ]
    art = set(find_folder_artwork(folder, names))
    assert art == {
        Artwork(folder / "poster.jpg", "poster"),
        Artwork(folder / "fanart.jpg", "fanart"),
        Artwork(folder / "banner.png", "banner"),
        Artwork(folder / "logo.png", "logo"),
        Artwork(folder / "landscape.jpg", "thumb"),
        Artwork(folder / "season02-poster.jpg", "poster", 2),
        Artwork(folder / "season2-fanart.jpg", "fanart", 2),
        Artwork(folder / "season-specials-poster.jpg", "poster", 0),
        Artwork(folder / "season00-banner.jpg", "banner", 0),
    }
    assert find_series_nfo(folder, names) == folder / "tvshow.nfo"
    assert find_series_nfo(folder, ["poster.jpg"]) is None
    assert find_series_nfo(folder, ["../tvshow.nfo"]) is None


def test_season_folder_artwork() -> None:
    folder = PurePosixPath("/media/tv/Show/Season 02")
    art = find_folder_artwork(folder, ["poster.jpg", "fanart.png", "x.mkv"], season=2)
    assert art == (
        Artwork(folder / "poster.jpg", "poster", 2),
        Artwork(folder / "fanart.png", "fanart", 2),
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("en", "eng"),
        ("EN", "eng"),
        ("eng", "eng"),
        ("English", "eng"),
        ("english", "eng"),
        ("fr", "fre"),
        ("fra", "fre"),
        ("fre", "fre"),
        ("French", "fre"),
        ("de", "ger"),
        ("deu", "ger"),
        ("ger", "ger"),
        ("pt-BR", "por"),
        ("pt_BR", "por"),
        ("zh-Hans", "chi"),
        ("ja", "jpn"),
        ("und", None),
        ("xx", None),
        ("forced", None),
        ("", None),
        ("../etc", None),
        ("x" * 100, None),
    ],
)
def test_normalize_language(text: str, code: str | None) -> None:
    assert normalize_language(text) == code
