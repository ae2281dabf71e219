"""Tables of the recommendations: what a profile said it does not want or liked at
onboarding, and what the training job precomputed (each profile's picks, each title's similar
titles, what is trending, and the runs themselves), so serving a row is one read by key.

Times are UTC epoch seconds. Every change here needs an Alembic migration.
"""

from __future__ import annotations

import sqlalchemy as sa

from mediaserver.db.metadata import metadata

PICK_LISTS = ("top", "new")


def _fk(target: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", ondelete="CASCADE")


# "Not interested": never recommended to this profile again (until it takes it back).
reco_not_interested = sa.Table(
    "reco_not_interested",
    metadata,
    sa.Column("profile_id", sa.Integer, _fk("profiles"), primary_key=True),
    sa.Column("title_id", sa.Integer, _fk("titles"), primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False),
)

# Titles a new profile picked as liked at onboarding (a signal like a good rating).
reco_liked = sa.Table(
    "reco_liked",
    metadata,
    sa.Column("profile_id", sa.Integer, _fk("profiles"), primary_key=True),
    sa.Column("title_id", sa.Integer, _fk("titles"), primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False),
)

# A profile's ranked picks per list ("top": Top picks, "new": New for you), and the title of
# its history that contributed most ("Because you watched X"), replaced whole by each run.
reco_picks = sa.Table(
    "reco_picks",
    metadata,
    sa.Column("profile_id", sa.Integer, _fk("profiles"), primary_key=True),
    sa.Column("list", sa.String(8), primary_key=True),
    sa.Column("rank", sa.Integer, primary_key=True),
    sa.Column("title_id", sa.Integer, _fk("titles"), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("because_title_id", sa.Integer, _fk("titles"), nullable=True),
    sa.CheckConstraint("list IN ('top', 'new')", name="list"),
)

# "More like this": each title's most similar titles (content blended with co-watching).
reco_similar = sa.Table(
    "reco_similar",
    metadata,
    sa.Column("title_id", sa.Integer, _fk("titles"), primary_key=True),
    sa.Column("rank", sa.Integer, primary_key=True),
    sa.Column("other_id", sa.Integer, _fk("titles"), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
)

# "Trending now": titles by recent plays, decayed by age; one list for the server.
reco_trending = sa.Table(
    "reco_trending",
    metadata,
    sa.Column("rank", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("title_id", sa.Integer, _fk("titles"), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
)

# One row per training run: when, on how much, and how long it took (the admin page).
reco_runs = sa.Table(
    "reco_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("finished_at", sa.Float, nullable=False),
    sa.Column("profiles", sa.Integer, nullable=False),
    sa.Column("titles", sa.Integer, nullable=False),
    sa.Column("interactions", sa.Integer, nullable=False),
    sa.Column("seconds", sa.Float, nullable=False),
)
sa.Index("ix_reco_runs_finished_at", reco_runs.c.finished_at)

# Searches that led to a play: a search result a profile opened, with its query (pending while
# `played_at` is empty), and when a play of that title started within the attribution window
# (`recommend.reco_search_play_minutes`). Played rows are a training signal (a searched-then-
# played title counts like a strong positive); pending ones are purged once the window passed.
search_play_attribution = sa.Table(
    "search_play_attribution",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("profile_id", sa.Integer, _fk("profiles"), nullable=False),
    sa.Column("title_id", sa.Integer, _fk("titles"), nullable=False),
    sa.Column("query", sa.String(200), nullable=False),
    sa.Column("opened_at", sa.Float, nullable=False),
    sa.Column("played_at", sa.Float, nullable=True),
)
sa.Index(
    "ix_search_play_attribution_profile_title",
    search_play_attribution.c.profile_id,
    search_play_attribution.c.title_id,
)
sa.Index("ix_search_play_attribution_opened_at", search_play_attribution.c.opened_at)
