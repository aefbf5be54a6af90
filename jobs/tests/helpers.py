"""Running the real worker in a test: the ``worker`` command in batch mode runs every job that is
due, each as the worker does it (claimed from the job table, then run), and stops when none is left."""

from django.core.management import call_command

# 06:00 in Beijing, before the daily run (NOTICE_DAILY_AT 07:30): the worker only plans it
EARLY = "2024-11-29T06:00:00+08:00"


def run_worker():
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0", verbosity=0)
