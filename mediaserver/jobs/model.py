"""What a job is: its statuses, the stored row as a `Job`, and the limits on what may be stored.

No database access here; `queue` reads and writes jobs, `runner` runs them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

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

# Column limits from the schema; longer values are cut rather than rejected by the database.
TYPE_MAX = jobs.c.type.type.length or 64
OWNER_MAX = jobs.c.lease_owner.type.length or 100
MESSAGE_MAX = jobs.c.message.type.length or 500
ERROR_MAX = 4000
DEFAULT_MAX_ATTEMPTS = JobSettings.model_fields["max_attempts"].default


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

    NaN and infinity are refused: they are not JSON, and PostgreSQL rejects them.
    """
    try:
        return json.loads(json.dumps(payload, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise JobPayloadError(f"job payload must be JSON-serialisable: {exc}") from None


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
