"""Device and browser from a play's User-Agent, in the few words the filters offer."""

from __future__ import annotations

import functools

DEVICES = ("desktop", "phone", "tablet", "tv", "other")
BROWSERS = ("chrome", "edge", "firefox", "safari", "opera", "samsung", "other")


@functools.lru_cache(maxsize=4096)
def parse_agent(agent: str | None) -> tuple[str, str]:
    """(device, browser) of a User-Agent; ("other", "other") when it says nothing we know."""
    ua = (agent or "").lower()
    if not ua:
        return "other", "other"
    if any(word in ua for word in ("smart-tv", "smarttv", "tizen", "webos", "crkey", "appletv")):
        device = "tv"
    elif "ipad" in ua or ("android" in ua and "mobile" not in ua) or "tablet" in ua:
        device = "tablet"
    elif any(word in ua for word in ("iphone", "mobile", "android")):
        device = "phone"
    elif any(word in ua for word in ("windows", "macintosh", "x11", "linux", "cros")):
        device = "desktop"
    else:
        device = "other"
    # Order matters: Edge and Opera also say Chrome, and Chrome also says Safari.
    if "edg/" in ua or "edga/" in ua or "edgios/" in ua:
        browser = "edge"
    elif "opr/" in ua or "opera" in ua:
        browser = "opera"
    elif "samsungbrowser" in ua:
        browser = "samsung"
    elif "firefox/" in ua or "fxios/" in ua:
        browser = "firefox"
    elif "chrome/" in ua or "chromium/" in ua or "crios/" in ua:
        browser = "chrome"
    elif "safari/" in ua:
        browser = "safari"
    else:
        browser = "other"
    return device, browser
