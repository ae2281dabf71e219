"""The web player renews its short-lived media token while it plays: after the renewal, hls.js
fetches the rest of the title (a seek included) with the new token, without starting over."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.test_library import sign_up
from tests.browser.test_player import VIDEO, add_library, start_playing, wait_until
from tests.browser.test_player_live import _file_ids
from tests.media_factory import make_video

TOKEN = re.compile(r"/media/t/([^/]+)/")


@pytest.fixture
def films(tmp_path: Path) -> Path:
    root = tmp_path / "movies"
    # Longer than the player buffers ahead (30 s), so a seek far ahead must fetch.
    for name, seconds in (("Long Film (2021)", 60), ("Other Film (2022)", 2)):
        folder = root / name
        folder.mkdir(parents=True)
        make_video(
            folder / f"{name}.mkv", seconds=seconds, width=320, height=180, fps=24,
            subtitle_tracks=(),
        )  # fmt: skip
    return root


def test_the_player_renews_its_token_and_plays_on(live_server, browser_page, films):
    page = browser_page
    base = live_server.url
    media: list[str] = []
    page.on("request", lambda r: media.append(r.url) if "/media/t/" in r.url else None)
    sign_up(page, live_server)
    page.locator("button.profile-tile").first.click()
    page.wait_for_url(re.compile(r".*/$"))
    add_library(page, base, films, policy="on_the_fly")
    file_id = _file_ids(page, base)["Long Film"]

    page.goto(f"{base}/watch/{file_id}?t=0")
    start_playing(page)
    play_id = page.evaluate("() => window.msPlayer.playback.play_id")
    first = page.evaluate("() => window.msPlayer.token")
    page.wait_for_timeout(1100)  # a token issued a second later differs from the first
    assert page.evaluate("() => window.msPlayer.renew()") is True
    renewed = page.evaluate("() => window.msPlayer.token")
    assert renewed != first
    seen = len(media)
    # A seek far ahead loads new segments: they go out with the renewed token, same play.
    page.evaluate(f"() => {{ {VIDEO}.currentTime = 50; }}")
    wait_until(page, f"() => {VIDEO}.currentTime > 50.3 && !{VIDEO}.paused", 30000)
    later = {TOKEN.search(url).group(1) for url in media[seen:]}
    assert later == {renewed}
    assert page.evaluate("() => window.msPlayer.playback.play_id") == play_id
    assert page.console_errors == []  # type: ignore[attr-defined]
