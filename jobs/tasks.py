"""The jobs the worker (``manage.py worker``) runs besides the deliveries (``notices.tasks``)."""

import datetime

from django_tasks import task

from . import exports, schedule


@task()
def build_export(export_id):
    """Write a plan export asked for on the export page (``jobs.exports``)."""
    return exports.build(export_id)


@task()
def daily_reminders(day):
    """The day's reminders, escalations and digests (``jobs.schedule``); plans the next day's."""
    return schedule.run_daily(datetime.date.fromisoformat(day))
