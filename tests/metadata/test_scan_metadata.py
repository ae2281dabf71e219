"""A library scanned with the provider fakes on: titles matched by folder ids and by name,
details, cast with photos, studios, collection, artwork and episode names written, every image
served from our storage (never a provider URL)."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient

from tests.library.scan_helpers import place
from tests.metadata.helpers import admin_client, query, scan_library, title_id


async def _client(make_app, aiohttp_client, fake, **metadata) -> TestClient:
    return await admin_client(make_app, aiohttp_client, fake.settings(**metadata))


async def test_movie_by_folder_id_gets_details_cast_and_artwork(
    make_app, aiohttp_client, fake, clip, tmp_path: Path
) -> None:
    client = await _client(make_app, aiohttp_client, fake)
    root = tmp_path / "Movies"
    # The folder's name is not the provider's title: the {tmdb-603} id decides.
    place(clip, root / "Matrix 1999 {tmdb-603}" / "matrix.mkv")
    await scan_library(client, root, "movies")
    tid = await title_id(client, "The Matrix")
    (row,) = await query(client, "SELECT * FROM titles WHERE id = :i", i=tid)
    assert (row.year, row.maturity_rating) == (1999, "R")
    assert row.tagline == "The Matrix: the tagline."
    assert row.description == "The Matrix: the overview."
    (match,) = await query(client, "SELECT * FROM metadata_matches WHERE title_id = :i", i=tid)
    assert (match.status, match.provider, match.provider_id, match.method) == (
        "matched", "tmdb", "603", "id")  # fmt: skip

    page = await (await client.get(f"/titles/{tid}")).text()
    assert fake.base not in page and "/credits" in page
    credits = await (await client.get(f"/titles/{tid}/credits")).text()
    assert "Keanu Reeves" in credits and "Neo" in credits and "Lana Wachowski" in credits
    assert "Warner Bros. Pictures" in credits and "The Matrix Collection" in credits
    assert fake.base not in credits
    people = await query(
        client, "SELECT p.id, p.name FROM people p JOIN person_photos ph ON ph.person_id = p.id"
    )
    assert sorted(n for _, n in people) == ["Keanu Reeves", "Laurence Fishburne"]
    photo = await client.get(f"/images/people/{people[0][0]}")
    assert photo.status == 200 and photo.content_type == "image/webp"
    for kind in ("poster", "backdrop"):
        resp = await client.get(f"/images/titles/{tid}/{kind}")
        assert resp.status == 200 and resp.content_type == "image/webp", kind
    kinds = await query(
        client, "SELECT kind, source FROM images WHERE title_id = :i AND is_selected", i=tid
    )
    assert sorted(kinds) == [("fanart", "provider"), ("logo", "provider"), ("poster", "provider")]
    # The English poster wins over the better-voted German one (the server's language is en).
    (url,) = await query(
        client, "SELECT pi.source_url FROM provider_images pi JOIN images i ON i.id = pi.image_id "
        "WHERE i.title_id = :i AND i.kind = 'poster'", i=tid,
    )  # fmt: skip
    assert url[0].endswith("/matrix-poster-en.png")
    # What the provider said is searchable: the tagline's words are not, the cast is.
    found = await (
        await client.get("/api/v1/titles?q=keanu", headers={"Accept": "application/json"})
    ).json()
    assert [t["title"] for t in found["titles"]] == ["The Matrix"]


async def test_show_from_tvmaze_without_a_key_gets_episode_names_and_stills(
    make_app, aiohttp_client, fake, clip, tmp_path: Path
) -> None:
    client = await _client(make_app, aiohttp_client, fake, tmdb=False)
    root = tmp_path / "Shows"
    # Matched by the IMDb id in the folder's name (TVmaze's lookup answers with a redirect).
    for n in (1, 2):
        place(clip, root / "Keepers [imdbid-tt7000001]" / "Season 01" / f"Keepers S01E0{n}.mkv")
    await scan_library(client, root, "shows")
    tid = await title_id(client, "The Lighthouse Keepers")
    assert any("/tvmaze/lookup/shows?imdb=tt7000001" in r for r in fake.requests)
    eps = await query(client, "SELECT episode_number, title, description, air_date FROM episodes "
                      "WHERE series_id = :i ORDER BY episode_number", i=tid)  # fmt: skip
    assert [tuple(e) for e in eps] == [
        (1, "Arrival", "A new keeper.", "2019-10-01"),
        (2, "The Storm", "The storm.", "2019-10-08"),
    ]
    (match,) = await query(client, "SELECT * FROM metadata_matches WHERE title_id = :i", i=tid)
    assert (match.provider, match.method, match.airing) == ("tvmaze", "id", True)
    assert match.next_refresh_at is not None
    (ep1,) = await query(client, "SELECT id FROM episodes WHERE series_id = :i AND "
                         "episode_number = 1", i=tid)  # fmt: skip
    still = await client.get(f"/images/episodes/{ep1[0]}/thumb")
    assert still.status == 200 and still.content_type == "image/webp"
    page = await (await client.get(f"/titles/{tid}")).text()
    assert "Arrival" in page and "The light must not go out" not in page  # TVmaze's, not TMDB's
    assert fake.base not in page
    (row,) = await query(client, "SELECT description FROM titles WHERE id = :i", i=tid)
    assert row[0] == "Keepers of a light on a rock."  # the HTML summary made plain text
