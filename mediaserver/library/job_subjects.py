"""Names for the jobs page: the title, library and file a job's payload points at
(`media_file_id`, `title_id` or `library_id`), read in one query each."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from aiohttp import web

from mediaserver.db.catalog_schema import episodes, libraries, media_files, titles
from mediaserver.jobs import Job, JobSubject
from mediaserver.keys import db_key


def _ids(jobs: Sequence[Job], key: str) -> dict[int, int]:
    """Job id -> the positive integer its payload holds under `key`."""
    found = {}
    for job in jobs:
        value = job.payload.get(key) if isinstance(job.payload, dict) else None
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            found[job.id] = value
    return found


def _title_name(title: str | None, year: int | None, season: int | None, ep: int | None) -> str:
    name = f"{title} ({year})" if title and year else title or ""
    return f"{name} S{season:02d}E{ep:02d}" if season is not None and ep is not None else name


async def describe(app: web.Application, jobs: Sequence[Job]) -> dict[int, JobSubject]:
    """What each job works on, by the ids in its payload."""
    by_file, by_title, by_library = (
        _ids(jobs, "media_file_id"), _ids(jobs, "title_id"), _ids(jobs, "library_id")
    )  # fmt: skip
    found: dict[int, JobSubject] = {}
    async with app[db_key].read() as conn:
        if by_file:
            rows = await conn.execute(
                sa.select(
                    media_files.c.id, media_files.c.display_path, libraries.c.name, titles.c.title,
                    titles.c.year, episodes.c.season_number, episodes.c.episode_number,
                )
                .join(libraries, libraries.c.id == media_files.c.library_id)
                .outerjoin(titles, titles.c.id == media_files.c.title_id)
                .outerjoin(episodes, episodes.c.id == media_files.c.episode_id)
                .where(media_files.c.id.in_(set(by_file.values())))
            )  # fmt: skip
            files = {r[0]: r for r in rows}
            for job_id, file_id in by_file.items():
                if (r := files.get(file_id)) is not None:
                    found[job_id] = JobSubject(_title_name(*r[3:7]) or None, r[2], r[1])
        if by_title:
            rows = await conn.execute(
                sa.select(titles.c.id, titles.c.title, titles.c.year, libraries.c.name)
                .join(libraries, libraries.c.id == titles.c.library_id)
                .where(titles.c.id.in_(set(by_title.values())))
            )
            named = {r[0]: r for r in rows}
            for job_id, title_id in by_title.items():
                if (r := named.get(title_id)) is not None and job_id not in found:
                    found[job_id] = JobSubject(_title_name(r[1], r[2], None, None), r[3])
        if by_library:
            rows = await conn.execute(
                sa.select(libraries.c.id, libraries.c.name).where(
                    libraries.c.id.in_(set(by_library.values()))
                )
            )
            names = dict(rows.all())
            for job_id, library_id in by_library.items():
                if library_id in names and job_id not in found:
                    found[job_id] = JobSubject(library=names[library_id])
    return found
