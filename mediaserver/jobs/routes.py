"""Routes for this area (filled in by its owner)."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
