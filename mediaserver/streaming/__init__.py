"""Streaming: the playback decision and its signed media URLs, direct play of originals,
published ladders served by token, on-the-fly remux and transcode sessions, the active-streams
registry, the admin's streams page and the account's own streams page (to stop one when it may
stream on only so many devices at once). Other domains use none of it directly: `setup(app)`
registers the routes, the registry, the media caches and response signals, the rights generations
media URLs are checked against (kept fresh from the database), and the on-the-fly service's
cleanup context. Offline downloads read a title's source with `load_playable`,
`original_path` and `subtitle_vtt`. The metrics read `streaming_stats(app)`; a higher domain
that shows a clip before titles registers it with `add_preroll_source(app, fn)`.
"""

import functools

from aiohttp import web

from mediaserver.catalog import register_heartbeat_listener
from mediaserver.http.live_settings import on_settings_change
from mediaserver.streaming.accounting import setup_media_accounting
from mediaserver.streaming.active import ActiveStreams
from mediaserver.streaming.admin_routes import routes as admin_routes
from mediaserver.streaming.cors import setup_media_cors
from mediaserver.streaming.direct import original_path
from mediaserver.streaming.download_routes import routes as download_routes
from mediaserver.streaming.keys import active_streams_key
from mediaserver.streaming.live_routes import routes as live_routes
from mediaserver.streaming.live_service import live_sessions_ctx
from mediaserver.streaming.media_cache import setup_media_caches, subtitle_vtt
from mediaserver.streaming.media_routes import routes as media_routes
from mediaserver.streaming.my_streams_routes import routes as my_streams_routes
from mediaserver.streaming.overview import (
    ActivePlay,
    LiveSessionInfo,
    active_plays,
    live_cache_bytes,
    live_sessions,
)
from mediaserver.streaming.preroll import add_preroll_source
from mediaserver.streaming.preroll import routes as preroll_routes
from mediaserver.streaming.renewal_routes import routes as renewal_routes
from mediaserver.streaming.rights import (
    RightsTable,
    current_generations,
    rights_changed,
    rights_ctx,
    rights_key,
)
from mediaserver.streaming.routes import routes as playback_routes
from mediaserver.streaming.settings_change import streaming_settings_changed
from mediaserver.streaming.stats import StreamingStats, streaming_stats
from mediaserver.streaming.store import PlayableFile, load_playable

__all__ = [
    "ActivePlay",
    "PlayableFile",
    "load_playable",
    "original_path",
    "LiveSessionInfo",
    "StreamingStats",
    "active_plays",
    "add_preroll_source",
    "current_generations",
    "live_cache_bytes",
    "live_sessions",
    "rights_changed",
    "setup",
    "streaming_stats",
    "subtitle_vtt",
]


def setup(app: web.Application) -> None:
    """Playback decisions, media URLs, on-the-fly sessions and the streams admin page."""
    registry = ActiveStreams()
    app[active_streams_key] = registry
    register_heartbeat_listener(app, registry.heartbeat)  # players' reports keep plays listed
    app[rights_key] = RightsTable()
    setup_media_caches(app)
    setup_media_cors(app)  # CORS on /media/t/
    setup_media_accounting(app)  # bytes and rungs of media answers, per play

    async def close(app: web.Application) -> None:
        await registry.close()

    app.on_cleanup.append(close)
    app.router.add_routes(
        [
            *playback_routes,
            *renewal_routes,
            *media_routes,
            *admin_routes,
            *live_routes,
            *my_streams_routes,  # the account's own streams, to stop one beyond its limit
            *download_routes,  # originals as files, where the account may download
            *preroll_routes,  # the clip some accounts see first (sources: add_preroll_source)
        ]
    )
    app.cleanup_ctx.append(rights_ctx)  # generations loaded before the first media request
    app.cleanup_ctx.append(live_sessions_ctx)  # every encoder thread stops on shutdown
    on_settings_change(app, functools.partial(streaming_settings_changed, app))
