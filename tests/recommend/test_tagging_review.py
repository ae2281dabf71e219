"""Tagging end to end on a server: a dark R-rated movie with swearing in its subtitles and a
bright G-rated cartoon are analysed; the admin accepts, rejects, renames, adds and bulk-accepts
tags through the API and the review page; accepted tags show on title pages, filter search and
are found by typing them; a kids profile learns nothing of the adult title's tags."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from mediaserver.db.catalog_schema import libraries, media_files, subtitle_tracks, titles
from mediaserver.db.tagging_schema import title_tag_analyses
from mediaserver.keys import config_key, db_key
from mediaserver.recommend import tagging
from mediaserver.recommend.tagging.jobs import tag_title
from mediaserver.safe_paths import to_db_path
from tests.helpers import pick_profile
from tests.recommend.tagging_media import make_clip
from tests.recommend.test_tagging_claude import FakeClaude, fake
from tests.social.comments_fixtures import Forum, forum
from tests.watchparty.conftest import Browser, party

__all__ = ["fake", "forum", "party"]  # fixtures used below

SWEARING = ["Get the fuck out.", "Shit. They found us.", "Where's the gun?", "He killed him."]


@dataclass
class Tagged:
    forum: Forum

    @property
    def alice(self) -> Browser:
        return self.forum.alice

    @property
    def bob(self) -> Browser:
        return self.forum.bob

    async def review(self, title_id: int) -> dict:
        resp = await self.alice.client.get(f"/api/v1/admin/titles/{title_id}/tags")
        assert resp.status == 200, await resp.text()
        return await resp.json()

    async def tag_id(self, title_id: int, tag: str) -> int:
        return next(t["id"] for t in (await self.review(title_id))["tags"] if t["tag"] == tag)

    async def edit(self, tag_id: int, **body: object) -> dict:
        resp = await self.alice.api("PATCH", f"/api/v1/admin/tags/{tag_id}", body)
        assert resp.status == 200, await resp.text()
        return (await resp.json())["tag"]


async def _place(app, file_id: int, clip: Path, sidecar: Path | None) -> None:
    async with app[db_key].write() as conn:
        await conn.execute(sa.update(libraries).values(paths=[str(clip.parent)]))
        await conn.execute(
            sa.update(media_files)
            .where(media_files.c.id == file_id)
            .values(path=to_db_path(str(clip)), duration_seconds=6.0)
        )
        await conn.execute(
            sa.delete(subtitle_tracks).where(subtitle_tracks.c.media_file_id == file_id)
        )
        if sidecar is not None:
            await conn.execute(
                sa.insert(subtitle_tracks).values(
                    media_file_id=file_id,
                    source="sidecar",
                    path=to_db_path(str(sidecar)),
                    format="srt",
                    language="eng",
                )
            )


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tagging")
    dark = make_clip(folder / "heat.mkv", style="dark-slow", subtitles=SWEARING)
    return dark, make_clip(folder / "bluey.mkv", style="bright-fast")


@pytest.fixture
async def tagged(forum: Forum, clips: tuple[Path, Path]) -> Tagged:
    app = forum.alice.client.app
    dark, bright = clips
    await _place(app, forum.heat_file, dark, dark.with_suffix(".srt"))
    cartoon_file = forum.party.cartoon
    await _place(app, cartoon_file, bright, None)
    async with app[db_key].write() as conn:
        await conn.execute(
            sa.update(titles)
            .where(titles.c.id == forum.heat)
            .values(description="A detective hunts a crew of thieves across the city.")
        )
    assert await tag_title(app, forum.heat)
    assert await tag_title(app, forum.cartoon)
    return Tagged(forum)


async def test_analysis_suggests_tags_and_the_admin_reviews_them(tagged: Tagged) -> None:
    heat, cartoon = tagged.forum.heat, tagged.forum.cartoon
    review = await tagged.review(heat)
    suggested = {t["tag"]: t["kind"] for t in review["tags"] if t["status"] == "suggested"}
    assert {
        "dark": "mood",
        "slow-burn": "mood",
        "strong-language": "content",
        "crime": "theme",
    }.items() <= suggested.items()
    assert review["source"] == "offline" and review["features"]["subtitle_lines"] == 4
    cartoon_tags = {t["tag"] for t in (await tagged.review(cartoon))["tags"]}
    assert {"fast-paced", "light-hearted"} <= cartoon_tags and "dark" not in cartoon_tags

    assert (await tagged.edit(await tagged.tag_id(heat, "dark"), action="accept"))[
        "status"
    ] == "accepted"
    assert (await tagged.edit(await tagged.tag_id(heat, "slow-burn"), action="reject"))[
        "status"
    ] == "rejected"
    renamed = await tagged.edit(await tagged.tag_id(heat, "crime"), tag="Heist Movie")
    assert (renamed["tag"], renamed["status"], renamed["source"]) == (
        "heist-movie",
        "accepted",
        "admin",
    )
    resp = await tagged.alice.api("POST", f"/api/v1/admin/titles/{heat}/tags", {"tag": "Noir"})
    assert resp.status == 201 and (await resp.json())["tag"]["tag"] == "noir"
    resp = await tagged.alice.api(
        "POST", "/api/v1/admin/tags/bulk", {"action": "accept", "title_ids": [cartoon]}
    )
    assert resp.status == 200 and (await resp.json())["changed"] >= 2

    resp = await tagged.bob.client.get(f"/api/v1/titles/{heat}/tags")
    assert (await resp.json())["tags"] == ["dark", "heist-movie", "noir"]

    # Analysing again replaces open suggestions only: what the admin decided stays.
    assert await tag_title(tagged.alice.client.app, heat)
    again = {t["tag"]: t["status"] for t in (await tagged.review(heat))["tags"]}
    assert again["slow-burn"] == "rejected" and again["dark"] == "accepted"
    assert again["strong-language"] == "suggested" and again["heist-movie"] == "accepted"
    assert "crime" in again  # suggested afresh: the rename made it another tag


async def test_bad_review_input_is_refused_clearly(tagged: Tagged) -> None:
    heat = tagged.forum.heat
    resp = await tagged.alice.api("POST", f"/api/v1/admin/titles/{heat}/tags", {"tag": "!!!"})
    assert resp.status == 400 and "letters or digits" in (await resp.json())["detail"]
    for tag_id in (999999, 2**40):
        resp = await tagged.alice.api("PATCH", f"/api/v1/admin/tags/{tag_id}", {"action": "accept"})
        assert resp.status == 404
    body = {"action": "accept", "tag_ids": [2**40]}
    assert (await tagged.alice.api("POST", "/api/v1/admin/tags/bulk", body)).status == 400
    resp = await tagged.alice.api(
        "PATCH", f"/api/v1/admin/tags/{await tagged.tag_id(heat, 'dark')}", {}
    )
    assert resp.status == 400
    resp = await tagged.alice.api("POST", "/api/v1/admin/tags/bulk", {"action": "accept"})
    assert resp.status == 400 and "at least one" in (await resp.json())["detail"]
    resp = await tagged.alice.api("POST", "/api/v1/admin/tags/analyse", {"title_ids": [999999]})
    assert resp.status == 404
    resp = await tagged.alice.api("POST", "/api/v1/admin/tags/analyse", {"title_ids": [heat]})
    assert resp.status == 202 and len((await resp.json())["job_ids"]) == 1
    # Not an admin: not found or forbidden, never the review.
    for method, path in (("GET", "/api/v1/admin/tags"), ("GET", "/admin/tagging")):
        assert (await tagged.bob.api(method, path)).status in (403, 404)


async def test_accepted_tags_are_searchable_filterable_and_shown(tagged: Tagged) -> None:
    heat, cartoon = tagged.forum.heat, tagged.forum.cartoon
    await tagged.alice.api(
        "POST", "/api/v1/admin/tags/bulk", {"action": "accept", "title_ids": [heat, cartoon]}
    )
    bob = tagged.bob.client
    found = await (await bob.get("/api/v1/search?tag=dark")).json()
    assert [t["id"] for t in found["titles"]] == [heat]
    found = await (await bob.get("/api/v1/search?q=light+hearted")).json()
    assert cartoon in [t["id"] for t in found["titles"]]
    page = await (await bob.get("/search?tag=Slow+burn")).text()
    assert "Heat" in page and "Bluey" not in page
    resp = await bob.get("/tags/Dark", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/search?tag=dark"
    chips = await (await bob.get(f"/titles/{heat}/tags")).text()
    assert 'href="/tags/strong-language"' in chips and ">dark<" in chips
    assert f"/titles/{heat}/tags" in await (await bob.get(f"/titles/{heat}")).text()
    cloud = await (await bob.get("/api/v1/tags")).json()
    assert {"tag": "dark", "kind": "mood", "titles": 1} in cloud["tags"]
    assert "Strong language" not in await (await bob.get("/tags")).text()  # shown as tags are
    assert "strong language" in await (await bob.get("/tags")).text()
    # The recommendations' similarity reads them through the face.
    got = await tagging.accepted_tags(tagged.alice.client.app[db_key], [heat, cartoon, 999999])
    assert "dark" in got[heat] and "fast-paced" in got[cartoon] and 999999 not in got


async def test_a_kids_profile_learns_nothing_of_adult_titles_tags(tagged: Tagged) -> None:
    heat, cartoon = tagged.forum.heat, tagged.forum.cartoon
    await tagged.alice.api(
        "POST", "/api/v1/admin/tags/bulk", {"action": "accept", "title_ids": [heat, cartoon]}
    )
    bob = tagged.bob.client
    await pick_profile(bob, tagged.forum.party.bob_kids_id)
    assert (await bob.get(f"/api/v1/titles/{heat}/tags")).status == 404
    assert (await bob.get(f"/titles/{heat}/tags")).status == 404
    assert (await (await bob.get("/api/v1/search?tag=dark")).json())["titles"] == []
    assert (await (await bob.get("/api/v1/search?q=strong+language")).json())["titles"] == []
    cloud = {t["tag"] for t in (await (await bob.get("/api/v1/tags")).json())["tags"]}
    assert "dark" not in cloud and "strong-language" not in cloud and "fast-paced" in cloud
    assert (await bob.get(f"/api/v1/titles/{cartoon}/tags")).status == 200


async def test_the_review_page_works_with_plain_forms(tagged: Tagged) -> None:
    heat = tagged.forum.heat
    client, csrf = tagged.alice.client, tagged.alice.csrf
    page = await (await client.get("/admin/tagging")).text()
    assert "Heat" in page and "cuts/min" in page and "strong-language" in page
    dark = await tagged.tag_id(heat, "dark")
    resp = await client.post(
        f"/admin/tagging/tags/{dark}/accept",
        allow_redirects=False,
        data={"csrf_token": csrf, "next": "/admin/tagging?status=all"},
    )
    assert (
        resp.status == 303 and resp.headers["Location"] == f"/admin/tagging?status=all#title-{heat}"
    )
    swearing = await tagged.tag_id(heat, "strong-language")
    resp = await client.post(
        f"/admin/tagging/tags/{swearing}/rename",
        allow_redirects=False,
        data={"csrf_token": csrf, "tag": "Swearing"},
    )
    assert resp.status == 303
    resp = await client.post(
        "/admin/tagging/bulk",
        allow_redirects=False,
        data=[
            ("csrf_token", csrf),
            ("action", "reject"),
            ("tag_id", str(await tagged.tag_id(heat, "slow-burn"))),
        ],
    )
    assert resp.status == 303
    statuses = {t["tag"]: t["status"] for t in (await tagged.review(heat))["tags"]}
    assert statuses["dark"] == "accepted" and statuses["swearing"] == "accepted"
    assert statuses["slow-burn"] == "rejected"
    resp = await client.post(
        "/admin/tagging/bulk", data={"action": "accept"}, allow_redirects=False
    )  # no CSRF token
    assert resp.status in (400, 403)
    accepted = await (await client.get("/admin/tagging?status=accepted")).text()
    assert "swearing" in accepted


async def test_claude_adds_tags_and_a_summary_or_falls_back(tagged: Tagged, fake) -> None:
    claude, settings = fake
    app = tagged.alice.client.app
    section = app[config_key].recommend
    for name in ("anthropic_api_key", "anthropic_base_url", "anthropic_timeout_seconds"):
        setattr(section, name, getattr(settings, name))
    heat = tagged.forum.heat
    assert await tag_title(app, heat)
    review = await tagged.review(heat)
    assert review["source"] == "claude" and review["suggested_rating"] == "PG-13"
    assert review["summary"].startswith("Two friends")
    by_source = {t["tag"]: t["source"] for t in review["tags"]}
    assert by_source["coming-of-age"] == "claude" and by_source["dark"] == "offline"
    images = [
        b for b in claude.requests[0]["body"]["messages"][0]["content"] if b["type"] == "image"
    ]
    assert images  # keyframes went along

    claude.mode = "429"
    assert await tag_title(app, heat)
    review = await tagged.review(heat)
    assert review["source"] == "offline" and "rate limit" in review["note"]
    assert "coming-of-age" not in {t["tag"] for t in review["tags"]}
    async with app[db_key].read() as conn:
        assert (
            await conn.execute(sa.select(sa.func.count()).select_from(title_tag_analyses))
        ).scalar() == 2


__all__ += ["FakeClaude"]


async def test_the_job_runs_an_analysis_queued_on_demand(tagged: Tagged) -> None:
    heat = tagged.forum.heat
    before = (await tagged.review(heat))["analysed_at"]
    resp = await tagged.alice.api("POST", "/api/v1/admin/tags/analyse", {"title_ids": [heat]})
    assert resp.status == 202
    for _ in range(100):
        review = await tagged.review(heat)
        if review["analysed_at"] > before:
            break
        await asyncio.sleep(0.1)
    assert review["analysed_at"] > before, "the recommend.tag job did not run"
    assert "dark" in {t["tag"] for t in review["tags"]}
