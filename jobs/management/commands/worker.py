"""``worker``: run the background jobs (deliveries, the daily reminders at ``NOTICE_DAILY_AT``,
large exports, large imports from the admin) as they come; the options are django-tasks-db's ``db_worker`` (``--batch``: run
what is due, then stop). It plans the daily run first (``jobs.schedule``)."""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from jobs.schedule import plan_daily


class Command(DatabaseWorker):
    help = (
        "Run the background jobs: notification deliveries with retries, the day's reminders, escalations and "
        "digests at NOTICE_DAILY_AT, large plan exports, and large imports confirmed in the admin. Same options as db_worker."
    )

    def handle(self, *args, **options):
        plan_daily()
        return super().handle(*args, **options)
