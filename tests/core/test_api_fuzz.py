"""The JSON API run against its own OpenAPI document: generated requests (a bounded number per
operation, as an administrator with an API key) never get a 500, and every answer matches the
status codes and the response schema the document promises."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from mediaserver.accounts.api_keys import create_api_key
from mediaserver.accounts.users import create_user
from mediaserver.app import create_app
from mediaserver.config_loading import load_settings
from mediaserver.keys import db_key

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = 25

# tus appends are raw bytes under their own media type: send them as any binary body.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A real server on loopback (its own thread and loop) and an administrator's API key."""
    root: Path = tmp_path_factory.mktemp("fuzz")
    media = root / "media"
    media.mkdir()
    app_settings = load_settings(
        environ={},
        overrides={
            "paths": {"data_dir": root / "data", "cache_dir": root / "cache", "min_free_bytes": 0},
            "database": {"url": f"sqlite+aiosqlite:///{root / 'fuzz.db'}"},
            "logging": {"access_log": False},
        },
    )
    port = _free_port()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    state: dict[str, object] = {}

    async def start() -> None:
        app = create_app(app_settings)
        runner = web.AppRunner(app, handler_cancellation=True)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        admin = await create_user(app[db_key], "fuzzadmin", "correct horse battery", "admin")
        made = await create_api_key(app[db_key], admin.id, "fuzz", admin.id)
        state.update(runner=runner, key=made.secret)

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name="fuzz-server", daemon=True)
    thread.start()
    assert ready.wait(60), "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}", str(state["key"])
    finally:
        runner = state["runner"]
        assert isinstance(runner, web.AppRunner)
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()


@pytest.mark.slow  # generates requests for every operation
def test_api_answers_every_generated_request_without_a_server_error(
    live_api: tuple[str, str],
) -> None:
    base, key = live_api
    api = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {key}"}
    failures: list[str] = []
    operations = 0
    for loaded in api.get_all_operations():
        operation = loaded.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            response = case.call(headers=headers, timeout=30)
            case.validate_response(
                response,
                checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
            )

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # every broken operation, then all at once
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:600])
    assert operations > 50, "the document lists too few operations"
    assert not failures, "\n\n".join(failures)
