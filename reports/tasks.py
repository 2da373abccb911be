"""Heavy reports computed in the background (django-tasks-db), one fiscal year at a time."""

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from accounts.models import User
from reports.models import ReportRun
from reports.scope import ReportScope, find_scope
from reports.services import tables_for

# A run still unfinished after this long is considered lost (e.g. the worker was restarted).
RUN_TIMEOUT = timedelta(minutes=30)


@task()
def build_report(run_id: int) -> None:
    run = ReportRun.objects.get(pk=run_id)
    run.status = ReportRun.Status.RUNNING
    run.save(update_fields=["status"])
    try:
        scope = find_scope(run.scope_kind, run.scope_code)
        for done, year in enumerate(run.years, start=1):
            tables_for(scope, [year])
            ReportRun.objects.filter(pk=run.pk).update(done=done)
    except Exception as error:
        ReportRun.objects.filter(pk=run.pk).update(
            status=ReportRun.Status.FAILED,
            error=f"集計に失敗しました（{type(error).__name__}）。"[:300],
            finished_at=timezone.now(),
        )
        raise
    ReportRun.objects.filter(pk=run.pk).update(
        status=ReportRun.Status.DONE, finished_at=timezone.now()
    )


def start_run(user: User, scope: ReportScope, years: list[int]) -> ReportRun:
    """Queue the computation of `years`, or join a run already under way for the same report."""
    assert user.organisation_id is not None
    running = (
        ReportRun.objects.filter(
            scope_kind=scope.kind,
            scope_code=scope.key,
            years=years,
            status__in=(ReportRun.Status.QUEUED, ReportRun.Status.RUNNING),
            created_at__gte=timezone.now() - RUN_TIMEOUT,
            organisation_id=user.organisation_id,
        )
        .order_by("-id")
        .first()
    )
    if running is not None:
        return running
    run = ReportRun.objects.create(
        organisation_id=user.organisation_id,
        requested_by=user,
        scope_kind=scope.kind,
        scope_code=scope.key,
        years=years,
    )
    # The database backend stores the task in the same transaction as the run: a worker sees both.
    build_report.enqueue(run.pk)
    run.refresh_from_db()
    return run
