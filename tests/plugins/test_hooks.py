"""The example plugin (plugins/hello_page.py), loaded as users install it, uses every hook.

Each test copies the real example into a plugins folder (or installs it as a real distribution
with an entry point) and checks what a user would see: pages, links, jobs, log lines, errors.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pluggy
import pytest
from aiohttp.test_utils import TestClient
from yarl import URL

from mediaserver.jobs import queue
from mediaserver.jobs.model import FINISHED, SUCCEEDED
from mediaserver.keys import db_key, plugins_key
from mediaserver.plugins import ENTRY_POINT_GROUP, PluginError
from tests.helpers import pick_profile, setup_admin

EXAMPLES = Path(__file__).resolve().parents[2] / "plugins"
PAGE = "/plugins/hello"


def plugin_names(pm: pluggy.PluginManager) -> list[str]:
    """The registered plugins' names (blocked ones are registered as None)."""
    return sorted(name for name, plugin in pm.list_name_plugin() if plugin is not None)


NAV_LINK = re.compile(r'<a href="/plugins/hello"[^>]*>Hello</a>')
EP_MODULE = "mediaserver_hello_example"


@pytest.fixture(autouse=True)
def _forget_plugin_modules() -> Iterator[None]:
    """Plugin modules land in sys.modules; drop them so no test sees another's copy."""
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith("mediaserver_plugin_") or name == EP_MODULE:
            del sys.modules[name]


def install_example(folder: Path, module_name: str = "hello_page") -> Path:
    """Copy the example plugin and its templates, as the README tells users to."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLES / "hello_page.py", folder / f"{module_name}.py")
    shutil.copytree(EXAMPLES / "templates", folder / "templates", dirs_exist_ok=True)
    return folder


@pytest.fixture
def plugin_folder(tmp_path: Path) -> Path:
    return install_example(tmp_path / "plugins")


@pytest.fixture
async def hello_client(make_app: Any, aiohttp_client: Any, plugin_folder: Path) -> TestClient:
    return await aiohttp_client(make_app(plugins={"folder": plugin_folder}))


# -- signing in through the real forms -------------------------------------------------------

SELECT_FORM = re.compile(r'action="/profiles/(\d+)/select"')


async def sign_in_with_profile(client: TestClient) -> None:
    """First run as a browser does it: create the admin at /setup, then choose their profile."""
    await setup_admin(client, "alice", "correct horse battery")
    picker = await (await client.get("/profiles")).text()
    profile = SELECT_FORM.search(picker)
    assert profile, "no profile to choose"
    await pick_profile(client, int(profile.group(1)))


# -- one test per hook -----------------------------------------------------------------------


async def test_register_routes_and_template_dirs_render_the_page(hello_client: TestClient) -> None:
    await sign_in_with_profile(hello_client)
    resp = await hello_client.get(PAGE)
    assert resp.status == 200
    body = await resp.text()
    assert "<h1>Hello, alice!</h1>" in body  # the plugin's own template, with the profile's name
    assert '<header class="topbar">' in body  # ...extending the server's base.html


async def test_register_routes_keeps_access_rules(hello_client: TestClient) -> None:
    await sign_in_with_profile(hello_client)
    hello_client.session.cookie_jar.clear()  # now an anonymous visitor
    resp = await hello_client.get(PAGE, allow_redirects=False)
    assert resp.status == 303
    location = URL(resp.headers["Location"])
    assert (location.path, location.query.get("next")) == ("/login", PAGE)


async def test_nav_items_link_shows_for_signed_in_users_only(hello_client: TestClient) -> None:
    await sign_in_with_profile(hello_client)
    home = await (await hello_client.get("/")).text()
    assert NAV_LINK.search(home)
    hello_client.session.cookie_jar.clear()
    login = await (await hello_client.get("/login")).text()
    assert not NAV_LINK.search(login)


async def test_register_job_handlers_runs_hello_echo(hello_client: TestClient) -> None:
    db = hello_client.app[db_key]
    job_id = await queue.enqueue(db, "hello.echo", {"text": "hi there"})
    deadline = time.monotonic() + 10
    job = await queue.get(db, job_id)
    while job is not None and job.status not in FINISHED and time.monotonic() < deadline:
        await asyncio.sleep(0.05)  # the runner polls every 0.05 s in tests
        job = await queue.get(db, job_id)
    assert job is not None
    assert job.status == SUCCEEDED, job.error
    assert job.message == "echo: hi there"


async def test_startup_hook_runs_once_the_app_starts(
    make_app: Any, aiohttp_client: Any, plugin_folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mediaserver.plugin.hello_page")
    app = make_app(plugins={"folder": plugin_folder})
    assert not _startup_lines(caplog)  # building the app is not starting it
    await aiohttp_client(app)
    lines = _startup_lines(caplog)
    assert len(lines) == 1
    assert "hello_page plugin started (0 user(s)" in lines[0]


def _startup_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "mediaserver.plugin.hello_page"]


# -- loading rules ---------------------------------------------------------------------------


async def test_disabled_plugin_is_not_loaded(
    make_app: Any, aiohttp_client: Any, plugin_folder: Path
) -> None:
    client = await aiohttp_client(
        make_app(plugins={"folder": plugin_folder, "disabled": ["hello_page"]})
    )
    assert "hello_page" not in plugin_names(client.app[plugins_key])
    await sign_in_with_profile(client)
    assert (await client.get(PAGE)).status == 404
    assert not NAV_LINK.search(await (await client.get("/")).text())


def test_plugin_that_fails_to_import_stops_start_up(make_app: Any, tmp_path: Path) -> None:
    folder = install_example(tmp_path / "plugins")
    (folder / "broken.py").write_text("raise RuntimeError('boom at import')\n")
    with pytest.raises(PluginError) as failure:
        make_app(plugins={"folder": folder})
    message = str(failure.value)
    assert str(folder / "broken.py") in message
    assert "boom at import" in message


async def test_hostile_files_in_the_folder_are_not_loaded(
    make_app: Any, aiohttp_client: Any, tmp_path: Path
) -> None:
    # Each of these would register /plugins/hello (or blow up start-up) if it were imported.
    folder = tmp_path / "plugins"
    elsewhere = install_example(tmp_path / "outside")
    folder.mkdir()
    shutil.copytree(EXAMPLES / "templates", folder / "templates")
    shutil.copy(EXAMPLES / "hello_page.py", folder / "bad-name.py")  # not a module name
    shutil.copy(EXAMPLES / "hello_page.py", folder / "hello.page.py")
    shutil.copy(EXAMPLES / "hello_page.py", folder / ".hidden.py")
    (folder / "linked.py").symlink_to(elsewhere / "hello_page.py")  # points out of the folder
    (folder / "boom-on-import.py").write_text("raise RuntimeError('must not run')\n")
    (folder / "dir_plugin.py").mkdir()  # a folder with a plugin-like name
    client = await aiohttp_client(make_app(plugins={"folder": folder}))
    assert plugin_names(client.app[plugins_key]) == []
    await sign_in_with_profile(client)
    assert (await client.get(PAGE)).status == 404


@pytest.fixture
def installed_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example as an installed distribution with an entry point, as `pip install` leaves it.

    A real *.dist-info on sys.path: importlib.metadata (which pluggy queries) finds it the same
    way it finds a package installed into site-packages; nothing is mocked.
    """
    site = tmp_path / "site-packages"
    install_example(site, EP_MODULE)
    info = site / "mediaserver_hello_example-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: mediaserver-hello-example\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nhello_page = {EP_MODULE}\n")
    monkeypatch.syspath_prepend(str(site))
    return site


async def test_entry_point_plugin_is_loaded(
    make_app: Any, aiohttp_client: Any, installed_example: Path, tmp_path: Path
) -> None:
    # An empty plugins folder: the page can only come from the entry point.
    client = await aiohttp_client(make_app(plugins={"folder": tmp_path / "empty"}))
    assert "hello_page" in plugin_names(client.app[plugins_key])
    await sign_in_with_profile(client)
    resp = await client.get(PAGE)
    assert resp.status == 200
    assert "<h1>Hello, alice!</h1>" in await resp.text()


async def test_disabled_entry_point_plugin_is_not_loaded(
    make_app: Any, aiohttp_client: Any, installed_example: Path, tmp_path: Path
) -> None:
    client = await aiohttp_client(
        make_app(plugins={"folder": tmp_path / "empty", "disabled": ["hello_page"]})
    )
    assert EP_MODULE not in sys.modules  # blocked before import: its code never ran
    await sign_in_with_profile(client)
    assert (await client.get(PAGE)).status == 404
