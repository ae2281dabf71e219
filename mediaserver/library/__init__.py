"""Libraries and scanning: folders an admin adds, walked, probed, named and written to the
catalog, plus uploads into them and the admin pages for libraries, titles and uploads. Other code
scans in its own process with `scan_now` (the CLI), hears about new or changed files with
`on_files_changed` (packaging queues ladders from it), and reads a library's `LibraryKind` and
`LibraryPolicy`; `setup(app)` registers the admin pages, the JSON API, the tus endpoints, the
scanner, the "library.scan" and "upload.finish" jobs and the file watcher.
"""

import functools

from aiohttp import web

from mediaserver.http.live_settings import on_settings_change
from mediaserver.jobs import add_housekeeping, add_job_resource, register_job_subjects
from mediaserver.library.admin import routes as admin_routes
from mediaserver.library.api_routes import routes as api_routes
from mediaserver.library.context import (
    library_ctx,
    library_settings_changed,
    on_files_changed,
    scanner_ctx,
)
from mediaserver.library.job_subjects import describe as describe_jobs
from mediaserver.library.jobs import SCAN_JOB, scan_now
from mediaserver.library.libraries import LibraryKind, LibraryPolicy
from mediaserver.library.scan.catalog_tags import TagCache, name_key
from mediaserver.library.scan.naming_rules import provider_ids as ids_in_name
from mediaserver.library.scan.naming_rules import sort_title
from mediaserver.library.scan.nfo import NfoData, NfoError, map_mpaa, read_nfo
from mediaserver.library.scan.scanner import FilesChanged, Progress, ScanStats
from mediaserver.library.uploads.context import sweep_uploads, uploads_ctx
from mediaserver.library.uploads.routes import routes as upload_routes

__all__ = [
    "SCAN_JOB",
    "TagCache",
    "FilesChanged",
    "LibraryKind",
    "LibraryPolicy",
    "NfoData",
    "NfoError",
    "Progress",
    "ScanStats",
    "ids_in_name",
    "map_mpaa",
    "name_key",
    "on_files_changed",
    "read_nfo",
    "scan_now",
    "setup",
    "sort_title",
]


def setup(app: web.Application) -> None:
    """Library, title and upload admin pages, the JSON and tus API, the scanner, the scan and
    upload-finishing jobs, the file watcher and the uploads' housekeeping."""
    app.router.add_routes([*upload_routes, *admin_routes, *api_routes])
    add_job_resource(app, scanner_ctx)  # scan jobs stop before its probe threads do
    app.cleanup_ctx.extend([library_ctx, uploads_ctx])
    on_settings_change(app, functools.partial(library_settings_changed, app))
    add_housekeeping(app, "uploads", sweep_uploads)
    register_job_subjects(app, describe_jobs)  # the jobs page names each job's title and file
