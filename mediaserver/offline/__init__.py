"""Offline: downloads as single MP4 files made from a title's packaged ladder (faststart,
chosen quality, audio and soft subtitles, streamed as they are laid out, resumable with
Range; made from the source file when a title has no ladder, streamed as it is made, at most
`offline.max_source_encodes` encodes at once) behind signed, expiring URLs
whose rights are checked on every request; titles saved in the browser (a service worker and
Cache Storage) that check in every few days and are deleted when the right to them ends;
the Downloads page and the admin's list with Revoke.

How many downloads an account holds at once is counted here against the lowest of the
server's `offline.max_saved_titles` and the account's `max_downloads` limit (which a plan
may set through the accounts face's limit sources).
"""

from aiohttp import web

from mediaserver.jobs import add_housekeeping
from mediaserver.keys import config_key
from mediaserver.offline.admin_routes import routes as admin_routes
from mediaserver.offline.api_routes import routes as api_routes
from mediaserver.offline.file_routes import routes as file_routes
from mediaserver.offline.keys import layouts_key, source_maker_key
from mediaserver.offline.page_routes import routes as page_routes
from mediaserver.offline.plan import LayoutCache
from mediaserver.offline.service import purge_old
from mediaserver.offline.source_maker import SourceMaker

__all__ = ["setup"]


def setup(app: web.Application) -> None:
    """Register the download pages, API, file URLs, admin page and housekeeping."""
    app[layouts_key] = LayoutCache()
    config = app[config_key]
    maker = SourceMaker(config.paths.cache_dir, config.offline.source_encodes_at_once)
    app[source_maker_key] = maker

    async def close(app: web.Application) -> None:
        await maker.close()  # an encode in its thread ends before the app does

    app.on_cleanup.append(close)
    app.router.add_routes([*page_routes, *api_routes, *file_routes, *admin_routes])
    add_housekeeping(app, "old downloads", purge_old)
