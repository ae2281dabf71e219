"""Artwork in the profile's language, in the browser: a profile set to French in the profile form
sees the French poster and logo where an English one sees the English ones; a show's page has
its logo as the heading, season posters in the season tabs and each episode's air date."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.test_browse import add_library
from tests.browser.test_first_run import shot
from tests.browser.test_library import sign_up
from tests.browser.test_metadata import fake_providers  # noqa: F401 (a fixture)
from tests.media_factory import make_video
from tests.metadata.fake_images import color_of

EPISODES = ("Keepers S01E01.mkv", "Keepers S01E02.mkv", "Keepers S01E03.mkv")
# The poster's colour above the band its language is written in, as the page shows it.
PIXEL = """img => { const c = document.createElement('canvas'); c.width = img.naturalWidth;
  c.height = img.naturalHeight; const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  return Array.from(g.getImageData(c.width / 2, c.height / 4, 1, 1).data.slice(0, 3)); }"""


def _library(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    clip = make_video(tmp_path / "clip.mkv", seconds=0.5, width=64, height=48,
                      audio_tracks=(), subtitle_tracks=())  # fmt: skip
    paths = ["Matrix 1999 {tmdb-603}/matrix.mkv"]
    paths += [f"The Lighthouse Keepers (2019)/Season 01/{name}" for name in EPISODES]
    for rel in paths:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(clip.read_bytes())
    return root


def _wait_for_metadata(page, base: str) -> dict[str, int]:
    for _ in range(240):
        jobs = page.request.get(base + "/api/v1/jobs").json()["jobs"]
        found = {
            t["title"]: t["id"] for t in page.request.get(base + "/api/v1/titles").json()["titles"]
        }
        done = jobs and all(j["status"] not in ("queued", "running") for j in jobs)
        if done and {"The Matrix", "The Lighthouse Keepers"} <= set(found):
            return found
        page.wait_for_timeout(250)
    raise AssertionError(f"metadata not applied: {found}")


def _open_profile(page, base: str, name: str) -> None:
    page.goto(base + "/profiles")
    page.get_by_role("button", name=name).click()
    page.wait_for_url(base + "/")


def _poster_is(page, name: str) -> None:
    poster = page.locator(".title-poster img")
    poster.evaluate("i => i.decode()")
    seen = poster.evaluate(PIXEL)
    want = color_of(name)
    assert all(abs(a - b) <= 8 for a, b in zip(seen, want, strict=True)), (seen, want, name)


def test_profile_language_poster_logo_seasons_and_air_dates(
    fake_providers,  # noqa: F811 (the fixture imported above)
    live_server,
    browser_page,
    tmp_path,
):
    page, base = browser_page, live_server.url
    ahead = date.today() + timedelta(days=40)
    keepers = fake_providers.tv[5001]
    keepers["_episodes"][1].append(
        {"episode_number": 3, "season_number": 1, "name": "The Relief",
         "overview": "The relief boat is late.", "air_date": ahead.isoformat(), "runtime": 43,
         "still_path": None}
    )  # fmt: skip
    sign_up(page, live_server)
    page.goto(base + "/account/profiles/new")
    page.locator("input[name=name]").fill("Amélie")
    page.locator("select[name=language]").select_option("fr")
    page.set_viewport_size({"width": 1000, "height": 900})
    shot(page, "profile-language")
    page.get_by_role("button", name="Add profile").click()
    expect(page.get_by_role("status")).to_contain_text("Profile added")
    _open_profile(page, base, "owner")
    add_library(page, base, "Everything", "mixed", _library(tmp_path))
    found = _wait_for_metadata(page, base)
    page.set_viewport_size({"width": 1280, "height": 900})

    # The owner has no language of its own: the server's, English.
    page.goto(f"{base}/titles/{found['The Matrix']}")
    heading = page.get_by_role("heading", level=1, name="The Matrix")
    expect(heading.locator("img")).to_have_attribute("src", re.compile(r"/logo\?l=en$"))
    heading.locator("img").evaluate("i => i.decode()")
    _poster_is(page, "matrix-poster-en.png")

    _open_profile(page, base, "Amélie")
    page.goto(f"{base}/titles/{found['The Matrix']}")
    heading = page.get_by_role("heading", level=1, name="The Matrix")  # still named for readers
    logo = heading.locator("img")
    expect(logo).to_have_attribute("src", re.compile(r"/logo\?l=fr$"))
    logo.evaluate("i => i.decode()")
    assert logo.evaluate("i => i.naturalWidth") > 0
    _poster_is(page, "matrix-poster-fr.png")
    shot(page, "metadata-language-fr")

    page.goto(f"{base}/titles/{found['The Lighthouse Keepers']}")
    expect(
        page.get_by_role("heading", level=1, name="The Lighthouse Keepers").locator("img")
    ).to_be_visible()
    tab = page.get_by_role("tab", name="Season One")
    season_poster = tab.locator("img.season-poster")
    expect(season_poster).to_be_visible()
    season_poster.evaluate("i => i.decode()")
    assert season_poster.evaluate("i => i.naturalWidth") > 0
    rows = page.locator(".episode")
    expect(rows.filter(has_text="Arrival").locator(".ep-aired")).to_have_text("1 Oct 2019")
    expect(rows.filter(has_text="The Storm").locator(".ep-aired")).to_have_text("8 Oct 2019")
    upcoming = f"Airs {ahead.day} {ahead.strftime('%b %Y')}"
    expect(rows.filter(has_text="The Relief").locator(".ep-aired")).to_have_text(upcoming)
    # The hero's foot above, the season tabs and the episodes below.
    page.evaluate("scrollTo(0, document.querySelector('.seasons').offsetTop - 160)")
    page.wait_for_timeout(300)
    shot(page, "metadata-show-seasons")
    assert not page.console_errors, page.console_errors  # type: ignore[attr-defined]
