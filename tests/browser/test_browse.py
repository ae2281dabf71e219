"""Browsing in a real browser: rows on the home page, search as you type with filters in the
URL, title pages, My List without a reload, arrow-key focus, and the kids cap by URL."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import av
import pytest
from playwright.sync_api import expect

from tests.browser.test_first_run import shot
from tests.browser.test_library import sign_up
from tests.library.scan_helpers import place, write
from tests.media_factory import make_video

MOVIES = [
    # folder, mpaa, genres, plot, colours of the poster
    (
        "Paddington (2014)",
        "PG",
        ["Family", "Comedy"],
        "A polite bear from Peru looks for a home in London.",
        (200, 90, 40),
    ),
    (
        "Heat (1995)",
        "R",
        ["Crime", "Drama"],
        "A detective hunts a crew of professional thieves in Los Angeles.",
        (30, 60, 140),
    ),
    (
        "Amélie (2001)",
        "R",
        ["Comedy", "Romance"],
        "A shy waitress in Montmartre quietly changes the lives of those around her.",
        (40, 130, 60),
    ),
    (
        "Ronin (1998)",
        "R",
        ["Crime", "Action"],
        "Former agents are hired to steal a mysterious case.",
        None,
    ),
    (
        "Wall-E (2008)",
        "G",
        ["Family", "Animation"],
        "A small robot left to clean up Earth finds a purpose.",
        (150, 120, 30),
    ),
]


def make_poster(path: Path, rgb: tuple[int, int, int]) -> None:
    """A 200x300 JPEG poster: a vertical gradient of one colour (no image library needed)."""
    h, w = 300, 200
    image = av.VideoFrame(w, h, "rgb24")
    plane = image.planes[0]
    rows = bytearray()
    for y in range(h):
        shade = 1.0 - 0.75 * y / h
        line = bytes(int(c * shade) for c in rgb) * w
        rows += line + bytes(plane.line_size - len(line))
    plane.update(bytes(rows))
    ctx = av.CodecContext.create("mjpeg", "w")
    ctx.width, ctx.height, ctx.pix_fmt = w, h, "yuvj420p"
    ctx.time_base = Fraction(1, 25)
    packets = ctx.encode(image.reformat(format="yuvj420p")) + ctx.encode(None)
    path.write_bytes(b"".join(bytes(p) for p in packets))


@pytest.fixture
def media(tmp_path: Path) -> tuple[Path, Path]:
    clip = make_video(
        tmp_path / "clip.mkv",
        seconds=1.0,
        width=96,
        height=64,
        subtitle_tracks=(("eng", False), ("fre", False)),
    )
    movies = tmp_path / "movies"
    for folder, mpaa, genres, plot, colour in MOVIES:
        name, year = folder[:-7], folder[-5:-1]
        place(clip, movies / folder / f"{folder}.mkv")
        tags = "".join(f"<genre>{g}</genre>" for g in genres)
        write(
            movies / folder / "movie.nfo",
            f"<movie><title>{name}</title><year>{year}</year><mpaa>{mpaa}</mpaa>{tags}"
            f"<plot>{plot}</plot><actor><name>Jean Reno</name><role>Vincent</role></actor></movie>",
        )
        if colour:
            make_poster(movies / folder / "poster.jpg", colour)
    shows = tmp_path / "shows"
    show = shows / "Night Shift"
    write(
        show / "tvshow.nfo",
        "<tvshow><title>Night Shift</title><year>2019</year><mpaa>TV-14</mpaa>"
        "<genre>Drama</genre><plot>Doctors on the late shift of a city hospital.</plot></tvshow>",
    )
    make_poster(show / "poster.jpg", (110, 40, 120))
    for season in (1, 2):
        for ep in (1, 2):
            place(clip, show / f"Season {season:02d}" / f"Night Shift - S{season:02d}E{ep:02d}.mkv")
    return movies, shows


def csrf(page) -> str:
    return page.locator("input[name=csrf_token]").first.get_attribute("value")


def add_library(page, base: str, name: str, kind: str, folder: Path) -> None:
    resp = page.request.post(
        base + "/api/v1/libraries",
        headers={"X-CSRF-Token": csrf(page)},
        data={"name": name, "kind": kind, "paths": [str(folder)]},
    )
    assert resp.status == 201, resp.text()


def wait_for_titles(page, base: str, count: int) -> None:
    for _ in range(120):
        found = page.request.get(base + "/api/v1/titles").json()["titles"]
        if len(found) >= count:
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"scan found {len(found)} titles, not {count}")


def test_browse_search_title_my_list_keyboard_and_kids(live_server, browser_page, media) -> None:
    page = browser_page
    base = live_server.url
    sign_up(page, live_server)
    add_library(page, base, "Movies", "movies", media[0])
    add_library(page, base, "Shows", "shows", media[1])
    wait_for_titles(page, base, len(MOVIES) + 1)

    page.goto(base + "/profiles")
    page.get_by_role("button", name="owner").click()
    page.wait_for_url(base + "/")
    # Something half watched, so Continue Watching shows with a progress bar.
    titles = {t["title"]: t for t in page.request.get(base + "/api/v1/titles").json()["titles"]}
    heat = titles["Heat"]["id"]
    heat_file = page.request.get(f"{base}/api/v1/catalog/titles/{heat}").json()["play"][
        "media_file_id"
    ]
    resp = page.request.put(
        f"{base}/api/v1/progress/{heat_file}",
        headers={"X-CSRF-Token": csrf(page)},
        data={"position": 0.4, "duration": 1.0},
    )
    assert resp.ok, resp.text()

    page.goto(base + "/")
    expect(page.get_by_role("heading", name="Continue watching")).to_be_visible()
    expect(page.get_by_role("heading", name="Recently added")).to_be_visible()
    expect(page.locator(".hero-title")).to_be_visible()
    # The later rows (genres here) load as they scroll into view.
    assert page.locator(".row-lazy").count() > 0
    for _ in range(40):
        page.mouse.wheel(0, 400)
        page.wait_for_timeout(150)
        if page.locator(".row-lazy").count() == 0:
            break
    expect(page.locator(".row-lazy")).to_have_count(0)
    expect(page.get_by_role("heading", name="Comedy")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    page.set_viewport_size({"width": 1280, "height": 1100})
    shot(page, "home")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: one column, rows scroll
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "home-phone")
    page.set_viewport_size({"width": 1280, "height": 800})

    # Arrow keys: right along a row, down to the next row.
    first_row = page.locator("section.row").nth(1)
    first_row.locator("[data-nav-card]").first.focus()
    page.keyboard.press("ArrowRight")
    expect(first_row.locator("[data-nav-card]").nth(1)).to_be_focused()
    page.keyboard.press("ArrowDown")
    focused_row = page.evaluate(
        "document.activeElement.closest('section.row').getAttribute('aria-labelledby')"
    )
    assert focused_row == page.locator("section.row").nth(2).get_attribute("aria-labelledby")
    page.keyboard.press("ArrowUp")
    expect(first_row.locator("[data-nav-card]").nth(1)).to_be_focused()

    # Search as you type, with a filter: the URL follows.
    page.goto(base + "/search")
    page.locator("#q").press_sequentially("am", delay=40)
    expect(page.locator("#results")).to_contain_text("Amélie")
    page.locator("summary", has_text="Filters").click()
    page.locator("select[name=type]").select_option("movie")
    page.wait_for_url(re.compile(r".*/search\?q=am&type=movie$"))
    expect(page.locator("#results .tc-name")).to_have_text(["Amélie"])
    # A range the server refuses: its message shows in place of the results.
    page.locator("input[name=year_to]").fill("2000")
    page.locator("input[name=year_from]").fill("2010")
    page.locator("input[name=year_from]").dispatch_event("change")
    expect(page.locator("#results [role=alert]")).to_contain_text("'Year from' is after")
    page.locator("input[name=year_from]").fill("")
    page.locator("input[name=year_to]").fill("")
    page.locator("input[name=year_to]").dispatch_event("change")
    expect(page.locator("#results .tc-name")).to_have_text(["Amélie"])
    page.locator("#q").fill("")
    page.wait_for_url(re.compile(r".*/search\?type=movie$"))
    expect(page.locator("#results .tc-name")).to_have_count(len(MOVIES))
    shot(page, "search")

    # Open a title; add to and remove from My List without a reload.
    page.goto(base + "/search?q=am%C3%A9")
    page.locator("#results .tc-link").first.click()
    page.wait_for_url(re.compile(r".*/titles/\d+(\?sref=[^#]*)?$"))
    expect(page.get_by_role("heading", name="Amélie")).to_be_visible()
    expect(page.get_by_text("English, French")).to_be_visible()  # subtitle languages
    page.evaluate("window.__same_page = true")
    page.get_by_role("button", name="+ My List").click()
    expect(page.get_by_role("button", name="In My List")).to_be_visible()
    shot(page, "title-movie")
    assert page.evaluate("window.__same_page === true")
    assert "Amélie" in page.request.get(base + "/my-list").text()
    page.get_by_role("button", name="In My List").click()
    expect(page.get_by_role("button", name="+ My List")).to_be_visible()
    assert page.evaluate("window.__same_page === true")
    assert "Your list is empty" in page.request.get(base + "/my-list").text()

    # A series: season tabs swap the episode list in place.
    page.goto(f"{base}/titles/{titles['Night Shift']['id']}")
    expect(page.get_by_role("tab", name="Season 1")).to_have_attribute("aria-selected", "true")
    page.get_by_role("tab", name="Season 2").click()
    expect(page.get_by_role("tab", name="Season 2")).to_have_attribute("aria-selected", "true")
    expect(page.locator(".episode")).to_have_count(2)
    assert page.evaluate("window.__same_page === undefined")  # a fresh page since goto
    page.set_viewport_size({"width": 1280, "height": 1000})
    shot(page, "title-series")
    page.set_viewport_size({"width": 1280, "height": 800})

    # A kids profile cannot open an adult title by its URL.
    resp = page.request.post(
        base + "/api/v1/profiles",
        headers={"X-CSRF-Token": csrf(page)},
        data={"name": "Kid", "avatar": "green", "is_kids": True, "max_rating": "PG"},
    )
    assert resp.status == 201, resp.text()
    page.goto(base + "/profiles")
    page.get_by_role("button", name="Kid").click()
    page.wait_for_url(base + "/")
    expect(page.locator("main")).to_contain_text("Paddington")
    expect(page.locator("main")).not_to_contain_text("Heat")
    response = page.goto(f"{base}/titles/{heat}")
    assert response is not None and response.status == 404
    # Expected noise only: the refused search (400), an aborted superseded search, the 404 above.
    expected = (
        "status of 400",
        "status of 404",
        "htmx:afterRequest",
        "htmx:sendAbort",
        "htmx:responseError",
    )
    unexpected = [e for e in page.console_errors if not any(x in e for x in expected)]
    assert not unexpected, unexpected
