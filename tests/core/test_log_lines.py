"""What a request carries cannot forge log lines: control characters in a path or a logged
header come out escaped, one line per request, and a media URL's token is never written whole."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest
import structlog
from aiohttp.test_utils import TestServer

from mediaserver.config import LoggingSettings
from mediaserver.http.logs import AccessLogger, setup_logging
from tests.streaming.helpers import media_token


@pytest.fixture
def log_output() -> Iterator[Callable[[str], io.StringIO]]:
    """Installs the server's logging; calling the result with a format gives its output so far."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    access, alembic = logging.getLogger("aiohttp.access"), logging.getLogger("alembic")
    levels = access.level, alembic.level
    server = logging.getLogger("aiohttp.server")
    filters = server.filters[:]
    stream = io.StringIO()

    def install(fmt: str) -> io.StringIO:
        setup_logging(LoggingSettings(format=fmt, access_log=True))
        root.handlers[0].setStream(stream)
        return stream

    yield install
    root.handlers[:], level = saved
    root.setLevel(level)
    access.setLevel(levels[0])
    alembic.setLevel(levels[1])
    server.filters[:] = filters
    structlog.reset_defaults()


@pytest.fixture
async def served(make_app, aiohttp_client):
    """The app served with the access logger the `serve` command uses."""
    server = TestServer(make_app())
    await server.start_server(
        access_log_class=AccessLogger, access_log=logging.getLogger("aiohttp.access")
    )
    return await aiohttp_client(server)


async def _raw_get(client, target: bytes, headers: bytes = b"") -> bytes:
    """A request written byte for byte (HTTP clients refuse to send control characters)."""
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n" + headers)
    writer.write(b"Connection: close\r\n\r\n")
    await writer.drain()
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    return answer


async def _settled(stream: io.StringIO, count: int) -> list[str]:
    # The access line is written after the answer has gone out.
    for _ in range(100):
        lines = stream.getvalue().splitlines()
        lines = [line for line in lines if "/forged" in line and "aiohttp.access" in line]
        if len(lines) >= count:
            return lines
        await asyncio.sleep(0.01)
    return lines


@pytest.mark.parametrize("fmt", ["console", "json"])
async def test_control_characters_in_requests_are_escaped(served, log_output, fmt) -> None:
    stream = log_output(fmt)
    await _raw_get(served, b"/forged%0a2026-01-01T00:00:00Z%20[info]%20admin%20signed%20in")
    await _raw_get(served, b"/forged%00nul%0d%1b[2J")
    # A raw ESC in a header is refused by the HTTP parser; a C1 control (CSI, U+009B, which
    # some terminals obey as ESC [) arrives as UTF-8 and is logged.
    answer = await _raw_get(served, b"/forged-esc", b"User-Agent: evil\x1b[31mred\r\n")
    assert answer.split(b" ")[1] == b"400"
    await _raw_get(served, b"/forged-agent", "User-Agent: evil\x9b31mred\r\n".encode())
    lines = await _settled(stream, 3)
    assert len(lines) == 3, stream.getvalue()  # one line each, nothing forged
    # The refused request is the client's mistake: a warning naming it, no traceback.
    refused = [line for line in stream.getvalue().splitlines() if "Error handling" in line]
    assert len(refused) == 1 and "Invalid header value char" in refused[0]
    assert "warning" in refused[0] and "Traceback" not in stream.getvalue()
    text = "\n".join(lines)
    assert not any(ord(c) < 32 for c in text.replace("\n", ""))
    assert "signed in" in lines[0]
    if fmt == "console":
        assert "/forged\\n2026-01-01T00:00:00Z" in lines[0]
        assert "/forged\\x00nul\\r\\x1b[2J" in lines[1]
        assert "evil\\x9b31mred" in lines[2]
    else:
        records = [json.loads(line) for line in lines]
        assert records[0]["event"].startswith("GET /forged\\n2026")
        assert records[2]["agent"] == "evil\\x9b31mred"


async def test_messages_and_arguments_of_any_logger_are_escaped(log_output) -> None:
    stream = log_output("console")
    logging.getLogger("mediaserver.test").warning("could not read %r: %s", "a\nb", "x\ny\x00")
    [line] = stream.getvalue().splitlines()
    assert "'a\\nb': x\\ny\\x00" in line


async def test_an_exception_message_cannot_forge_a_line_under_its_traceback(log_output) -> None:
    # A file or request named with a line break ends up in an exception's message; the
    # traceback below the entry keeps its lines, but each is indented and cleaned, so nothing in
    # it starts at the left margin the way a log entry does.
    stream = log_output("console")
    try:
        raise ValueError("cannot read movie\n2026-01-01T00:00:00Z [info     ] forged\x1b[2J")
    except ValueError:
        logging.getLogger("mediaserver.test").exception("scan failed")
    first, *rest = stream.getvalue().splitlines()
    assert "scan failed" in first
    assert rest and all(line.startswith("    ") for line in rest)
    assert any("Traceback (most recent call last)" in line for line in rest)
    assert any(
        line.strip().startswith("2026-01-01T00:00:00Z [info     ] forged\\x1b") for line in rest
    )


async def test_a_media_token_is_never_logged_whole(served, log_output) -> None:
    stream = log_output("console")
    token = media_token(served.server.app, 1)
    resp = await served.get(f"/media/t/{token}/file/1.mp4")
    assert resp.status in (403, 404)
    for _ in range(100):
        if "/media/t/" in stream.getvalue():
            break
        await asyncio.sleep(0.01)
    logged = stream.getvalue()
    assert f"/media/t/{token[:8]}\u2026/file/1.mp4" in logged
    assert token not in logged and token[8:] not in logged
