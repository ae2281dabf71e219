"""Browse pages: home (hero and rows, the later rows loaded as they scroll into view), genre
pages, and the artwork those pages show."""

from __future__ import annotations

import asyncio

from aiohttp import web

from mediaserver.accounts import request_profile
from mediaserver.catalog import images, row_sources, rows
from mediaserver.catalog.art_language import wanted_languages
from mediaserver.catalog.browse import library_count
from mediaserver.catalog.pages import page
from mediaserver.catalog.poster_choice import with_posters
from mediaserver.errors import NotFound
from mediaserver.http.auth import access
from mediaserver.http.files import send_file, storage_response
from mediaserver.http.forms import int_path
from mediaserver.keys import config_key, db_key, storage_key

routes = web.RouteTableDef()

GENRE_PAGE = 60
IMAGE_CACHE = "private, max-age=3600"


@routes.get("/", name="home")
@access("profile")
async def home(request: web.Request) -> web.Response:
    db = request.app[db_key]
    profile = request_profile(request)
    keys = await row_sources.home_keys(request.app, profile)
    shown: list[rows.Row] = []
    lazy: list[str] = []
    for key in keys:
        # Fill rows until a few have content; the rest load when they scroll into view.
        if len(shown) < rows.EAGER_ROWS and not lazy:
            row = await row_sources.load_home_row(request.app, profile, key)
            if row is not None:
                shown.append(row)
        else:
            lazy.append(key)
    featured = await rows.featured(db, profile) if shown else None
    has_libraries = bool(shown) or await library_count(db) > 0
    return page(
        request,
        "catalog/home.html",
        {"rows": shown, "lazy": lazy, "featured": featured, "has_libraries": has_libraries},
        headers={"Cache-Control": "private, no-cache"},  # Continue Watching moves as you watch
    )


@routes.get("/rows/{key}", name="home_row")
@access("profile")
async def home_row(request: web.Request) -> web.Response:
    """One row of the home page (HTMX fills the lazy placeholders with this)."""
    key = request.match_info["key"]
    if not row_sources.is_home_key(request.app, key):
        raise NotFound("No such row.")
    profile = request_profile(request)
    row = await row_sources.load_home_row(request.app, profile, key)
    if row is None:
        return web.Response(text="", content_type="text/html")
    return page(request, "catalog/_row.html", {"row": row}, headers={"Cache-Control": "no-cache"})


@routes.get("/genres/{genre_id}", name="genre")
@access("profile")
async def genre_page(request: web.Request) -> web.Response:
    db = request.app[db_key]
    genre_id = int_path(request, "genre_id")
    profile = request_profile(request)
    name = await rows.genre_name(db, genre_id)
    cards = await rows.genre_cards(db, profile, genre_id, GENRE_PAGE) if name else []
    cards = await with_posters(request.app, profile, cards)
    if name is None or not cards:
        # A genre with nothing this profile may see looks the same as no genre at all.
        raise NotFound("No such genre.")
    return page(request, "catalog/genre.html", {"name": name, "genre_id": genre_id, "cards": cards})


async def _send_image(request: web.Request, ref: images.ImageRef | None) -> web.StreamResponse:
    # Through http.files, as media bytes are: the same Range, ETag and 304 answers.
    if ref is None:
        raise NotFound("No such image.")
    if ref.source == "local":
        path = await asyncio.to_thread(ref.local_file, request.app[config_key].paths.data_dir)
        if path is None:
            raise NotFound("No such image.")
        return await send_file(request, path, ref.content_type, IMAGE_CACHE, in_thread=True)
    storage = request.app[storage_key]
    return await storage_response(request, storage, ref.location, ref.content_type, IMAGE_CACHE)


@routes.get("/images/titles/{title_id}/{kind:poster|backdrop|logo}", name="title_image")
@access("profile")
async def title_image(request: web.Request) -> web.StreamResponse:
    profile = request_profile(request, required=False)
    raw = request.query.get("c", "")  # a poster candidate (a poster test's card)
    candidate = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None
    ref = await images.title_image(
        request.app[db_key],
        profile,
        int_path(request, "title_id"),
        request.match_info["kind"],
        candidate=candidate if request.match_info["kind"] == "poster" else None,
        languages=wanted_languages(request),
    )
    return await _send_image(request, ref)


@routes.get("/images/seasons/{season_id}/poster", name="season_image")
@access("profile")
async def season_image(request: web.Request) -> web.StreamResponse:
    profile = request_profile(request, required=False)
    ref = await images.season_poster(
        request.app[db_key], profile, int_path(request, "season_id"), wanted_languages(request)
    )
    return await _send_image(request, ref)


@routes.get("/images/episodes/{episode_id}/thumb", name="episode_image")
@access("profile")
async def episode_image(request: web.Request) -> web.StreamResponse:
    profile = request_profile(request, required=False)
    ref = await images.episode_thumb(request.app[db_key], profile, int_path(request, "episode_id"))
    return await _send_image(request, ref)
