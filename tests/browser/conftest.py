"""A real server process and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass(frozen=True)
class LiveServer:
    url: str
    db_url: str
    data_dir: Path


SETUP_CODE_IN_LOG = re.compile(r"setup code ([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})")


def printed_setup_code(server: LiveServer) -> str:
    """The first-run setup code as the server printed it in its log at start-up."""
    match = SETUP_CODE_IN_LOG.search((server.data_dir / "server.log").read_text())
    assert match, "the server did not print a setup code"
    return match.group(1)


@pytest.fixture
def server_plugins() -> dict[str, str]:
    """Folder plugins (file name -> source) the live server starts with; tests override this."""
    return {}


@pytest.fixture
def live_server(
    tmp_path: Path, db_url: str, backend: str, server_plugins: dict[str, str]
) -> Iterator[LiveServer]:
    """`mediaserver serve` in a subprocess on a fresh data dir."""
    port = _free_port()
    data_dir = tmp_path / "data"
    (data_dir / "plugins").mkdir(parents=True)
    for name, source in server_plugins.items():
        (data_dir / "plugins" / name).write_text(source)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIASERVER_")}
    if backend != "sqlite":
        env["MEDIASERVER_DATABASE__URL"] = db_url
    else:
        db_url = f"sqlite+aiosqlite:///{data_dir / 'mediaserver.db'}"
    env["MEDIASERVER_PATHS__MIN_FREE_BYTES"] = "0"
    log_path = data_dir / "server.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mediaserver",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        env=env,
        # The server's log goes to a file, not a pipe nobody reads: a pipe fills up (64 KiB of
        # access log lines) and then blocks the server mid-test.
        stdout=subprocess.DEVNULL,
        stderr=log,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {log_path.read_text()[-4000:]}")
        try:
            urllib.request.urlopen(base + "/health", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise AssertionError("server did not start in 30 s") from None
            time.sleep(0.2)
    yield LiveServer(base, db_url, data_dir)
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


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
