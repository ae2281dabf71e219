"""Every catalog API answer has exactly the fields its declared response model names, of the
declared types: the OpenAPI document describes what the handlers really send."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, TypeAdapter

from mediaserver.http.api import api_spec
from tests.catalog.conftest import Browse
from tests.helpers import api


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation can hold (Model, Model | None, list[Model])."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin in (list, typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]
    return []


def _check_fields(model: type[BaseModel], data: Any, where: str) -> None:
    assert isinstance(data, dict), f"{where}: {data!r} is not an object"
    assert set(data) == set(model.model_fields), (
        f"{where}: answer has {sorted(data)}, {model.__name__} declares "
        f"{sorted(model.model_fields)}"
    )
    for name, info in model.model_fields.items():
        value = data[name]
        items = value if isinstance(value, list) else [value]
        for nested in _models_in(info.annotation):
            for item in items:
                if isinstance(item, dict):
                    _check_fields(nested, item, f"{where}.{name}")


def _declared(client, method: str, path: str) -> Any:
    for route in client.app.router.routes():
        info = route.resource.get_info()
        if route.method == method and (info.get("formatter") or info.get("path")) == path:
            return api_spec(route.handler)
    raise AssertionError(f"no route {method} {path}")


async def _conforms(b: Browse, method: str, route: str, url: str, body: Any = None) -> Any:
    resp = await api(b.client, method, url, body, csrf=b.csrf)
    spec = _declared(b.client, method, route)
    assert resp.status == spec.status, (url, resp.status, await resp.text())
    if spec.response is None:
        return None
    data = await resp.json()
    TypeAdapter(spec.response).validate_python(data)
    for model in _models_in(spec.response):
        for item in data if isinstance(data, list) else [data]:
            _check_fields(model, item, f"{method} {url}")
    return data


async def test_browse_answers_match_their_models(browse: Browse) -> None:
    b = browse
    movie, movie_file = await b.cat.movie(
        "Heat", year=1995, rating="R", genres=["Crime"], cast=["Al Pacino"], poster="p/heat.jpg"
    )
    series, files = await b.cat.series("The Show", rating="PG", genres=["Crime"])
    await b.cat.progress(b.profile_id, movie_file, 120.0)
    await b.cat.progress(b.profile_id, files[(1, 1)], 1200.0, duration=1200.0, watched=True)
    await _conforms(b, "PUT", "/api/v1/my-list/{title_id}", f"/api/v1/my-list/{movie}")
    await _conforms(b, "POST", "/api/v1/my-list", "/api/v1/my-list", {"title_id": series})
    home = await _conforms(b, "GET", "/api/v1/home", "/api/v1/home")
    assert home["featured"] is not None and home["rows"]
    for title_id in (movie, series):
        details = await _conforms(
            b, "GET", "/api/v1/catalog/titles/{title_id}", f"/api/v1/catalog/titles/{title_id}"
        )
        assert details["play"] is not None
    seasons = await _conforms(
        b,
        "GET",
        "/api/v1/catalog/titles/{title_id}/seasons/{season}",
        f"/api/v1/catalog/titles/{series}/seasons/1",
    )
    assert seasons["episodes"]
    found = await _conforms(b, "GET", "/api/v1/search", "/api/v1/search?q=heat&type=movie")
    assert found["titles"]
    await _conforms(b, "GET", "/api/v1/my-list", "/api/v1/my-list")
    await _conforms(b, "GET", "/api/v1/history", "/api/v1/history")
    await _conforms(
        b, "DELETE", "/api/v1/history/{media_file_id}", f"/api/v1/history/{files[(1, 1)]}"
    )
    await _conforms(b, "DELETE", "/api/v1/my-list/{title_id}", f"/api/v1/my-list/{movie}")
    await _conforms(b, "DELETE", "/api/v1/history", "/api/v1/history")


async def test_player_answers_match_their_models(browse: Browse) -> None:
    b = browse
    _, file_id = await b.cat.movie("Heat", rating="R")
    progress = "/api/v1/progress/{media_file_id}"
    await _conforms(b, "PUT", progress, f"/api/v1/progress/{file_id}", {"position": 30})
    await _conforms(b, "GET", progress, f"/api/v1/progress/{file_id}")
    play = await _conforms(
        b,
        "POST",
        "/api/v1/plays",
        "/api/v1/plays",
        {"media_file_id": file_id, "method": "direct", "time_to_first_frame_ms": 900},
    )
    one_play = "/api/v1/plays/{play_id}"
    await _conforms(
        b, "PUT", one_play, f"/api/v1/plays/{play['id']}", {"rungs": ["720p"], "ended": True}
    )
    await _conforms(b, "GET", one_play, f"/api/v1/plays/{play['id']}")
    prefs = "/api/v1/profile/player-preferences"
    await _conforms(b, "GET", prefs, prefs)
    await _conforms(b, "PUT", prefs, prefs, {"speed": 1.5, "subtitle_language": "en"})
    marks = "/api/v1/media/{media_file_id}/markers"
    await _conforms(b, "GET", marks, f"/api/v1/media/{file_id}/markers")
    saved = await _conforms(
        b, "PUT", marks, f"/api/v1/media/{file_id}/markers", {"intro_start": 5, "intro_end": 20}
    )
    assert saved["intro"] == {"start": 5, "end": 20, "source": "admin"}
