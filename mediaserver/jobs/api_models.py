"""The jobs API's bodies: a job as the admin API shows it, and the list filter."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from mediaserver.http.api import ApiModel

JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class JobOut(ApiModel):
    id: int
    type: str = Field(description="What the job does, e.g. library.scan or media.package.")
    status: JobStatus
    progress: float = Field(description="0 to 100.")
    fps: float | None
    eta_seconds: float | None
    message: str
    error: str | None
    attempts: int
    payload: Any = Field(description="The job's input, as it was queued.")
    max_attempts: int
    created_at: float = Field(description="Unix time.")
    started_at: float | None
    finished_at: float | None
    cancel_requested: bool


class JobList(ApiModel):
    jobs: list[JobOut] = Field(description="Newest first, at most 100.")


class JobQuery(ApiModel):
    status: JobStatus | None = Field(default=None, description="Only jobs in this state.")
