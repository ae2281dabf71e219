"""Catalog: what a profile browses and watches. Titles and series as a viewer sees them (capped
by a kids profile's rating), search, home rows, My List, Watch History, resume positions, plays,
player preferences and skip markers. Other domains ask `may_watch_file` before serving a file
(the one watch permission), pick files that can play as a feature with `playable_file()` (the
SQL condition: scanned fine, present, not an extra), and read or set a file's skip markers with
`markers_of` and `apply_admin_form` (detection writes its own with `set_detected_marker`),
and find the episode after a file with
`next_episode_file`; higher domains add home rows with `register_row_source` (filled with
`cards_by_ids` or `ranked_cards`, which leave out what the profile may not see; their
statements take the profile as parameters, and `prepare_ranked_cards` builds a ranking's at
start-up; `shared_visible` with `profile_params` is the same visibility for a domain's own
statements) and the
titles the player offers when a movie ends with `register_watch_next_source`, choose each
card's poster with `register_poster_chooser` (without one, titles, seasons and logos show the
art in the profile's language first, then the server's) and hear of plays as they start with
`register_play_listener`; `setup(app)` registers the browse pages, the player page and the
catalog API.
"""

from aiohttp import web

from mediaserver.catalog.api_routes import routes as api_routes
from mediaserver.catalog.art_language import art_context
from mediaserver.catalog.browse import TitleCard, may_watch_file, playable_file
from mediaserver.catalog.browse import visible as title_visible
from mediaserver.catalog.card_queries import (
    cards_by_ids,
    prepare_ranked_cards,
    profile_params,
    ranked_cards,
    shared_visible,
)
from mediaserver.catalog.heartbeats import (
    flush_heartbeats,
    heartbeats_ctx,
    register_heartbeat_listener,
)
from mediaserver.catalog.list_routes import routes as list_routes
from mediaserver.catalog.markers import apply_admin_form, markers_of, set_detected_marker
from mediaserver.catalog.player_routes import routes as player_routes
from mediaserver.catalog.plays import purge_old_plays
from mediaserver.catalog.poster_choice import register_play_listener, register_poster_chooser
from mediaserver.catalog.progress import NextEpisodeFile, next_episode_file
from mediaserver.catalog.routes import routes as page_routes
from mediaserver.catalog.row_sources import register_row_source
from mediaserver.catalog.rows import Row
from mediaserver.catalog.search_routes import routes as search_routes
from mediaserver.catalog.title_routes import routes as title_routes
from mediaserver.catalog.watch_next import register_watch_next_source
from mediaserver.catalog.watch_next import routes as watch_next_routes
from mediaserver.http.templating import add_page_context
from mediaserver.jobs import add_housekeeping

__all__ = [
    "NextEpisodeFile",
    "Row",
    "TitleCard",
    "apply_admin_form",
    "cards_by_ids",
    "flush_heartbeats",
    "markers_of",
    "may_watch_file",
    "next_episode_file",
    "playable_file",
    "prepare_ranked_cards",
    "profile_params",
    "ranked_cards",
    "set_detected_marker",
    "shared_visible",
    "register_heartbeat_listener",
    "register_play_listener",
    "register_poster_chooser",
    "register_row_source",
    "register_watch_next_source",
    "title_visible",
    "setup",
]


def setup(app: web.Application) -> None:
    """Home, title, search and My List pages, the player page, the catalog API, and old plays'
    housekeeping."""
    app.router.add_routes(
        [
            *page_routes,
            *title_routes,
            *search_routes,
            *list_routes,
            *api_routes,
            *player_routes,  # /watch (the player) and its progress, plays, preferences, markers
            *watch_next_routes,  # what the player offers when a movie ends
        ]
    )
    add_housekeeping(app, "old plays", purge_old_plays)
    add_page_context(app, art_context)  # `art_q`: artwork URLs in the profile's language
    app.cleanup_ctx.append(heartbeats_ctx)  # players' position reports, written in batches
