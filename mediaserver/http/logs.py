"""Structured logs (structlog): readable lines for people, JSON for collectors.

Whatever a request carries ends up in some log line (its path in the access log, a header, a
file name), so the formatter every handler uses escapes control characters in each value: a
`%0a` in a path cannot start a forged line, a NUL or an escape sequence cannot reach a
terminal. Media URLs carry their credential in the path: only a token's first characters are
ever written.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from typing import TextIO

import structlog
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError
from structlog.typing import ExcInfo

from mediaserver.config import LoggingSettings


def setup_logging(settings: LoggingSettings) -> None:
    """Route stdlib logging (aiohttp, alembic, ours) through one structlog formatter."""
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if settings.format == "json"
        else structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=indented_traceback
        )
    )
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
    ]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info if settings.format == "json" else _identity,
            escape_values,
            renderer,
        ],
    )
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.level.upper())
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its per-run chatter is noise
    server = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, UnparsableRequests) for f in server.filters):
        server.addFilter(UnparsableRequests())
    logging.getLogger("aiohttp.access").setLevel(
        logging.INFO if settings.access_log else logging.WARNING
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )


def _identity(_logger: object, _name: str, event: dict) -> dict:
    return event


# C0 and C1 controls, DEL and the Unicode line and paragraph separators; readable names for
# the common ones.
_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}
_ESCAPES |= {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r", 0x2028: "\\u2028", 0x2029: "\\u2029"}
TOKEN_KEPT = 8
"""Characters of a media token a log line keeps: enough to tell plays apart, too few to use."""
_MEDIA_TOKEN = re.compile(f"(/media/t/)([^/]{{{TOKEN_KEPT}}})[^/]+")
_MULTILINE = frozenset({"exception", "stack"})  # tracebacks, made by us: lines on purpose


def clean_value(text: str) -> str:
    """`text` fit for one log line: media tokens shortened, control characters escaped."""
    return _MEDIA_TOKEN.sub("\\1\\2\u2026", text).translate(_ESCAPES)


def indented_traceback(out: TextIO, exc_info: ExcInfo) -> None:
    """A traceback under its log line, every line of it indented and cleaned: an exception's
    message may quote a request or a file name, and a line break in it must not start a line
    that reads as a new log entry."""
    for line in "".join(traceback.format_exception(*exc_info)).splitlines():
        out.write("\n    " + clean_value(line))


def escape_values(_logger: object, _name: str, event: dict) -> dict:
    """The formatter's last step before rendering: every text value of the line (the message
    with its arguments, extras) passes through clean_value."""
    for key, value in event.items():
        if isinstance(value, str) and key not in _MULTILINE:
            event[key] = clean_value(value)
    return event


class UnparsableRequests(logging.Filter):
    """A request aiohttp cannot parse (a control character in a header, a line too long) is the
    client's mistake, answered 400: one warning naming it, not an error with a traceback that
    anyone could fill the log with."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError) and record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg = f"{record.msg}: %s %s"
            record.args = (*(record.args or ()), exc.code, exc.message)
            record.exc_info = record.exc_text = None
        return True


class AccessLogger(AbstractAccessLogger):
    """One line per request with method, path, status, size and duration."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, elapsed: float) -> None:
        self.logger.info(
            "%s %s %s",
            request.method,
            request.rel_url.path,
            response.status,
            extra={
                "status": response.status,
                "bytes": response.body_length,
                "ms": round(elapsed * 1000, 1),
                "remote": request.remote,
                "agent": request.headers.get("User-Agent", ""),
            },
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)
