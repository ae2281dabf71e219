"""Card statements shared by every profile: the profile's values (its id, its account, its
rating cap) are parameters given at execution, so each statement is built and compiled once per
server, at start-up when a domain asks (`prepare_ranked_cards`), never per profile on its first
visit. Cards of titles a ranking orders, and of titles by id, leaving out what the profile may
not see."""

from __future__ import annotations

import dataclasses
import functools

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from mediaserver.accounts import RATINGS, Profile, library_condition
from mediaserver.catalog.browse import (
    TitleCard,
    allowed_ratings,
    card_from_row,
    card_select,
    cards_where,
    in_my_list,
)
from mediaserver.db.catalog_schema import titles

# Names of the parameters `profile_params` fills.
PROFILE_ID, USER_ID, RATINGS_ALLOWED, IDS = "card_profile", "card_user", "card_ratings", "card_ids"
# Who the start-up warm-up runs the statements as: no profile or account has id 0.
_NOBODY = Profile(0, 0, "", "blue", True, RATINGS[0], False, 0.0)


def profile_params(profile: Profile) -> dict[str, object]:
    """The values of `shared_visible` and the shared card statements for this profile."""
    params: dict[str, object] = {PROFILE_ID: profile.id, USER_ID: profile.user_id}
    allowed = allowed_ratings(profile)
    if allowed is not None:
        params[RATINGS_ALLOWED] = list(allowed)
    return params


def shared_visible(capped: bool) -> sa.ColumnElement[bool]:
    """`visible(profile)` with the profile's values left as parameters (`profile_params`): one
    condition for every profile with a rating cap, one for every profile without."""
    cap = titles.c.maturity_rating.in_(sa.bindparam(RATINGS_ALLOWED, expanding=True))
    user = sa.bindparam(USER_ID, type_=sa.Integer)
    return sa.and_(
        titles.c.removed_at.is_(None),
        cap if capped else sa.true(),
        library_condition(user, titles.c.library_id),  # type: ignore[arg-type]
    )


@functools.cache
def shared_card_select(capped: bool) -> sa.Select:
    """`card_select(profile)` for any profile, capped or not (values from `profile_params`)."""
    in_list = in_my_list(sa.bindparam(PROFILE_ID, type_=sa.Integer))
    return cards_where(in_list, shared_visible(capped))


# Keyed by the ranking subquery: callers keep theirs (built once), so each pair of statements is
# built once per server; a fresh subquery is a new key and simply misses.
@functools.lru_cache(maxsize=256)
def _ranked_select(capped: bool | None, ranked: sa.Subquery, limit: int) -> sa.Select:
    base = card_select(None) if capped is None else shared_card_select(capped)
    if "note" in ranked.c:
        base = base.add_columns(ranked.c.note)
    return base.join(ranked, ranked.c.title_id == titles.c.id).order_by(ranked.c.rank).limit(limit)


def _noted_card(r: sa.Row) -> TitleCard:
    """A card from a ranked row; a ranking's `note` column, where it has one, is the card's."""
    card = card_from_row(r)
    return dataclasses.replace(card, note=r[8]) if len(r) > 8 and r[8] else card


@functools.cache
def _by_ids_select(capped: bool | None) -> sa.Select:
    base = card_select(None) if capped is None else shared_card_select(capped)
    return base.where(titles.c.id.in_(sa.bindparam(IDS, expanding=True)))


def _variant(profile: Profile | None) -> tuple[bool | None, dict[str, object]]:
    if profile is None:
        return None, {}
    return profile.max_rating is not None, profile_params(profile)


async def ranked_cards(
    conn: AsyncConnection,
    profile: Profile | None,
    ranked: sa.Subquery,
    limit: int,
    params: dict[str, int] | None = None,
) -> list[TitleCard]:
    """Cards of the titles a subquery ranks (columns `title_id`, `rank`), best first, leaving out
    what the profile may not see: one statement however the ranking was made. `params` gives
    the values of the subquery's named bind parameters, if it has any; a `note` column, if it
    has one, gives each card's line under the title ("Because you watched X")."""
    capped, values = _variant(profile)
    rows = await conn.execute(_ranked_select(capped, ranked, limit), values | (params or {}))
    return [_noted_card(r) for r in rows.all()]


async def cards_by_ids(
    conn: AsyncConnection, profile: Profile | None, ids: list[int]
) -> list[TitleCard]:
    """Cards of these titles in the given order, leaving out what the profile may not see."""
    if not ids:
        return []
    capped, values = _variant(profile)
    rows = await conn.execute(_by_ids_select(capped), values | {IDS: list(dict.fromkeys(ids))})
    found = {c.id: c for c in (card_from_row(r) for r in rows.all())}
    return [found[i] for i in ids if i in found]


async def prepare_ranked_cards(
    conn: AsyncConnection, ranked: sa.Subquery, limit: int, params: dict[str, int]
) -> None:
    """Build this ranking's card statements (for capped and uncapped profiles) and run each
    once as nobody, so the database layer has compiled them before the first visitor (start-up
    work; `params` are placeholder values of the subquery's parameters)."""
    for capped in (False, True):
        values = profile_params(_NOBODY)
        if not capped:
            values.pop(RATINGS_ALLOWED)
        await conn.execute(_ranked_select(capped, ranked, limit), values | params)
        await conn.execute(_by_ids_select(capped), values | {IDS: [0]})
