"""Searches that led to a play. The search page's result links carry a short-lived signed
reference to the search (`sref`: when it was made and a MAC over the profile, that time and the
query; never the query itself, so it is not in any URL or access log); opening a result reports
the reference with the query, and a play of that title starting within
`recommend.reco_search_play_minutes` records (profile, query, title, time), which training counts
as a strong positive."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from aiohttp import web

from mediaserver.accounts import Profile, request_profile
from mediaserver.catalog import title_visible
from mediaserver.db.catalog_schema import episodes, media_files, titles
from mediaserver.db.engine import Database
from mediaserver.db.recommend_schema import search_play_attribution as attributed
from mediaserver.errors import NotFound
from mediaserver.keys import config_key, db_key, secret_key

MAX_QUERY = 200  # what the search box keeps
_PURPOSE = b"search-play\0"


@dataclass(frozen=True, slots=True)
class SearchPlay:
    """A play found by a search."""

    profile_id: int
    query: str
    title_id: int
    played_at: float


def _mac(secret: bytes, profile_id: int, issued: int, query: str) -> str:
    message = _PURPOSE + f"{profile_id}\0{issued}\0{query}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(digest).decode()


def make_ref(secret: bytes, profile_id: int, query: str, now: float | None = None) -> str:
    """The reference a result link carries: when the search was made, and its MAC."""
    issued = int(time.time() if now is None else now)
    return f"{issued:x}.{_mac(secret, profile_id, issued, query[:MAX_QUERY])}"


def check_ref(
    secret: bytes, profile_id: int, query: str, ref: str, window: float, now: float
) -> bool:
    """Whether this profile made this search, at most `window` seconds ago."""
    issued_hex, _, mac = ref.partition(".")
    if not (0 < len(issued_hex) <= 12 and mac) or not all(
        c in "0123456789abcdef" for c in issued_hex
    ):
        return False
    issued = int(issued_hex, 16)
    if not now - window <= issued <= now + 60:
        return False
    return hmac.compare_digest(mac, _mac(secret, profile_id, issued, query[:MAX_QUERY]))


def window_seconds(app: web.Application) -> float:
    return app[config_key].recommend.reco_search_play_minutes * 60


def search_context(request: web.Request) -> dict[str, Callable[[str], str]]:
    """Page context: on the search page, `search_ref(query)` signs its result links."""
    if request.path != "/search":
        return {}
    profile = request_profile(request, required=False)
    if profile is None:
        return {}
    secret, profile_id = request.app[secret_key], profile.id
    return {"search_ref": lambda query: make_ref(secret, profile_id, query)}


async def record_opened(
    app: web.Application, profile: Profile, title_id: int, query: str, ref: str
) -> bool:
    """A search result was opened: keep it, pending, until a play of the title starts (one per
    profile and title, the latest search). False when the reference is not this profile's
    search of this query or has expired; a title the profile may not see is not found, as
    everywhere."""
    db = app[db_key]
    async with db.read() as conn:
        visible = sa.select(titles.c.id).where(titles.c.id == title_id, title_visible(profile))
        if await conn.scalar(visible) is None:
            raise NotFound("No such title.")
    now = time.time()
    query = " ".join(query.split())[:MAX_QUERY]
    secret, window = app[secret_key], window_seconds(app)
    if not query or not check_ref(secret, profile.id, query, ref, window, now):
        return False
    async with db.write() as conn:
        await conn.execute(_forget_pending(profile.id, title_id))
        await conn.execute(
            attributed.insert().values(
                profile_id=profile.id, title_id=title_id, query=query, opened_at=now
            )
        )
    return True


def _forget_pending(profile_id: int, title_id: int) -> sa.Delete:
    return attributed.delete().where(
        attributed.c.profile_id == profile_id,
        attributed.c.title_id == title_id,
        attributed.c.played_at.is_(None),
    )


async def on_play_started(app: web.Application, profile_id: int, media_file_id: int) -> None:
    """The catalog's play listener: a play of a title opened from a search within the window
    records that search as the play's origin."""
    now = time.time()
    owner = sa.func.coalesce(media_files.c.title_id, episodes.c.series_id)
    title_of_file = (
        sa.select(owner)
        .select_from(media_files.outerjoin(episodes, episodes.c.id == media_files.c.episode_id))
        .where(media_files.c.id == media_file_id)
        .scalar_subquery()
    )
    newest = (
        sa.select(sa.func.max(attributed.c.id))
        .where(
            attributed.c.profile_id == profile_id,
            attributed.c.title_id == title_of_file,
            attributed.c.played_at.is_(None),
            attributed.c.opened_at >= now - window_seconds(app),
        )
        .scalar_subquery()
    )
    async with app[db_key].write() as conn:
        await conn.execute(
            attributed.update().where(attributed.c.id == newest).values(played_at=now)
        )


async def search_plays(db: Database, profile_id: int, limit: int = 200) -> list[SearchPlay]:
    """A profile's plays found by a search, newest first."""
    query = (
        sa.select(attributed.c.profile_id, attributed.c.query, attributed.c.title_id,
                  attributed.c.played_at)
        .where(attributed.c.played_at.is_not(None))
        .order_by(attributed.c.played_at.desc(), attributed.c.id.desc())
    )  # fmt: skip
    query = query.where(attributed.c.profile_id == profile_id).limit(limit)
    async with db.read() as conn:
        return [SearchPlay(*row) for row in await conn.execute(query)]


async def purge(app: web.Application) -> int:
    """Housekeeping: opened results no play followed within the window."""
    before = time.time() - window_seconds(app)
    async with app[db_key].write() as conn:
        result = await conn.execute(
            attributed.delete().where(
                attributed.c.played_at.is_(None), attributed.c.opened_at < before
            )
        )
    return int(result.rowcount or 0)
