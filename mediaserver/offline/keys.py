"""The offline domain's AppKeys."""

from aiohttp import web

from mediaserver.offline.plan import LayoutCache

layouts_key: web.AppKey[LayoutCache] = web.AppKey("offline_layouts")
