"""What a job is about, in words, for the jobs page: the title, library and file its payload
names. The jobs seam knows no domain, so the domains that own those things register a
describer (`register_job_subjects`) that turns payloads into names, in one query per page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiohttp import web

from mediaserver.jobs.model import Job


@dataclass(frozen=True, slots=True)
class JobSubject:
    """Names of what a job works on; None where its payload does not say."""

    title: str | None = None
    library: str | None = None
    file: str | None = None

    def merged(self, other: JobSubject) -> JobSubject:
        return JobSubject(
            self.title or other.title, self.library or other.library, self.file or other.file
        )

    def parts(self) -> list[tuple[str, str]]:
        """(label, name) pairs, in the order the page shows them."""
        named = (("Title", self.title), ("Library", self.library), ("File", self.file))
        return [(label, name) for label, name in named if name]


# Job id -> what it is about, for the jobs given (leave out the ones the describer cannot name).
Describer = Callable[[web.Application, Sequence[Job]], Awaitable[dict[int, JobSubject]]]
describers_key = web.AppKey("job_subject_describers", list[Describer])


def register_job_subjects(app: web.Application, describer: Describer) -> None:
    """Name the title, library or file of jobs whose payloads this domain understands."""
    app.setdefault(describers_key, []).append(describer)


async def describe_jobs(app: web.Application, jobs: Sequence[Job]) -> dict[int, JobSubject]:
    """Every registered describer's names for these jobs, merged."""
    found: dict[int, JobSubject] = {}
    for describer in app.get(describers_key, []):
        for job_id, subject in (await describer(app, jobs)).items():
            found[job_id] = found[job_id].merged(subject) if job_id in found else subject
    return found
