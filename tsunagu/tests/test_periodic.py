"""The task worker's periodic jobs: queued once, run, and queued again whatever the outcome."""

from datetime import timedelta
from unittest import mock

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tsunagu import periodic

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@override_settings(TASKS=DATABASE_TASKS)
class ScheduleTests(TestCase):
    def waiting(self) -> list[list[str]]:
        rows = DBTaskResult.objects.filter(status="READY").order_by("enqueued_at")
        return [row.args_kwargs["args"] for row in rows]

    def test_schedule_queues_each_job_once_however_often_it_is_run(self) -> None:
        call_command("schedule_periodic", stdout=mock.MagicMock())
        call_command("schedule_periodic", stdout=mock.MagicMock())
        self.assertEqual(
            sorted(self.waiting()), sorted([[name] for name in periodic.settings.PERIODIC_JOBS])
        )

    def test_a_run_queues_the_next_one_later(self) -> None:
        periodic.run_periodic.call("clear_sessions")
        (row,) = DBTaskResult.objects.filter(status="READY")
        self.assertEqual(row.args_kwargs["args"], ["clear_sessions"])
        self.assertGreater(row.run_after, timezone.now() + timedelta(minutes=59))

    @override_settings(
        PERIODIC_JOBS={"broken": {"callable": f"{__name__}.fail", "every_minutes": 5}}
    )
    def test_a_failing_job_is_still_queued_again(self) -> None:
        with self.assertRaises(RuntimeError):
            periodic.run_periodic.call("broken")
        self.assertEqual(self.waiting(), [["broken"]])


def fail() -> None:
    raise RuntimeError("job failed")


class ClearSessionsTests(TestCase):
    def test_expired_sessions_and_the_forms_kept_in_them_are_removed(self) -> None:
        for expiry in (-60, 3600):
            store = SessionStore()
            store["tsunagu_kept_form"] = {"path": "/x/", "data": "...", "user": "1"}
            store.set_expiry(expiry)
            store.save()
        self.assertEqual(periodic.clear_expired_sessions(), 1)
        self.assertEqual(Session.objects.count(), 1)
