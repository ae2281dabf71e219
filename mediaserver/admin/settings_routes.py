"""Admin > Settings: every setting of the settings model, saved into the settings file, applied at
once where it can be; hardware encoder detection on demand; a restart where the process allows.

GET/POST /admin/settings, POST /admin/settings/hwaccel/detect, POST /admin/settings/restart;
JSON: GET and PATCH /api/v1/admin/settings.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import RootModel

from mediaserver.accounts import get_identity
from mediaserver.admin.restart import RestartControl, restart_control, restart_key
from mediaserver.admin.settings_apply import (
    SettingsNotWritten,
    SettingsRejected,
    SettingsState,
    save_settings,
    settings_state_key,
)
from mediaserver.admin.settings_views import (
    SettingsOut,
    SettingsSavedOut,
    api_settings,
    page_sections,
    parse_form,
)
from mediaserver.config_loading import settings_origin
from mediaserver.db.audit import AuditActor
from mediaserver.errors import Conflict
from mediaserver.http.api import api, json_model
from mediaserver.http.auth import access
from mediaserver.http.clientinfo import client_ip
from mediaserver.http.forms import read_form, read_input
from mediaserver.http.templating import is_htmx, render
from mediaserver.keys import config_key
from mediaserver.packaging import detect_again, encoder_status

routes = web.RouteTableDef()
NOT_RESTARTABLE = (
    "This server cannot restart itself: it was not started with `mediaserver serve`. "
    "Restart it with the tool that runs it (systemd, Docker, your process manager)."
)


class SettingsPatch(RootModel[dict[str, Any]]):
    """{"section.key": value, ...}: the settings to change; a secret's "" removes it."""


def _actor(request: web.Request) -> AuditActor:
    user = get_identity(request).user
    return AuditActor(user.id if user else None, user.username if user else "", client_ip(request))


def _page(
    request: web.Request,
    *,
    errors: dict[str, str] | None = None,
    submitted: dict[str, Any] | None = None,
    notice: str = "",
    status: int = 200,
    block: str = "settings_form",
    hwaccel_oob: bool = False,
) -> web.Response:
    app = request.app
    settings, state = app[config_key], app[settings_state_key]
    origin = settings_origin(settings)
    context = {
        "sections": page_sections(settings, state, errors, submitted),
        "errors": errors or {},
        "notice": notice,
        "settings_file": origin.settings_file(settings),
        "from_config_file": origin.config_file is not None,
        "pending": sorted(state.pending),
        "restart_supported": restart_control(app).supported,
        "hwaccel": encoder_status(app),
        "hwaccel_oob": hwaccel_oob,  # a saved hwaccel also refreshes the hardware panel
    }
    return render(request, "admin/settings.html", context, block=block, status=status)


def _saved_notice(changed: int, restart: int) -> str:
    if not changed:
        return "Nothing changed."
    words = f"Saved {changed} change{'s' if changed != 1 else ''}"
    if restart:
        return f"{words}; {restart} take{'s' if restart == 1 else ''} effect after a restart."
    return f"{words}; in effect now."


@routes.get("/admin/settings", name="admin_settings")
@access("admin")
async def settings_page(request: web.Request) -> web.Response:
    counts = [request.query.get(name, "") for name in ("saved", "restart")]
    notice = ""
    if all(c.isdigit() for c in counts):
        notice = _saved_notice(int(counts[0]), int(counts[1]))
    return _page(request, notice=notice)


@routes.post("/admin/settings", name="admin_settings_save")
@access("admin")
async def save_settings_form(request: web.Request) -> web.Response:
    submitted = parse_form(await read_form(request), request.app[config_key])
    try:
        changes = await save_settings(request.app, _actor(request), submitted)
    except SettingsRejected as exc:
        # htmx swaps only 2xx answers: the partial comes as 200, the whole page as 422.
        status = 200 if is_htmx(request) else 422
        return _page(request, errors=exc.errors, submitted=submitted, status=status)
    except SettingsNotWritten as exc:
        return _page(request, errors={"file": str(exc)}, submitted=submitted, status=200)
    restart = sum(1 for c in changes if not c.live)
    if is_htmx(request):
        redetected = any(c.key == "transcoding.hwaccel" for c in changes)
        return _page(request, notice=_saved_notice(len(changes), restart), hwaccel_oob=redetected)
    raise web.HTTPSeeOther(f"/admin/settings?saved={len(changes)}&restart={restart}")


@routes.post("/admin/settings/hwaccel/detect", name="admin_settings_detect")
@access("admin")
async def detect_hardware(request: web.Request) -> web.Response:
    if encoder_status(request.app) is None:
        raise Conflict("Encoder detection is not running in this server.")
    await detect_again(request.app)  # in a thread: the server keeps serving meanwhile
    if is_htmx(request):
        return _page(request, block="hwaccel_panel")
    raise web.HTTPSeeOther("/admin/settings#hardware")


@routes.post("/admin/settings/restart", name="admin_settings_restart")
@access("admin")
async def restart_server(request: web.Request) -> web.Response:
    control = restart_control(request.app)
    if not control.supported:
        raise Conflict(NOT_RESTARTABLE)
    control.request()
    return render(request, "admin/settings_restarting.html")


@routes.get("/api/v1/admin/settings", name="api_admin_settings")
@access("admin")
@api(response=SettingsOut)
async def api_get_settings(request: web.Request) -> web.Response:
    """Every setting with its saved and running value and where it came from; secrets are
    only "set" or "not set"."""
    app = request.app
    return json_model(
        api_settings(app[config_key], app[settings_state_key], restart_control(app).supported)
    )


@routes.patch("/api/v1/admin/settings", name="api_admin_settings_patch")
@access("admin")
@api(body=SettingsPatch, response=SettingsSavedOut, other_responses={422: "Invalid settings."})
async def api_patch_settings(request: web.Request) -> web.Response:
    """Change settings ({"streaming.max_sessions": 8}); all or nothing, each wrong field listed
    in a 422 problem's `errors`."""
    body = await read_input(request)
    try:
        changes = await save_settings(request.app, _actor(request), body)
    except SettingsRejected as exc:
        return web.json_response(
            {
                "type": "about:blank",
                "title": "Invalid settings",
                "status": 422,
                "detail": f"{len(exc.errors)} setting(s) not valid; nothing was saved.",
                "errors": [{"field": k, "message": v} for k, v in exc.errors.items()],
            },
            status=422,
            content_type="application/problem+json",
        )
    except SettingsNotWritten as exc:
        raise Conflict(str(exc)) from None
    return json_model(
        SettingsSavedOut(
            changed=[c.key for c in changes], restart_needed=[c.key for c in changes if not c.live]
        )
    )


def setup_settings(app: web.Application) -> None:
    """The settings pages and API, their per-process state and the restart switch."""
    app[settings_state_key] = SettingsState()
    app[restart_key] = RestartControl()
    app.router.add_routes(routes)
