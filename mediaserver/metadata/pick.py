"""Which provider images to download: per kind the best one in the wanted language (backdrops
without text first), and only stills of episodes the library has."""

from __future__ import annotations

from collections.abc import Iterable

from mediaserver.metadata.records import ImageRef, TitleInfo


def _rank(image: ImageRef, language: str) -> tuple[int, float, int]:
    lang = (image.language or "").lower()
    want = language.split("-")[0].lower()
    if image.kind == "fanart":
        order = 0 if not lang else 1 if lang == want else 2
    else:
        order = 0 if lang == want else 1 if not lang else 2 if lang == "en" else 3
    return order, -image.score, -(image.width or 0)


def best_images(info: TitleInfo, language: str) -> dict[str, ImageRef]:
    """poster, fanart and logo: the best of each kind there is."""
    chosen: dict[str, ImageRef] = {}
    for kind in ("poster", "fanart", "logo"):
        found = [i for i in info.images if i.kind == kind]
        if found:
            chosen[kind] = min(found, key=lambda i: _rank(i, language))
    return chosen


def wanted_stills(info: TitleInfo, have: Iterable[tuple[int, int]]) -> dict[tuple[int, int], str]:
    mine = set(have)
    return {
        (e.season, e.number): e.still_url
        for e in info.episodes
        if e.still_url and (e.season, e.number) in mine
    }


def wanted_photos(info: TitleInfo, max_cast: int) -> dict[str, str]:
    actors = [c for c in info.credits if c.role == "actor"][:max_cast]
    crew = [c for c in info.credits if c.role == "director"][:3]
    return {c.name: c.photo_url for c in actors + crew if c.photo_url}
