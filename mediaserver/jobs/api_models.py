"""The jobs API's bodies: a job as the admin API shows it, and the list filter."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from mediaserver.http.api import ApiModel
from mediaserver.jobs.model import STATUSES

JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class JobSubjectOut(ApiModel):
    title: str | None = Field(description="The title (and episode) the job works on.")
    library: str | None
    file: str | None = Field(description="The file's path as the library shows it.")


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
    lost: bool = Field(
        description="Running, but its worker has not been heard from for a few heartbeats: it "
        "probably died, and the job returns to the queue when its lease ends."
    )
    payload: Any = Field(description="The job's input, as it was queued.")
    max_attempts: int
    created_at: float = Field(description="Unix time.")
    started_at: float | None
    finished_at: float | None
    cancel_requested: bool
    subject: JobSubjectOut | None = Field(
        default=None, description="What the job works on, where its payload names it."
    )


class JobList(ApiModel):
    jobs: list[JobOut] = Field(description="Newest first, at most 100.")


class JobQuery(ApiModel):
    status: JobStatus | None = Field(default=None, description="Only jobs in this state.")

    @field_validator("status", mode="before")
    @classmethod
    def known_status(cls, value: object) -> object:
        if value in ("", None):
            return None
        if value not in STATUSES:
            raise ValueError(f"Unknown status; expected one of: {', '.join(STATUSES)}.")
        return value
