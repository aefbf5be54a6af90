from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tasks.exporting import export_ledger
from tasks.flat_export import flat_export
from tasks.interchange import plan_json
from tasks.models import Measure, Plan
from tasks.writeback import NoSourceFile, write_back


class Command(BaseCommand):
    help = (
        "Export a plan. xlsx: the ledger in its own layout with progress filled in (overdue cells red); "
        "with --writeback, the workbook the plan was imported from with its status cells filled in instead. "
        "csv: one row per measure. json: the interchange document, which import_ledger reads back. "
        "--plan may be left out when there is one plan; --year picks the year shown (default: the reporting year)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--plan", default="", help="slug of the plan (optional when there is one plan)")
        parser.add_argument("--format", choices=["xlsx", "csv", "json"], default="xlsx")
        parser.add_argument("-o", "--output", required=True, help="file to write")
        parser.add_argument("--year", type=int, help="plan year whose status is shown (default: the reporting year)")
        parser.add_argument("--writeback", action="store_true", help="xlsx only: fill in the original workbook")

    def handle(self, plan, format, output, year, writeback, **options):
        plan = find_plan(plan)
        if year is not None and year not in plan.years:
            raise CommandError(f"{year} is not a year of plan {plan.slug} ({plan.start_year}–{plan.end_year})")
        if writeback and format != "xlsx":
            raise CommandError("--writeback writes the original workbook: use it with --format xlsx")
        data = export_bytes(plan, format, year=year, writeback=writeback)
        Path(output).write_bytes(data)
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


def export_bytes(plan, fmt, *, year, writeback):
    if writeback:
        try:
            return write_back(plan, year=year)
        except NoSourceFile as error:
            raise CommandError(f"plan {plan.slug} was not imported from a workbook: nothing to write back into") from error
    if fmt == "xlsx":
        return export_ledger(plan, year=year)
    if fmt == "csv":
        return flat_export(Measure.objects.filter(item__task__section__plan=plan), "csv", year=year)[0]
    return plan_json(plan)
