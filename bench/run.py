"""Run the benchmarks of issue #11 and write bench/results/<database>.json and docs/benchmarks.md.

    .venv/bin/python bench/run.py [--sizes 1000,10000,100000] [--database sqlite|postgres] [--repeat 7]

For each size: a fresh database, migrate, a generated ledger (bench/generate.py), then every
step in a process of its own, whose wall time and peak memory (``os.wait4``) are recorded:
the raw floors (read, insert, write, JSON) and, measured against them, the import, the
re-import, the exports, the pages and django-import-export's row-by-row import. See
docs/benchmarks.md for what each step is.

This process stays small on purpose: on Linux a child's peak memory starts from the size of
the process that started it, so everything heavy happens in the children.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
RESULTS = BENCH / "results"
PLAN = "bench"
LIBRARY_PLAN = "bench-library"
SUPERVISOR = "boss"
AS_OF = "2024-12-01"  # the dashboard's "as of" date: mid-plan, so every page has work to show
PAGES = {
    "page_dashboard": f"/?as_of={AS_OF}",
    "page_overdue": f"/overdue/?as_of={AS_OF}",
    "page_summary": f"/api/summary/?as_of={AS_OF}",
}
SHEETS = {"anshan": "任务分解表", "guangyuan": "附件2"}
FORMATS = ("xlsx", "xls", "ods", "csv")  # the import of one ledger saved in each (--formats-max)


def in_venv():
    return Path(sys.prefix).resolve() == (REPO / ".venv").resolve()


def reexec_in_venv():
    """Run again with the project's .venv when started with another Python."""
    if in_venv():
        return
    if not VENV_PYTHON.exists():
        sys.exit(f"{VENV_PYTHON} is missing: run bin/setup first")
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Benchmark import, export and pages against raw floors (issue #11).")
    parser.add_argument("--sizes", default="1000,10000,100000", help="measure counts, comma separated")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/bench",
        help="PostgreSQL only: server and base name; each size gets its own database <name>_<size>, dropped and created",
    )
    parser.add_argument("--repeat", type=int, default=7, help="timed requests per page (after one warm-up)")
    parser.add_argument("--page-budget", type=float, default=120,
                        help="seconds of timed requests per page after which fewer than --repeat are taken")
    parser.add_argument("--step-timeout", type=float, default=1800, help="seconds after which a step is stopped")
    parser.add_argument("--library-max", type=int, default=10000,
                        help="largest size at which django-import-export's row-by-row import is run")
    parser.add_argument("--formats-max", type=int, default=20000,
                        help="largest size at which the same ledger is imported as .xls, .ods and .csv (an .xls holds 65,536 rows)")
    parser.add_argument("--layout", choices=tuple(SHEETS), default="anshan", help="layout of the generated ledger")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the working directory (ledgers, exports, logs)")
    parser.add_argument("--report-only", action="store_true",
                        help="measure nothing: print the tables and rewrite docs/benchmarks.md from bench/results/")
    args = parser.parse_args(argv)
    args.sizes = [int(size.replace("_", "")) for size in args.sizes.split(",") if size.strip()]
    return args


# ---------------------------------------------------------------- running one step


class Runner:
    """Runs steps as child processes and records wall time and peak memory of each."""

    def __init__(self, work, env, timeout):
        self.work = work
        self.env = env
        self.timeout = timeout
        self.count = 0

    def run(self, name, argv, *, env=None):
        """Run `argv`; return {seconds, peak_mb, ok, extra} (extra: the JSON line the step printed)."""
        self.count += 1
        log = self.work / "logs" / f"{self.count:03d}-{name}"
        log.parent.mkdir(exist_ok=True)
        with open(f"{log}.out", "wb") as out, open(f"{log}.err", "wb") as err:
            started = time.perf_counter()
            child = subprocess.Popen(argv, stdout=out, stderr=err, env=env or self.env, cwd=REPO)
            timer = threading.Timer(self.timeout, child.kill)
            timer.start()
            _, status, usage = os.wait4(child.pid, 0)
            seconds = time.perf_counter() - started
            timer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
        result = {"seconds": round(seconds, 4), "peak_mb": round(usage.ru_maxrss / 1024, 1), "ok": child.returncode == 0}
        if seconds >= self.timeout:
            result["timed_out"] = True
            with open(f"{log}.err", "a") as err:
                err.write(f"\nstopped after the step timeout of {self.timeout:.0f} s\n")
        output = Path(f"{log}.out").read_text(encoding="utf-8", errors="replace").strip().splitlines()
        if output and output[-1].startswith("{"):
            result["extra"] = json.loads(output[-1])
        elif output:
            result["output"] = output[-3:]
        if not result["ok"]:
            result["error"] = Path(f"{log}.err").read_text(encoding="utf-8", errors="replace").strip()[-2000:]
        status_text = "ok" if result["ok"] else f"FAILED (exit {child.returncode}, see {log}.err)"
        print(f"  {name:<24} {seconds:9.2f} s {result['peak_mb']:8.1f} MB  {status_text}", flush=True)
        return result

    def python(self, name, *arguments, env=None):
        return self.run(name, [sys.executable, *map(str, arguments)], env=env)

    def step(self, name, *arguments):
        return self.python(name, BENCH / "steps.py", *arguments)

    def manage(self, name, *arguments):
        return self.python(name, REPO / "manage.py", *arguments)


def child_env(database_url, work):
    """Production settings (DEBUG off) for the test client, with the workbook limits lifted."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "LEDGER_", "DATABASE_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "ledger.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "benchmark-only-not-secret",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_STATIC_ROOT": str(work / "static"),
        "DJANGO_MEDIA_ROOT": str(work / "media"),
        "DATABASE_URL": database_url,
        "LEDGER_MAX_ROWS": "10000000",
        "LEDGER_MAX_UPLOAD_MB": "100000",
        "LEDGER_MAX_UNCOMPRESSED_MB": "1000000",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


# ---------------------------------------------------------------- one size


def bench_size(args, size, work, static_root_ready):
    """Every step for one size; returns {"ledger": counts, "steps": {name: result}}."""
    print(f"\n{args.database}, {size:,} measures", flush=True)
    load_before = os.getloadavg()[0]
    size_dir = work / f"size-{size}"
    size_dir.mkdir()
    if args.database == "sqlite":
        database_url = f"sqlite:///{size_dir / 'bench.sqlite3'}"
    else:
        database_url = f"{args.database_url}_{size}"
    env = child_env(database_url, work)
    runner = Runner(work, env, args.step_timeout)
    steps = {}
    ledger = size_dir / f"ledger-{size}.xlsx"
    sheet = SHEETS[args.layout]
    ledger_cells, export_cells = size_dir / "ledger.cells", size_dir / "export.cells"
    export_xlsx, export_json = size_dir / "export.xlsx", size_dir / "export.json"

    steps["baseline"] = runner.python("baseline", "-c", "pass")
    steps["django_startup"] = runner.python("django_startup", "-c", "import django; django.setup()")
    if args.database == "postgres":
        steps["reset"] = runner.step("reset", "pg-reset", database_url)
    steps["migrate"] = runner.manage("migrate", "migrate", "--no-input", "-v", "0")
    if not static_root_ready:
        steps["collectstatic"] = runner.manage("collectstatic", "collectstatic", "--no-input", "-v", "0")
    steps["generate"] = runner.python("generate", BENCH / "generate.py", "--measures", size, "--layout", args.layout,
                                      "--seed", args.seed, "-o", ledger)
    steps["prepare_ledger_cells"] = runner.step("prepare_ledger_cells", "dump-cells", ledger, sheet, ledger_cells, "text")

    steps["read_floor"] = runner.step("read_floor", "read-calamine", ledger, sheet)
    steps["read_openpyxl"] = runner.step("read_openpyxl", "read-openpyxl", ledger, sheet)
    steps["insert_floor"] = runner.step("insert_floor", "insert-rows", ledger_cells)
    steps["import"] = runner.manage("import", "import_ledger", ledger, "--plan", PLAN)
    steps["insert_written_floor"] = runner.step("insert_written_floor", "insert-written")
    steps["reimport"] = runner.manage("reimport", "import_ledger", ledger, "--plan", PLAN)
    steps["export_xlsx"] = runner.manage("export_xlsx", "export_ledger", "--plan", PLAN, "--format", "xlsx", "-o", export_xlsx)
    steps["export_json"] = runner.manage("export_json", "export_ledger", "--plan", PLAN, "--format", "json", "-o", export_json)
    if steps["export_xlsx"]["ok"]:
        steps["prepare_export_cells"] = runner.step("prepare_export_cells", "dump-cells", export_xlsx, "*", export_cells, "values")
        steps["write_floor_xlsxwriter"] = runner.step("write_floor_xlsxwriter", "write-xlsxwriter", export_cells,
                                                      size_dir / "floor-xlsxwriter.xlsx")
        steps["write_floor_openpyxl"] = runner.step("write_floor_openpyxl", "write-openpyxl", export_cells,
                                                    size_dir / "floor-openpyxl.xlsx")
    steps["json_floor"] = runner.step("json_floor", "dump-json", PLAN, size_dir / "floor.json")
    steps["create_user"] = runner.manage("create_user", "create_user", SUPERVISOR, "--role", "supervisor",
                                         "--password", "benchmark-supervisor-password")
    steps["evaluation_report"] = runner.manage("evaluation_report", "evaluation_report", "--plan", PLAN, "--user", SUPERVISOR,
                                               "-o", size_dir / "report.docx")
    steps["evaluation_report_job"] = runner.step("evaluation_report_job", "report-job", SUPERVISOR, PLAN)
    for name, url in PAGES.items():
        steps[name] = runner.step(name, "page", SUPERVISOR, url, args.repeat, args.page_budget)
    if size <= args.library_max:
        steps["library"] = runner.step("library", "library-import", ledger, LIBRARY_PLAN)
    if size <= args.formats_max:
        steps.update(format_steps(runner, ledger, sheet, size_dir))
    return {
        "ledger": generated_counts(steps["generate"]),
        "database_name": database_url.rsplit("/", 1)[1] if args.database == "postgres" else "bench.sqlite3",
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "steps": steps,
    }


def format_steps(runner, ledger, sheet, size_dir):
    """The same ledger saved as .csv (GBK, as Excel saves it), .xls and .ods (by LibreOffice), each
    imported into a plan of its own; the .xlsx is imported again at the same point to compare with."""
    steps = {}
    files = {"xlsx": ledger, "csv": size_dir / "ledger.csv"}
    steps["prepare_csv"] = runner.step("prepare_csv", "write-csv", ledger, sheet, files["csv"])
    for target in ("xls", "ods"):
        steps[f"prepare_{target}"] = runner.step(f"prepare_{target}", "convert-office", ledger, target, size_dir)
        files[target] = size_dir / f"{ledger.stem}.{target}"
    for name in FORMATS:
        if files[name].exists():
            steps[f"import_{name}"] = runner.manage(f"import_{name}", "import_ledger", files[name], "--plan", f"{PLAN}-{name}")
    return steps


def generated_counts(result):
    """`wrote F in 1.2 s: layout anshan, measures 1000, …` → {"layout": "anshan", "measures": 1000, …}."""
    line = (result.get("output") or [""])[-1]
    if ": " not in line:
        return {}
    pairs = (part.rsplit(" ", 1) for part in line.split(": ", 1)[1].split(", "))
    return {key: int(value) if value.isdigit() else value for key, value in pairs}


# ---------------------------------------------------------------- the machine


def machine(database, sizes_results):
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kb = int(line.split()[1])
    os_name = platform.platform()
    release = Path("/etc/os-release")
    if release.exists():
        for line in release.read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"') + f" (kernel {platform.release()})"
    info = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "os": os_name,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }
    if database == "postgres":
        versions = [r["steps"].get("reset", {}).get("extra", {}).get("server_version") for r in sizes_results.values()]
        info["postgresql"] = next((v for v in versions if v), "")
    return info


def git(*arguments):
    try:
        return subprocess.run(["git", *arguments], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def code_changed():
    """Whether tracked files differ from the commit, the benchmarks' own outputs aside (a run for
    the second database starts after the first one rewrote them)."""
    return bool(git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results", ":!docs/benchmarks.md"))


def main(argv=None):
    reexec_in_venv()
    args = parse_args(sys.argv[1:] if argv is None else argv)
    sys.path.insert(0, str(BENCH))
    import report

    if not args.report_only:
        work = Path(tempfile.mkdtemp(prefix="ledger-bench-"))
        print(f"working directory {work}")
        started = datetime.datetime.now().astimezone()
        commit, uncommitted = git("rev-parse", "--short", "HEAD"), code_changed()
        sizes = {}
        try:
            for size in args.sizes:
                sizes[str(size)] = bench_size(args, size, work, static_root_ready=bool(sizes))
        finally:
            if args.keep:
                print(f"kept {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
        result = {
            "database": args.database,
            "date": started.isoformat(timespec="seconds"),
            "commit": commit,
            "uncommitted_changes": uncommitted,
            "machine": machine(args.database, sizes),
            "options": {"layout": args.layout, "seed": args.seed, "repeat": args.repeat, "page_budget": args.page_budget,
                        "step_timeout": args.step_timeout,
                        "library_max": args.library_max, "formats_max": args.formats_max,
                        "as_of": AS_OF, "settings": "ledger.settings, DEBUG off"},
            "sizes": sizes,
        }
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"{args.database}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n",
                                                       encoding="utf-8")
        print(f"\nwrote {RESULTS / (args.database + '.json')}")
    results = report.load_results(RESULTS)
    for result in results:
        if args.report_only or result["database"] == args.database:
            print()
            print(report.tables_text(result))
    path = report.write_docs(results, REPO / "docs" / "benchmarks.md")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
