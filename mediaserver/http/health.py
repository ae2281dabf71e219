"""/health (the process is alive) and /ready (database, disk space, folders).

Both are public, for load balancers and container probes, so they say only ok or not (the
status code and `{"status": ...}`): which check failed names folders and free space, which is
for administrators, at GET /api/v1/admin/ready.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from dataclasses import dataclass
from typing import Literal

from aiohttp import web

from mediaserver.http.api import api, json_model
from mediaserver.http.auth import access
from mediaserver.keys import config_key, db_key

routes = web.RouteTableDef()

ReadyStatus = Literal["ok", "unavailable"]


@dataclass(frozen=True, slots=True)
class ReadyChecks:
    """Each check: "ok", or what is wrong."""

    database: str
    data_dir: str
    cache_dir: str


@dataclass(frozen=True, slots=True)
class Readiness:
    """Whether the server can serve, and each check's result."""

    status: ReadyStatus
    checks: ReadyChecks


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


async def _database_problem(app: web.Application) -> str | None:
    try:
        await asyncio.wait_for(app[db_key].ping(), timeout=5)
    except Exception as exc:  # any failure means "not ready"; the reason is reported, not raised
        return f"unreachable: {type(exc).__name__}"
    return None


async def readiness(app: web.Application) -> Readiness:
    """Run the checks: the database answers, the data folder is writable with the free space
    required, the cache folder is writable."""
    paths = app[config_key].paths
    checks = ReadyChecks(
        database=await _database_problem(app) or "ok",
        data_dir=await asyncio.to_thread(_folder_problem, paths.data_dir, paths.min_free_bytes)
        or "ok",
        cache_dir=await asyncio.to_thread(_folder_problem, paths.cache_dir, None) or "ok",
    )
    ok = checks.database == checks.data_dir == checks.cache_dir == "ok"
    return Readiness("ok" if ok else "unavailable", checks)


@routes.get("/ready", name="ready")
@access("public")
async def ready(request: web.Request) -> web.Response:
    found = await readiness(request.app)
    return web.json_response({"status": found.status}, status=200 if found.status == "ok" else 503)


@routes.get("/api/v1/admin/ready", name="api_admin_ready")
@access("admin")
@api(response=Readiness)
async def admin_ready(request: web.Request) -> web.Response:
    """Why the server is or is not ready: each check of /ready with what is wrong.

    The answer is 200 either way; `status` says whether /ready answers ok (200) or not (503).
    """
    return json_model(await readiness(request.app))
