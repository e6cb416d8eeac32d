"""Files that a worker writes when someone asks (a cluster's annual report, an area's dashboard):
their states, whether one has been abandoned, and the claim that makes the job safe to run twice, by
two workers, or after a crash.

A job is a row of a model with the fields `status` (Status below), `file`, `requested_at`,
`started_at`, `finished_at` and `error`. The page that asks creates the row and queues the task; the
task calls run(), which claims the row, renders and stores the file; the page shows the row's state
(job_page) and offers the file once it is ready (download).
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

logger = logging.getLogger(__name__)


class Status(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RENDERING = "rendering", "Being written"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


IN_FLIGHT = (Status.QUEUED, Status.RENDERING)
ABANDONED = "It took too long and was abandoned."
# Seconds between the reloads of a job's page while its file is being written.
REFRESH_SECONDS = 3


def _stale_before(now: datetime) -> datetime:
    # A worker is killed at the hard time limit: a claim older than that has nobody working on it.
    return now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)


def is_stuck(job, now: datetime | None = None) -> bool:
    """Rendering for longer than any worker may, or waiting longer than the broker keeps a message."""
    now = now or timezone.now()
    if job.status == Status.RENDERING:
        return job.started_at is None or job.started_at < _stale_before(now)
    if job.status == Status.QUEUED:
        wait = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
        return job.requested_at < now - timedelta(seconds=wait)
    return False


def seconds_until_stale(job) -> int:
    """How long until another worker's claim on the job, if that worker died, may be taken over."""
    if job.started_at is None:
        return 0
    left = job.started_at - _stale_before(timezone.now())
    return max(int(left.total_seconds()) + 1, 0)


def on_its_way(jobs: QuerySet):
    """The job among these that is still queued or rendering, or None. A stuck one (its worker died
    or its message was lost) is marked failed on the way, so that a late finish cannot overwrite it.
    Call inside the transaction that would otherwise create a new job, holding a lock on its parent."""
    now = timezone.now()
    for job in jobs.filter(status__in=IN_FLIGHT):
        if not is_stuck(job, now):
            return job
        jobs.filter(pk=job.pk, status=job.status).update(
            status=Status.FAILED, error=ABANDONED, finished_at=now
        )
    return None


def run(
    jobs: QuerySet,
    job_id: int,
    *,
    render: Callable[..., bytes],
    file_name: str,
    on_ready: Callable[..., object] | None = None,
    on_failed: Callable[..., object] | None = None,
):
    """Claim a queued job, render its file and store it. Safe to run twice, by two workers, or after
    a crash. `jobs` is the model's queryset (with what render needs selected); on_ready and on_failed
    run in the transaction that records the outcome, only for the holder of the claim.

    Returns the job as it was left (None if it no longer exists). RENDERING means another worker
    holds it: see seconds_until_stale.
    """
    now = timezone.now()
    this = jobs.filter(pk=job_id)
    claimable = Q(status=Status.QUEUED) | Q(status=Status.RENDERING, started_at__lt=_stale_before(now))
    if not this.filter(claimable).update(status=Status.RENDERING, started_at=now):
        return this.first()
    # Only the claim's holder may finish the job: after a takeover the older worker's result is dropped.
    ours = this.filter(status=Status.RENDERING, started_at=now)
    job = this.get()
    try:
        pdf = render(job)
    except Exception as error:
        logger.exception("%s %s could not be rendered", job._meta.verbose_name, job_id)
        message = (
            "It took too long to write."
            if isinstance(error, SoftTimeLimitExceeded)
            else "Something went wrong on our side while writing it."
        )
        with transaction.atomic():
            if ours.update(status=Status.FAILED, error=message, finished_at=timezone.now()) and on_failed:
                on_failed(job)
        return this.first()

    job.file.save(file_name, ContentFile(pdf), save=False)
    with transaction.atomic():
        finished = ours.update(status=Status.READY, file=job.file.name, error="", finished_at=timezone.now())
        if finished and on_ready:
            on_ready(job)
    if not finished:
        job.file.delete(save=False)
    return this.first()


def job_page(request, template: str, context: dict, job) -> HttpResponse:
    """A job's page: its template gets `in_progress`, `stuck` and `refresh_seconds` besides `context`.
    While the job is on its way the page reloads itself (a Refresh header, without JavaScript)."""
    stuck = is_stuck(job)
    in_progress = job.status in IN_FLIGHT and not stuck
    response = render(
        request,
        template,
        {**context, "in_progress": in_progress, "stuck": stuck, "refresh_seconds": REFRESH_SECONDS},
    )
    if in_progress:
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


def download(job, filename: str) -> FileResponse:
    """A ready job's file as an attachment saved under `filename`; 404 when the file has gone."""
    try:
        file = job.file.open("rb")
    except (FileNotFoundError, ValueError) as missing:
        raise Http404 from missing
    response = FileResponse(file, as_attachment=True, filename=filename, content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    return response
