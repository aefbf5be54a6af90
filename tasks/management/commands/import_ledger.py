from django.core.management.base import BaseCommand, CommandError

from tasks.importing.errors import ImportFailed
from tasks.importing.options import ImportOptions, parse_column_map, parse_years
from tasks.importing.ledger_import import import_ledger


class Command(BaseCommand):
    help = (
        "Import a ledger file (.xlsx, .xls, .et, .ods, .csv, a Word table in .docx; .doc/.wps through LibreOffice), "
        "or the JSON export of export_ledger (the format judged by content, then extension). The ledger sheet, its header row and the meaning of each column are "
        "found by the column names. Importing the same file again changes nothing; an edited file "
        "updates what changed and keeps progress entered in the app. Measures are recognised by their "
        "content, not their number: each is reported unchanged, reworded, moved, updated, new, removed "
        "(no longer in the file: kept with its reports, out of lists and figures) or restored; --dry-run "
        "lists every measure. Two equally good matches stop the import naming both. Any error names the "
        "file, sheet, row and column, exits non-zero and writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check and list what happens to each measure, write nothing")
        parser.add_argument("--plan", default="", help="slug of the plan to import into (default: from the file name)")
        parser.add_argument("--years", default="", help="plan years when the file names none: 2024 or 2023-2025")
        parser.add_argument(
            "--column", action="append", default=[], metavar="HEADER=FIELD",
            help="map a column the importer does not know, e.g. 民生实事=measure",
        )

    def handle(self, file, dry_run, plan, years, column, **options):
        try:
            import_options = ImportOptions(
                plan_slug=plan,
                years=parse_years(years) if years else [],
                column_map=parse_column_map(column),
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        try:
            report = import_ledger(file, options=import_options, dry_run=dry_run)
        except ImportFailed as failure:
            raise CommandError("import failed, nothing was written:\n" + "\n".join(failure.messages)) from failure
        for line in report.lines():
            self.stdout.write(line)
