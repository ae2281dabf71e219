"""Which poster a profile sees, and plays as they start: extension points for a higher domain
(poster A/B tests). A chooser registered here is asked once per row of cards which candidate
image each title shows this profile; play listeners hear of each play the player starts.
Without a chooser every card shows the title's selected poster."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from mediaserver.accounts import Profile
from mediaserver.catalog.browse import TitleCard

log = logging.getLogger(__name__)

# Title ids of a row -> {title id: image id} for the titles whose poster it chooses.
PosterChooser = Callable[[web.Application, Profile, list[int]], Awaitable[dict[int, int]]]
# (profile id, media file id) of a play that just started.
PlayListener = Callable[[web.Application, int, int], Awaitable[None]]

poster_chooser_key = web.AppKey("catalog_poster_chooser", list[PosterChooser])
play_listeners_key = web.AppKey("catalog_play_listeners", list[PlayListener])


def register_poster_chooser(app: web.Application, chooser: PosterChooser) -> None:
    app.setdefault(poster_chooser_key, []).append(chooser)


def register_play_listener(app: web.Application, listener: PlayListener) -> None:
    app.setdefault(play_listeners_key, []).append(listener)


async def with_posters(
    app: web.Application, profile: Profile, cards: list[TitleCard]
) -> list[TitleCard]:
    """The cards with the chosen poster candidate set where a chooser picked one."""
    choosers = app.get(poster_chooser_key, [])
    ids = [c.id for c in cards if c.has_poster]
    if not choosers or not ids:
        return cards
    chosen: dict[int, int] = {}
    for chooser in choosers:
        chosen.update(await chooser(app, profile, ids))
    return [
        dataclasses.replace(c, poster_image_id=chosen[c.id]) if c.id in chosen else c for c in cards
    ]


async def play_started(app: web.Application, profile_id: int, media_file_id: int) -> None:
    """Tell the listeners; one that fails is logged and never fails the play."""
    for listener in app.get(play_listeners_key, []):
        try:
            await listener(app, profile_id, media_file_id)
        except Exception:  # a listener's bug must not stop playback
            log.exception("play listener failed")
