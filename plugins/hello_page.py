"""Example plugin: a page, a navigation link, a job type and a start-up message.

Copy this file and the `templates/` folder next to it into your plugins folder (by default
`<data_dir>/plugins`, `/config/plugins` in the container) and restart the server. See README.md.

Plugins run inside the server process with all of its rights: only install code you trust.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from mediaserver.accounts import Identity, count_users, get_identity
from mediaserver.hookspecs import hookimpl
from mediaserver.http.auth import access
from mediaserver.http.templating import render
from mediaserver.keys import db_key

if TYPE_CHECKING:
    from mediaserver.config import Settings
    from mediaserver.jobs import JobContext

# A logger under "mediaserver." so the server's log settings (level, JSON format) apply to it.
log = logging.getLogger("mediaserver.plugin.hello_page")

# Next to this file, wherever it was copied; not resolve(): the server refuses symlinked plugins.
TEMPLATES = Path(__file__).parent / "templates"
PAGE_PATH = "/plugins/hello"
ECHO_JOB = "hello.echo"  # prefix job types with the plugin's name so they never collide

routes = web.RouteTableDef()


# Every handler must declare who may call it; routes without @access are refused with 403.
# "profile" = signed in with a profile chosen (browsers without one are sent to the picker).
@routes.get(PAGE_PATH, name="plugin_hello_page")  # route names are global: prefix them too
@access("profile")
async def hello_page(request: web.Request) -> web.Response:
    identity = get_identity(request)
    # A request with an API key acts as the account and has no profile.
    if identity.profile is not None:
        name = identity.profile.name
    elif identity.user is not None:
        name = identity.user.username
    else:  # unreachable: @access("profile") turned anonymous visitors away
        name = "there"
    return render(request, "hello.html", {"name": name})


async def echo(ctx: JobContext) -> None:
    """Job "hello.echo": store the payload's text as the job's progress message."""
    payload: Any = ctx.payload
    text = payload.get("text", "hello") if isinstance(payload, dict) else "hello"
    await ctx.progress(100.0, message=f"echo: {str(text)[:200]}")


@hookimpl
def register_routes() -> list[web.AbstractRouteDef]:
    return list(routes)


@hookimpl
def template_dirs() -> list[Path]:
    return [TEMPLATES]


@hookimpl
def nav_items(identity: Identity) -> list[dict[str, str]] | None:
    # Only called for signed-in users; return None to add nothing for this one.
    if identity.user is None:
        return None
    return [{"href": PAGE_PATH, "label": "Hello"}]


@hookimpl
def register_job_handlers() -> dict[str, Any]:
    return {ECHO_JOB: echo}


@hookimpl
async def startup(app: web.Application, settings: Settings) -> None:
    # Runs once the database is migrated, so it may query it. Keep it quick: start-up waits.
    users = await count_users(app[db_key])
    log.info(
        "hello_page plugin started (%d user(s), plugins folder %s)", users, settings.plugins_folder
    )
