"""Watch together: rooms whose members' players play the same title at the same moment, kept in
step against the server's clock over a WebSocket, with chat and reactions."""

from aiohttp import web

__all__ = ["setup"]


def setup(app: web.Application) -> None:
    """Room pages, the room WebSocket and the admin rooms page."""
