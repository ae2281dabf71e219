"""Tables of the billing feature, in SQLAlchemy Core (one schema for SQLite and PostgreSQL).

`billing_plans`: what the admin sells, each a set of entitlements (0 means "no limit").
`billing_accounts`: one row per account that ever had billing state: its plan in force, its
Stripe customer and subscription, the period end, a downgrade waiting for it, a failed payment.
`billing_events`: every Stripe event id applied, written in the transaction of its effect, so a
redelivered event finds its id and changes nothing. `billing_invoices`: invoices as the
webhooks reported them (the billing page's history, the admin's failed payments).
`billing_preroll`: the clip Free accounts see before a title (one row).
"""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.metadata import metadata

billing_plans = sa.Table(
    "billing_plans",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(32), nullable=False, unique=True),
    sa.Column("name", sa.String(60), nullable=False),
    sa.Column("price_cents", sa.Integer, nullable=False),
    sa.Column("max_height", sa.Integer, nullable=False),
    sa.Column("max_streams", sa.Integer, nullable=False),
    sa.Column("may_download", sa.Boolean, nullable=False),
    sa.Column("max_downloads", sa.Integer, nullable=False),
    sa.Column("max_profiles", sa.Integer, nullable=False),
    sa.Column("preroll", sa.Boolean, nullable=False),
    sa.Column("trial_days", sa.Integer, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("stripe_product_id", sa.String(255), nullable=True),
    # The Price made for the current amount; a new amount gets a new Price (Prices are immutable).
    sa.Column("stripe_price_id", sa.String(255), nullable=True),
    sa.Column("stripe_price_cents", sa.Integer, nullable=True),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.CheckConstraint("price_cents >= 0", name="price"),
)

billing_accounts = sa.Table(
    "billing_accounts",
    metadata,
    sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("plan_key", sa.String(32), nullable=False),
    sa.Column("exempt", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("stripe_customer_id", sa.String(255), nullable=True, unique=True),
    sa.Column("stripe_subscription_id", sa.String(255), nullable=True),
    sa.Column("status", sa.String(24), nullable=False, server_default="none"),
    sa.Column("current_period_end", sa.Float, nullable=True),
    sa.Column("trial_end", sa.Float, nullable=True),
    # A lower plan chosen for the next period: it takes effect when the paid period ends.
    sa.Column("pending_plan_key", sa.String(32), nullable=True),
    sa.Column("payment_failed_at", sa.Float, nullable=True),
    sa.Column("canceled_at", sa.Float, nullable=True),
    sa.Column("updated_at", sa.Float, nullable=False),
)
sa.Index("ix_billing_accounts_subscription", billing_accounts.c.stripe_subscription_id)

billing_events = sa.Table(
    "billing_events",
    metadata,
    sa.Column("event_id", sa.String(255), primary_key=True),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("user_id", sa.Integer, nullable=True),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("processed_at", sa.Float, nullable=False),
)
sa.Index("ix_billing_events_processed_at", billing_events.c.processed_at)

billing_invoices = sa.Table(
    "billing_invoices",
    metadata,
    sa.Column("invoice_id", sa.String(255), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("amount_cents", sa.Integer, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("hosted_url", sa.String(1000), nullable=True),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)
sa.Index("ix_billing_invoices_user", billing_invoices.c.user_id, billing_invoices.c.created)

billing_preroll = sa.Table(
    "billing_preroll",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "media_file_id",
        sa.Integer,
        sa.ForeignKey("media_files.id", ondelete="SET NULL"),
        nullable=True,
    ),
    sa.Column("updated_at", sa.Float, nullable=False),
)
