"""The offline domain's AppKeys."""

from aiohttp import web

from mediaserver.offline.plan import LayoutCache
from mediaserver.offline.source_maker import SourceMaker

layouts_key: web.AppKey[LayoutCache] = web.AppKey("offline_layouts")
source_maker_key: web.AppKey[SourceMaker] = web.AppKey("offline_source_maker")
