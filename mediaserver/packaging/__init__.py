"""Packaging: every source becomes an adaptive-bitrate ladder (HLS + DASH from one set of CMAF
segments), WebVTT subtitles, poster candidates and trickplay sheets, published in one step.

`jobs` runs the "media.package" job (the blocking half is in `work`, the queries in `store`, the
records they return in `records`); `paths` names what a ladder may contain; `routes` describes
published ladders; `admin_routes` the admin packaging page; `hwaccel` the start-up hardware
encoder detection. Streaming reads a published ladder (`get_ladder`, the `Ladder` record) and
the names inside it (`parse_ladder_path`), and a file's subtitle tracks (`subtitle_source`).
"""

import functools

from aiohttp import web

from mediaserver.http.live_settings import on_settings_change
from mediaserver.jobs import add_job_resource
from mediaserver.packaging.admin_routes import routes as admin_routes
from mediaserver.packaging.hwaccel import (
    detect_again,
    encoder_status,
    hwaccel_ctx,
    hwaccel_settings_changed,
)
from mediaserver.packaging.jobs import packaging_ctx
from mediaserver.packaging.paths import LadderFile, parse_ladder_path
from mediaserver.packaging.reconcile import reconcile_packaging
from mediaserver.packaging.records import (
    Ladder,
    LadderAudio,
    LadderRung,
    SubtitleSource,
    Trickplay,
)
from mediaserver.packaging.routes import routes as ladder_routes
from mediaserver.packaging.store import get_ladder, subtitle_source

__all__ = [
    "Ladder",
    "LadderAudio",
    "LadderFile",
    "LadderRung",
    "SubtitleSource",
    "Trickplay",
    "detect_again",
    "encoder_status",
    "get_ladder",
    "parse_ladder_path",
    "reconcile_packaging",
    "setup",
    "subtitle_source",
]


def setup(app: web.Application) -> None:
    """Published ladders, the packaging admin page, encoder detection and the package job."""
    app.router.add_routes([*ladder_routes, *admin_routes])
    # Encoder detection runs in threads (start-up does not wait for it) and outlives the package
    # jobs that use its answer.
    add_job_resource(app, hwaccel_ctx)
    on_settings_change(app, functools.partial(hwaccel_settings_changed, app))
    app.cleanup_ctx.append(packaging_ctx)  # registers media.package, cleans leftovers of dead jobs
