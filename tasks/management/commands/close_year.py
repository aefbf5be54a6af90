from django.core.management.base import BaseCommand, CommandError

from departments.models import Department
from tasks.management.commands.export_ledger import find_plan
from tasks.workflow.year_close import CloseRefused, close_year, reopen_year


class Command(BaseCommand):
    help = (
        "Close a plan's year once its figures went upward (年度关账): its progress, evidence and extensions "
        "become read-only for everyone. --department closes it for those departments only. "
        "--reopen --reason TEXT reopens it (every closure of the year, or those of the departments named)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--plan", default="", help="slug of the plan (optional when there is one plan)")
        parser.add_argument("--year", type=int, required=True, help="the plan year to close or reopen")
        parser.add_argument(
            "--department", action="append", default=[], help="close (or reopen) for this department only; repeatable"
        )
        parser.add_argument("--reopen", action="store_true", help="reopen the year instead of closing it")
        parser.add_argument("--reason", default="", help="why the year is reopened (required with --reopen)")

    def handle(self, plan, year, department, reopen, reason, **options):
        plan = find_plan(plan)
        departments = [self.department(name) for name in department]
        if reason and not reopen:
            raise CommandError("--reason goes with --reopen")
        try:
            if reopen:
                reopened = reopen_year(plan, year, reason=reason, departments=departments)
            else:
                closed, already = close_year(plan, year, departments=departments)
        except CloseRefused as refused:
            raise CommandError(str(refused)) from refused
        if reopen:
            for closure in reopened:
                self.stdout.write(f"reopened {plan.slug} {year} ({scope(closure)}): {reason.strip()}")
            return
        for closure in closed:
            self.stdout.write(f"closed {plan.slug} {year} ({scope(closure)})")
        for closure in already:
            self.stdout.write(f"already closed {plan.slug} {year} ({scope(closure)}) since {closure.closed_at:%Y-%m-%d %H:%M}")

    @staticmethod
    def department(name):
        found = Department.objects.filter(name=name.strip()).first()
        if found is None:
            raise CommandError(f"no department {name!r}")
        return found


def scope(closure):
    return closure.department.name if closure.department_id else "all departments"
