"""``manage.py rebuild_standing``: work the kept standing of every measure out again."""

from django.core.management.base import BaseCommand
from django.db import transaction

from tasks.standing.kept import rebuild_standing


class Command(BaseCommand):
    help = "Work out again, from progress and milestones, the kept standing every list and figure reads (one transaction)."

    def handle(self, **options):
        with transaction.atomic():
            standings, open_milestones = rebuild_standing()
        self.stdout.write(f"standing rows: {standings}, open milestones: {open_milestones}")
