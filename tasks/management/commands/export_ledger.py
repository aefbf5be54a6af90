from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tasks.exporting.ledger_layout import write_ledger
from tasks.exporting.flat import write_flat_export
from tasks.exporting.interchange import write_plan_json
from tasks.models import Measure, Plan
from tasks.exporting.writeback import NoSourceFile, write_back


class Command(BaseCommand):
    help = (
        "Export a plan. xlsx: the ledger in its own layout with progress filled in (overdue cells red); "
        "with --writeback, the workbook the plan was imported from with its status cells filled in instead. "
        "csv: one row per measure. json: the interchange document, which import_ledger reads back. "
        "--plan may be left out when there is one plan; --year picks the year shown (default: the reporting year). "
        "Measures a re-import removed are left out; --include-removed adds them to the json, marked removed."
    )
    #: Read-only, so no system checks first: they import every URLconf and view (about 0.15 s of
    #: each export); ``manage.py check``, ``migrate`` and ``runserver`` run them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--plan", default="", help="slug of the plan (optional when there is one plan)")
        parser.add_argument("--format", choices=["xlsx", "csv", "json"], default="xlsx")
        parser.add_argument("-o", "--output", required=True, help="file to write")
        parser.add_argument("--year", type=int, help="plan year whose status is shown (default: the reporting year)")
        parser.add_argument("--writeback", action="store_true", help="xlsx only: fill in the original workbook")
        parser.add_argument(
            "--include-removed",
            action="store_true",
            help='json only: add the measures a re-import removed, each marked "removed": true',
        )

    def handle(self, plan, format, output, year, writeback, include_removed, **options):
        plan = find_plan(plan)
        if year is not None and year not in plan.years:
            raise CommandError(f"{year} is not a year of plan {plan.slug} ({plan.start_year}–{plan.end_year})")
        if writeback and format != "xlsx":
            raise CommandError("--writeback writes the original workbook: use it with --format xlsx")
        if include_removed and format != "json":
            raise CommandError("--include-removed adds removed measures to the interchange document: use it with --format json")
        if writeback:
            Path(output).write_bytes(writeback_bytes(plan, year))
        else:
            with open(output, "wb") as handle:
                write_export(plan, format, handle, year=year, include_removed=include_removed)
        self.stdout.write(f"wrote {output} ({format}{', write-back' if writeback else ''}) for plan {plan.slug}")


def find_plan(slug):
    if slug:
        plan = Plan.objects.filter(slug=slug).first()
        if plan is None:
            raise CommandError(f"no plan {slug!r}; plans: {', '.join(Plan.objects.values_list('slug', flat=True)) or 'none'}")
        return plan
    plans = list(Plan.objects.all()[:2])
    if len(plans) != 1:
        raise CommandError("name the plan with --plan SLUG" if plans else "there is no plan to export")
    return plans[0]


def writeback_bytes(plan, year):
    try:
        return write_back(plan, year=year)
    except NoSourceFile as error:
        raise CommandError(f"plan {plan.slug} was not imported from a workbook: nothing to write back into") from error


def write_export(plan, fmt, output, *, year, include_removed=False):
    """Stream the export to ``output``: memory stays flat whatever the size of the plan."""
    if fmt == "xlsx":
        write_ledger(plan, output, year=year)
    elif fmt == "csv":
        write_flat_export(Measure.objects.filter(item__task__section__plan=plan), "csv", output, year=year)
    else:
        write_plan_json(plan, output, include_removed=include_removed)
