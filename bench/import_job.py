"""The admin's bulk import of a large ledger as a background job (issue #21), timed end to end.

    .venv/bin/python bench/import_job.py --measures 100000 [--database sqlite|postgres]

On a fresh database (a SQLite file under ``--work``, or the PostgreSQL database
``bench_import_job``): the upload (``POST`` of the file: above ``LEDGER_PREVIEW_JOB_ABOVE_BYTES``
it must answer at once with the preview job's status page), the real worker (``manage.py worker
--batch``, a process of its own) previewing it while this process polls the status page as htmx
does, every ``--poll`` seconds, timing each answer and noting the bar's figure; then the
confirmation on the finished preview (it must answer at once with the import job's status page)
and the worker importing it, polled the same way: the pages answer while the import holds its
transaction (SQLite: the write lock). The ledger is generated once (``bench/generate.py``) and
kept under ``--work``.

Prints one JSON line and saves it in ``bench/results/import-job-<database>.json``;
docs/benchmarks.md ("The admin's bulk import as a job") holds the figures.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from run import VENV_PYTHON, child_env, reexec_in_venv  # noqa: E402
from generate import write_ledger  # noqa: E402

RESULTS = BENCH / "results"
PG_URL = "postgres://postgres@127.0.0.1:5432/bench_import_job"
BAR = re.compile(r'aria-valuenow="(\d+)"')
STEP = re.compile(r'<p id="import-step"><strong>\d+%</strong> · ([^<]*)</p>')


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Time the admin's bulk import of a large ledger as a worker job.")
    parser.add_argument("--measures", type=int, default=100_000)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--database-url", default=PG_URL, help="the PostgreSQL database (dropped and created)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/ledger-bench-import-job"))
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between two polls of the status page")
    parser.add_argument("--drive", metavar="LEDGER", help=argparse.SUPPRESS)  # the child that drives the pages
    return parser.parse_args(argv)


def follow(client, status, poll):
    """Run the worker in a process of its own while polling ``status`` as htmx does, until the job ends."""
    worker = subprocess.Popen(
        [sys.executable, str(REPO / "manage.py"), "worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0"],
        cwd=REPO,
    )
    worker_started = time.perf_counter()
    polls = []
    while True:
        asked = time.perf_counter()
        fragment = client.get(status, headers={"HX-Request": "true"}).content.decode()
        answered = time.perf_counter()
        bar = BAR.search(fragment)
        step = STEP.search(fragment)
        polls.append({"at": round(asked - worker_started, 2), "seconds": round(answered - asked, 4),
                      "percent": int(bar.group(1)) if bar else 100, "step": step.group(1) if step else ""})
        if 'hx-trigger' not in fragment:  # done or failed: the page stops polling
            break
        time.sleep(poll)
    worker.wait()
    return polls, time.perf_counter() - worker_started


def job_figures(job, polls, worker_seconds):
    return {
        "job_seconds": round((job.finished_at - job.started_at).total_seconds(), 2),
        "queued_to_done_seconds": round((job.finished_at - job.created_at).total_seconds(), 2),
        "worker_seconds": round(worker_seconds, 2),
        "polls": len(polls),
        "slowest_poll_seconds": max(p["seconds"] for p in polls),
        "percents_seen": sorted({p["percent"] for p in polls}),
    }


def drive(ledger, poll):
    """In the benchmark's database: upload, the preview job, confirm, the import job; the status pages polled."""
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ledger.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from jobs.models import ImportJob, ImportKind

    admin = get_user_model().objects.create_superuser("bench-admin", password="not-secret")
    client = Client()
    client.force_login(admin)
    url = "/admin/tasks/measure/bulk-import/"
    started = time.perf_counter()
    with open(ledger, "rb") as upload:
        response = client.post(url, {"import_file": upload, "plan_slug": "bench"})
    upload_seconds = time.perf_counter() - started
    if response.status_code != 302 or not response["Location"].startswith("/imports/"):
        sys.exit(f"the upload did not start a preview job: {response.status_code} (LEDGER_PREVIEW_JOB_ABOVE_KB?)")
    preview_polls, preview_worker_seconds = follow(client, response["Location"], poll)
    preview = ImportJob.objects.get(kind=ImportKind.PREVIEW)
    if preview.state != "done":
        sys.exit(f"preview job {preview.state}: {preview.error}")
    started = time.perf_counter()
    response = client.post(url, {"preview_job": str(preview.pk)})
    confirm_seconds = time.perf_counter() - started
    if response.status_code != 302 or not response["Location"].startswith("/imports/"):
        sys.exit(f"confirm did not start a job: {response.status_code}")
    polls, worker_seconds = follow(client, response["Location"], poll)
    job = ImportJob.objects.get(kind=ImportKind.IMPORT)
    if job.state != "done":
        sys.exit(f"import job {job.state}: {job.error}")
    print(json.dumps({
        "measures": job.measures,
        "file_bytes": Path(ledger).stat().st_size,
        "counts": job.counts,
        "upload_seconds": round(upload_seconds, 3),
        "preview": {**job_figures(preview, preview_polls, preview_worker_seconds), "counts": preview.preview["counts"]},
        "confirm_seconds": round(confirm_seconds, 3),
        **job_figures(job, polls, worker_seconds),
        "preview_poll_log": preview_polls,
        "poll_log": polls,
        "report_head": job.report.splitlines()[:2],
    }, ensure_ascii=False))


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    if args.drive:
        return drive(args.drive, args.poll)
    reexec_in_venv()
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    ledger = work / f"ledger-{args.measures}.xlsx"
    if not ledger.exists():
        write_ledger(ledger, args.measures)
    if args.database == "sqlite":
        database = work / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{database}"
    else:
        url = args.database_url
        subprocess.run([str(VENV_PYTHON), str(BENCH / "steps.py"), "pg-reset", url], check=True)
    env = child_env(url, work)
    env["LEDGER_READER_TIMEOUT_SECONDS"] = "1800"
    for command in (["migrate"], ["collectstatic"]):  # the pages need the hashed static files (DEBUG off)
        subprocess.run([str(VENV_PYTHON), str(REPO / "manage.py"), *command, "--no-input", "-v", "0"], cwd=REPO, env=env, check=True)
    driven = subprocess.run(
        [str(VENV_PYTHON), str(Path(__file__).resolve()), "--drive", str(ledger), "--poll", str(args.poll)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, text=True,
    )
    if driven.returncode:
        sys.exit(f"the driver failed ({driven.returncode}): {driven.stdout[-2000:]}")
    out = driven.stdout.strip().splitlines()[-1]
    result = json.loads(out)
    result["database"] = args.database
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"import-job-{args.database}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    brief = {key: value for key, value in result.items() if key not in ("poll_log", "preview_poll_log")}
    print(json.dumps(brief, ensure_ascii=False))


if __name__ == "__main__":
    main()
