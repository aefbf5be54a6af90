"""Every page of the three roles at one ledger size, median of three (issue #25).

    .venv/bin/python bench/pages.py --measures 2000 [--database sqlite|postgres] [--repeat 3]
    .venv/bin/python bench/pages.py --report-only

The ledger is generated in the Anshan layout with one department per 500 measures
(``--departments``), so that the staff member's department owns about as many measures at
every size and their pages show as many rows, while a supervisor sees everything. The database
is built once per database kind and size under ``--work`` (a SQLite file, or the PostgreSQL
database ``<name>_<size>``) and reused by later runs, which only migrate it: a 100,000-measure
ledger takes minutes to generate and import. ``--fresh`` builds it again.

Each page is timed in a process of its own (``bench/steps.py page``: one first request, then
``--repeat`` timed ones, the median reported, and the queries of the first timed one counted);
the first request of the process, with nothing remembered in it, is shown beside the median, and
so is the median of ``--repeat`` requests each made right after a report (what the dashboard costs
in the days everyone reports: nothing computed before a report can be used after it but the
past days of the overdue trend and the counts of open milestones), and after a report that
enters or leaves "done" (its milestones close or open, so those counts are made again too).
Results are saved in ``bench/results/pages-<database>.json`` under a label (``--label``, e.g.
``before`` and ``after``) and printed as the table docs/benchmarks.md shows.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from run import VENV_PYTHON, child_env, code_changed, git, reexec_in_venv  # noqa: E402
from generate import write_ledger  # noqa: E402

RESULTS = BENCH / "results"
PLAN = "bench"
AS_OF = "2024-12-01"
SUPERVISOR, STAFF = "boss", "clerk"
MEASURES_PER_DEPARTMENT = 500

#: (label, user, address); ``{measure}`` is one of the staff member's measures.
PAGES = (
    ("staff /my/", STAFF, "/my/"),
    ("staff /measures/", STAFF, "/measures/"),
    ("supervisor /measures/", SUPERVISOR, "/measures/"),
    ("supervisor / (dashboard)", SUPERVISOR, f"/?as_of={AS_OF}"),
    ("supervisor /api/summary/", SUPERVISOR, f"/api/summary/?as_of={AS_OF}"),
    ("supervisor /overdue/", SUPERVISOR, f"/overdue/?as_of={AS_OF}"),
    ("staff / (dashboard)", STAFF, f"/?as_of={AS_OF}"),
    ("staff /api/summary/", STAFF, f"/api/summary/?as_of={AS_OF}"),
    ("staff /overdue/", STAFF, f"/overdue/?as_of={AS_OF}"),
    ("staff measure page", STAFF, "/measures/{measure}/"),
)

#: Picks the department that owns the most measures, and its first measure (run in the database's shell).
CHOOSE_DEPARTMENT = """
from django.db.models import Count
from departments.models import Department
department = Department.objects.annotate(n=Count("measure_units__measure", distinct=True)).order_by("-n", "pk").first()
print(department.name)
"""
FIRST_MEASURE = """
from tasks.access import own_measures
from django.contrib.auth import get_user_model
print(own_measures(get_user_model().objects.get(username="clerk")).order_by("pk").values_list("pk", flat=True).first())
"""


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Time every page of the three roles at one ledger size (issue #25).")
    parser.add_argument("--measures", type=int, default=2000)
    parser.add_argument("--departments", type=int, help="default: one per 500 measures")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bench_pages",
                        help="PostgreSQL only: the database is <name>_<size>")
    parser.add_argument("--work", default="/tmp/ledger-bench-pages", help="where ledgers and SQLite files are kept")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--label", default="after", help="the name the results are saved under (before, after…)")
    parser.add_argument("--fresh", action="store_true", help="build the database again even when one is kept")
    parser.add_argument("--report-only", action="store_true", help="print the saved tables and stop")
    return parser.parse_args(argv)


def run(env, *argv, capture=True):
    completed = subprocess.run([str(VENV_PYTHON), *map(str, argv)], env=env, cwd=REPO, text=True,
                               capture_output=capture, check=False)
    if completed.returncode:
        sys.exit(f"{' '.join(map(str, argv))} failed:\n{completed.stdout}\n{completed.stderr}")
    return completed.stdout


def manage(env, *argv):
    return run(env, REPO / "manage.py", *argv)


def build(args, env, work, marker):
    """Generate, migrate and import the ledger, and make the two users."""
    if args.database == "postgres":
        run(env, BENCH / "steps.py", "pg-reset", env["DATABASE_URL"])
    else:
        Path(env["DATABASE_URL"].removeprefix("sqlite:///")).unlink(missing_ok=True)
    ledger = work / f"ledger-{args.measures}.xlsx"
    departments = args.departments or max(args.measures // MEASURES_PER_DEPARTMENT, 1)
    if not ledger.exists():
        write_ledger(ledger, args.measures, departments=departments)
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "import_ledger", ledger, "--plan", PLAN)
    if args.database == "postgres":
        run(env, "-c", "import psycopg, sys; c = psycopg.connect(sys.argv[1], autocommit=True); c.execute('VACUUM ANALYZE')",
            env["DATABASE_URL"])
    department = manage(env, "shell", "-c", CHOOSE_DEPARTMENT).strip().splitlines()[-1]
    manage(env, "create_user", SUPERVISOR, "--role", "supervisor", "--password", "benchmark-supervisor-password")
    manage(env, "create_user", STAFF, "--role", "staff", "--department", department, "--password", "benchmark-staff-password")
    marker.write_text(json.dumps({"departments": departments, "staff_department": department}, ensure_ascii=False))


def measure(args):
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    (work / "static").mkdir(exist_ok=True)
    if args.database == "sqlite":
        database_url = f"sqlite:///{work / f'pages-{args.measures}.sqlite3'}"
    else:
        database_url = f"{args.database_url}_{args.measures}"
    env = child_env(database_url, work)
    marker = work / f"ready-{args.database}-{args.measures}.json"
    if args.fresh or not marker.exists():
        build(args, env, work, marker)
    manage(env, "migrate", "--no-input", "-v", "0")
    if not any((work / "static").iterdir()):
        manage(env, "collectstatic", "--no-input", "-v", "0")
    first_measure = manage(env, "shell", "-c", FIRST_MEASURE).strip().splitlines()[-1]
    rows = []
    for label, user, url in PAGES:
        out = run(env, BENCH / "steps.py", "page", user, url.format(measure=first_measure), args.repeat, 600)
        result = json.loads(out.strip().splitlines()[-1])
        rows.append({"page": label, "url": url, "median": result["median"], "queries": result["queries"],
                     "first": result["first"], "after_write": result["after_write"], "after_done": result["after_done"]})
        print(f"{label:32} {result['median'] * 1000:9.1f} ms  {result['queries']:3} queries"
              f"  after a report {result['after_write'] * 1000:9.1f} ms"
              f"  after done {result['after_done'] * 1000:9.1f} ms", flush=True)
    path = RESULTS / f"pages-{args.database}.json"
    saved = json.loads(path.read_text()) if path.exists() else {}
    saved.setdefault(args.label, {})[str(args.measures)] = {
        "commit": git("rev-parse", "--short", "HEAD") + ("+" if code_changed() else ""),
        "load_average": round(os.getloadavg()[0], 2),
        **json.loads(marker.read_text()),
        "pages": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    path.write_text(json.dumps(saved, indent=1, ensure_ascii=False) + "\n")


def table(database):
    """The saved results of one database as a Markdown table: each label's times at each size."""
    path = RESULTS / f"pages-{database}.json"
    if not path.exists():
        return ""
    saved = json.loads(path.read_text())
    columns = [(label, size) for label in saved for size in sorted(saved[label], key=int)]
    def heading(label, size):
        rows = saved[label][size]["pages"]
        after = "; after a report" if any("after_write" in row for row in rows) else ""
        after += "; after done" if any("after_done" in row for row in rows) else ""
        return f"{label} {int(size):,} ms (queries; first request{after})"

    head = ["page"] + [heading(label, size) for label, size in columns]
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * len(columns) + "|"]
    for label, _user, _url in PAGES:
        cells = [label]
        for run_label, size in columns:
            row = next((r for r in saved[run_label][size]["pages"] if r["page"] == label), None)
            first = f"; first {row['first'] * 1000:,.0f}" if row and "first" in row else ""
            after = f"; after a report {row['after_write'] * 1000:,.0f}" if row and "after_write" in row else ""
            after += f"; after done {row['after_done'] * 1000:,.0f}" if row and "after_done" in row else ""
            cells.append(f"{row['median'] * 1000:,.0f} ({row['queries']}{first}{after})" if row else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    reexec_in_venv()
    args = parse_args(argv)
    if not args.report_only:
        measure(args)
    for database in ("sqlite", "postgres"):
        if text := table(database):
            print(f"\n{database}\n{text}")


if __name__ == "__main__":
    main(sys.argv[1:])
