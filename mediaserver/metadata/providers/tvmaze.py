"""TVmaze (api.tvmaze.com): shows without a key: names, overviews, air dates, cast, images."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mediaserver.config.metadata import MetadataSettings
from mediaserver.metadata.fetch import Origin
from mediaserver.metadata.providers.base import (
    date_of,
    items,
    number,
    obj,
    plain_text,
    text,
    year_of,
)
from mediaserver.metadata.records import (
    Credit,
    EpisodeInfo,
    ImageRef,
    SearchResult,
    TitleInfo,
    TitleKind,
)

if TYPE_CHECKING:
    from mediaserver.metadata.client import ProviderClient

IMAGE_HOSTS = ("static.tvmaze.com",)
IMAGE_KINDS = {"poster": "poster", "background": "fanart"}


class TvmazeProvider:
    name = "tvmaze"
    label = "TVmaze"
    kinds: tuple[TitleKind, ...] = ("series",)
    secret_params: frozenset[str] = frozenset()

    def __init__(self, settings: MetadataSettings) -> None:
        self.api = settings.tvmaze_api_url.rstrip("/")
        self._origins = {Origin.of(self.api)}
        if Origin.of(self.api).scheme == "https":
            self._origins |= {Origin("https", h, 443) for h in IMAGE_HOSTS}

    def origins(self) -> frozenset[Origin]:
        return frozenset(self._origins)

    def _image(self, value: object) -> str | None:
        """The original-size image URL, only on TVmaze's own hosts (or the fake's)."""
        url = obj(value).get("original") or obj(value).get("medium")
        if not isinstance(url, str):
            return None
        try:
            return url if Origin.of(url) in self._origins else None
        except ValueError:
            return None

    async def lookup(
        self, client: ProviderClient, ids: dict[str, str], kind: TitleKind
    ) -> str | None:
        if kind != "series":
            return None
        if ids.get("tvmaze", "").isdigit():
            return ids["tvmaze"]
        for key, param in (("imdb", "imdb"), ("tvdb", "thetvdb")):
            if ids.get(key):
                show = obj(await client.get_json(f"{self.api}/lookup/shows", {param: ids[key]}))
                if isinstance(show.get("id"), int):
                    return str(show["id"])
        return None

    async def search(
        self, client: ProviderClient, query: str, year: int | None, kind: TitleKind
    ) -> list[SearchResult]:
        if kind != "series":
            return []
        answer = await client.get_json(f"{self.api}/search/shows", {"q": query})
        results = []
        for hit in items(answer)[:20]:
            show = obj(hit.get("show"))
            name = text(show.get("name"))
            if name is None or not isinstance(show.get("id"), int):
                continue
            results.append(
                SearchResult(
                    provider=self.name,
                    provider_id=str(show["id"]),
                    kind="series",
                    title=name,
                    year=year_of(show.get("premiered")),
                    overview=plain_text(show.get("summary"), 600) or "",
                    popularity=number(hit.get("score")) or 0.0,
                )
            )
        return results

    async def details(
        self, client: ProviderClient, provider_id: str, kind: TitleKind, language: str
    ) -> TitleInfo | None:
        if kind != "series" or not provider_id.isdigit():
            return None
        show = await client.get_json(
            f"{self.api}/shows/{provider_id}", {"embed[]": ["episodes", "cast"]}
        )
        if not isinstance(show, dict) or not text(show.get("name")):
            return None
        embedded = obj(show.get("_embedded"))
        pictures = await client.get_json(f"{self.api}/shows/{provider_id}/images")
        images = []
        for p in items(pictures):
            kind_ = IMAGE_KINDS.get(str(p.get("type")))
            original = obj(obj(p.get("resolutions")).get("original"))
            url = self._image({"original": original.get("url")})
            if kind_ and url:
                w, h = original.get("width"), original.get("height")
                size = (w if isinstance(w, int) else None, h if isinstance(h, int) else None)
                score = 1.0 if p.get("main") else 0.0
                images.append(ImageRef(kind_, url, None, *size, score))  # type: ignore[arg-type]
        poster = self._image(show.get("image"))
        if poster and not any(i.kind == "poster" for i in images):
            images.append(ImageRef("poster", poster))
        credits = tuple(
            Credit(name, "actor", text(obj(c.get("character")).get("name"), 200),
                   self._image(obj(c.get("person")).get("image")))
            for c in items(embedded.get("cast"))
            if (name := text(obj(c.get("person")).get("name"), 200))
        )  # fmt: skip
        externals = obj(show.get("externals"))
        ids = {"tvmaze": provider_id}
        if text(externals.get("imdb")):
            ids["imdb"] = str(externals["imdb"])
        if isinstance(externals.get("thetvdb"), int):
            ids["tvdb"] = str(externals["thetvdb"])
        network = obj(show.get("network")) or obj(show.get("webChannel"))
        runtime = number(show.get("runtime")) or number(show.get("averageRuntime"))
        return TitleInfo(
            provider=self.name,
            provider_id=provider_id,
            kind="series",
            title=text(show.get("name")) or "",
            year=year_of(show.get("premiered")),
            overview=plain_text(show.get("summary")),
            genres=tuple(g for x in show.get("genres") or [] if (g := text(x, 80))),
            credits=credits,
            studios=tuple(s for s in [text(network.get("name"), 200)] if s),
            community_rating=number(obj(show.get("rating")).get("average")),
            runtime_seconds=runtime * 60 if runtime else None,
            images=tuple(images),
            ids=ids,
            airing=show.get("status") in ("Running", "In Development", "To Be Determined"),
            episodes=tuple(
                EpisodeInfo(
                    season=e["season"],
                    number=e["number"],
                    title=text(e.get("name")),
                    overview=plain_text(e.get("summary")),
                    air_date=date_of(e.get("airdate")),
                    runtime_seconds=(number(e.get("runtime")) or 0) * 60 or None,
                    still_url=self._image(e.get("image")),
                )
                for e in items(embedded.get("episodes"))
                if isinstance(e.get("season"), int) and isinstance(e.get("number"), int)
            ),
        )
