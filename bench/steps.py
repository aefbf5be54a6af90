"""The benchmark's measured steps, each run by bench/run.py in a process of its own.

    python bench/steps.py STEP [ARGS...]

The runner takes the wall time and peak memory of the whole process; a step prints one JSON
line last on stdout with what else it found (row counts, query counts, page times). Steps
that touch the database read ``DATABASE_URL`` (sqlite:///… or postgres://…).
"""

import json
import marshal
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FLOOR_TABLE = "bench_floor_rows"


def report(**values):
    print(json.dumps(values, ensure_ascii=False))


def database_url():
    return os.environ["DATABASE_URL"]


def is_sqlite():
    return database_url().startswith("sqlite:")


def sqlite_path():
    return database_url().removeprefix("sqlite:///")


def connect():
    """A raw DB-API connection to the benchmark database (sqlite3 or psycopg 3)."""
    if is_sqlite():
        import sqlite3

        return sqlite3.connect(sqlite_path())
    import psycopg

    return psycopg.connect(database_url())


# ---------------------------------------------------------------- database set-up


def pg_reset(url):
    """Drop and create the PostgreSQL database named in `url`."""
    import psycopg
    from psycopg import sql

    server, _, name = url.rpartition("/")
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        version = conn.execute("SHOW server_version").fetchone()[0]
    report(database=name, server_version=version)


# ---------------------------------------------------------------- preparing inputs (not measured as floors)


def dump_cells(source, sheet_name, output, as_text):
    """Every cell of one sheet (or `*`: every sheet) of `source`, as marshalled lists, for the floors.

    With `as_text` the cells are text or None, as the insert floor stores them.
    """
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(source)
    names = workbook.sheet_names if sheet_name == "*" else [sheet_name]
    sheets = []
    for name in names:
        rows = workbook.get_sheet_by_name(name).to_python()
        sheets.append((name, [[_plain(value, as_text == "text") for value in row] for row in rows]))
    Path(output).write_bytes(marshal.dumps(sheets))
    report(sheets=[name for name, _ in sheets], rows=sum(len(rows) for _, rows in sheets),
           cells=sum(len(row) for _, rows in sheets for row in rows))


def _plain(value, as_text):
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if as_text or not isinstance(value, (str, int, float, bool)):
        return str(value)
    return value


def write_csv(source, sheet_name, output):
    """The ledger sheet as Excel on Chinese Windows saves "CSV (逗号分隔)": GBK (GB18030), a merged
    range's value in its first cell only."""
    import csv

    from python_calamine import CalamineWorkbook

    sys.path.insert(0, str(REPO))
    from tasks.ledgerfiles.grid import cell_text

    rows = CalamineWorkbook.from_path(source).get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    with open(output, "w", encoding="gb18030", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows([cell_text(value) for value in row] for row in rows)
    report(rows=len(rows), bytes=Path(output).stat().st_size)


def convert_office(source, target, output_dir):
    """`source` saved by LibreOffice as `target` (xls, ods) in `output_dir`, as WPS/LibreOffice users save it."""
    import shutil
    import subprocess
    import tempfile

    program = shutil.which("soffice")
    if program is None:
        sys.exit("LibreOffice (soffice) is missing: run bin/setup-office")
    with tempfile.TemporaryDirectory(prefix="bench-soffice-") as profile:
        subprocess.run([program, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                        "--convert-to", target, "--outdir", str(output_dir), str(source)], check=True, capture_output=True)
    output = Path(output_dir) / f"{Path(source).stem}.{target}"
    report(file=str(output), bytes=output.stat().st_size)


# ---------------------------------------------------------------- floors


def read_calamine(source, sheet_name):
    """Read floor: python-calamine reads every cell of the ledger sheet."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(source).get_sheet_by_name(sheet_name).to_python()
    report(rows=len(rows), cells=sum(len(row) for row in rows))


def read_openpyxl(source, sheet_name):
    """For the choice of reader: openpyxl read-only reads every cell of the ledger sheet."""
    from openpyxl import load_workbook

    workbook = load_workbook(source, read_only=True)
    rows = 0
    cells = 0
    for row in workbook[sheet_name].iter_rows(values_only=True):
        rows += 1
        cells += len(row)
    workbook.close()
    report(rows=rows, cells=cells)


def insert_rows(cells_file):
    """Insert floor: the ledger sheet's rows, all text, into a scratch table, in one transaction.

    SQLite: executemany; PostgreSQL: COPY.
    """
    ((_, rows),) = marshal.loads(Path(cells_file).read_bytes())
    width = max(len(row) for row in rows)
    rows = [row + [None] * (width - len(row)) for row in rows]
    columns = ", ".join(f"c{i} text" for i in range(width))
    started = time.perf_counter()
    with connect() as conn:
        cursor = conn.cursor()
        cursor.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
        cursor.execute(f"CREATE TABLE {FLOOR_TABLE} ({columns})")
        if is_sqlite():
            cursor.executemany(f"INSERT INTO {FLOOR_TABLE} VALUES ({', '.join('?' * width)})", rows)
        else:
            with cursor.copy(f"COPY {FLOOR_TABLE} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        conn.commit()
    report(rows=len(rows), columns=width, insert_seconds=round(time.perf_counter() - started, 4))


#: The tables an import writes, parents first.
WRITTEN_TABLES = [
    "departments_department", "departments_person", "tasks_section", "tasks_task", "tasks_item", "tasks_measure",
    "tasks_measureunit", "tasks_deadline", "tasks_milestone", "tasks_progress", "tasks_progressentry",
]


def insert_written():
    """Second insert floor: every database row the import wrote, inserted again into empty copies of
    its tables (SQLite: executemany; PostgreSQL: COPY), in one transaction. Run right after the
    import, when these tables hold only what it wrote; reading them back is not timed."""
    with connect() as conn:
        cursor = conn.cursor()
        tables = {}
        for table in WRITTEN_TABLES:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed names
            tables[table] = cursor.fetchall()
            cursor.execute(f"DROP TABLE IF EXISTS floor_{table}")
            cursor.execute(f"CREATE TABLE floor_{table} AS SELECT * FROM {table} WHERE 1 = 0")  # noqa: S608
        conn.commit()
        started = time.perf_counter()
        for table, rows in tables.items():
            if not rows:
                continue
            if is_sqlite():
                cursor.executemany(f"INSERT INTO floor_{table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
            else:
                from psycopg.types.json import Jsonb

                with cursor.copy(f"COPY floor_{table} FROM STDIN") as copy:
                    for row in rows:  # jsonb columns come back as dicts; COPY takes them wrapped
                        copy.write_row([Jsonb(v) if isinstance(v, (dict, list)) else v for v in row])
        conn.commit()
        seconds = time.perf_counter() - started
        for table in WRITTEN_TABLES:
            cursor.execute(f"DROP TABLE floor_{table}")
        conn.commit()
    report(rows=sum(len(rows) for rows in tables.values()), insert_seconds=round(seconds, 4),
           tables={table: len(rows) for table, rows in tables.items()})


def write_xlsxwriter(cells_file, output):
    """Write floor: the exported cells again with XlsxWriter in constant_memory (streaming) mode."""
    import xlsxwriter

    sheets = marshal.loads(Path(cells_file).read_bytes())
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
    for name, rows in sheets:
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
    workbook.close()
    report(cells=sum(len(row) for _, rows in sheets for row in rows))


def write_openpyxl(cells_file, output):
    """Write floor: the exported cells again with openpyxl in write-only (streaming) mode."""
    from openpyxl import Workbook

    sheets = marshal.loads(Path(cells_file).read_bytes())
    workbook = Workbook(write_only=True)
    for name, rows in sheets:
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(output)
    report(cells=sum(len(row) for _, rows in sheets for row in rows))


def dump_json(plan_slug, output):
    """JSON floor: the plan's measure rows through a raw cursor, json.dump-ed to a file."""
    placeholder = "?" if is_sqlite() else "%s"
    query = (
        "SELECT m.* FROM tasks_measure m JOIN tasks_item i ON m.item_id = i.id "
        "JOIN tasks_task t ON i.task_id = t.id JOIN tasks_section s ON t.section_id = s.id "
        f"JOIN tasks_plan p ON s.plan_id = p.id WHERE p.slug = {placeholder} ORDER BY m.id"
    )
    with connect() as conn:
        cursor = conn.cursor()
        cursor.execute(query, [plan_slug])
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row)) for row in cursor.fetchall()]
    with open(output, "w", encoding="utf-8") as out:
        json.dump(rows, out, ensure_ascii=False, default=str)
    report(rows=len(rows))


# ---------------------------------------------------------------- Django steps


def django_setup():
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ledger.settings")
    import django

    django.setup()


def library_import(source, plan_slug):
    """django-import-export's row-by-row path (the admin's import page) into a fresh plan."""
    django_setup()
    from tasks.importing.options import ImportOptions
    from tasks.importing.ledger_import import ledger_dataset, workbook_limits
    from tasks.importing.resources import MeasureResourceWithoutPreview
    from tasks.ledgerfiles.sheets import read_ledger

    data = Path(source).read_bytes()
    dataset = ledger_dataset(read_ledger(data, file_name=Path(source).name, limits=workbook_limits()))
    dataset.source = data
    resource = MeasureResourceWithoutPreview(options=ImportOptions(plan_slug=plan_slug))
    result = resource.import_data(
        dataset, dry_run=False, raise_errors=False, use_transactions=True,
        rollback_on_validation_errors=True, file_name=Path(source).name,
    )
    if result.has_errors() or result.has_validation_errors():
        print("\n".join(resource.error_messages(result, dataset)[:20]), file=sys.stderr)
        sys.exit(1)
    report(rows=len(dataset), totals=dict(result.totals))


def page(username, url, repeat, budget):
    """Server time of one page for a logged-in user: one first (cold) request, then `repeat` timed
    ones, then `repeat` more each right after a report anywhere in the ledger (the kept standing's
    clock moved on as a report moves it): nothing the page computed before can be used again but
    the past days of the overdue trend, which a report cannot change, and the counts of the open
    milestones, which only a report that enters or leaves "done" changes; then `repeat` more each
    right after such a report ("after done": its milestones closed or opened again).

    The first timed request also counts the queries (recording them costs microseconds). Each
    series of timed requests stops early, after at least one, once it has taken `budget` seconds.
    """
    django_setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tasks.standing.kept import tick

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))

    def get():
        response = client.get(url)
        if response.status_code != 200:
            print(f"{url}: status {response.status_code}", file=sys.stderr)
            sys.exit(1)

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        get()  # the first request of a fresh process: nothing remembered yet (cold)
    first, first_queries = time.perf_counter() - started, len(queries)
    times, query_count = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        if query_count is None:
            with CaptureQueriesContext(connection) as queries:
                get()
            query_count = len(queries)  # read now: the next request clears the connection's query log
        else:
            get()
        times.append(time.perf_counter() - started)
        if sum(times) > budget:
            break
    def after(**clocks):
        """Requests each right after the clocks moved as a report moves them."""
        found = []
        for _ in range(repeat):
            tick(history=False, **clocks)  # the days before today stay remembered
            started = time.perf_counter()
            get()
            found.append(time.perf_counter() - started)
            if sum(found) > budget:
                break
        return statistics.median(found)

    report(url=url, queries=query_count, median=statistics.median(times), times=[round(t, 5) for t in times],
           first=round(first, 5), first_queries=first_queries, after_write=after(), after_done=after(open_rows=True))


def report_job(username, plan_slug):
    """The evaluation report through the background job (issue #22): the request that enqueues it
    (timed: it must answer at once), then the real worker in batch mode until the report is written."""
    django_setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from jobs.models import Export, ExportState

    settings.LEDGER_EXPORT_BACKGROUND_ABOVE = 0  # whatever the size, the page hands the report to the worker
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    started = time.perf_counter()
    response = client.get(f"/plans/{plan_slug}/report/")
    request_seconds = time.perf_counter() - started
    if response.status_code != 302:
        print(f"report page: status {response.status_code}", file=sys.stderr)
        sys.exit(1)
    export_id = response["Location"].strip("/").split("/")[-1]
    started = time.perf_counter()
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0", verbosity=0)
    worker_seconds = time.perf_counter() - started
    export = Export.objects.get(pk=export_id)
    if export.state != ExportState.READY:
        print(f"report job: {export.state} {export.error}", file=sys.stderr)
        sys.exit(1)
    report(request_seconds=round(request_seconds, 4), worker_seconds=round(worker_seconds, 3),
           job_seconds=round((export.finished_at - export.created_at).total_seconds(), 3),
           measures=export.measures, bytes=export.file.size)


STEPS = {
    "pg-reset": pg_reset,
    "dump-cells": dump_cells,
    "write-csv": write_csv,
    "convert-office": convert_office,
    "read-calamine": read_calamine,
    "read-openpyxl": read_openpyxl,
    "insert-rows": insert_rows,
    "insert-written": insert_written,
    "write-xlsxwriter": write_xlsxwriter,
    "write-openpyxl": write_openpyxl,
    "dump-json": dump_json,
    "library-import": library_import,
    "page": page,
    "report-job": report_job,
}

if __name__ == "__main__":
    step, *arguments = sys.argv[1:]
    if step == "page":
        arguments[2:] = [int(arguments[2]), float(arguments[3])]
    STEPS[step](*arguments)
