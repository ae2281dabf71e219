"""Plans and payments: off by default, so everyone has everything."""

from __future__ import annotations

from pydantic import Field, SecretStr

from mediaserver.config.base import Section


class BillingSettings(Section):
    """Plans and payments: off by default, so everyone has everything."""

    enabled: bool = Field(
        False,
        description="Charge for plans. Off: every account has everything (no plan limits, no "
        "pre-roll). On: each account gets what its plan allows; admins and exempt users "
        "keep everything.",
    )
    stripe_secret_key: SecretStr = Field(
        SecretStr(""),
        description="Stripe secret API key (sk_live_... or sk_test_...). Needed to sell plans.",
    )
    stripe_webhook_secret: SecretStr = Field(
        SecretStr(""),
        description="Signing secret of the Stripe webhook endpoint pointed at /webhooks/stripe "
        "(whsec_...). Webhooks are refused while it is empty.",
    )
    stripe_api_base: str = Field(
        "",
        max_length=200,
        description="Send Stripe API calls here instead of https://api.stripe.com (a local "
        "Stripe-compatible server for tests). Empty: Stripe itself.",
    )
    stripe_dashboard_url: str = Field(
        "https://dashboard.stripe.com",
        max_length=200,
        description="Where the admin's links to customers and subscriptions point "
        "(https://dashboard.stripe.com/test for test mode).",
    )
    currency: str = Field(
        "usd",
        min_length=3,
        max_length=3,
        pattern="^[a-z]{3}$",
        description="Three-letter ISO currency of every plan's price, lower case.",
    )
    grace_days: float = Field(
        7.0,
        ge=0,
        le=60,
        description="After a payment fails, the account keeps its plan this many days (with a "
        "banner) before it falls back to Free.",
    )
    webhook_tolerance_seconds: int = Field(
        300,
        ge=30,
        le=3600,
        description="A webhook whose signed timestamp is older than this is refused (replays).",
    )
