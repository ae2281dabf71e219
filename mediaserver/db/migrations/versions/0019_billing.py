"""billing: plans, accounts' subscriptions, applied Stripe events, invoices, pre-roll

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "billing_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("max_height", sa.Integer(), nullable=False),
        sa.Column("max_streams", sa.Integer(), nullable=False),
        sa.Column("may_download", sa.Boolean(), nullable=False),
        sa.Column("max_downloads", sa.Integer(), nullable=False),
        sa.Column("max_profiles", sa.Integer(), nullable=False),
        sa.Column("preroll", sa.Boolean(), nullable=False),
        sa.Column("trial_days", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("stripe_product_id", sa.String(255), nullable=True),
        sa.Column("stripe_price_id", sa.String(255), nullable=True),
        sa.Column("stripe_price_cents", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.CheckConstraint("price_cents >= 0", name=op.f("ck_billing_plans_price")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_plans")),
        sa.UniqueConstraint("key", name=op.f("uq_billing_plans_key")),
    )
    op.create_table(
        "billing_accounts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("plan_key", sa.String(32), nullable=False),
        sa.Column("exempt", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("stripe_customer_id", sa.String(255), nullable=True),
        sa.Column("stripe_subscription_id", sa.String(255), nullable=True),
        sa.Column("status", sa.String(24), server_default="none", nullable=False),
        sa.Column("current_period_end", sa.Float(), nullable=True),
        sa.Column("trial_end", sa.Float(), nullable=True),
        sa.Column("pending_plan_key", sa.String(32), nullable=True),
        sa.Column("payment_failed_at", sa.Float(), nullable=True),
        sa.Column("canceled_at", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_billing_accounts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_billing_accounts")),
        sa.UniqueConstraint(
            "stripe_customer_id", name=op.f("uq_billing_accounts_stripe_customer_id")
        ),
    )
    op.create_index(
        "ix_billing_accounts_subscription", "billing_accounts", ["stripe_subscription_id"]
    )
    op.create_table(
        "billing_events",
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created", sa.Float(), nullable=False),
        sa.Column("processed_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_billing_events")),
    )
    op.create_index("ix_billing_events_processed_at", "billing_events", ["processed_at"])
    op.create_table(
        "billing_invoices",
        sa.Column("invoice_id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("hosted_url", sa.String(1000), nullable=True),
        sa.Column("created", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_billing_invoices_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_billing_invoices")),
    )
    op.create_index("ix_billing_invoices_user", "billing_invoices", ["user_id", "created"])
    op.create_table(
        "billing_preroll",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("media_file_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["media_file_id"],
            ["media_files.id"],
            name=op.f("fk_billing_preroll_media_file_id_media_files"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_preroll")),
    )


def downgrade() -> None:
    op.drop_table("billing_preroll")
    op.drop_index("ix_billing_invoices_user", table_name="billing_invoices")
    op.drop_table("billing_invoices")
    op.drop_index("ix_billing_events_processed_at", table_name="billing_events")
    op.drop_table("billing_events")
    op.drop_index("ix_billing_accounts_subscription", table_name="billing_accounts")
    op.drop_table("billing_accounts")
    op.drop_table("billing_plans")
