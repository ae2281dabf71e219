"""What the player page starts with: the heading above the video, and the player's config
(where to start, the profile's settings, skip markers, the next episode, where Back goes)."""

from __future__ import annotations

from dataclasses import dataclass

from mediaserver.catalog import markers, preferences, progress
from mediaserver.catalog.progress import FileHeading
from mediaserver.db.engine import Database


@dataclass(frozen=True, slots=True)
class PlayerPage:
    heading: FileHeading
    config: dict[str, object]  # JSON the page hands to the player script


async def player_page(
    db: Database, profile_id: int, media_file_id: int, start: float | None
) -> PlayerPage | None:
    """The page for this file; None for an unknown file. `start` None: the saved position."""
    heading = await progress.file_heading(db, media_file_id)
    if heading is None:
        return None
    if start is None:
        saved = await progress.get_progress(db, profile_id, media_file_id)
        start = saved.resume_seconds if saved else 0.0
    next_file = await progress.next_episode_file(db, media_file_id)
    config: dict[str, object] = {
        "media_file_id": media_file_id,
        "start": start,
        "preferences": (await preferences.get_preferences(db, profile_id)).as_json(),
        "markers": (await markers.get_markers(db, media_file_id)).as_json(),
        "next_episode": next_file.as_json() if next_file else None,
        "back": f"/titles/{heading.title_id}" if heading.title_id else "/",
    }
    return PlayerPage(heading, config)
