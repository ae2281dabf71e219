"""Admin jobs page with live progress (Server-Sent Events), and the jobs JSON API."""

from __future__ import annotations

import asyncio
import json
import time

from aiohttp import web

from mediaserver.db.audit import audit_request
from mediaserver.errors import BadRequest, NotFound
from mediaserver.http.api import api, read_query
from mediaserver.http.auth import access
from mediaserver.http.forms import int_path
from mediaserver.http.templating import is_htmx, render
from mediaserver.jobs import queue
from mediaserver.jobs.api_models import JobList, JobOut, JobQuery
from mediaserver.jobs.events import job_event
from mediaserver.jobs.model import QUEUED, RUNNING, STATUSES, Job
from mediaserver.jobs.subjects import JobSubject, describe_jobs
from mediaserver.keys import db_key, job_events_key, jobs_key

routes = web.RouteTableDef()

# Without an event, the stream re-reads active jobs this often: that is how progress made by
# workers in other processes or on other machines reaches the page.
POLL_SECONDS = 2.0
PAGE_SIZE = 100


def _status_filter(request: web.Request) -> str | None:
    return read_query(request, JobQuery).status


def _job_json(request: web.Request, job: Job, subject: JobSubject | None = None) -> dict:
    named = None if subject is None else {"title": subject.title, "library": subject.library}
    return job_event(job, request.app[jobs_key].lost_after) | {
        "subject": None if named is None else named | {"file": subject.file},
        "payload": job.payload,
        "max_attempts": job.max_attempts,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "cancel_requested": job.cancel_requested,
    }


@routes.get("/admin/jobs", name="admin_jobs")
@access("admin")
async def jobs_page(request: web.Request) -> web.Response:
    status = _status_filter(request)
    jobs = await queue.list_jobs(request.app[db_key], status=status, limit=PAGE_SIZE)
    runner = request.app[jobs_key]
    return render(
        request,
        "admin/jobs.html",
        {
            "jobs": jobs,
            "status": status,
            "statuses": STATUSES,
            "worker_types": runner.types,
            "active_page": "jobs",
            "subjects": await describe_jobs(request.app, jobs),
            **_row_context(request),
        },
        block="job_rows",
    )


@routes.get("/admin/jobs/events", name="admin_job_events")
@access("admin")
async def job_event_stream(request: web.Request) -> web.StreamResponse:
    """text/event-stream of job changes: one `job` event per change, JSON data."""
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",  # let reverse proxies pass events through at once
        }
    )
    await response.prepare(request)
    db, lost_after = request.app[db_key], request.app[jobs_key].lost_after
    async with request.app[job_events_key].subscribe() as sub:
        await response.write(b"retry: 3000\n\n")
        while True:
            try:
                event = await asyncio.wait_for(sub.get(), timeout=POLL_SECONDS)
            except TimeoutError:
                active = await queue.list_jobs(db, status=(RUNNING, QUEUED), limit=50)
                events = (_sse(job_event(j, lost_after)) for j in active)
                payload = b"".join(events) or b": keep-alive\n\n"
                await response.write(payload)
                continue
            if event is None:  # the server is shutting down
                break
            await response.write(_sse(event))
    return response


def _row_context(request: web.Request) -> dict:
    """What a job row needs to tell a job whose worker went silent."""
    return {"now": time.time(), "lost_after": request.app[jobs_key].lost_after}


def _sse(event: dict) -> bytes:
    return f"event: job\ndata: {json.dumps(event)}\n\n".encode()


async def _act(request: web.Request, action: str) -> web.StreamResponse:
    runner = request.app[jobs_key]
    job_id = int_path(request, "job_id")
    job = await (runner.cancel(job_id) if action == "cancel" else runner.retry(job_id))
    if job is None:
        if await queue.get(request.app[db_key], job_id) is None:
            raise NotFound("No such job.")
        raise BadRequest(
            f"This job cannot be {'cancelled' if action == 'cancel' else 'retried'}"
            " in its current state."
        )
    await audit_request(request, f"job.{action}", f"job #{job.id} {job.type}")
    if request.path.startswith("/api/"):
        return web.json_response(_job_json(request, job))
    if is_htmx(request):
        subjects = await describe_jobs(request.app, [job])
        context = {"job": job, "subjects": subjects, **_row_context(request)}
        return render(request, "admin/_job_row.html", context)
    raise web.HTTPSeeOther("/admin/jobs")


@routes.post("/admin/jobs/{job_id}/cancel", name="admin_job_cancel")
@access("admin")
async def cancel_job(request: web.Request) -> web.StreamResponse:
    return await _act(request, "cancel")


@routes.post("/admin/jobs/{job_id}/retry", name="admin_job_retry")
@access("admin")
async def retry_job(request: web.Request) -> web.StreamResponse:
    return await _act(request, "retry")


@routes.get("/api/v1/jobs", name="api_jobs")
@access("admin")
@api(query=JobQuery, response=JobList)
async def api_list_jobs(request: web.Request) -> web.Response:
    """List the newest jobs, optionally only those in one state."""
    jobs = await queue.list_jobs(
        request.app[db_key], status=_status_filter(request), limit=PAGE_SIZE
    )
    subjects = await describe_jobs(request.app, jobs)
    return web.json_response({"jobs": [_job_json(request, j, subjects.get(j.id)) for j in jobs]})


@routes.get("/api/v1/jobs/{job_id}", name="api_job")
@access("admin")
@api(response=JobOut)
async def api_get_job(request: web.Request) -> web.Response:
    """One job with its progress, attempts and error."""
    job = await queue.get(request.app[db_key], int_path(request, "job_id"))
    if job is None:
        raise NotFound("No such job.")
    subject = (await describe_jobs(request.app, [job])).get(job.id)
    return web.json_response(_job_json(request, job, subject))


@routes.post("/api/v1/jobs/{job_id}/cancel", name="api_job_cancel")
@access("admin")
@api(response=JobOut)
async def api_cancel_job(request: web.Request) -> web.StreamResponse:
    """Cancel a queued or running job; a running one stops at its next check."""
    return await _act(request, "cancel")


@routes.post("/api/v1/jobs/{job_id}/retry", name="api_job_retry")
@access("admin")
@api(response=JobOut)
async def api_retry_job(request: web.Request) -> web.StreamResponse:
    """Queue a failed or cancelled job again."""
    return await _act(request, "retry")
