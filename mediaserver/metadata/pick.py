"""Which provider images to download: per kind the best one for each wanted language (the
server's, then each profile's), backdrops without text first, and only stills of episodes the
library has."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mediaserver.metadata.records import ImageRef, TitleInfo

TITLE_ART = ("poster", "fanart", "logo")


@dataclass(frozen=True, slots=True)
class Chosen:
    """One image to store for the title; `selected` for the server language's choice (the
    default everyone sees unless their profile's language has its own)."""

    kind: str
    ref: ImageRef
    selected: bool


def primary(language: str | None) -> str:
    """'pt-BR' -> 'pt'; '' for none."""
    return (language or "").split("-")[0].lower()


def _rank(image: ImageRef, chain: list[str]) -> tuple[int, float, int]:
    """Wanted languages in order, then no text, then English, then the rest; a backdrop without
    text before any (text on a backdrop clashes with the title drawn over it)."""
    lang = primary(image.language)
    if lang in chain:
        order = chain.index(lang)
    elif not lang:
        order = len(chain)
    else:
        order = len(chain) + (1 if lang == "en" else 2)
    if image.kind == "fanart":
        order = 0 if not lang else order + 1
    return order, -image.score, -(image.width or 0)


def title_art(info: TitleInfo, server: str, profiles: Iterable[str]) -> list[Chosen]:
    """The server language's best poster, backdrop and logo (selected), and for each profile
    language the best for it (its language, then the server's), each image once."""
    server_lang = primary(server)
    others = [p for p in dict.fromkeys(primary(x) for x in profiles) if p and p != server_lang]
    chains = [[server_lang]] + [[p, server_lang] for p in others]
    out: list[Chosen] = []
    seen: set[str] = set()
    for kind in TITLE_ART:
        found = [i for i in info.images if i.kind == kind]
        for n, chain in enumerate(chains):
            if not found:
                break
            best = min(found, key=lambda i, c=chain: _rank(i, c))
            if best.url not in seen:
                seen.add(best.url)
                out.append(Chosen(kind, best, selected=n == 0))
    return out


# Stored as a title's art languages when its provider has images in no particular language.
ANY_LANGUAGE = "*"


def missing_languages(asked: str | None, server: str, profiles: Iterable[str]) -> set[str]:
    """The profile languages a title's artwork was not yet asked for (`asked` as stored; None,
    from before languages were recorded, means the server's language only)."""
    if asked == ANY_LANGUAGE:
        return set()
    had = set(asked.split(",")) if asked else {primary(server)}
    return {primary(p) for p in profiles if p} - had


def image_languages(server: str, profiles: Iterable[str]) -> list[str]:
    """The languages to ask a provider for images in: the profiles', the server's, English."""
    wanted = [primary(p) for p in profiles] + [primary(server), "en"]
    return [lang for lang in dict.fromkeys(wanted) if lang]


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
