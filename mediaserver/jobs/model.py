"""What a job is: its statuses, the stored row as a `Job`, and the limits on what may be stored.

No database access here; `queue` reads and writes jobs, `runner` runs them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from mediaserver.config import JobSettings
from mediaserver.db.schema import jobs

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
)
STATUSES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)
FINISHED = (SUCCEEDED, FAILED, CANCELLED)
WORKER_LOST = "worker lost"

# Light jobs (a scan, finishing an upload, housekeeping) take seconds to minutes and someone is
# waiting for them; heavy ones (encodes) take hours. Light jobs get slots heavy ones never use.
Lane = Literal["light", "heavy"]
# A running job whose worker has not been heard from for this many heartbeats shows as lost.
LOST_AFTER_BEATS = 3

# Column limits from the schema; longer values are cut rather than rejected by the database.
TYPE_MAX = jobs.c.type.type.length or 64
OWNER_MAX = jobs.c.lease_owner.type.length or 100
MESSAGE_MAX = jobs.c.message.type.length or 500
ERROR_MAX = 4000
DEFAULT_MAX_ATTEMPTS = JobSettings.model_fields["max_attempts"].default


def heartbeat_seconds(settings: JobSettings) -> float:
    """How often a worker heartbeats its jobs: often enough to be seen lost within seconds, and
    at least three times a lease, so one missed beat never costs the lease."""
    return min(settings.heartbeat_seconds, settings.lease_seconds / 3)


def lost_after(settings: JobSettings) -> float:
    """Seconds without a sign of life after which a running job shows as lost."""
    return LOST_AFTER_BEATS * heartbeat_seconds(settings)


class JobPayloadError(TypeError):
    """The payload cannot be stored as JSON; the message says why."""


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    type: str
    payload: Any
    status: str
    priority: int
    attempts: int
    max_attempts: int
    run_after: float
    lease_owner: str | None
    lease_expires_at: float | None
    cancel_requested: bool
    progress: float
    fps: float | None
    eta_seconds: float | None
    message: str
    error: str | None
    created_at: float
    updated_at: float
    started_at: float | None
    finished_at: float | None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def lost(self, now: float, after: float) -> bool:
        """Running, but its worker (every write it makes bumps updated_at) has been silent for
        `after` seconds: it probably died. The job returns to the queue when its lease ends."""
        return self.status == RUNNING and self.updated_at < now - after


@dataclass(frozen=True, slots=True)
class Queued:
    """What `enqueue_once` did: queued a new job, or found the same work already waiting or
    running (`merged`) and left it at that."""

    job_id: int
    status: str
    merged: bool


def job_from_row(row: sa.Row) -> Job:
    data = dict(row._mapping)
    data["cancel_requested"] = bool(data["cancel_requested"])
    return Job(**data)


def check_type(job_type: str) -> None:
    """Refuse a job type the `jobs.type` column cannot hold."""
    if not job_type or len(job_type) > TYPE_MAX:
        raise ValueError(f"job type must be 1 to {TYPE_MAX} characters, got {job_type!r}")


def check_payload(payload: Any) -> Any:
    """Return the payload as it will read back (tuples become lists), or raise JobPayloadError.

    NaN and infinity are refused: they are not JSON, and PostgreSQL rejects them. Keys are sorted,
    so the same work is always stored as the same text (`enqueue_once` compares it).
    """
    try:
        return json.loads(json.dumps(payload, allow_nan=False, sort_keys=True))
    except (TypeError, ValueError) as exc:
        raise JobPayloadError(f"job payload must be JSON-serialisable: {exc}") from None


def payload_text(stored: Any) -> str:
    """The text a checked payload is stored as (the JSON column's own serialisation)."""
    return json.dumps(stored)


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def progress_fields(
    percent: float, fps: float | None, eta: float | None, message: str
) -> dict[str, Any]:
    """The progress columns as they are stored: percent clamped to 0-100, message cut to fit.

    NaN or infinity from an encoder's estimate becomes "unknown"; PostgreSQL would refuse it.
    """
    return {
        "progress": min(100.0, max(0.0, float(percent))) if math.isfinite(percent) else 0.0,
        "fps": _finite(fps),
        "eta_seconds": _finite(eta),
        "message": cut(message, MESSAGE_MAX),
    }


def _finite(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None
