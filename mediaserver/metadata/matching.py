"""Finding a title at a provider: by ids (NFO, folder names such as `{tmdb-603}`) first, then by
name and year, each candidate given a confidence between 0 and 1."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from mediaserver.metadata.records import SearchResult, TitleKind
from mediaserver.metadata.registry import Active

Method = Literal["id", "search", "admin"]


@dataclass(frozen=True, slots=True)
class Match:
    provider: str
    provider_id: str
    method: Method
    confidence: float
    title: str | None = None
    year: int | None = None


def normalise(title: str) -> str:
    """Lower case, no accents, no punctuation, "&" as "and", no leading article."""
    text = unicodedata.normalize("NFKD", title)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " and ")
    text = re.sub(r"[^\w\s]", " ", text)
    text = re.sub(r"^(the|a|an)\s+", "", " ".join(text.split()))
    return text


def confidence(title: str, year: int | None, candidate: SearchResult) -> float:
    """How sure we are that `candidate` is the title named `title` (from `year`)."""
    wanted = normalise(title)
    names = [candidate.title] + ([candidate.original_title] if candidate.original_title else [])
    similarity = max(difflib.SequenceMatcher(None, wanted, normalise(n)).ratio() for n in names)
    if year is None or candidate.year is None:
        factor = 0.9
    elif year == candidate.year:
        factor = 1.0
    elif abs(year - candidate.year) == 1:
        factor = 0.9
    else:
        factor = 0.55
    return round(similarity * factor, 3)


def best(
    title: str, year: int | None, results: list[SearchResult]
) -> tuple[SearchResult, float] | None:
    """The most likely candidate; the provider's order breaks ties."""
    scored = [(r, confidence(title, year, r)) for r in results]
    if not scored:
        return None
    return max(scored, key=lambda rs: (rs[1], -scored.index(rs)))


async def find(
    providers: list[Active], title: str, year: int | None, kind: TitleKind, ids: dict[str, str]
) -> Match | None:
    """The first provider that knows the ids; else the most confident name match of them all."""
    for a in providers:
        found = await a.provider.lookup(a.client, ids, kind)
        if found:
            return Match(a.provider.name, found, "id", 1.0)
    best_match: Match | None = None
    for a in providers:
        results = await a.provider.search(a.client, title, year, kind)
        if not results and year is not None:
            results = await a.provider.search(a.client, title, None, kind)
        top = best(title, year, results)
        if top is None:
            continue
        result, score = top
        if best_match is None or score > best_match.confidence:
            best_match = Match(result.provider, result.provider_id, "search", score,
                               result.title, result.year)  # fmt: skip
        if score >= 0.95:
            break
    return best_match
