"""First run: only someone who can read the server's log or run its command line becomes admin."""

from __future__ import annotations

import asyncio
import logging
import os
import re

import pytest
from aiohttp.test_utils import TestClient

from mediaserver.accounts.users import User, count_users, create_user
from mediaserver.cli import main
from mediaserver.db.schema import users
from mediaserver.errors import Conflict
from tests.helpers import csrf_from, post_setup, setup_code

CODE_IN_LOG = re.compile(r"setup code ([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})")


async def test_setup_page_asks_for_the_code_and_says_where_it_is(client: TestClient) -> None:
    page = await (await client.get("/setup")).text()
    assert 'name="setup_code"' in page
    assert "prints it in its" in page and "mediaserver setup-code" in page


async def test_setup_without_the_right_code_is_refused(client: TestClient) -> None:
    resp = await post_setup(client, code="")
    body = await resp.text()
    assert resp.status == 400 and "Enter the setup code." in body
    assert "mediaserver setup-code" in body and 'value="admin"' in body
    resp = await post_setup(client, code="AAAA-BBBB-CCCC-DDDD")
    assert resp.status == 403 and "That setup code is not right." in await resp.text()
    # Nobody became admin: the first-run page is still open.
    assert (await client.get("/setup", allow_redirects=False)).status == 200
    # The code is accepted however it is typed (lower case, spaces instead of dashes).
    typed = setup_code(client).lower().replace("-", " ")
    resp = await post_setup(client, code=typed)
    assert resp.status == 303 and resp.headers["Location"] == "/profiles"


async def test_wrong_setup_codes_are_answered_as_json_for_api_clients(client) -> None:
    token = await csrf_from(client, "/setup")
    resp = await client.post(
        "/setup",
        json={"username": "eve", "password": "x" * 12, "password_confirm": "x" * 12},
        headers={"X-CSRF-Token": token, "Accept": "application/json"},
    )
    problem = await resp.json()
    assert resp.status == 400 and problem["field"] == "setup_code"


async def test_guessing_the_setup_code_backs_off(client: TestClient) -> None:
    for n in range(5):
        assert (await post_setup(client, code=f"WRONG-CODE-{n}")).status == 403
    resp = await post_setup(client)  # even the right code waits
    assert resp.status == 429 and resp.headers["Retry-After"] == "1"
    assert "Too many wrong setup codes. Try again in 1 second." in await resp.text()


async def test_code_is_printed_at_start_only_while_there_are_no_accounts(
    make_app, aiohttp_client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="mediaserver.accounts.first_run")
    client = await aiohttp_client(make_app())
    printed = CODE_IN_LOG.findall(caplog.text)
    assert printed == [setup_code(client)]
    assert (await post_setup(client, code=printed[0])).status == 303
    caplog.clear()
    await aiohttp_client(make_app())  # the next start-up
    assert "setup code" not in caplog.text


async def test_setup_code_command_prints_the_code_until_setup_is_done(
    client: TestClient, settings, tmp_path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    for name in [n for n in os.environ if n.startswith("MEDIASERVER_")]:
        monkeypatch.delenv(name)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[paths]\ndata_dir = "{settings.paths.data_dir}"\n'
        f'[database]\nurl = "{settings.database_url}"\n'
    )
    assert await asyncio.to_thread(main, ["setup-code", "-c", str(config)]) == 0
    code = capsys.readouterr().out.strip()
    assert code == setup_code(client)
    assert (await post_setup(client, code=code)).status == 303

    assert await asyncio.to_thread(main, ["setup-code", "-c", str(config)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "already set up" in captured.err


async def test_two_first_runs_at_once_make_one_admin(db) -> None:
    """Several first-run forms submitted at the same moment (on any instance): one admin, the
    others are told the server is already set up."""
    for _ in range(3):
        results = await asyncio.gather(
            *(
                create_user(db, f"admin{n}", "a-long-password-1", "admin", only_if_first=True)
                for n in range(8)
            ),
            return_exceptions=True,
        )
        made = [r for r in results if isinstance(r, User)]
        assert len(made) == 1, results
        assert all(isinstance(r, Conflict) for r in results if r is not made[0])
        assert await count_users(db) == 1
        async with db.write() as conn:
            await conn.execute(users.delete())
