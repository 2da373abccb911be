"""Jobs the task worker runs again and again: removing expired sessions, writing the audit
checkpoint, pruning finished task rows.

Each job is a plain function named by its dotted path in `settings.PERIODIC_JOBS` (so that this
ground module imports no app above it). `run_periodic(name)` runs one job and queues its next run
`every_minutes` later, whatever the job's outcome: a failing job is retried at its next turn, not
lost. `manage.py schedule_periodic` (run by `make run` before the worker, and once at each
deployment) queues every job that has no run waiting; it is safe to run any number of times.
The database backend of django-tasks-db keeps the queue, so several app servers share it and a
restarted worker picks up where it stopped.
"""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.tasks import task
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

# Finished task rows older than this are removed by the prune job.
FINISHED_TASK_RETENTION = timedelta(days=30)


def job_spec(name: str) -> dict[str, Any]:
    spec: dict[str, Any] = settings.PERIODIC_JOBS[name]
    return spec


@task()
def run_periodic(name: str) -> None:
    spec = job_spec(name)
    try:
        import_string(spec["callable"])()
    finally:
        # Queued before the job's error propagates: the worker records the failure, and the job
        # runs again at its next turn.
        _queue_next(name, minutes=spec["every_minutes"])


def _queue_next(name: str, *, minutes: int) -> None:
    backend = run_periodic.get_backend()
    if not backend.supports_defer:
        return  # the immediate backend (tests) runs a job only when asked
    run_periodic.using(run_after=timezone.now() + timedelta(minutes=minutes)).enqueue(name)


def schedule_all() -> list[str]:
    """Queue every periodic job with no run waiting or running; the names queued."""
    queued = []
    for name in settings.PERIODIC_JOBS:
        if not _is_waiting(name):
            run_periodic.enqueue(name)
            queued.append(name)
    return queued


def _is_waiting(name: str) -> bool:
    pending = DBTaskResult.objects.filter(
        task_path=run_periodic.module_path, status__in=["READY", "RUNNING"]
    )
    return any(row.args_kwargs.get("args") == [name] for row in pending.only("args_kwargs"))


# ---- the jobs of the ground itself ----


def clear_expired_sessions() -> int:
    """Remove expired sessions (with any form kept in them); the number removed."""
    removed, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return removed


def prune_finished_tasks() -> int:
    cutoff = timezone.now() - FINISHED_TASK_RETENTION
    removed, _ = DBTaskResult.objects.filter(
        status__in=["SUCCESSFUL", "FAILED"], finished_at__lt=cutoff
    ).delete()
    return removed
