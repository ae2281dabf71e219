"""create_app(settings): the one place the application is assembled."""

from __future__ import annotations

import inspect
import logging
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from mediaserver import (
    accounts,
    admin,
    analytics,
    billing,
    catalog,
    jobs,
    library,
    metadata,
    metrics,
    offline,
    packaging,
    recommend,
    social,
    streaming,
    watchparty,
)
from mediaserver.config import Settings
from mediaserver.db.engine import connect_checked, create_database
from mediaserver.db.migrate import upgrade
from mediaserver.http.disk_space import setup_disk_space
from mediaserver.http.errors import error_middleware
from mediaserver.http.health import routes as health_routes
from mediaserver.http.openapi import routes as openapi_routes
from mediaserver.http.security_headers import setup_security_headers
from mediaserver.http.static import setup_static
from mediaserver.http.templating import setup_templating
from mediaserver.keys import (
    config_key,
    db_key,
    job_events_key,
    jobs_key,
    plugins_key,
    secret_key,
    storage_key,
)
from mediaserver.plugins import create_plugin_manager
from mediaserver.storage.factory import create_storage

log = logging.getLogger(__name__)


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


async def plugin_jobs_ctx(app: web.Application) -> AsyncIterator[None]:
    runner = app[jobs_key]
    for handlers in app[plugins_key].hook.register_job_handlers():
        for job_type, handler in (handlers or {}).items():
            runner.register(job_type, handler)
    yield


async def end_live_streams(app: web.Application) -> None:
    # on_shutdown runs before aiohttp waits for in-flight requests: ending the event streams
    # here lets open admin pages finish at once instead of holding shutdown for its timeout.
    if job_events_key in app:
        app[job_events_key].close()


def setup_web(app: web.Application) -> None:
    """Cross-cutting web plumbing: templates (plugin folders too), static files, headers."""
    pm = app[plugins_key]
    extra_templates = [Path(d) for dirs in pm.hook.template_dirs() for d in (dirs or [])]
    setup_templating(app, extra_templates)
    setup_static(app)
    setup_security_headers(app)
    setup_disk_space(app)
    app.router.add_routes([*health_routes, *openapi_routes])


def setup_plugins(app: web.Application) -> None:
    """Plugin routes, job handlers and start-up hooks, after every built-in domain."""
    for plugin_routes in app[plugins_key].hook.register_routes():
        app.router.add_routes(plugin_routes or [])
    app.cleanup_ctx.extend([plugin_jobs_ctx, plugins_startup_ctx])


def create_app(settings: Settings) -> web.Application:
    ensure_folders(settings)
    app = web.Application(
        client_max_size=settings.server.max_body_bytes,
        # 1 MiB socket reads instead of 64 KiB: uploads stream far fewer, larger chunks.
        handler_args={"read_bufsize": 1 << 20},
        middlewares=[error_middleware],  # accounts.setup adds who-is-calling and CSRF
    )
    app[config_key] = settings
    app[secret_key] = load_secret(settings)
    app[plugins_key] = create_plugin_manager(settings)
    app.on_shutdown.append(end_live_streams)

    # Every resource with a lifetime is a cleanup context, started in the order added here and
    # closed in the reverse order, so each one may use everything added before it.
    app.cleanup_ctx.extend([database_ctx, storage_ctx])
    setup_web(app)
    # The domains, lowest first (the import contract's layers): each registers its routes, its
    # cleanup contexts and its job handlers, and reaches the others only through their faces.
    jobs.setup(app)  # the runner first: every domain's context registers its handlers into it
    accounts.setup(app)
    catalog.setup(app)
    library.setup(app)  # the watcher and the scanner, before packaging hooks into scans
    packaging.setup(app)
    streaming.setup(app)  # on-the-fly sessions last, so their threads stop first
    watchparty.setup(app)
    social.setup(app)
    analytics.setup(app)
    metadata.setup(app)
    recommend.setup(app)
    billing.setup(app)
    offline.setup(app)
    admin.setup(app)
    metrics.setup(app)  # last: it reads every domain's live state
    setup_plugins(app)
    return app
