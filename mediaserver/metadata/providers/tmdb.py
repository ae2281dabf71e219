"""TMDB (themoviedb.org) v3 JSON API: movies and shows, cast photos, posters, backdrops, logos."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from mediaserver.config.metadata import MetadataSettings
from mediaserver.library import map_mpaa
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
    SeasonInfo,
    TitleInfo,
    TitleKind,
)

if TYPE_CHECKING:
    from mediaserver.metadata.client import ProviderClient

SIZES = {"poster": "w500", "fanart": "w1280", "logo": "w500", "thumb": "w780", "profile": "w185"}
CREW_ROLES = {"Director": "director", "Screenplay": "writer", "Writer": "writer",
              "Producer": "producer"}  # fmt: skip
MAX_SEASONS = 60


class TmdbProvider:
    name = "tmdb"
    label = "TMDB"
    kinds: tuple[TitleKind, ...] = ("movie", "series")
    secret_params = frozenset({"api_key"})
    multilingual_images = True  # details() takes image_languages

    def __init__(self, settings: MetadataSettings) -> None:
        self.api = settings.tmdb_api_url.rstrip("/")
        self.images = settings.tmdb_image_url.rstrip("/")
        self.key = settings.tmdb_api_key.get_secret_value()

    def origins(self) -> frozenset[Origin]:
        return frozenset({Origin.of(self.api), Origin.of(self.images)})

    def _params(self, **extra: Any) -> dict[str, Any]:
        return {"api_key": self.key, **{k: v for k, v in extra.items() if v is not None}}

    def _image(self, path: object, kind: str) -> str | None:
        if not isinstance(path, str) or not path.startswith("/") or ".." in path:
            return None
        return f"{self.images}/{SIZES[kind]}{path}"

    async def lookup(
        self, client: ProviderClient, ids: dict[str, str], kind: TitleKind
    ) -> str | None:
        if ids.get("tmdb", "").isdigit():
            return ids["tmdb"]
        for source, key in (("imdb_id", "imdb"), ("tvdb_id", "tvdb")):
            value = ids.get(key)
            if not value:
                continue
            found = obj(
                await client.get_json(
                    f"{self.api}/find/{value}", self._params(external_source=source)
                )
            )
            results = items(found.get("movie_results" if kind == "movie" else "tv_results"))
            if results and isinstance(results[0].get("id"), int):
                return str(results[0]["id"])
        return None

    async def search(
        self, client: ProviderClient, query: str, year: int | None, kind: TitleKind
    ) -> list[SearchResult]:
        path = "movie" if kind == "movie" else "tv"
        year_param = {"year": year} if kind == "movie" else {"first_air_date_year": year}
        data = obj(
            await client.get_json(
                f"{self.api}/search/{path}", self._params(query=query, **year_param)
            )
        )
        results = []
        for r in items(data.get("results"))[:20]:
            name = text(r.get("title") or r.get("name"))
            if name is None or not isinstance(r.get("id"), int):
                continue
            results.append(
                SearchResult(
                    provider=self.name,
                    provider_id=str(r["id"]),
                    kind=kind,
                    title=name,
                    year=year_of(r.get("release_date") or r.get("first_air_date")),
                    original_title=text(r.get("original_title") or r.get("original_name")),
                    overview=plain_text(r.get("overview"), 600) or "",
                    popularity=number(r.get("popularity")) or 0.0,
                )
            )
        return results

    async def details(
        self,
        client: ProviderClient,
        provider_id: str,
        kind: TitleKind,
        language: str,
        image_languages: tuple[str, ...] = (),
    ) -> TitleInfo | None:
        """Details in `language`; posters, backdrops and logos in each of `image_languages`
        (default: `language` and English) and without text."""
        if not provider_id.isdigit():
            return None
        wanted = image_languages or (language.split("-")[0], "en")
        langs = ",".join([*dict.fromkeys(wanted), "null"])
        if kind == "movie":
            append = "credits,images,release_dates,keywords"
            url = f"{self.api}/movie/{provider_id}"
        else:
            append = "credits,images,content_ratings,external_ids"
            url = f"{self.api}/tv/{provider_id}"
        params = self._params(
            append_to_response=append, language=language, include_image_language=langs
        )
        data = await client.get_json(url, params)
        if not isinstance(data, dict) or not (data.get("title") or data.get("name")):
            return None
        info = self._common(data, kind, provider_id)
        if kind == "series":
            seasons = [s for s in items(data.get("seasons")) if isinstance(
                s.get("season_number"), int)][:MAX_SEASONS]  # fmt: skip
            answers = await asyncio.gather(
                *(
                    client.get_json(
                        f"{url}/season/{s['season_number']}", self._params(language=language)
                    )
                    for s in seasons
                )
            )
            info = _with_seasons(info, [obj(a) for a in answers], self)
        return info

    def _common(self, data: dict, kind: TitleKind, provider_id: str) -> TitleInfo:
        credits = obj(data.get("credits"))
        people = [
            Credit(name, "actor", text(c.get("character"), 200),
                   self._image(c.get("profile_path"), "profile"))
            for c in sorted(items(credits.get("cast")), key=lambda c: number(c.get("order")) or 0)
            if (name := text(c.get("name"), 200))
        ]  # fmt: skip
        for c in items(credits.get("crew")):
            role = CREW_ROLES.get(str(c.get("job")))
            name = text(c.get("name"), 200)
            if role and name:
                people.append(
                    Credit(name, role, None, self._image(c.get("profile_path"), "profile"))
                )  # type: ignore[arg-type]
        pics = obj(data.get("images"))
        images = [
            ImageRef(kind, url, text(i.get("iso_639_1"), 12), _int(i.get("width")),
                     _int(i.get("height")), number(i.get("vote_average")) or 0.0)
            for key, kind in (("posters", "poster"), ("backdrops", "fanart"), ("logos", "logo"))
            for i in items(pics.get(key))
            if (url := self._image(i.get("file_path"), kind))
        ]  # fmt: skip
        for key, art in (("poster_path", "poster"), ("backdrop_path", "fanart")):
            url = self._image(data.get(key), art)
            if url and not any(i.url == url for i in images):
                images.append(ImageRef(art, url, None, score=-1.0))  # type: ignore[arg-type]
        collection = obj(data.get("belongs_to_collection"))
        ids = {"tmdb": provider_id}
        external = obj(data.get("external_ids"))
        imdb = text(data.get("imdb_id")) or text(external.get("imdb_id"))
        if imdb:
            ids["imdb"] = imdb
        if isinstance(external.get("tvdb_id"), int):
            ids["tvdb"] = str(external["tvdb_id"])
        runtime = number(data.get("runtime"))
        if runtime is None:
            runs = [number(r) for r in data.get("episode_run_time") or [] if number(r)]
            runtime = runs[0] if runs else None
        studios = [text(s.get("name"), 200) for s in items(data.get("production_companies"))]
        if kind == "series":
            studios = [text(s.get("name"), 200) for s in items(data.get("networks"))] + studios
        return TitleInfo(
            provider=self.name,
            provider_id=provider_id,
            kind=kind,
            title=text(data.get("title") or data.get("name")) or "",
            original_title=text(data.get("original_title") or data.get("original_name")),
            year=year_of(data.get("release_date") or data.get("first_air_date")),
            overview=plain_text(data.get("overview")),
            tagline=text(data.get("tagline")),
            genres=tuple(n for g in items(data.get("genres")) if (n := text(g.get("name"), 80))),
            credits=tuple(people),
            studios=tuple(dict.fromkeys(s for s in studios if s)),
            maturity_rating=_rating(data, kind),
            community_rating=number(data.get("vote_average")) or None,
            runtime_seconds=runtime * 60 if runtime else None,
            collection=(str(collection["id"]), text(collection.get("name")) or "")
            if isinstance(collection.get("id"), int)
            else None,
            images=tuple(images),
            ids=ids,
            airing=kind == "series" and bool(data.get("in_production")),
        )


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _rating(data: dict, kind: TitleKind) -> str | None:
    """The US certification mapped onto our scale (first other country as a fallback)."""
    if kind == "movie":
        countries = items(obj(data.get("release_dates")).get("results"))
        found = [
            (c.get("iso_3166_1"), d.get("certification"))
            for c in countries
            for d in items(c.get("release_dates"))
            if isinstance(d.get("certification"), str) and d["certification"]
        ]
    else:
        countries = items(obj(data.get("content_ratings")).get("results"))
        found = [(c.get("iso_3166_1"), c.get("rating")) for c in countries]
    for country, value in sorted(found, key=lambda f: f[0] != "US"):
        if country == "US" and isinstance(value, str):
            mapped = map_mpaa(value)
            if mapped:
                return mapped
    return None


def _with_seasons(info: TitleInfo, answers: list[dict], tmdb: TmdbProvider) -> TitleInfo:
    seasons: list[SeasonInfo] = []
    episodes: list[EpisodeInfo] = []
    for s in answers:
        number_ = s.get("season_number")
        if not isinstance(number_, int):
            continue
        seasons.append(
            SeasonInfo(number_, text(s.get("name")), plain_text(s.get("overview")),
                       tmdb._image(s.get("poster_path"), "poster"))
        )  # fmt: skip
        for e in items(s.get("episodes")):
            if not isinstance(e.get("episode_number"), int):
                continue
            runtime = number(e.get("runtime"))
            episodes.append(
                EpisodeInfo(
                    season=number_,
                    number=e["episode_number"],
                    title=text(e.get("name")),
                    overview=plain_text(e.get("overview")),
                    air_date=date_of(e.get("air_date")),
                    runtime_seconds=runtime * 60 if runtime else None,
                    still_url=tmdb._image(e.get("still_path"), "thumb"),
                )
            )
    return replace(info, seasons=tuple(seasons), episodes=tuple(episodes))
