"""NFO reading: Kodi movie/tvshow/episode NFOs, URL NFOs, and hostile files."""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc
from pathlib import Path

import pytest

from mediaserver.library.scan.nfo import (
    MAX_BYTES,
    NfoActor,
    NfoError,
    map_mpaa,
    parse_nfo,
    read_nfo,
)

MOVIE_NFO = """<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>
<movie>
    <title>  The Matrix </title>
    <originaltitle>The Matrix</originaltitle>
    <sorttitle>Matrix 1</sorttitle>
    <ratings>
        <rating name="themoviedb" max="10"><value>8.2</value><votes>20000</votes></rating>
        <rating name="imdb" max="10" default="true"><value>8.7</value></rating>
    </ratings>
    <userrating>0</userrating>
    <outline>A hacker learns the truth.</outline>
    <plot>Thomas &lt;b&gt;Anderson&lt;/b&gt; <i>discovers</i> the world is a simulation.</plot>
    <tagline>Welcome to the Real World.</tagline>
    <runtime>136</runtime>
    <mpaa>Rated R</mpaa>
    <uniqueid type="imdb" default="true">tt0133093</uniqueid>
    <uniqueid type="tmdb">603</uniqueid>
    <genre>Action</genre>
    <genre>Science Fiction</genre>
    <tag>cyberpunk</tag>
    <credits>Lana Wachowski</credits>
    <credits>Lilly Wachowski</credits>
    <director>Lana Wachowski</director>
    <director>Lilly Wachowski</director>
    <premiered>1999-03-30</premiered>
    <studio>Warner Bros.</studio>
    <actor><name>Keanu Reeves</name><role>Neo</role><order>0</order><thumb>x.jpg</thumb></actor>
    <actor><name>Laurence Fishburne</name><role>Morpheus</role><order>1</order></actor>
    <actor><name>Carrie-Anne Moss</name><role>Trinity</role></actor>
</movie>
"""

TVSHOW_NFO = """<?xml version="1.0" encoding="UTF-8"?>
<tvshow>
    <title>Breaking Bad</title>
    <plot>A chemistry teacher turns to crime.</plot>
    <mpaa>TV-MA</mpaa>
    <rating>9.5</rating>
    <premiered>2008-01-20</premiered>
    <genre>Drama / Crime</genre>
    <id>81189</id>
    <imdbid>tt0903747</imdbid>
    <actor><name>Bryan Cranston</name><role>Walter White</role><order>0</order></actor>
</tvshow>
"""

EPISODE_NFO = """<episodedetails>
    <title>Ozymandias</title>
    <showtitle>Breaking Bad</showtitle>
    <season>5</season>
    <episode>14</episode>
    <aired>2013-09-15</aired>
    <plot>Everyone copes with radically changed circumstances.</plot>
    <runtime>47 min</runtime>
    <uniqueid type="tvdb" default="true">4634266</uniqueid>
    <director>Rian Johnson</director>
    <credits>Moira Walley-Beckett</credits>
</episodedetails>
<episodedetails>
    <title>Granite State</title>
    <season>5</season>
    <episode>15</episode>
</episodedetails>
"""


def write(tmp_path: Path, content: str | bytes, name: str = "movie.nfo") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def test_full_movie_nfo(tmp_path: Path) -> None:
    nfo = read_nfo(write(tmp_path, MOVIE_NFO))
    assert nfo.kind == "movie"
    assert nfo.title == "The Matrix"
    assert nfo.original_title == "The Matrix"
    assert nfo.sort_title == "Matrix 1"
    assert nfo.year == 1999  # from <premiered> when <year> is absent
    assert nfo.premiered == dt.date(1999, 3, 30)
    assert nfo.runtime_minutes == 136
    assert nfo.genres == ("Action", "Science Fiction")
    assert nfo.tags == ("cyberpunk",)
    assert nfo.studios == ("Warner Bros.",)
    assert nfo.mpaa == "Rated R" and nfo.maturity_rating == "R"
    assert nfo.community_rating == 8.7  # the default rating
    assert nfo.ids == {"imdb": "tt0133093", "tmdb": "603"}
    assert nfo.actors[:2] == (
        NfoActor("Keanu Reeves", "Neo", 0),
        NfoActor("Laurence Fishburne", "Morpheus", 1),
    )
    assert nfo.actors[2] == NfoActor("Carrie-Anne Moss", "Trinity", None)
    assert nfo.directors == ("Lana Wachowski", "Lilly Wachowski")
    assert nfo.writers == ("Lana Wachowski", "Lilly Wachowski")
    assert nfo.outline == "A hacker learns the truth."
    assert nfo.tagline == "Welcome to the Real World."
    # escaped markup stays text; nested markup is flattened to its text, never interpreted
    assert nfo.plot == "Thomas <b>Anderson</b> discovers the world is a simulation."


def test_tvshow_nfo(tmp_path: Path) -> None:
    nfo = read_nfo(write(tmp_path, TVSHOW_NFO, "tvshow.nfo"))
    assert nfo.kind == "tvshow"
    assert nfo.title == "Breaking Bad"
    assert nfo.maturity_rating == "TV-MA"
    assert nfo.community_rating == 9.5
    assert nfo.year == 2008
    assert nfo.genres == ("Drama", "Crime")
    assert nfo.ids == {"imdb": "tt0903747", "tvdb": "81189"}
    assert nfo.actors == (NfoActor("Bryan Cranston", "Walter White", 0),)


def test_episode_nfo_with_two_episodes(tmp_path: Path) -> None:
    nfo = read_nfo(write(tmp_path, EPISODE_NFO, "Breaking Bad - S05E14E15.nfo"))
    assert nfo.kind == "episode"
    assert (nfo.title, nfo.show_title, nfo.season, nfo.episode) == (
        "Ozymandias",
        "Breaking Bad",
        5,
        14,
    )
    assert nfo.premiered == dt.date(2013, 9, 15) and nfo.year == 2013
    assert nfo.runtime_minutes == 47
    assert nfo.ids == {"tvdb": "4634266"}
    assert nfo.directors == ("Rian Johnson",)
    assert nfo.writers == ("Moira Walley-Beckett",)
    assert [(o.title, o.episode) for o in nfo.others] == [("Granite State", 15)]


@pytest.mark.parametrize(
    ("content", "ids"),
    [
        ("https://www.imdb.com/title/tt0133093/\n", {"imdb": "tt0133093"}),
        ("http://www.imdb.com/title/tt0133093", {"imdb": "tt0133093"}),
        ("https://www.themoviedb.org/movie/603-the-matrix", {"tmdb": "603"}),
        ("https://thetvdb.com/?tab=series&id=81189", {"tvdb": "81189"}),
        ("\ufeffhttps://m.imdb.com/title/tt0903747/?ref_=x\r\n", {"imdb": "tt0903747"}),
    ],
)
def test_url_only_nfo(tmp_path: Path, content: str, ids: dict[str, str]) -> None:
    nfo = read_nfo(write(tmp_path, content))
    assert nfo.kind == "url"
    assert nfo.ids == ids
    assert nfo.title is None


def test_xml_followed_by_url(tmp_path: Path) -> None:
    content = "<movie><title>Heat</title></movie>\nhttps://www.imdb.com/title/tt0113277/\n"
    nfo = read_nfo(write(tmp_path, content))
    assert (nfo.title, nfo.ids) == ("Heat", {"imdb": "tt0113277"})


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("just some words", "not XML"),
        ("<movie><title>x</movie>", "not XML"),
        ("<movie><title>x</title>", "not XML"),
        ("", "empty"),
        ("<html><body>hi</body></html>", "no <movie>"),
    ],
)
def test_not_xml(tmp_path: Path, content: str, reason: str) -> None:
    with pytest.raises(NfoError, match=reason):
        read_nfo(write(tmp_path, content))


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    lol = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    bomb = f'<?xml version="1.0"?><!DOCTYPE movie [{lol}]><movie><title>&lol9;</title></movie>'
    path = write(tmp_path, bomb)
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(NfoError, match="not allowed"):
        read_nfo(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert time.perf_counter() - started < 1
    assert peak < 10 * 1024 * 1024


def test_external_entity_is_not_read(tmp_path: Path) -> None:
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE movie [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        "<movie><title>&xxe;</title></movie>"
    )
    with pytest.raises(NfoError) as err:
        read_nfo(write(tmp_path, xxe))
    assert "root:" not in str(err.value)


def test_parameter_entity_and_xinclude_are_not_followed(tmp_path: Path) -> None:
    pe = '<!DOCTYPE m [<!ENTITY % x SYSTEM "http://127.0.0.1/evil.dtd"> %x;]><movie/>'
    with pytest.raises(NfoError):
        read_nfo(write(tmp_path, pe))
    xinclude = (
        '<movie xmlns:xi="http://www.w3.org/2001/XInclude"><title>'
        '<xi:include href="/etc/passwd" parse="text"/></title></movie>'
    )
    nfo = read_nfo(write(tmp_path, xinclude))
    assert nfo.title is None  # the include element is just an (empty) element


def test_huge_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "movie.nfo"
    with path.open("wb") as f:
        f.write(b"<movie><plot>")
        f.write(b"x" * (MAX_BYTES + 10))
        f.write(b"</plot></movie>")
    with pytest.raises(NfoError, match="too large"):
        read_nfo(path)


def test_unreadable(tmp_path: Path) -> None:
    with pytest.raises(NfoError, match="unreadable"):
        read_nfo(tmp_path / "missing.nfo")
    with pytest.raises(NfoError, match="unreadable"):
        read_nfo(tmp_path)  # a folder


def test_encodings_and_junk_values() -> None:
    latin1 = '<?xml version="1.0" encoding="ISO-8859-1"?><movie><title>Amélie</title></movie>'
    assert parse_nfo(latin1.encode("latin-1")).title == "Amélie"
    utf16 = "<movie><title>千と千尋の神隠し</title></movie>".encode("utf-16")
    assert parse_nfo(utf16).title == "千と千尋の神隠し"
    junk = (
        "<movie><title>\x01 T </title><year>abc</year><runtime>-5</runtime><rating>nan</rating>"
        "<uniqueid type='imdb'>javascript:alert(1)</uniqueid><premiered>2001-13-45</premiered>"
        "<ratings><rating max='5'><value>4</value></rating></ratings></movie>"
    )
    nfo = parse_nfo(junk.encode())
    assert nfo.title == "T"
    assert (nfo.year, nfo.runtime_minutes, nfo.premiered, nfo.ids) == (None, None, None, {})
    assert nfo.community_rating == 8.0  # 4 of 5


@pytest.mark.parametrize(
    ("mpaa", "rating"),
    [
        ("Rated PG-13", "PG-13"),
        ("US:PG-13", "PG-13"),
        ("PG-13", "PG-13"),
        ("TV-MA", "TV-MA"),
        ("TVMA", "TV-MA"),
        ("US:TV-14", "TV-14"),
        ("Rated R", "R"),
        ("rated g", "G"),
        ("NC-17", "NC-17"),
        ("TV-Y7-FV", "TV-Y7"),
        ("TV-G", "G"),
        ("UK:15 / US:R", "R"),
        ("DE:12", None),
        ("Not Rated", None),
        ("Unrated", None),
        ("NR", None),
        ("", None),
        (None, None),
    ],
)
def test_map_mpaa(mpaa: str | None, rating: str | None) -> None:
    assert map_mpaa(mpaa) == rating
