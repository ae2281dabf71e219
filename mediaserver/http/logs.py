"""Structured logs (structlog): readable lines for people, JSON for collectors."""

from __future__ import annotations

import logging
import sys

import structlog
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from mediaserver.config import LoggingSettings


def setup_logging(settings: LoggingSettings) -> None:
    """Route stdlib logging (aiohttp, alembic, ours) through one structlog formatter."""
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if settings.format == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
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
            renderer,
        ],
    )
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.level.upper())
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its per-run chatter is noise
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
            },
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)
