"""Alembic environment: the connection is handed in by mediaserver.db.migrate."""

from alembic import context

import mediaserver.db.analytics_schema  # noqa: F401  (registers heartbeats and rollups)
import mediaserver.db.artwork_ab_schema  # noqa: F401  (registers poster A/B tests)
import mediaserver.db.audit_schema  # noqa: F401  (registers the audit log)
import mediaserver.db.billing_schema  # noqa: F401  (registers plans and subscriptions)
import mediaserver.db.catalog_schema  # noqa: F401  (registers catalog tables)
import mediaserver.db.limits_schema  # noqa: F401  (registers per-user limits)
import mediaserver.db.offline_schema  # noqa: F401  (registers downloads)
import mediaserver.db.packaging_schema  # noqa: F401  (registers the ladders table)
import mediaserver.db.providers_schema  # noqa: F401  (registers provider matches and artwork)
import mediaserver.db.recommend_schema  # noqa: F401  (registers recommendation lists and signals)
import mediaserver.db.schema  # noqa: F401  (registers accounts and jobs tables)
import mediaserver.db.search_schema  # noqa: F401  (registers the search vocabulary)
import mediaserver.db.social_clips_schema  # noqa: F401  (registers clips)
import mediaserver.db.social_comments_schema  # noqa: F401  (registers comments and moderation)
import mediaserver.db.social_ratings_schema  # noqa: F401  (registers ratings and reviews)
import mediaserver.db.social_reactions_schema  # noqa: F401  (registers reactions and moments)
import mediaserver.db.tagging_schema  # noqa: F401  (registers tags)
import mediaserver.db.viewer_schema  # noqa: F401  (registers My List, progress, plays, markers)
import mediaserver.db.watchparty_schema  # noqa: F401  (registers rooms, members, invites, chat)
from mediaserver.db.metadata import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - alembic CLI use is not supported
    raise SystemExit("run migrations with `mediaserver migrate`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite needs batch mode to alter tables
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
