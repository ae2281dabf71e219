"""Artwork in the profile's language: TMDB is asked for images in every profile's language; a
French profile sees the French poster and logo, an English one the English ones, and a profile
whose language has none sees the server's, then one without text, then whatever there is."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from aiohttp.test_utils import TestClient
from PIL import Image

from mediaserver.metadata.jobs import housekeeping, titles_missing_languages
from tests.helpers import api, csrf_from, pick_profile
from tests.library.scan_helpers import place
from tests.library.test_libraries_admin import wait_jobs
from tests.metadata.fake_images import color_of
from tests.metadata.helpers import admin_client, query, scan_library, title_id


async def _profile(client: TestClient, name: str, language: str) -> int:
    csrf = await csrf_from(client, "/account/profiles/new")
    body = {"name": name, "avatar": "green", "language": language}
    resp = await api(client, "POST", "/api/v1/profiles", body, csrf=csrf)
    assert resp.status == 201, await resp.text()
    answer = await resp.json()
    assert answer["language"] == language
    return answer["id"]


async def _color(client: TestClient, url: str) -> tuple[int, int, int]:
    """The colour of the picture served at `url`, above the band posters have their label in."""
    resp = await client.get(url)
    assert resp.status == 200, url
    with Image.open(io.BytesIO(await resp.read())) as img:
        rgb = img.convert("RGB")
        return rgb.getpixel((rgb.width // 2, rgb.height // 4))  # type: ignore[return-value]


def _near(seen: tuple[int, int, int], name: str) -> bool:
    """WebP is lossy: a flat colour comes back within a few steps."""
    return all(abs(a - b) <= 8 for a, b in zip(seen, color_of(name), strict=True))


async def test_french_profile_sees_french_poster_and_logo(
    make_app, aiohttp_client, fake, clip, tmp_path: Path
) -> None:
    client = await admin_client(make_app, aiohttp_client, fake.settings())
    (owner,) = await query(client, "SELECT id FROM profiles ORDER BY id LIMIT 1")
    french = await _profile(client, "Amélie", "fr")
    italian = await _profile(client, "Italo", "it")
    root = tmp_path / "Movies"
    place(clip, root / "Matrix 1999 {tmdb-603}" / "matrix.mkv")
    await scan_library(client, root, "movies")
    tid = await title_id(client, "The Matrix")

    # TMDB was asked for the profiles' languages, the server's and text-free images.
    asked = [parse_qs(urlsplit(r).query) for r in fake.requests if r.startswith("/3/movie/603")]
    assert asked and asked[-1]["include_image_language"] == ["fr,it,en,null"]
    stored = await query(
        client, "SELECT kind, language, is_selected FROM images WHERE title_id = :i "
        "AND source = 'provider' ORDER BY kind, language", i=tid,
    )  # fmt: skip
    assert [(k, lang, bool(sel)) for k, lang, sel in stored] == [
        ("fanart", None, True), ("logo", "en", True), ("logo", "fr", False),
        ("poster", "en", True), ("poster", "fr", False),
    ]  # fmt: skip

    await pick_profile(client, owner[0])
    assert _near(await _color(client, f"/images/titles/{tid}/poster"), "matrix-poster-en.png")
    english_logo = await (await client.get(f"/images/titles/{tid}/logo")).read()
    page = await (await client.get(f"/titles/{tid}")).text()
    assert f'src="/images/titles/{tid}/logo?l=en" alt="The Matrix"' in page

    await pick_profile(client, french)
    assert _near(await _color(client, f"/images/titles/{tid}/poster"), "matrix-poster-fr.png")
    french_logo = await (await client.get(f"/images/titles/{tid}/logo")).read()
    assert french_logo != english_logo
    page = await (await client.get(f"/titles/{tid}")).text()
    # Its pages name the language in the URLs, so a browser's cache never mixes profiles up.
    assert f'src="/images/titles/{tid}/poster?l=fr"' in page
    assert f'src="/images/titles/{tid}/logo?l=fr" alt="The Matrix"' in page
    home = await (await client.get("/")).text()
    assert f"/images/titles/{tid}/poster?l=fr" in home
    # The URL's language wins over the profile's (the page it came from asked for it).
    assert _near(await _color(client, f"/images/titles/{tid}/poster?l=en"), "matrix-poster-en.png")

    # Italian has no poster: the server's language (English) comes next.
    await pick_profile(client, italian)
    assert _near(await _color(client, f"/images/titles/{tid}/poster"), "matrix-poster-en.png")


async def test_fallback_without_text_then_any_language(
    make_app, aiohttp_client, fake, clip, tmp_path: Path
) -> None:
    text_free = "heat-poster.png"  # TMDB's main poster_path, not among the language images
    fake.movies[949]["images"]["posters"] = [
        {"file_path": "/heat-poster-fr.png", "iso_639_1": "fr", "width": 200, "height": 300,
         "vote_average": 5.0},
    ]  # fmt: skip
    german_poster = {"file_path": "/boot-poster-de.png", "iso_639_1": "de", "width": 200,
                     "height": 300, "vote_average": 5.0}  # fmt: skip
    fake.movies[1001] = {
        **fake.movies[949], "id": 1001, "title": "Das Boot", "original_title": "Das Boot",
        "release_date": "1981-09-17", "poster_path": "/boot-poster-de.png",
        "images": {"posters": [german_poster], "backdrops": [], "logos": []},
    }  # fmt: skip
    client = await admin_client(make_app, aiohttp_client, fake.settings())
    (owner,) = await query(client, "SELECT id FROM profiles ORDER BY id LIMIT 1")
    french = await _profile(client, "Amélie", "fr")
    german = await _profile(client, "Greta", "de")
    italian = await _profile(client, "Italo", "it")
    root = tmp_path / "Movies"
    place(clip, root / "Heat 1995 {tmdb-949}" / "heat.mkv")
    place(clip, root / "Das Boot 1981 {tmdb-1001}" / "boot.mkv")
    await scan_library(client, root, "movies")
    heat, boot = await title_id(client, "Heat"), await title_id(client, "Das Boot")

    expected = {
        # Heat: French, and a poster without text; nothing in English, German or Italian.
        (heat, owner[0]): text_free, (heat, french): "heat-poster-fr.png",
        (heat, german): text_free, (heat, italian): text_free,
        # Das Boot: only a German poster, which everyone else sees too.
        (boot, owner[0]): "boot-poster-de.png", (boot, italian): "boot-poster-de.png",
    }  # fmt: skip
    for (title, profile), name in expected.items():
        await pick_profile(client, profile)
        seen = await _color(client, f"/images/titles/{title}/poster")
        assert _near(seen, name), (title, profile, seen, name)


async def test_a_newly_chosen_language_fetches_its_artwork(
    make_app, aiohttp_client, fake, clip, tmp_path: Path
) -> None:
    client = await admin_client(make_app, aiohttp_client, fake.settings())
    root = tmp_path / "Movies"
    place(clip, root / "Matrix 1999 {tmdb-603}" / "matrix.mkv")
    await scan_library(client, root, "movies")
    tid = await title_id(client, "The Matrix")
    languages = (
        "SELECT DISTINCT language FROM images WHERE title_id = :i AND kind = 'poster' "
        "AND source = 'provider' AND language IS NOT NULL"
    )
    assert await query(client, languages, i=tid) == [("en",)]

    # Nothing changes for a housekeeping run while no profile wants another language.
    assert await titles_missing_languages(client.app) == set()
    french = await _profile(client, "Amélie", "fr")
    assert await titles_missing_languages(client.app) == {tid}
    await housekeeping(client.app)  # the periodic run queues the title again
    await wait_jobs(client, timeout=60)
    assert sorted(await query(client, languages, i=tid)) == [("en",), ("fr",)]
    await pick_profile(client, french)
    assert _near(await _color(client, f"/images/titles/{tid}/poster"), "matrix-poster-fr.png")
    assert await titles_missing_languages(client.app) == set()  # asked once, not every run
