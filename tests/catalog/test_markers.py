"""Skip markers: from chapter names, or set by an admin (admin wins), per media file."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mediaserver.catalog.markers import chapter_kind, markers_from_chapters, parse_time
from mediaserver.db.catalog_schema import media_files
from mediaserver.errors import BadRequest
from mediaserver.keys import db_key
from tests.catalog.player_helpers import kids_profile, signed_in_catalog
from tests.helpers import api


@pytest.mark.parametrize(
    "name, kind",
    [
        ("Intro", "intro"),
        ("Opening", "intro"),
        ("OP", "intro"),
        ("Recap", "intro"),
        ("Previously on...", "intro"),
        ("Opening Credits", "intro"),
        ("Credits", "credits"),
        ("End Credits", "credits"),
        ("Ending", "credits"),
        ("ED", "credits"),
        ("Chapter 3", None),
        ("Operation", None),
        ("The End of Days", None),
        (None, None),
    ],
)
def test_chapter_names(name, kind) -> None:
    assert chapter_kind(name) == kind


def test_a_recap_then_the_opening_make_one_intro() -> None:
    found = markers_from_chapters(
        [("Recap", 0, 40), ("Opening", 40, 110), ("Part A", 110, 900), ("ED", 1300, None)], 1390
    )
    assert found["intro"] == {"start": 0, "end": 110, "source": "chapter"}
    assert found["credits"] == {"start": 1300, "end": 1390, "source": "chapter"}


@pytest.mark.parametrize(
    "raw, seconds", [("83", 83), ("83.5", 83.5), ("1:23", 83), ("1:02:03", 3723), ("", None)]
)
def test_admin_times(raw, seconds) -> None:
    assert parse_time(raw, "x") == seconds


@pytest.mark.parametrize("raw", ["1:2:3:4", "abc", "-5", "99:99:99:99", True])
def test_bad_admin_times(raw) -> None:
    with pytest.raises(BadRequest):
        parse_time(raw, "x")


async def test_markers_come_from_chapters_and_the_admin_wins(client) -> None:
    catalog, csrf = await signed_in_catalog(client)
    url = f"/api/v1/media/{catalog.heat}/markers"
    found = await (await client.get(url)).json()
    assert found["intro"] == {"start": 0.0, "end": 12.0, "source": "chapter"}
    assert found["credits"] == {"start": 90.0, "end": 100.0, "source": "chapter"}

    resp = await api(client, "PUT", url, {"intro_start": "0:05", "intro_end": "0:20"}, csrf=csrf)
    assert resp.status == 200, await resp.text()
    found = await resp.json()
    assert found["intro"] == {"start": 5.0, "end": 20.0, "source": "admin"}
    assert found["credits"]["source"] == "chapter"  # not named in the request: unchanged

    # Clearing the admin's marker brings the chapter's back.
    resp = await api(client, "PUT", url, {"intro_start": None, "intro_end": None}, csrf=csrf)
    assert (await resp.json())["intro"]["source"] == "chapter"


@pytest.mark.parametrize(
    "body",
    [
        {"intro_start": "0:30", "intro_end": "0:10"},
        {"intro_start": "0:30"},
        {"credits_start": "5:00", "credits_end": "6:00"},  # after the end of a 100 s file
        {"credits_start": "soon", "credits_end": "later"},
    ],
)
async def test_bad_admin_markers_get_400(client, body) -> None:
    catalog, csrf = await signed_in_catalog(client)
    resp = await api(client, "PUT", f"/api/v1/media/{catalog.heat}/markers", body, csrf=csrf)
    assert resp.status == 400, await resp.text()


async def test_the_admin_title_page_sets_and_clears_markers(client) -> None:
    catalog, csrf = await signed_in_catalog(client)
    page = await (await client.get(f"/admin/titles/{await _title_of(client, catalog.heat)}")).text()
    assert "Skip markers" in page and "from chapters" in page
    assert '<span class="badge">set here</span>' not in page
    title_id = await _title_of(client, catalog.heat)
    action = f"/admin/titles/{title_id}/files/{catalog.heat}/markers"
    assert action in page
    form = {"csrf_token": csrf, "intro_start": "0:02", "intro_end": "0:09"}
    form |= {"credits_start": "", "credits_end": ""}
    resp = await client.post(action, data=form, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    found = await (await client.get(f"/api/v1/media/{catalog.heat}/markers")).json()
    assert found["intro"] == {"start": 2.0, "end": 9.0, "source": "admin"}
    page = await (await client.get(resp.headers["Location"])).text()
    assert "Skip markers saved" in page
    assert (
        '<span class="badge">set here</span>' in page
        and 'value="0:02"' in page
        and 'value="0:09"' in page
    )
    bad = form | {"intro_end": "0:01"}
    resp = await client.post(action, data=bad, allow_redirects=False)
    assert resp.status == 400 and "must end after it starts" in await resp.text()


async def _title_of(client, media_file_id: int) -> int:
    async with client.app[db_key].read() as conn:
        return await conn.scalar(
            sa.select(media_files.c.title_id).where(media_files.c.id == media_file_id)
        )


async def test_kids_cannot_read_an_adult_titles_markers_and_users_cannot_set_them(client) -> None:
    catalog, csrf = await signed_in_catalog(client)
    await kids_profile(client, csrf)
    assert (await client.get(f"/api/v1/media/{catalog.heat}/markers")).status == 404
    assert (await client.get(f"/api/v1/media/{catalog.paddington}/markers")).status == 200
