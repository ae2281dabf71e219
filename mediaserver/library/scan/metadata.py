"""Title and episode fields from what a scan learnt: the name guess, an NFO (which wins) and the
probe. Pure functions; None means "nothing known", and the writer never overwrites with None.
"""

from __future__ import annotations

from typing import Any

from mediaserver.library.scan.name_guess import NameGuess
from mediaserver.library.scan.naming_rules import sort_title
from mediaserver.library.scan.nfo import NfoData
from mediaserver.media.probe_result import ProbeResult

TEXT_MAX = 500
PLOT_MAX = 20_000


def _cut(value: str | None, limit: int = TEXT_MAX) -> str | None:
    return value[:limit] if value else None


def _ids(guess: NameGuess, nfo: NfoData | None) -> dict[str, str] | None:
    ids = {**guess.provider_ids, **(nfo.ids if nfo is not None else {})}
    return ids or None


def _nfo_common(nfo: NfoData | None) -> dict[str, Any]:
    if nfo is None:
        return {}
    return {
        "original_title": _cut(nfo.original_title),
        "description": _cut(nfo.plot or nfo.outline, PLOT_MAX),
        "tagline": _cut(nfo.tagline),
        "maturity_rating": nfo.maturity_rating,
        "community_rating": nfo.community_rating,
    }


def title_fields(
    guess: NameGuess, nfo: NfoData | None, probe: ProbeResult | None
) -> dict[str, Any]:
    """A movie's fields."""
    title = (nfo.title if nfo is not None and nfo.title else None) or guess.title
    fields: dict[str, Any] = {
        "title": _cut(title) or "Untitled",
        "sort_title": _cut((nfo.sort_title if nfo else None) or sort_title(title)) or "",
        "year": (nfo.year if nfo is not None else None) or guess.year,
        "provider_ids": _ids(guess, nfo),
        "runtime_seconds": _runtime(nfo, probe),
    }
    return fields | _nfo_common(nfo)


def series_fields(guess: NameGuess, nfo: NfoData | None) -> dict[str, Any]:
    """A series' fields, from the episode's guess and the series' tvshow.nfo."""
    title = (nfo.title if nfo is not None and nfo.title else None) or guess.series_title
    title = title or guess.title or "Unknown Series"
    fields: dict[str, Any] = {
        "title": _cut(title),
        "sort_title": _cut((nfo.sort_title if nfo else None) or sort_title(title)) or "",
        "year": (nfo.year if nfo is not None else None) or guess.year,
        "provider_ids": _ids(guess, nfo) if nfo is not None else None,
    }
    return fields | _nfo_common(nfo)


def episode_fields(
    guess: NameGuess, nfo: NfoData | None, probe: ProbeResult | None
) -> dict[str, Any]:
    """An episode's fields: title, description, air date, runtime."""
    air = (nfo.premiered if nfo is not None else None) or guess.air_date
    return {
        "title": _cut((nfo.title if nfo is not None else None) or guess.episode_title),
        "description": _cut(nfo.plot or nfo.outline, PLOT_MAX) if nfo is not None else None,
        "air_date": air.isoformat() if air is not None else None,
        "runtime_seconds": _runtime(nfo, probe),
    }


def _runtime(nfo: NfoData | None, probe: ProbeResult | None) -> float | None:
    if probe is not None and probe.duration_seconds:
        return probe.duration_seconds
    if nfo is not None and nfo.runtime_minutes:
        return float(nfo.runtime_minutes * 60)
    return None


def nfo_genres(nfo: NfoData) -> list[str]:
    return list(nfo.genres)


def nfo_people(nfo: NfoData) -> list[tuple[str, str, str | None]]:
    """(name, role, character) in billing order: actors, then directors, then writers."""
    actors = sorted(
        enumerate(nfo.actors), key=lambda p: (p[1].order if p[1].order is not None else 1e9, p[0])
    )
    out: list[tuple[str, str, str | None]] = [(a.name, "actor", a.role) for _, a in actors]
    out += [(name, "director", None) for name in nfo.directors]
    out += [(name, "writer", None) for name in nfo.writers]
    return out
