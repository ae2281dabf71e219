"""pluggy hook specifications: what a plugin can add. Plugins run in-process and are trusted."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from aiohttp import web

    from mediaserver.accounts.identity import Identity
    from mediaserver.config import Settings

hookspec = pluggy.HookspecMarker("mediaserver")
hookimpl = pluggy.HookimplMarker("mediaserver")


@hookspec
def register_routes() -> list[web.AbstractRouteDef] | None:
    """Routes to add, e.g. a `web.RouteTableDef`; each handler must declare `@access(...)`."""


@hookspec
def template_dirs() -> list[Path] | None:
    """Folders of Jinja2 templates the plugin's pages render (searched after the built-ins)."""


@hookspec
def nav_items(identity: Identity) -> list[dict[str, str]] | None:
    """Links for the top navigation: [{"href": "/x", "label": "X"}], chosen per signed-in user."""


@hookspec
def register_job_handlers() -> dict[str, Any] | None:
    """Job types this plugin runs: {"type": async handler(ctx)}."""


@hookspec
def startup(app: web.Application, settings: Settings) -> None:
    """Called once when the app starts, after the database is ready (may be async)."""


@hookspec
def metadata_providers(settings: Settings) -> list[Any] | None:
    """Metadata providers to ask, in order, each following the protocol in
    `mediaserver.metadata.providers.base.MetadataProvider` (e.g. OMDb, TVDB, fanart.tv). Return
    only the enabled ones; the built-in TMDB and TVmaze come first."""
