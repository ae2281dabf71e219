"""A real server process and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(tmp_path: Path, db_url: str, backend: str) -> Iterator[str]:
    """`mediaserver serve` in a subprocess on a fresh data dir; yields its base URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIASERVER_")}
    if backend != "sqlite":
        env["MEDIASERVER_DATABASE__URL"] = db_url
    env["MEDIASERVER_PATHS__MIN_FREE_BYTES"] = "0"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mediaserver", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--data-dir", str(tmp_path / "data")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stderr.read()}")
        try:
            urllib.request.urlopen(base + "/health", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise AssertionError("server did not start in 30 s") from None
            time.sleep(0.2)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def browser_page():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is missing: run `bash scripts/test`, which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.console_errors = errors  # type: ignore[attr-defined]
        yield page
        browser.close()
