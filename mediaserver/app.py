"""create_app(settings): the one place the application is assembled."""

from __future__ import annotations

import inspect
import logging
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from mediaserver.accounts.ratelimit import LoginLimiter
from mediaserver.accounts.routes import routes as account_routes
from mediaserver.accounts.settings_routes import routes as account_settings_routes
from mediaserver.admin.routes import routes as admin_routes
from mediaserver.catalog.api_routes import routes as catalog_api_routes
from mediaserver.catalog.list_routes import routes as catalog_list_routes
from mediaserver.catalog.player_routes import routes as player_routes
from mediaserver.catalog.routes import routes as catalog_routes
from mediaserver.catalog.search_routes import routes as catalog_search_routes
from mediaserver.catalog.title_routes import routes as catalog_title_routes
from mediaserver.config import Settings
from mediaserver.db.engine import connect_checked, create_database
from mediaserver.db.migrate import upgrade
from mediaserver.http.auth import auth_middleware
from mediaserver.http.csrf import csrf_middleware, setup_csrf
from mediaserver.http.errors import error_middleware
from mediaserver.http.health import routes as health_routes
from mediaserver.http.openapi import routes as openapi_routes
from mediaserver.http.security_headers import setup_security_headers
from mediaserver.http.static import setup_static
from mediaserver.http.templating import setup_templating
from mediaserver.jobs.routes import routes as job_routes
from mediaserver.jobs.runner import jobs_ctx
from mediaserver.keys import (
    config_key,
    db_key,
    job_events_key,
    jobs_key,
    login_limiter_key,
    plugins_key,
    secret_key,
    storage_key,
)
from mediaserver.library.jobs import library_ctx, scanner_ctx
from mediaserver.library.routes import routes as library_routes
from mediaserver.library.title_routes import routes as title_routes
from mediaserver.library.uploads.routes import routes as upload_routes
from mediaserver.library.uploads.routes import uploads_ctx
from mediaserver.packaging.admin_routes import routes as packaging_admin_routes
from mediaserver.packaging.hwaccel import hwaccel_ctx
from mediaserver.packaging.jobs import packaging_ctx
from mediaserver.packaging.routes import routes as packaging_routes
from mediaserver.plugins import create_plugin_manager
from mediaserver.storage.factory import create_storage
from mediaserver.streaming.admin_routes import routes as streaming_admin_routes
from mediaserver.streaming.live_routes import routes as live_routes
from mediaserver.streaming.live_service import live_sessions_ctx
from mediaserver.streaming.media_routes import routes as media_token_routes
from mediaserver.streaming.routes import routes as playback_routes
from mediaserver.streaming.routes import setup_streaming

log = logging.getLogger(__name__)

# Every domain's route table, in one list so the router is complete before it freezes.
DOMAIN_ROUTES = [
    health_routes,
    openapi_routes,
    account_routes,
    account_settings_routes,
    admin_routes,
    job_routes,
    catalog_routes,
    catalog_title_routes,
    catalog_search_routes,
    catalog_list_routes,
    catalog_api_routes,
    player_routes,  # /watch (the player) and its progress, plays, preferences, markers
    upload_routes,
    library_routes,
    title_routes,
    packaging_routes,
    playback_routes,
    media_token_routes,
    streaming_admin_routes,
    live_routes,
    packaging_admin_routes,
]


def load_secret(settings: Settings) -> bytes:
    """The signing secret: from config, else generated once into data_dir/secret.key (0600)."""
    configured = settings.auth.secret_key.get_secret_value()
    if configured:
        return configured.encode()
    path = settings.paths.data_dir / "secret.key"
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(value)
    return value


def ensure_folders(settings: Settings) -> None:
    for folder in (settings.paths.data_dir, settings.paths.cache_dir):
        Path(folder).mkdir(parents=True, exist_ok=True)


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[config_key]
    db = create_database(
        settings.database_url,
        pool_size=settings.database.pool_size,
        connect_timeout=settings.database.connect_timeout,
    )
    try:
        await connect_checked(db, settings.database_url, settings.database.connect_timeout)
        before, after = await upgrade(db)
        if before != after:
            log.info("database migrated from %s to %s", before or "empty", after)
    except BaseException:
        await db.close()
        raise
    app[db_key] = db
    yield
    await db.close()


async def storage_ctx(app: web.Application) -> AsyncIterator[None]:
    storage = create_storage(app[config_key])
    # Temp files older than an hour were left by a crash (younger ones may be another
    # process's write in progress on a shared root).
    removed = await storage.cleanup_temp()
    if removed:
        log.info("removed %d leftover temporary files from storage", removed)
    app[storage_key] = storage
    yield
    await storage.close()


async def plugins_startup_ctx(app: web.Application) -> AsyncIterator[None]:
    pm = app[plugins_key]
    for result in pm.hook.startup(app=app, settings=app[config_key]):
        if inspect.isawaitable(result):
            await result
    yield


def _register_plugin_jobs(app: web.Application) -> None:
    runner = app[jobs_key]
    for handlers in app[plugins_key].hook.register_job_handlers():
        for job_type, handler in (handlers or {}).items():
            runner.register(job_type, handler)


async def plugin_jobs_ctx(app: web.Application) -> AsyncIterator[None]:
    _register_plugin_jobs(app)
    yield


async def end_live_streams(app: web.Application) -> None:
    # on_shutdown runs before aiohttp waits for in-flight requests: ending the event streams
    # here lets open admin pages finish at once instead of holding shutdown for its timeout.
    if job_events_key in app:
        app[job_events_key].close()


def create_app(settings: Settings) -> web.Application:
    ensure_folders(settings)
    app = web.Application(
        client_max_size=settings.server.max_body_bytes,
        # 1 MiB socket reads instead of 64 KiB: uploads stream far fewer, larger chunks.
        handler_args={"read_bufsize": 1 << 20},
        middlewares=[error_middleware, auth_middleware, csrf_middleware],
    )
    app[config_key] = settings
    app[secret_key] = load_secret(settings)
    app[login_limiter_key] = LoginLimiter(
        settings.auth.login_attempts_per_account,
        settings.auth.login_attempts_per_address,
        settings.auth.login_window_seconds,
    )
    pm = create_plugin_manager(settings)
    app[plugins_key] = pm

    extra_templates = [Path(d) for dirs in pm.hook.template_dirs() for d in (dirs or [])]
    setup_templating(app, extra_templates)
    setup_static(app)
    setup_security_headers(app)
    setup_csrf(app)
    setup_streaming(app)  # active streams registry, media caches, CORS on /media/t/

    for table in DOMAIN_ROUTES:
        app.router.add_routes(table)
    for plugin_routes in pm.hook.register_routes():
        app.router.add_routes(plugin_routes or [])

    app.on_shutdown.append(end_live_streams)
    app.cleanup_ctx.extend(
        [
            database_ctx,
            storage_ctx,
            hwaccel_ctx,  # detection runs in threads; start-up does not wait for it
            scanner_ctx,  # before the runner: scans stop before their probe threads do
            jobs_ctx,
            library_ctx,  # after the runner: registers library.scan and starts the watcher
            packaging_ctx,  # registers media.package, cleans leftovers of dead jobs
            uploads_ctx,
            plugin_jobs_ctx,
            plugins_startup_ctx,
            live_sessions_ctx,  # on-the-fly sessions: every encoder thread stops on shutdown
        ]
    )
    return app
