"""Plans, entitlements, Stripe subscriptions and webhooks, pre-roll and screens."""

from aiohttp import web

__all__ = ["setup"]


def setup(app: web.Application) -> None:
    """Register this domain's routes, cleanup contexts and job handlers."""
