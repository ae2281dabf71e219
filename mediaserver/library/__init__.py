"""Libraries and scanning: folders an admin adds, walked, probed, named and written to the catalog.

`libraries` holds the CRUD over library rows; `walker` lists files safely below the roots;
`scanner` decides what changed and `catalog_writer` writes titles, episodes and files; `watcher`
turns file-system events into scan jobs; `routes` are the admin pages and JSON API.
"""

from aiohttp import web

from mediaserver.library.jobs import library_ctx, scanner_ctx
from mediaserver.library.routes import routes as library_routes
from mediaserver.library.title_routes import routes as title_routes
from mediaserver.library.uploads.routes import routes as upload_routes
from mediaserver.library.uploads.routes import uploads_ctx


def setup(app: web.Application) -> None:
    """Library and title admin pages, uploads, the scanner, the scan job and the file watcher."""
    app.router.add_routes([*upload_routes, *library_routes, *title_routes])
    app.cleanup_ctx.extend([scanner_ctx, library_ctx, uploads_ctx])
