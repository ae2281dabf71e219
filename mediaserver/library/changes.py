"""What follows a change to the libraries: the file watcher watches the current folders, and a
created or re-pointed library is scanned."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from mediaserver.keys import config_key
from mediaserver.library.jobs import enqueue_scan
from mediaserver.library.watcher import watcher_key


def data_dir(app: web.Application) -> Path:
    """The server's data folder, which no library folder may overlap."""
    return app[config_key].paths.data_dir


def reload_watcher(app: web.Application) -> None:
    watcher = app.get(watcher_key)
    if watcher is not None:
        watcher.reload()


async def folders_changed(app: web.Application, library_id: int) -> int:
    """Watch the library's folders as they are now and queue its scan; the scan job's id."""
    reload_watcher(app)
    return (await enqueue_scan(app, library_id)).job_id
