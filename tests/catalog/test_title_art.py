"""What a title page shows of the stored artwork and dates: the logo as the heading (text without
one), season posters in the tabs, episode air dates, and an admin's own poster for every
profile whatever its language."""

from __future__ import annotations

import io
import time
from datetime import date, timedelta

import sqlalchemy as sa
from PIL import Image

from mediaserver.db.catalog_schema import episodes, images, seasons
from mediaserver.keys import db_key, storage_key
from tests.catalog.conftest import Browse
from tests.helpers import api


async def _art(b: Browse, key: str, color: tuple[int, int, int], **row: object) -> None:
    """A stored picture of this colour and an images row for it."""
    out = io.BytesIO()
    Image.new("RGB", (40, 60), color).save(out, "PNG")
    await b.client.app[storage_key].put_bytes(key, out.getvalue())
    async with b.client.app[db_key].write() as conn:
        await conn.execute(images.insert().values(location=key, created_at=time.time(), **row))


async def _color(b: Browse, url: str) -> tuple[int, int, int]:
    resp = await b.client.get(url)
    assert resp.status == 200, url
    with Image.open(io.BytesIO(await resp.read())) as img:
        return img.convert("RGB").getpixel((5, 5))  # type: ignore[return-value]


async def test_logo_season_posters_and_air_dates(browse: Browse) -> None:
    b = browse
    show, _ = await b.cat.series("Lost", season_count=2, per_season=2)
    ahead = date.today() + timedelta(days=10)
    async with b.client.app[db_key].write() as conn:
        for (season, number), aired in {(1, 1): "2021-03-03", (1, 2): ahead.isoformat()}.items():
            await conn.execute(
                episodes.update()
                .where(episodes.c.series_id == show, episodes.c.season_number == season,
                       episodes.c.episode_number == number)
                .values(air_date=aired)
            )  # fmt: skip
        first = await conn.scalar(
            sa.select(seasons.c.id).where(seasons.c.series_id == show, seasons.c.number == 1)
        )
    page = await (await b.client.get(f"/titles/{show}")).text()
    assert "<h1>Lost</h1>" in page  # no logo: the name as text
    assert "season-poster" not in page
    assert '<span class="ep-aired">3 Mar 2021</span>' in page
    assert f'<span class="ep-aired">Airs {ahead.day} {ahead.strftime("%b %Y")}</span>' in page

    await _art(b, "images/test/lost-logo.png", (200, 0, 0), title_id=show, kind="logo",
               source="upload", is_selected=True)  # fmt: skip
    await _art(b, "images/test/lost-s1.png", (0, 0, 200), season_id=first, kind="poster",
               source="upload", is_selected=True)  # fmt: skip
    page = await (await b.client.get(f"/titles/{show}")).text()
    assert f'<h1 class="title-logo"><img src="/images/titles/{show}/logo?l=en" alt="Lost"' in page
    assert f'src="/images/seasons/{first}/poster?l=en"' in page
    assert page.count("season-poster") == 1  # season 2 has none
    assert await _color(b, f"/images/titles/{show}/logo") == (200, 0, 0)
    assert await _color(b, f"/images/seasons/{first}/poster") == (0, 0, 200)

    data = await (await b.client.get(f"/api/v1/catalog/titles/{show}")).json()
    assert data["logo"] == f"/images/titles/{show}/logo"
    assert [s["poster"] for s in data["seasons"]] == [f"/images/seasons/{first}/poster", None]
    season = await (await b.client.get(f"/api/v1/catalog/titles/{show}/seasons/1")).json()
    assert [e["air_date"] for e in season["episodes"]] == ["2021-03-03", ahead.isoformat()]


async def test_own_poster_is_shown_to_every_language(browse: Browse) -> None:
    b = browse
    movie, _ = await b.cat.movie("Amélie", year=2001)
    await _art(b, "images/test/own.png", (0, 150, 0), title_id=movie, kind="poster",
               source="upload", is_selected=True)  # fmt: skip
    await _art(b, "images/test/fr.png", (150, 0, 150), title_id=movie, kind="poster",
               source="provider", is_selected=False, language="fr")  # fmt: skip
    resp = await api(b.client, "PATCH", f"/api/v1/profiles/{b.profile_id}", {"language": "fr"},
                     csrf=b.csrf)  # fmt: skip
    assert resp.status == 200
    # The admin's upload beats the provider's French poster, for a French profile too.
    assert await _color(b, f"/images/titles/{movie}/poster") == (0, 150, 0)
    page = await (await b.client.get(f"/titles/{movie}")).text()
    assert f'src="/images/titles/{movie}/poster?l=fr"' in page
