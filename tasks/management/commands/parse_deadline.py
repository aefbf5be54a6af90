import json

from django.core.management.base import BaseCommand

from tasks.deadlines.phrases import parse_deadline
from tasks.importing.options import parse_years


class Command(BaseCommand):
    help = (
        "Print the milestones of a deadline phrase (完成时限) as JSON. --year is the year of the "
        "column the phrase sits in, used when the phrase names none; --plan-years for 每年 phrases."
    )

    def add_arguments(self, parser):
        parser.add_argument("phrase")
        parser.add_argument("--year", type=int)
        parser.add_argument("--plan-years", default="", help="e.g. 2023-2025")

    def handle(self, phrase, year, plan_years, **options):
        years = parse_years(plan_years) if plan_years else []
        milestones = parse_deadline(phrase, year=year, plan_years=years)
        self.stdout.write(json.dumps([m.as_json() for m in milestones], ensure_ascii=False))
