from django.core.management.base import BaseCommand
from django.db import transaction

from tasks.models import Deadline
from tasks.deadlines.schedule import reparse


class Command(BaseCommand):
    help = (
        "Parse every stored deadline phrase again (after a parser change) and report each phrase "
        "whose milestones or review flag changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="report the changes, keep the old milestones")

    def handle(self, dry_run, **options):
        changed = 0
        with transaction.atomic():
            deadlines = Deadline.objects.select_related("measure__item__task__section__plan").prefetch_related("milestones")
            for deadline in deadlines:
                result = reparse(deadline, deadline.measure.plan.years)
                if result is None:
                    continue
                changed += 1
                flag = "，待复核" if result.needs_review else ""
                self.stdout.write(
                    f"measure {deadline.measure_id} {deadline.year} 「{deadline.text}」: "
                    f"{summarise(result.old)} → {summarise(result.new)}{flag}"
                )
            if dry_run:
                transaction.set_rollback(True)
        self.stdout.write(f"{changed} of {deadlines.count()} deadlines {'would change' if dry_run else 'changed'}")


def summarise(rows):
    return "，".join(f"{row['date'] or row['kind']}{' ' + row['label'] if row['label'] else ''}" for row in rows) or "—"
