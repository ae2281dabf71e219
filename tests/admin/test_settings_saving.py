"""Saving Admin > Settings: validated by the settings model (nothing written on any error), the
config file edited with its comments kept, or data_dir/settings.toml read at the next start;
environment-set settings refused; secrets write-only; every change audited with secrets hidden;
run-time settings applied at once, the others marked for a restart."""

from __future__ import annotations

import asyncio
import html
import logging
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mediaserver.accounts.ratelimit import login_limiter_key
from mediaserver.admin import restart_control
from mediaserver.app import create_app
from mediaserver.config_loading import load_settings
from mediaserver.db.audit import REDACTED, list_audit
from mediaserver.keys import config_key, db_key, jobs_key
from mediaserver.packaging.hwaccel import hwaccel_key
from mediaserver.streaming import streaming_stats
from tests.helpers import api, csrf_from, setup_admin

CONFIG = """\
# My media server. Keep this comment.
[server]
public_url = "https://media.example.com"  # behind the proxy

[streaming]
# a cap for the upload link
max_height = 1080
max_sessions = 2
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    return path


def _settings(tmp_path: Path, db_url: str, config_file: Path | None, environ=None):
    return load_settings(
        config_file,
        environ=environ or {},
        overrides={
            "paths": {"data_dir": tmp_path / "data", "cache_dir": tmp_path / "cache"},
            "database": {"url": db_url},
        },
    )


@pytest.fixture
async def admin_client(aiohttp_client, tmp_path, db_url, config_file, request):
    environ = getattr(request, "param", None)
    client = await aiohttp_client(create_app(_settings(tmp_path, db_url, config_file, environ)))
    await setup_admin(client)
    return client


def _field(page: str, key: str) -> str:
    """The HTML of one setting on the page."""
    return page.split(f'id="field-{key}"')[1].split('id="field-')[0]


async def _patch(client, changes: dict):
    csrf = await csrf_from(client, "/admin/settings")
    return await api(client, "PATCH", "/api/v1/admin/settings", changes, csrf=csrf)


async def _post_form(client, fields: dict, htmx: bool = False):
    csrf = await csrf_from(client, "/admin/settings")
    headers = {"HX-Request": "true"} if htmx else {}
    return await client.post(
        "/admin/settings",
        data={"csrf_token": csrf, **fields},
        headers=headers,
        allow_redirects=False,
    )


async def test_page_lists_every_setting_with_value_and_source(admin_client) -> None:
    text = await (await admin_client.get("/admin/settings")).text()
    for key in ("server.port", "streaming.max_sessions", "metrics.token", "transcoding.rungs"):
        assert f'id="field-{key}"' in text, key
    field = _field(text, "streaming.max_height")
    assert 'value="1080"' in field and "source-file" in field and 'max="4320"' in field
    default = _field(text, "streaming.token_ttl_seconds")
    assert "source-default" in default and "seconds" in default
    port = _field(text, "paths.data_dir")
    assert "disabled" in port and "set on the command line" in port


async def test_a_wrong_value_saves_nothing_and_is_named_beside_its_field(
    admin_client, config_file
) -> None:
    before = config_file.read_bytes()
    resp = await _post_form(
        admin_client, {"streaming.max_sessions": "0", "streaming.max_height": "720"}, htmx=True
    )
    assert resp.status == 200
    text = html.unescape(await resp.text())
    field = _field(text, "streaming.max_sessions")
    assert 'class="field-error"' in field and "greater than or equal to 1" in field
    assert "nothing was saved" in text
    assert config_file.read_bytes() == before
    assert admin_client.app[config_key].streaming.max_height == 1080
    assert await list_audit(admin_client.app[db_key], action="settings.") == []

    # Without htmx: the whole page, 422.
    resp = await _post_form(admin_client, {"streaming.max_height": "-5"})
    assert resp.status == 422
    assert "<html" in (await resp.text())
    assert config_file.read_bytes() == before


async def test_saving_keeps_comments_applies_at_once_and_is_read_at_next_start(
    admin_client, config_file, tmp_path, db_url
) -> None:
    resp = await _post_form(admin_client, {"streaming.max_sessions": "7", "library.watch": "false"})
    assert resp.status == 303
    assert resp.headers["Location"] == "/admin/settings?saved=2&restart=0"
    text = config_file.read_text()
    assert "# My media server. Keep this comment." in text
    assert "# a cap for the upload link" in text
    assert 'public_url = "https://media.example.com"  # behind the proxy' in text
    assert "max_sessions = 7" in text and "max_height = 1080" in text
    assert "[library]\nwatch = false" in text
    # In effect now: the on-the-fly service uses the new limit.
    assert admin_client.app[config_key].streaming.max_sessions == 7
    assert streaming_stats(admin_client.app).max_sessions == 7
    assert admin_client.app[config_key].library.watch is False
    # And the next start reads the same.
    again = _settings(tmp_path, db_url, config_file)
    assert (again.streaming.max_sessions, again.library.watch) == (7, False)


async def test_without_a_config_file_the_data_folder_file_is_read_next_start(
    aiohttp_client, tmp_path, db_url
) -> None:
    client = await aiohttp_client(create_app(_settings(tmp_path, db_url, None)))
    await setup_admin(client)
    resp = await _patch(client, {"streaming.max_height": 720, "uploads.expire_hours": 6})
    assert resp.status == 200, await resp.text()
    saved = tmp_path / "data" / "settings.toml"
    assert "max_height = 720" in saved.read_text()
    again = _settings(tmp_path, db_url, None)
    assert (again.streaming.max_height, again.uploads.expire_hours) == (720, 6.0)
    assert (await (await client.get("/admin/settings")).text()).count(str(saved)) >= 1


@pytest.mark.parametrize(
    "admin_client", [{"MEDIASERVER_STREAMING__MAX_SESSIONS": "3"}], indirect=True
)
async def test_a_setting_from_the_environment_is_read_only(admin_client, config_file) -> None:
    text = await (await admin_client.get("/admin/settings")).text()
    field = _field(text, "streaming.max_sessions")
    assert "set by MEDIASERVER_STREAMING__MAX_SESSIONS" in field and "disabled" in field
    before = config_file.read_bytes()
    resp = await _patch(admin_client, {"streaming.max_sessions": 9})
    assert resp.status == 422
    problem = await resp.json()
    assert problem["errors"] == [
        {
            "field": "streaming.max_sessions",
            "message": "Cannot be changed here: set by MEDIASERVER_STREAMING__MAX_SESSIONS.",
        }
    ]
    assert config_file.read_bytes() == before
    assert admin_client.app[config_key].streaming.max_sessions == 3


async def test_secrets_are_write_only_and_audited_redacted(admin_client, config_file) -> None:
    resp = await _post_form(admin_client, {"metrics.token": "scrape-me-please"})
    assert resp.status == 303
    assert 'token = "scrape-me-please"' in config_file.read_text()
    page = await (await admin_client.get("/admin/settings")).text()
    assert "scrape-me-please" not in page
    field = _field(page, "metrics.token")
    assert "set</strong>" in field
    listed = await (await admin_client.get("/api/v1/admin/settings")).json()
    token = next(s for s in listed["settings"] if s["key"] == "metrics.token")
    assert token["value"] == "set" and "scrape-me-please" not in str(listed)

    # An empty secret field leaves it as it is; "remove it" clears it.
    await _post_form(admin_client, {"metrics.token": "", "streaming.max_sessions": "3"})
    assert admin_client.app[config_key].metrics.token.get_secret_value() == "scrape-me-please"
    await _post_form(admin_client, {"clear:metrics.token": "1"})
    assert admin_client.app[config_key].metrics.token.get_secret_value() == ""

    entries = await list_audit(admin_client.app[db_key], action="settings.change")
    by_target = {}
    for entry in reversed(entries):
        by_target.setdefault(entry.target, []).append(entry.detail)
    assert by_target["metrics.token"] == [
        {"old": "", "new": REDACTED},
        {"old": REDACTED, "new": ""},
    ]
    assert by_target["streaming.max_sessions"] == [{"old": 2, "new": 3}]
    assert all(e.actor_name == "admin" for e in entries)
    assert "scrape-me-please" not in str([e.detail for e in entries])


async def test_restart_settings_wait_for_a_restart(admin_client, config_file) -> None:
    resp = await _patch(admin_client, {"server.port": 9123, "auth.login_attempts_per_account": 9})
    assert await resp.json() == {
        "changed": ["server.port", "auth.login_attempts_per_account"],
        "restart_needed": ["server.port"],
    }
    app = admin_client.app
    assert app[config_key].server.port == 8096  # still listening where it was
    assert app[login_limiter_key].per_account == 9  # sign-in limits apply at once
    listed = await (await admin_client.get("/api/v1/admin/settings")).json()
    port = next(s for s in listed["settings"] if s["key"] == "server.port")
    assert (port["value"], port["running"], port["restart_pending"]) == (9123, 8096, True)
    page = await (await admin_client.get("/admin/settings")).text()
    assert "Restart needed" in page and "cannot restart itself" in page
    csrf = await csrf_from(admin_client, "/admin/settings")
    resp = await admin_client.post("/admin/settings/restart", data={"csrf_token": csrf})
    assert resp.status == 409

    stops: list[bool] = []
    control = restart_control(app)
    control.supported, control.stop = True, lambda: stops.append(True)
    resp = await admin_client.post("/admin/settings/restart", data={"csrf_token": csrf})
    assert resp.status == 200 and "Restarting" in await resp.text()
    assert control.requested
    await asyncio.sleep(0.7)
    assert stops == [True]


async def test_api_lists_sources_and_refuses_each_wrong_field(admin_client) -> None:
    listed = await (await admin_client.get("/api/v1/admin/settings")).json()
    by_key = {s["key"]: s for s in listed["settings"]}
    assert by_key["streaming.max_height"]["source"] == "file"
    assert by_key["streaming.token_ttl_seconds"]["source"] == "default"
    assert by_key["paths.data_dir"]["source"] == "flag"
    assert by_key["streaming.max_sessions"]["applies_live"] is True
    assert by_key["server.port"]["applies_live"] is False
    resp = await _patch(
        admin_client,
        {"streaming.max_sessions": 0, "transcoding.hwaccel": "magic", "no.such": 1},
    )
    assert resp.status == 422
    assert resp.content_type == "application/problem+json"
    fields = {e["field"] for e in (await resp.json())["errors"]}
    assert fields == {"streaming.max_sessions", "transcoding.hwaccel", "no.such"}


async def test_settings_are_for_admins_only(client) -> None:
    from tests.helpers import setup_with_user

    await setup_with_user(client)
    csrf = await csrf_from(client, "/account")
    assert (await client.get("/admin/settings")).status == 403
    assert (await client.get("/api/v1/admin/settings")).status == 403
    resp = await api(client, "PATCH", "/api/v1/admin/settings", {"a.b": 1}, csrf=csrf)
    assert resp.status == 403


async def test_detect_again_shows_each_encoder(admin_client, caplog) -> None:
    caplog.set_level(logging.INFO)
    csrf = await csrf_from(admin_client, "/admin/settings")
    resp = await admin_client.post(
        "/admin/settings/hwaccel/detect", data={"csrf_token": csrf}, headers={"HX-Request": "true"}
    )
    text = await resp.text()
    assert resp.status == 200
    assert text.lstrip().startswith('<section class="panel settings-hardware" id="hardware"')
    for kind in ("nvenc", "qsv", "vaapi", "libx264"):
        assert f'data-encoder="{kind}"' in text
    assert "detecting" not in text


async def test_a_web_only_runner_starts_working_when_given_concurrency(
    aiohttp_client, tmp_path, db_url
) -> None:
    config = tmp_path / "web-only.toml"
    config.write_text("[jobs]\nconcurrency = 0  # web only\n")
    client = await aiohttp_client(create_app(_settings(tmp_path, db_url, config)))
    await setup_admin(client)
    runner = client.app[jobs_key]
    assert runner._loop_task is None
    resp = await _patch(client, {"jobs.concurrency": 2})
    assert (await resp.json())["restart_needed"] == []
    assert runner.settings.concurrency == 2
    assert runner._loop_task is not None
    assert "concurrency = 2  # web only" in config.read_text()


class _FormReader(HTMLParser):
    """The fields a browser would submit from the settings form, as rendered."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if "disabled" in a or not a.get("name"):
            return
        if tag == "input" and (a.get("type") != "checkbox" or "checked" in a):
            self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a["value"]))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields.append((a["name"], ""))

    def handle_data(self, data: str) -> None:
        if self._textarea:
            name, text = self.fields.pop()
            self.fields.append((name, text + data))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


async def test_the_form_as_shown_saves_as_no_change(aiohttp_client, tmp_path, db_url) -> None:
    config = tmp_path / "odd.toml"
    config.write_text(
        "[housekeeping]\nkeep_plays_days = 1234567.5\n[jobs]\nlease_seconds = 60.25\n"
    )
    client = await aiohttp_client(create_app(_settings(tmp_path, db_url, config)))
    await setup_admin(client)
    page = await (await client.get("/admin/settings")).text()
    reader = _FormReader()
    reader.feed(page.split('id="settings-form"')[1].split("</form>")[0])
    names = {name for name, _ in reader.fields}
    assert {"streaming.max_sessions", "transcoding.rungs", "library.watch"} <= names
    resp = await client.post("/admin/settings", data=reader.fields, allow_redirects=False)
    assert resp.headers["Location"] == "/admin/settings?saved=0&restart=0"
    assert config.read_text().startswith("[housekeeping]\nkeep_plays_days = 1234567.5\n")
    assert await list_audit(client.app[db_key], action="settings.") == []


async def test_a_new_hwaccel_is_detected_again_and_the_panel_follows(admin_client) -> None:
    state = admin_client.app[hwaccel_key]
    await state.ready()  # start-up detection done
    resp = await _post_form(admin_client, {"transcoding.hwaccel": "none"}, htmx=True)
    text = await resp.text()
    panel = text.split('id="hardware"')[1].split("</section>")[0]
    assert 'hx-swap-oob="true"' in panel and "detecting" in panel
    assert state.background is not None
    status = await state.background
    assert (status.requested, status.active_encoder) == ("none", "libx264")
    page = await (await admin_client.get("/admin/settings")).text()
    assert "hardware encoding is turned off" in page
    assert "transcoding.hwaccel = none" in page
