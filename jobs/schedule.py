"""The worker's own schedule: the day's reminders, escalations and supervisors' digests run as
one job at ``NOTICE_DAILY_AT`` (local time), which plans the next day's when it ends.

``plan_daily`` makes sure one such job is waiting: the worker calls it when it starts, and each
daily job calls it as it ends. A worker started after the hour on a day that has not had its run
(``DailyRun``) runs that day's at once. ``send_reminders`` from cron stays possible beside it: a
day's run sends nothing a cron run of the same day already sent, and the other way round.
"""

import datetime

from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from django_tasks import task
from django_tasks.base import TaskResultStatus

from notices.conf import setting
from notices.sending import send_reminders

from .exports import remove_old_exports
from .previews import drop_unconfirmed
from .models import DailyRun


def daily_time():
    hours, minutes = setting("NOTICE_DAILY_AT").split(":")
    return datetime.time(int(hours), int(minutes))


def waiting_daily_run():
    return DBTaskResult.objects.filter(task_path=daily_reminders.module_path, status=TaskResultStatus.READY).first()


def plan_daily(now=None):
    """Enqueue the next daily job unless one is waiting; returns ``(day, run_after)`` of the job
    enqueued, or None."""
    if waiting_daily_run() is not None:
        return None
    now = now or timezone.now()
    today = timezone.localdate(now)
    at_today = timezone.make_aware(datetime.datetime.combine(today, daily_time()))
    if now >= at_today and not DailyRun.objects.filter(day=today).exists():
        day, run_after = today, now
    else:
        day = today if now < at_today else today + datetime.timedelta(days=1)
        run_after = timezone.make_aware(datetime.datetime.combine(day, daily_time()))
    daily_reminders.using(run_after=run_after).enqueue(day.isoformat())
    return day, run_after


def run_daily(day):
    """Send ``day``'s reminders (deliveries left to the delivery jobs), record the run, drop old
    exports and the uploads of previews never confirmed, and plan the next run (also when sending
    failed: tomorrow still comes)."""
    try:
        report = send_reminders(day, inline=False)
        summary = f"{len(report.digests)} digest(s), {len(report.failed)} mail(s) failed, {len(report.deliveries)} channel message(s) queued"
        DailyRun.objects.get_or_create(day=day, defaults={"summary": summary})
        remove_old_exports()
        drop_unconfirmed()
    finally:
        plan_daily()
    return summary


@task()
def daily_reminders(day):
    """The worker's daily job: ``run_daily`` for ``day`` (ISO date), which plans the next day's."""
    return run_daily(datetime.date.fromisoformat(day))
