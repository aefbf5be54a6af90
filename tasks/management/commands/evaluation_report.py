from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tasks.access import sees_everything
from tasks.standing.dashboard import Scope, ScopeError
from tasks.exporting.evaluation_report import ReportError, report_docx, report_pdf
from tasks.management.commands.export_ledger import find_plan


class Command(BaseCommand):
    help = (
        "Write the evaluation report (评估总结报告) of a plan as .docx, or .pdf through LibreOffice: the dashboard's "
        "figures for the year (default: the reporting year) and department, completion by section and department "
        "with charts, overdue and extended measures with reasons, measures done with notes and evidence counts, "
        "and the sections the writer fills in. --user names the supervisor or admin account whose view it is."
    )

    def add_arguments(self, parser):
        parser.add_argument("--plan", default="", help="slug of the plan (optional when there is one plan)")
        parser.add_argument("--user", required=True, help="a supervisor or admin account")
        parser.add_argument("--year", type=int, help="plan year (default: the reporting year)")
        parser.add_argument("--department", default="", help="department name or id (default: every department)")
        parser.add_argument("--as-of", default="", help="date overdue is judged on, YYYY-MM-DD (default: today)")
        parser.add_argument("--format", choices=["docx", "pdf"], default="docx")
        parser.add_argument("-o", "--output", required=True, help="file to write")

    def handle(self, plan, user, year, department, as_of, format, output, **options):
        plan = find_plan(plan)
        account = get_user_model().objects.filter(username=user).first()
        if account is None or not sees_everything(account):
            raise CommandError(f"{user!r} is not a supervisor or admin account")
        params = {"plan": plan.slug, "year": year or "", "department": department, "as_of": as_of}
        try:
            scope = Scope.from_params({k: str(v) for k, v in params.items() if v}, plans=[plan])
        except ScopeError as error:
            raise CommandError(str(error)) from error
        if scope.year not in plan.years:
            raise CommandError(f"{scope.year} is not a year of plan {plan.slug} ({plan.start_year}–{plan.end_year})")
        try:
            data = report_docx(account, scope)
            if format == "pdf":
                data = report_pdf(data)
        except ReportError as error:
            raise CommandError(str(error)) from error
        Path(output).write_bytes(data)
        self.stdout.write(f"wrote {output} ({format}) for plan {plan.slug}, {scope.year}")
