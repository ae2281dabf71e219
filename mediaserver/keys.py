"""The app-wide typed AppKeys: the resources every layer shares (settings, database, storage, job
runner and events, templates, plugins, the signing secret). A domain's own keys live in that
domain, beside what they hold. No string keys, no globals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    import jinja2
    import pluggy

    from mediaserver.config import Settings
    from mediaserver.db.engine import Database
    from mediaserver.jobs.events import JobEvents
    from mediaserver.jobs.runner import JobRunner
    from mediaserver.storage.base import Storage

config_key: web.AppKey[Settings] = web.AppKey("config")
db_key: web.AppKey[Database] = web.AppKey("db")
storage_key: web.AppKey[Storage] = web.AppKey("storage")
jobs_key: web.AppKey[JobRunner] = web.AppKey("jobs")
job_events_key: web.AppKey[JobEvents] = web.AppKey("job_events")
templates_key: web.AppKey[jinja2.Environment] = web.AppKey("templates")
plugins_key: web.AppKey[pluggy.PluginManager] = web.AppKey("plugins")
secret_key: web.AppKey[bytes] = web.AppKey("secret")
