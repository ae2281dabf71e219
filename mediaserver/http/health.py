"""/health (the process is alive) and /ready (database, disk space, folders)."""

from __future__ import annotations

import asyncio
import os
import shutil

from aiohttp import web

from mediaserver.http.auth import access
from mediaserver.keys import config_key, db_key

routes = web.RouteTableDef()


@routes.get("/health", name="health")
@access("public")
async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _folder_problem(path: os.PathLike[str], min_free: int | None) -> str | None:
    if not os.path.isdir(path):
        return f"{path} does not exist"
    if not os.access(path, os.W_OK):
        return f"{path} is not writable"
    if min_free is not None:
        free = shutil.disk_usage(path).free
        if free < min_free:
            return (
                f"{path} has {free // 2**20} MiB free, "
                f"less than the {min_free // 2**20} MiB required"
            )
    return None


@routes.get("/ready", name="ready")
@access("public")
async def ready(request: web.Request) -> web.Response:
    settings = request.app[config_key]
    checks: dict[str, str] = {}
    try:
        await asyncio.wait_for(request.app[db_key].ping(), timeout=5)
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "not ready"; the reason is reported, not raised
        checks["database"] = f"unreachable: {type(exc).__name__}"
    for name, path, min_free in (
        ("data_dir", settings.paths.data_dir, settings.paths.min_free_bytes),
        ("cache_dir", settings.paths.cache_dir, None),
    ):
        problem = await asyncio.to_thread(_folder_problem, path, min_free)
        checks[name] = problem or "ok"
    ok = all(v == "ok" for v in checks.values())
    return web.json_response(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503
    )
