"""How long a ledger published as PDF takes to import (issue #19): a synthetic ledger in the
Guangyuan layout, printed to PDF by LibreOffice as offices print it (fit to the page width, the
header repeated on every page), read in the isolated reader with its memory and time caps (as an
upload through the admin is), then imported into a fresh database.

    .venv/bin/python bench/pdf_ledger.py [--pages 50] [--database-url postgres://…/bench_pdf]

Without ``--database-url`` the import goes into a SQLite file in a temporary directory. Prints
one line of JSON (measures, pages, seconds to print, to read, to import) and saves it as
``results/pdf.json`` (or ``results/pdf-postgres.json``); docs/benchmarks.md quotes it.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
import pypdfium2

from generate import write_ledger

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
#: Measures per printed page of the Guangyuan layout, to guess the size of a ledger of N pages.
MEASURES_PER_PAGE_GUESS = 50


def printable(source: Path) -> None:
    """The workbook set up to print as offices print it: fit to the page width, header repeated."""
    workbook = openpyxl.load_workbook(source)
    sheet = workbook["附件2"]
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = "3:3"
    for other in workbook.worksheets:
        if other is not sheet:
            other.sheet_state = "hidden"
    workbook.active = workbook.worksheets.index(sheet)
    workbook.save(source)


def print_to_pdf(source: Path, out: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        sys.exit("LibreOffice (soffice) is missing: run bin/setup-office")
    profile = (out / "lo-profile").as_uri()
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=600,
    )
    return out / f"{source.stem}.pdf"


def pages_of(path: Path) -> int:
    document = pypdfium2.PdfDocument(path)
    try:
        return len(document)
    finally:
        document.close()


def ledger_pdf(measures: int, out: Path) -> tuple[Path, float]:
    source = out / f"ledger-{measures}.xlsx"
    write_ledger(source, measures, layout="guangyuan")
    printable(source)
    started = time.perf_counter()
    pdf = print_to_pdf(source, out)
    return pdf, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=50, help="about how many pages the PDF has (default 50)")
    parser.add_argument("--database-url", default="", help="import into this database (default: a SQLite file)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        measures = args.pages * MEASURES_PER_PAGE_GUESS
        pdf, print_seconds = ledger_pdf(measures, out)
        pages = pages_of(pdf)
        if abs(pages - args.pages) > args.pages // 10:  # scale once to the asked number of pages
            measures = max(1, round(measures * args.pages / pages))
            pdf, print_seconds = ledger_pdf(measures, out)
            pages = pages_of(pdf)

        os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{out / 'bench.sqlite3'}"
        os.environ.setdefault("DJANGO_DEBUG", "1")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ledger.settings")
        sys.path.insert(0, str(REPO))
        import django

        django.setup()
        from django.core.management import call_command

        from tasks.importing.options import ImportOptions
        from tasks.importing.ledger_import import import_ledger, read_uploaded_ledger

        call_command("migrate", verbosity=0)
        data = pdf.read_bytes()
        started = time.perf_counter()
        ledger = read_uploaded_ledger(data, file_name=pdf.name)
        read_seconds = time.perf_counter() - started
        started = time.perf_counter()
        report = import_ledger(
            data, file_name=pdf.name, options=ImportOptions(plan_slug="pdf", years=[2023, 2024, 2025]), uploaded=True
        )
        import_seconds = time.perf_counter() - started

    database = "postgres" if args.database_url.startswith("postgres") else "sqlite"
    result = {
        "database": database,
        "measures_written": measures,
        "measures_read": len(ledger.rows),
        "measures_imported": report.counts.get("new", 0),
        "pages": pages,
        "print_seconds": round(print_seconds, 1),
        "read_seconds": round(read_seconds, 1),
        "import_seconds": round(import_seconds, 1),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / ("pdf.json" if database == "sqlite" else "pdf-postgres.json")).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
