"""Local fakes of the TMDB v3 and TVmaze APIs on loopback, answering in their documented request
and response shapes (search, find, details with append_to_response and images only in the
languages include_image_language names, seasons; search, lookup with its redirect, shows with
embedded episodes and cast, images), with knobs for delays, 429s with Retry-After, malformed
answers and hostile images. Pictures are flat colours (`color_of` their name); logos and posters
in a language carry their name or language drawn on them, for screenshots."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.metadata.fake_images import bomb_png, color_of, labelled, language_of, logo, png

__all__ = ["API_KEY", "FakeProviders", "bomb_png", "png"]

API_KEY = "test-key"
ADA = {"medium": "/img/ada.png", "original": "/img/ada.png"}


def by_image_language(item: dict[str, Any], wanted: str | None) -> dict[str, Any]:
    """TMDB's include_image_language: only images in the languages named ("null": no text)."""
    if wanted is None or "images" not in item:
        return item
    langs = {None if w == "null" else w for w in wanted.split(",")}
    pics = {k: [i for i in v if i.get("iso_639_1") in langs] for k, v in item["images"].items()}
    return {**item, "images": pics}


def _movie(mid: int, title: str, year: int, **extra: Any) -> dict[str, Any]:
    slug = title.lower().replace(" ", "-")
    return {
        "id": mid, "title": title, "original_title": title, "release_date": f"{year}-03-30",
        "overview": f"{title}: the overview.", "tagline": f"{title}: the tagline.",
        "runtime": 136, "vote_average": 8.2, "popularity": 50.0, "imdb_id": None,
        "genres": [{"id": 28, "name": "Action"}], "production_companies": [],
        "belongs_to_collection": None,
        "poster_path": f"/{slug}-poster.png", "backdrop_path": f"/{slug}-backdrop.png",
        "credits": {"cast": [], "crew": []},
        "images": {"posters": [], "backdrops": [], "logos": []},
        "release_dates": {"results": []}, "keywords": {"keywords": []},
        **extra,
    }  # fmt: skip


def default_movies() -> dict[int, dict[str, Any]]:
    matrix = _movie(
        603, "The Matrix", 1999, imdb_id="tt0133093",
        genres=[{"id": 28, "name": "Action"}, {"id": 878, "name": "Science Fiction"}],
        production_companies=[{"id": 79, "name": "Village Roadshow Pictures"},
                              {"id": 174, "name": "Warner Bros. Pictures"}],
        belongs_to_collection={"id": 2344, "name": "The Matrix Collection",
                               "poster_path": None, "backdrop_path": None},
        credits={
            "cast": [
                {"id": 6384, "name": "Keanu Reeves", "character": "Neo", "order": 0,
                 "profile_path": "/keanu.png"},
                {"id": 2975, "name": "Laurence Fishburne", "character": "Morpheus", "order": 1,
                 "profile_path": "/laurence.png"},
                {"id": 530, "name": "Carrie-Anne Moss", "character": "Trinity", "order": 2,
                 "profile_path": None},
            ],
            "crew": [{"id": 9340, "name": "Lana Wachowski", "job": "Director",
                      "department": "Directing", "profile_path": None}],
        },
        images={
            "posters": [
                {"file_path": "/matrix-poster-de.png", "iso_639_1": "de", "width": 200,
                 "height": 300, "vote_average": 9.0},
                {"file_path": "/matrix-poster-en.png", "iso_639_1": "en", "width": 200,
                 "height": 300, "vote_average": 5.0},
                {"file_path": "/matrix-poster-fr.png", "iso_639_1": "fr", "width": 200,
                 "height": 300, "vote_average": 4.0},
            ],
            "backdrops": [{"file_path": "/matrix-backdrop.png", "iso_639_1": None,
                           "width": 160, "height": 90, "vote_average": 5.0}],
            "logos": [{"file_path": "/the-matrix-logo.png", "iso_639_1": "en", "width": 480,
                       "height": 120, "vote_average": 5.0},
                      {"file_path": "/la-matrice-logo-fr.png", "iso_639_1": "fr", "width": 480,
                       "height": 120, "vote_average": 5.0}],
        },
        release_dates={"results": [
            {"iso_3166_1": "DE", "release_dates": [{"certification": "16", "type": 3}]},
            {"iso_3166_1": "US", "release_dates": [{"certification": "R", "type": 3}]},
        ]},
    )  # fmt: skip
    return {
        603: matrix,
        593: _movie(593, "Solaris", 1972, popularity=30.0),
        2103: _movie(2103, "Solaris", 2002, popularity=20.0,
                     tagline="How far will you go to be with the one you love?"),
        949: _movie(949, "Heat", 1995),
    }  # fmt: skip


def default_tv() -> dict[int, dict[str, Any]]:
    return {
        5001: {
            "id": 5001, "name": "The Lighthouse Keepers", "original_name": "The Lighthouse Keepers",
            "first_air_date": "2019-10-01", "overview": "Keepers of a light on a rock.",
            "tagline": "", "episode_run_time": [42], "in_production": True,
            "genres": [{"id": 18, "name": "Drama"}], "networks": [{"id": 1, "name": "North TV"}],
            "production_companies": [], "vote_average": 7.5, "popularity": 10.0,
            "poster_path": "/keepers-poster.png", "backdrop_path": "/keepers-backdrop.png",
            "credits": {"cast": [{"id": 1, "name": "Ada Stone", "character": "Keeper",
                                  "order": 0, "profile_path": "/ada.png"}], "crew": []},
            "images": {"posters": [], "backdrops": [], "logos": [
                {"file_path": "/lighthouse-keepers-logo.png", "iso_639_1": "en", "width": 480,
                 "height": 120, "vote_average": 5.0}]},
            "content_ratings": {"results": [{"iso_3166_1": "US", "rating": "TV-14"}]},
            "external_ids": {"imdb_id": "tt7000001", "tvdb_id": 360001},
            "seasons": [{"season_number": 1, "name": "Season One", "overview": "",
                         "poster_path": "/keepers-s1.png"}],
            "_episodes": {1: [
                {"episode_number": 1, "season_number": 1, "name": "Arrival",
                 "overview": "A new keeper arrives.", "air_date": "2019-10-01", "runtime": 42,
                 "still_path": "/keepers-101.png"},
                {"episode_number": 2, "season_number": 1, "name": "The Storm",
                 "overview": "The light must not go out.", "air_date": "2019-10-08",
                 "runtime": 44, "still_path": "/keepers-102.png"},
            ]},
        }
    }  # fmt: skip


def default_maze() -> dict[int, dict[str, Any]]:
    return {
        82: {
            "id": 82, "name": "The Lighthouse Keepers", "type": "Scripted", "language": "English",
            "genres": ["Drama"], "status": "Running", "runtime": 42, "premiered": "2019-10-01",
            "rating": {"average": 7.4}, "network": {"id": 1, "name": "North TV"},
            "webChannel": None, "externals": {"tvrage": None, "thetvdb": 360001,
                                              "imdb": "tt7000001"},
            "image": {"medium": "/img/keepers-poster.png", "original": "/img/keepers-poster.png"},
            "summary": "<p>Keepers of a <b>light</b> on a rock.</p>",
            "_embedded": {
                "episodes": [
                    {"id": 1, "name": "Arrival", "season": 1, "number": 1,
                     "airdate": "2019-10-01", "runtime": 42, "summary": "<p>A new keeper.</p>",
                     "image": {"medium": "/img/ep1.png", "original": "/img/ep1.png"}},
                    {"id": 2, "name": "The Storm", "season": 1, "number": 2,
                     "airdate": "2019-10-08", "runtime": 44, "summary": "<p>The storm.</p>",
                     "image": None},
                ],
                "cast": [{"person": {"id": 1, "name": "Ada Stone", "image": ADA},
                          "character": {"id": 1, "name": "Keeper"}}],
            },
        }
    }  # fmt: skip


@dataclass
class FakeProviders:
    """Both fakes in one aiohttp app; `base` is set once it is listening."""

    movies: dict[int, dict[str, Any]] = field(default_factory=default_movies)
    tv: dict[int, dict[str, Any]] = field(default_factory=default_tv)
    maze: dict[int, dict[str, Any]] = field(default_factory=default_maze)
    delay: float = 0.0
    rate_limited: int = 0  # answer this many next API requests with 429
    retry_after: str = "1"
    malformed: bool = False
    images: dict[str, tuple[int, bytes, dict[str, str]]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    base: str = ""

    def settings(self, *, tmdb: bool = True, tvmaze: bool = True) -> dict[str, Any]:
        # The loopback switch first: each assignment is validated on its own.
        return {
            "allow_loopback_for_tests": True,
            "tmdb_enabled": tmdb, "tmdb_api_key": API_KEY, "tvmaze_enabled": tvmaze,
            "tmdb_api_url": f"{self.base}/3", "tmdb_image_url": f"{self.base}/t/p",
            "tvmaze_api_url": f"{self.base}/tvmaze", "request_timeout_seconds": 5,
        }  # fmt: skip

    # -- plumbing ---------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        r = app.router
        r.add_get("/3/search/movie", self.tmdb_search_movie)
        r.add_get("/3/search/tv", self.tmdb_search_tv)
        r.add_get("/3/find/{external}", self.tmdb_find)
        r.add_get("/3/movie/{id}", self.tmdb_movie)
        r.add_get("/3/tv/{id}", self.tmdb_tv)
        r.add_get("/3/tv/{id}/season/{n}", self.tmdb_season)
        r.add_get("/t/p/{size}/{name}", self.image)
        r.add_get("/tvmaze/search/shows", self.maze_search)
        r.add_get("/tvmaze/singlesearch/shows", self.maze_single)
        r.add_get("/tvmaze/lookup/shows", self.maze_lookup)
        r.add_get("/tvmaze/shows/{id}", self.maze_show)
        r.add_get("/tvmaze/shows/{id}/images", self.maze_images)
        r.add_get("/tvmaze/img/{name}", self.image)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler):
        self.requests.append(request.path_qs)
        if self.delay:
            await asyncio.sleep(self.delay)
        is_image = "/t/p/" in request.path or "/img/" in request.path
        if not is_image and self.rate_limited > 0:
            self.rate_limited -= 1
            return web.json_response(
                {"status_code": 25, "status_message": "Your request count is over the limit."},
                status=429, headers={"Retry-After": self.retry_after},
            )  # fmt: skip
        if request.path.startswith("/3/") and request.query.get("api_key") != API_KEY:
            return web.json_response(
                {"status_code": 7, "status_message": "Invalid API key: You must be granted a "
                 "valid key.", "success": False}, status=401,
            )  # fmt: skip
        if self.malformed and not is_image:
            return web.Response(text='{"page": 1, "results": [', content_type="application/json")
        return await handler(request)

    def _img(self, path: object) -> str | None:
        return f"{self.base}/tvmaze{path}" if isinstance(path, str) else None

    # -- TMDB -------------------------------------------------------------------------------

    @staticmethod
    def _hits(query: str, names: list[tuple[dict, str]]) -> list[dict]:
        words = query.casefold().split()
        return [item for item, name in names if all(w in name.casefold() for w in words)]

    async def tmdb_search_movie(self, request: web.Request) -> web.Response:
        year = request.query.get("year")
        hits = self._hits(
            request.query.get("query", ""), [(m, m["title"]) for m in self.movies.values()]
        )
        if year:
            hits = [m for m in hits if m["release_date"].startswith(year)]
        hits.sort(key=lambda m: -m["popularity"])
        keys = ("id", "title", "original_title", "release_date", "overview", "popularity",
                "poster_path", "backdrop_path")  # fmt: skip
        results = [{k: m[k] for k in keys} for m in hits]
        return web.json_response({"page": 1, "results": results, "total_pages": 1,
                                  "total_results": len(results)})  # fmt: skip

    async def tmdb_search_tv(self, request: web.Request) -> web.Response:
        year = request.query.get("first_air_date_year")
        hits = self._hits(
            request.query.get("query", ""), [(t, t["name"]) for t in self.tv.values()]
        )
        if year:
            hits = [t for t in hits if t["first_air_date"].startswith(year)]
        keys = ("id", "name", "original_name", "first_air_date", "overview", "popularity")
        results = [{k: t[k] for k in keys} for t in hits]
        return web.json_response({"page": 1, "results": results, "total_pages": 1,
                                  "total_results": len(results)})  # fmt: skip

    async def tmdb_find(self, request: web.Request) -> web.Response:
        value, source = request.match_info["external"], request.query.get("external_source")
        movies = [
            {"id": m["id"], "title": m["title"]}
            for m in self.movies.values()
            if source == "imdb_id" and m.get("imdb_id") == value
        ]
        tv = [{"id": t["id"], "name": t["name"]} for t in self.tv.values()
              if (source == "imdb_id" and t["external_ids"]["imdb_id"] == value)
              or (source == "tvdb_id" and str(t["external_ids"]["tvdb_id"]) == value)]  # fmt: skip
        return web.json_response({"movie_results": movies, "tv_results": tv, "person_results": []})

    def _not_found(self) -> web.Response:
        return web.json_response(
            {"status_code": 34, "status_message": "The resource you requested could not be "
             "found.", "success": False}, status=404,
        )  # fmt: skip

    async def tmdb_movie(self, request: web.Request) -> web.Response:
        movie = self.movies.get(int(request.match_info["id"]))
        if movie is None:
            return self._not_found()
        return web.json_response(
            by_image_language(movie, request.query.get("include_image_language"))
        )

    async def tmdb_tv(self, request: web.Request) -> web.Response:
        show = self.tv.get(int(request.match_info["id"]))
        if show is None:
            return self._not_found()
        show = by_image_language(show, request.query.get("include_image_language"))
        return web.json_response({k: v for k, v in show.items() if not k.startswith("_")})

    async def tmdb_season(self, request: web.Request) -> web.Response:
        show = self.tv.get(int(request.match_info["id"]))
        n = int(request.match_info["n"])
        if show is None or n not in show["_episodes"]:
            return self._not_found()
        season = next(s for s in show["seasons"] if s["season_number"] == n)
        return web.json_response({**season, "episodes": show["_episodes"][n]})

    async def image(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name in self.images:
            status, body, headers = self.images[name]
            return web.Response(status=status, body=body, headers=headers)
        color = color_of(name)
        if "logo" in name:
            label = name.split("-logo")[0].replace("-", " ").title()
            body = logo(96, color, label)
        elif "poster" in name and language_of(name):
            body = labelled(200, 300, color, str(language_of(name)).upper())
        else:
            size = (
                (160, 90)
                if "backdrop" in name or name.startswith(("keepers-1", "ep"))
                else (60, 90)
            )
            body = png(*size, color)
        return web.Response(body=body, content_type="image/png")

    # -- TVmaze -----------------------------------------------------------------------------

    def _show(self, show: dict, embed: list[str]) -> dict:
        out = {k: v for k, v in show.items() if k != "_embedded"}
        out["image"] = {k: self._img(v) for k, v in (show.get("image") or {}).items()}
        if embed:
            emb = show["_embedded"]
            out["_embedded"] = {}
            if "episodes" in embed:
                out["_embedded"]["episodes"] = [
                    {**e, "image": {k: self._img(v) for k, v in e["image"].items()}
                     if e.get("image") else None} for e in emb["episodes"]
                ]  # fmt: skip
            if "cast" in embed:
                out["_embedded"]["cast"] = [
                    {**c, "person": {**c["person"], "image": {
                        k: self._img(v) for k, v in c["person"]["image"].items()}}}
                    for c in emb["cast"]
                ]  # fmt: skip
        return out

    async def maze_search(self, request: web.Request) -> web.Response:
        hits = self._hits(request.query.get("q", ""), [(s, s["name"]) for s in self.maze.values()])
        return web.json_response([{"score": 0.9, "show": self._show(s, [])} for s in hits])

    async def maze_single(self, request: web.Request) -> web.Response:
        hits = self._hits(request.query.get("q", ""), [(s, s["name"]) for s in self.maze.values()])
        return web.json_response(self._show(hits[0], [])) if hits else web.json_response(
            {"name": "Not Found", "status": 404}, status=404)  # fmt: skip

    async def maze_lookup(self, request: web.Request) -> web.Response:
        for show in self.maze.values():
            ext = show["externals"]
            if request.query.get("imdb") == ext["imdb"] or request.query.get("thetvdb") == str(
                ext["thetvdb"]
            ):
                raise web.HTTPFound(f"/tvmaze/shows/{show['id']}")
        return web.json_response({"name": "Not Found", "status": 404}, status=404)

    async def maze_show(self, request: web.Request) -> web.Response:
        show = self.maze.get(int(request.match_info["id"]))
        if show is None:
            return web.json_response({"name": "Not Found", "status": 404}, status=404)
        return web.json_response(self._show(show, request.query.getall("embed[]", [])))

    async def maze_images(self, request: web.Request) -> web.Response:
        show = self.maze.get(int(request.match_info["id"]))
        if show is None:
            return web.json_response({"name": "Not Found", "status": 404}, status=404)
        url = self._img("/img/keepers-backdrop.png")
        return web.json_response([
            {"id": 1, "type": "background", "main": True,
             "resolutions": {"original": {"url": url, "width": 160, "height": 90}}},
        ])  # fmt: skip
