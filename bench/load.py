"""Load test: simulated supervisors and staff against gunicorn on PostgreSQL, then a history check.

    .venv/bin/python bench/load.py [--database-url URL] [--users 50] [--duration 60] [--workers 4]
                                   [--measures 10000] [--fresh]

1. Prepares a PostgreSQL database (default ``bench_load`` on the local server; its name must
   contain "bench", because the script drops and recreates it): migrate, a generated ledger of
   ``--measures`` measures (bench/generate.py, then ``import_ledger``; ``--measures 0`` loads the
   two real ledgers of fixtures/ instead), and accounts: one supervisor in five users, the rest
   staff, two staff per department that owns measures. A database that already holds the same
   data is reused unless ``--fresh`` is given. ``ANALYZE`` then gives the planner its statistics,
   as autovacuum would some time after an import (it may also be off).
2. Starts ``gunicorn ledger.wsgi`` with ``--workers`` sync workers on a free loopback port, in the
   production posture (DEBUG off, collected static files) with only what plain http on loopback
   needs switched off (``DJANGO_SECURE_SSL_REDIRECT=0``, ``DJANGO_SECURE_COOKIES=0``). Other
   settings come from the environment, e.g. ``DATABASE_CONN_MAX_AGE=60`` for persistent
   connections.
3. Every user logs in through /accounts/login/ (not timed in the table), then loops without pause
   for ``--duration`` seconds. Supervisors open the dashboard, the overdue list, a filtered
   measure list and /api/summary/. Staff open 我的任务, a measure page, and report progress the
   way the page's form does: read the page, post status and note with the version it showed.
   A 409 (someone else saved first) is counted as a conflict, not an error.
4. Prints a markdown table per kind of request: requests, requests/s, p50 / p95 / max latency,
   errors (5xx, other unexpected answers, exceptions) and conflicts. Then what one request of
   each kind costs alone (queries, application and PostgreSQL CPU; measured before the run),
   PostgreSQL connections open and opened, CPU of gunicorn (and of its PostgreSQL backends when
   connections persist), of the client and of the rest of the machine, and workers' memory.
5. Proves that every accepted progress update (302) is in the ProgressEntry history with its
   measure, year, status and note (each note carries a unique token), and that no refused (409)
   update was written. Exits 1 when one is missing or a refused one was written.

Client and server share the machine: the client's CPU is reported so it can be taken into account.
"""

import argparse
import collections
import datetime
import http.client
import http.cookiejar
import io
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_load"
PASSWORD = "bench-load-password"
USER_PREFIX = "bench-"
REQUEST_TIMEOUT = 30
#: Logins wait longer: everyone logs in at once, and each login hashes a password on purpose slowly.
LOGIN_TIMEOUT = 180
STARTUP_TIMEOUT = 60

#: The kinds of request, in table order, with the label the table shows.
KINDS = {
    "dashboard": "dashboard `/`",
    "overdue": "overdue list `/overdue/`",
    "measure_list": "measure list `/measures/?…`",
    "summary": "`/api/summary/`",
    "my": "my measures `/my/`",
    "measure": "measure page `/measures/<id>/`",
    "update": "progress update (POST)",
}
SUPERVISOR_MIX = {"dashboard": 3, "overdue": 2, "measure_list": 3, "summary": 2}
#: Staff actions: "report" reads the measure page and then posts the year's report.
STAFF_MIX = {"my": 1, "measure": 1, "report": 2}
STATUS_MIX = {"in_progress": 5, "ongoing": 2, "done": 2, "not_started": 1}
NOTES = ("已召开专题会议部署推进。", "已完成阶段性工作，正在持续推进。", "已报送工作进展材料。", "按计划推进中。")


# ----------------------------------------------------------------------------- database


@dataclass
class Population:
    """What the simulated users need to know: their accounts, plans, departments and measures."""

    supervisors: list
    staff: list  # (username, [(measure id, plan slug), ...])
    plans: dict  # slug -> (years, reporting year, requires evidence)
    department_names: list
    measures: int
    costs: list = field(default_factory=list)  # markdown rows of ``request_costs``


def check_bench_database(url):
    """The database name from ``url``; refuse one whose name does not say it is for benchmarks."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(f"--database-url must be a PostgreSQL URL, not {url!r}")
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"database {name!r}: the load test drops and recreates its database; use a name containing 'bench'")
    return name


def server_url(url):
    """The same server's maintenance database ``postgres``, to create and drop the bench database from."""
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/postgres"))


def holds_plan(url, slug):
    """True when the database exists, is migrated and holds the plan ``slug``."""
    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            return conn.execute("SELECT 1 FROM tasks_plan WHERE slug = %s", [slug]).fetchone() is not None
    except psycopg.Error:
        return False


def recreate_database(url, name):
    with psycopg.connect(server_url(url), autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ledger.settings")
    import django

    django.setup()


def load_ledger(measures, workdir):
    """Import the ledger: a generated one of ``measures`` measures, or the real fixtures when 0."""
    from django.core.management import call_command

    if measures == 0:
        call_command("load_demo", stdout=io.StringIO())
        return
    ledger = Path(workdir) / f"ledger-{measures}.xlsx"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate.py"), "--measures", str(measures), "-o", str(ledger)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    started = time.perf_counter()
    call_command("import_ledger", str(ledger), plan=plan_slug(measures), stdout=io.StringIO())
    log(f"imported {measures:,} measures in {time.perf_counter() - started:.1f} s")


def plan_slug(measures):
    """The plan that marks a prepared database: the generated ledger's, or Anshan's for the fixtures."""
    return f"bench-{measures}" if measures else "anshan"


def create_accounts(users):
    """One supervisor in five users, the rest staff, two per department that owns measures."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db.models import Count

    from departments.models import Department, Membership
    from departments.roles import STAFF, SUPERVISOR, create_account

    supervisors = [f"{USER_PREFIX}sup-{n:02}" for n in range(1, users // 5 + 1)]
    staff_names = [f"{USER_PREFIX}staff-{n:02}" for n in range(1, users - len(supervisors) + 1)]
    departments = list(
        Department.objects.annotate(owned=Count("measure_units"))
        .filter(owned__gt=0)
        .order_by("-owned", "name")[: max(1, (len(staff_names) + 1) // 2)]
    )
    Membership.objects.filter(user__username__startswith=USER_PREFIX).delete()
    staff_departments = {}
    for name in supervisors:
        create_account(name, SUPERVISOR)
    for index, name in enumerate(staff_names):
        department = departments[(index // 2) % len(departments)]
        create_account(name, STAFF, departments=[department.name])
        staff_departments[name] = department
    # One hash for all: hashing is deliberately slow, and the accounts share the password.
    get_user_model().objects.filter(username__startswith=USER_PREFIX).update(password=make_password(PASSWORD))
    return supervisors, staff_departments


def prepare(args, name, workdir):
    """Migrate, load and make accounts when needed; return the ``Population`` of the run."""
    reuse = not args.fresh and holds_plan(args.database_url, plan_slug(args.measures))
    if not reuse:
        log(f"creating database {name}")
        recreate_database(args.database_url, name)
    setup_django()
    from django.core.management import call_command
    from django.db import connections

    from tasks.models import Measure, MeasureUnit, Plan

    call_command("migrate", verbosity=0)
    if reuse:
        log(f"reusing database {name}")
    else:
        load_ledger(args.measures, workdir)
    supervisors, staff_departments = create_accounts(args.users)
    with connections["default"].cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, whether or not autovacuum has run since the import
    plans = {plan.slug: (plan.years, plan.reporting_year, plan.requires_evidence) for plan in Plan.objects.all()}
    staff = []
    for username, department in staff_departments.items():
        own = MeasureUnit.objects.filter(department=department)
        staff.append((username, sorted(set(own.values_list("measure_id", "measure__item__task__section__plan__slug")))))
    department_names = [department.name for department in dict.fromkeys(staff_departments.values())]
    population = Population(supervisors, staff, plans, department_names, Measure.objects.count())
    call_command("collectstatic", interactive=False, verbosity=0)
    log("measuring each kind of request alone")
    population.costs = request_costs(population)
    connections.close_all()
    return population


# ----------------------------------------------------------------------------- one request alone


def request_costs(population):
    """Markdown rows: each kind of request alone, through Django's test client in this process.

    For each kind, one warm-up request counts the queries (Django's cache emptied, as before every
    request measured here), then ``cost_of`` measures the CPU of the application and of its
    PostgreSQL backend (from /proc, a local server only) and the time. The connection is kept
    open across the requests so its backend can be followed.
    """
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def client(username):
        browser = Client(HTTP_HOST="127.0.0.1")
        browser.force_login(get_user_model().objects.get(username=username))
        return browser

    plan = next(iter(population.plans))
    requests = {}
    if population.supervisors:
        boss = client(population.supervisors[0])
        requests.update({
            "dashboard": lambda: lambda: boss.get("/", {"plan": plan}),
            "overdue": lambda: lambda: boss.get("/overdue/", {"plan": plan}),
            "measure_list": lambda: lambda: boss.get("/measures/", {"plan": plan}),
            "summary": lambda: lambda: boss.get("/api/summary/", {"plan": plan}),
        })
    reporter = next(((name, measures) for name, measures in population.staff if measures), None)
    if reporter is not None:
        staff = client(reporter[0])
        measure_id, measure_plan = reporter[1][0]
        year = population.plans[measure_plan][1]
        serial = iter(range(1, 1000))

        def update():
            version = shown_version(staff.get(f"/measures/{measure_id}/").content.decode(), year)
            data = {f"{year}-status": "in_progress", f"{year}-note": f"profile-{secrets.token_hex(4)}-{next(serial)}",
                    f"{year}-version": version}
            return lambda: staff.post(f"/measures/{measure_id}/progress/{year}/", data)

        requests.update({
            "my": lambda: lambda: staff.get("/my/"),
            "measure": lambda: lambda: staff.get(f"/measures/{measure_id}/"),
            "update": update,
        })
    rows = [
        "| kind | queries | application CPU ms | PostgreSQL CPU ms | time ms |",
        "|---|---:|---:|---:|---:|",
    ]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        for kind, make in requests.items():
            send = make()
            cache.clear()
            with CaptureQueriesContext(connection) as captured:
                send()
            queries = len(captured)
            app, postgres, wall = cost_of(kind, make)
            postgres = "–" if postgres is None else f"{postgres:,.1f}"
            rows.append(f"| {KINDS[kind]} | {queries} | {app:,.1f} | {postgres} | {wall:,.1f} |")
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return rows


def cost_of(kind, make):
    """(application CPU, PostgreSQL backend CPU or None, median time) of one request of ``kind``, in ms.

    CPU is the mean over at least 2 and at most 20 requests, as many as fit in 2 seconds: /proc
    counts CPU in steps of 10 ms, too coarse for a single request. Django's cache is emptied
    before each request, so what the pages remember between writes is computed every time.
    """
    from django.core.cache import cache
    from django.db import connection

    app, postgres, times = 0.0, 0.0, []
    started = time.perf_counter()
    while len(times) < 2 or (len(times) < 20 and time.perf_counter() - started < 2):
        send = make()
        cache.clear()  # figures remembered until the next write: under load they are computed again
        backend = connection.connection.info.backend_pid
        before = (time.process_time(), backend_seconds(backend), time.perf_counter())
        response = send()
        after = (time.process_time(), backend_seconds(backend), time.perf_counter())
        if response.status_code not in (200, 302):
            raise RuntimeError(f"{kind}: HTTP {response.status_code} while measuring one request alone")
        app += after[0] - before[0]
        postgres = None if None in (postgres, before[1], after[1]) else postgres + after[1] - before[1]
        times.append(after[2] - before[2])
    count = len(times)
    return app * 1000 / count, None if postgres is None else postgres * 1000 / count, sorted(times)[count // 2] * 1000


def backend_seconds(pid):
    """CPU seconds a PostgreSQL backend of the local server has used, or None when /proc cannot tell."""
    fields = stat_fields(pid)
    return None if fields is None else sum(map(int, fields[11:13])) / os.sysconf("SC_CLK_TCK")


# ----------------------------------------------------------------------------- server


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(args, workdir):
    """Set the environment gunicorn, and the preparation in this process, run with."""
    os.environ.update({
        "DATABASE_URL": args.database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_STATIC_ROOT": str(Path(workdir) / "static"),
        "DJANGO_MEDIA_ROOT": str(Path(workdir) / "media"),
    })


class Server:
    """gunicorn on a loopback port, started and stopped by the run."""

    def __init__(self, workers, workdir):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(workdir) / "gunicorn.log"
        command = [
            sys.executable, "-m", "gunicorn", "ledger.wsgi",
            "--workers", str(workers),
            "--bind", f"127.0.0.1:{self.port}",
            "--error-logfile", str(self.log_path),
            "--graceful-timeout", "10",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=dict(os.environ))

    def wait_until_ready(self):
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.fail("gunicorn exited")
            try:
                with urllib.request.urlopen(self.base + "/accounts/login/", timeout=REQUEST_TIMEOUT) as response:
                    if response.status == 200:
                        return
            except (OSError, http.client.HTTPException):
                time.sleep(0.3)
        self.fail(f"gunicorn did not answer within {STARTUP_TIMEOUT} s")

    def fail(self, message):
        self.stop()
        tail = self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""
        sys.exit(f"{message}\n{tail}")

    def cpu_seconds(self):
        """CPU time of the gunicorn master and its workers so far."""
        return tree_cpu(self.process.pid)

    def worker_memory(self):
        """Resident memory of each worker now, in MB."""
        sizes = []
        for pid in child_pids(self.process.pid):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            sizes.extend(int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmRSS:"))
        return sizes

    def errors_logged(self):
        """Tracebacks and worker timeouts in gunicorn's log."""
        if not self.log_path.exists():
            return 0
        text = self.log_path.read_text(errors="replace")
        return text.count("Traceback") + text.count("WORKER TIMEOUT")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def tree_cpu(pid):
    """CPU seconds (user + system) of a process, its finished children and its running children."""
    ticks = os.sysconf("SC_CLK_TCK")
    own = stat_fields(pid)
    if own is None:
        return 0.0
    running = sum(sum(map(int, fields[11:13])) for fields in map(stat_fields, child_pids(pid)) if fields)
    return (sum(map(int, own[11:15])) + running) / ticks


def child_pids(pid):
    try:
        return [int(part) for part in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def stat_fields(pid):
    """The fields of /proc/PID/stat after the command name (state first), or None when it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def machine_cpu():
    """(busy, total) seconds of all cores since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]  # guest time is in user
    ticks = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]
    return (sum(values) - idle) / ticks, sum(values) / ticks


# ----------------------------------------------------------------------------- measurements


@dataclass
class Outcomes:
    """Every timed request of the run, and the progress updates by their answer; shared by the threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict = field(default_factory=lambda: collections.defaultdict(list))
    errors: dict = field(default_factory=lambda: collections.defaultdict(collections.Counter))
    conflicts: collections.Counter = field(default_factory=collections.Counter)
    accepted: dict = field(default_factory=dict)  # token -> (measure id, year, status)
    refused: set = field(default_factory=set)  # tokens of 409 answers
    logins: list = field(default_factory=list)
    login_failures: collections.Counter = field(default_factory=collections.Counter)

    def record(self, kind, seconds, *, error=None, conflict=False):
        """One answer of ``kind`` that took ``seconds`` (None: the request was never sent)."""
        with self.lock:
            if seconds is not None:
                self.latencies[kind].append(seconds)
            if error is not None:
                self.errors[kind][error] += 1
            if conflict:
                self.conflicts[kind] += 1


class ConnectionSampler(threading.Thread):
    """Watches the bench database's PostgreSQL backends four times a second while the run lasts.

    It counts the open connections and follows each backend's CPU time in /proc (a local server
    only). A backend that lives between two samples is missed, so the CPU figure holds only for
    connections that outlive requests (``DATABASE_CONN_MAX_AGE`` or a pool).
    """

    def __init__(self, url, name):
        super().__init__(daemon=True)
        self.url, self.name = url, name
        self.samples = []
        self.backend_cpu = {}  # pid -> [CPU seconds when first seen (0 after the first sample), when last seen]
        self.stopping = threading.Event()

    def run(self):
        with psycopg.connect(self.url, autocommit=True) as conn:
            first = True
            while True:
                pids = [pid for (pid,) in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [self.name]
                )]
                self.samples.append(len(pids))
                for pid in pids:
                    seconds = backend_seconds(pid)
                    if seconds is not None:
                        self.backend_cpu.setdefault(pid, [seconds if first else 0.0, seconds])[1] = seconds
                first = False
                if self.stopping.wait(0.25):
                    return

    def cpu_seconds(self):
        """CPU seconds the backends seen used during the run, or None when none could be read."""
        if not self.backend_cpu:
            return None
        return sum(last - first for first, last in self.backend_cpu.values())

    def stop(self):
        self.stopping.set()
        self.join()


def database_stats(url, name):
    """(sessions opened, milliseconds spent running statements) that PostgreSQL has counted for the database."""
    with psycopg.connect(server_url(url), autocommit=True) as conn:
        return conn.execute("SELECT sessions, active_time FROM pg_stat_database WHERE datname = %s", [name]).fetchone()


@dataclass
class Snapshot:
    """Counters read when the timed window opens and when it closes."""

    clock: float
    gunicorn_cpu: float
    client_cpu: float
    machine_busy: float
    machine_total: float
    sessions: int = 0
    active_ms: float = 0.0

    @classmethod
    def take(cls, server):
        return cls(time.perf_counter(), server.cpu_seconds(), sum(os.times()[:2]), *machine_cpu())


# ----------------------------------------------------------------------------- simulated users


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand 3xx answers back as they are: a redirect after a post is its success."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Browser:
    """One simulated user's session: a cookie jar and timed requests that never follow redirects."""

    def __init__(self, base, outcomes):
        self.base = base
        self.outcomes = outcomes
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            NoRedirect(),
        )

    def fetch(self, path, data=None, timeout=REQUEST_TIMEOUT):
        """(status, body, seconds) of one request."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, data=body, timeout=timeout) as response:
                status, content = response.status, response.read()
        except urllib.error.HTTPError as answer:
            status, content = answer.code, answer.read()
        return status, content.decode("utf-8", "replace"), time.perf_counter() - started

    def timed(self, kind, path, data=None, *, expected=200):
        """A request recorded under ``kind``; the body, or None when it failed."""
        started = time.perf_counter()
        try:
            status, body, seconds = self.fetch(path, data)
        except (OSError, http.client.HTTPException) as exception:
            self.outcomes.record(kind, time.perf_counter() - started, error=type(exception).__name__)
            return None, None
        if status == 409 and data is not None:
            self.outcomes.record(kind, seconds, conflict=True)
        elif status != expected:
            self.outcomes.record(kind, seconds, error=f"HTTP {status}")
        else:
            self.outcomes.record(kind, seconds)
        return status, body

    def login(self, username):
        """Log in through the login form; True on success. Timed apart from the table."""
        started = time.perf_counter()
        _status, page, _seconds = self.fetch("/accounts/login/", timeout=LOGIN_TIMEOUT)
        token = form_token(page)
        status, _body, _seconds = self.fetch(
            "/accounts/login/", {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            timeout=LOGIN_TIMEOUT,
        )
        with self.outcomes.lock:
            self.outcomes.logins.append(time.perf_counter() - started)
        return status == 302


def form_token(page):
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page or "")
    return match.group(1) if match else ""


def shown_version(page, year):
    """The version the year's report form carries: '' when the year has no report yet, None without a form."""
    match = re.search(rf'name="{year}-version"(?: value="(\d*)")?', page)
    return None if match is None else match.group(1) or ""


class Run:
    """The shared clock and data of one load test run."""

    def __init__(self, population, base, duration, outcomes, run_id):
        self.population = population
        self.base = base
        self.duration = duration
        self.outcomes = outcomes
        self.run_id = run_id
        self.deadline = None
        self.on_start = None

    def start_clock(self):
        """Called once every user has logged in: the timed window begins."""
        self.on_start()
        self.deadline = time.monotonic() + self.duration

    def supervisor(self, browser, rng):
        plans = list(self.population.plans)
        departments = self.population.department_names
        while time.monotonic() < self.deadline:
            kind = weighted(rng, SUPERVISOR_MIX)
            plan = rng.choice(plans)
            if kind == "dashboard":
                browser.timed(kind, "/?" + urllib.parse.urlencode({"plan": plan}))
            elif kind == "overdue":
                browser.timed(kind, "/overdue/?" + urllib.parse.urlencode({"plan": plan, "sort": rng.choice(["date", "person"])}))
            elif kind == "summary":
                browser.timed(kind, "/api/summary/?" + urllib.parse.urlencode({"plan": plan}))
            else:
                extra = rng.choice([
                    {}, {"status": "in_progress"}, {"overdue": "true"}, {"department": rng.choice(departments)},
                    {"q": "推进"}, {"page": "3"},
                ])
                browser.timed(kind, "/measures/?" + urllib.parse.urlencode({"plan": plan, **extra}))

    def staff(self, browser, rng, username, measures):
        serial = 0
        while time.monotonic() < self.deadline:
            action = weighted(rng, STAFF_MIX)
            if action == "my" or not measures:
                browser.timed("my", "/my/")
                continue
            measure_id, plan = rng.choice(measures)
            _status, page = browser.timed("measure", f"/measures/{measure_id}/")
            if action == "report" and page is not None:
                serial += 1
                self.report(browser, rng, measure_id, plan, page, f"load-{self.run_id}-{username}-{serial}")

    def report(self, browser, rng, measure_id, plan, page, token):
        """Post the year's report with the version the page showed, as the page's form does."""
        years, reporting_year, requires_evidence = self.population.plans[plan]
        year = reporting_year if rng.random() < 0.8 else rng.choice(years)
        version = shown_version(page, year)
        if version is None:
            self.outcomes.record("update", None, error="no report form on the page")
            return
        statuses = {s: w for s, w in STATUS_MIX.items() if not (s == "done" and requires_evidence)}
        status = weighted(rng, statuses)
        data = {
            "csrfmiddlewaretoken": form_token(page),
            f"{year}-status": status,
            f"{year}-note": f"{rng.choice(NOTES)}[{token}]",
            f"{year}-done_on": "",
            f"{year}-version": version,
            f"{year}-confirm_done": "1",  # 确认完成, as the page's script sets it for a "done"
        }
        answer, _body = browser.timed("update", f"/measures/{measure_id}/progress/{year}/", data, expected=302)
        with self.outcomes.lock:
            if answer == 302:
                self.outcomes.accepted[token] = (measure_id, year, status)
            elif answer == 409:
                self.outcomes.refused.add(token)

    def user(self, username, role, measures, barrier, seed):
        """One simulated user's thread: log in, wait for everyone, loop until the deadline."""
        browser = Browser(self.base, self.outcomes)
        rng = random.Random(seed)  # the same choices in every run
        try:
            failure = None if browser.login(username) else "refused"
        except (OSError, http.client.HTTPException) as exception:
            failure = type(exception).__name__
        finally:
            barrier.wait()
        if failure is not None:
            with self.outcomes.lock:
                self.outcomes.login_failures[failure] += 1
            return
        if role == "supervisor":
            self.supervisor(browser, rng)
        else:
            self.staff(browser, rng, username, measures)


def weighted(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


# ----------------------------------------------------------------------------- report


def percentile(sorted_values, share):
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return 0.0
    index = max(0, min(len(sorted_values) - 1, round(share * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def table(outcomes, elapsed):
    """The markdown table of requests per kind, with a total row."""
    lines = [
        "| kind | requests | req/s | p50 ms | p95 ms | max ms | errors | conflicts (409) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    everything = []
    for kind, label in KINDS.items():
        values = sorted(outcomes.latencies.get(kind, []))
        everything.extend(values)
        lines.append(row(label, values, elapsed, sum(outcomes.errors[kind].values()), outcomes.conflicts[kind]))
    total_errors = sum(sum(counter.values()) for counter in outcomes.errors.values())
    lines.append(row("**all**", sorted(everything), elapsed, total_errors, sum(outcomes.conflicts.values())))
    return lines


def row(label, values, elapsed, errors, conflicts):
    ms = [f"{percentile(values, share) * 1000:,.0f}" for share in (0.5, 0.95, 1.0)]
    return f"| {label} | {len(values):,} | {len(values) / elapsed:,.1f} | {' | '.join(ms)} | {errors} | {conflicts} |"


def verify_history(outcomes, run_id):
    """Accepted tokens missing from the history (or recorded differently), and refused tokens found in it."""
    from django.db import connections

    from tasks.models import ProgressEntry

    connections.close_all()
    stored = {}
    entries = ProgressEntry.objects.filter(note__contains=f"[load-{run_id}-").values_list(
        "note", "progress__measure_id", "progress__year", "status"
    )
    for note, measure_id, year, status in entries:
        stored[re.search(r"\[(load-[^\]]+)\]", note).group(1)] = (measure_id, year, status)
    missing = {token: expected for token, expected in outcomes.accepted.items() if stored.get(token) != expected}
    written_refused = sorted(outcomes.refused & stored.keys())
    unanswered = len(stored.keys() - outcomes.accepted.keys() - outcomes.refused)
    connections.close_all()
    return missing, written_refused, unanswered


def run(args):
    """Prepare, serve, load, report and verify; return (markdown, success)."""
    workdir = tempfile.mkdtemp(prefix="ledger-load-")
    server = None
    try:
        name = check_bench_database(args.database_url)
        server_environment(args, workdir)
        population = prepare(args, name, workdir)
        log(f"{population.measures:,} measures; starting gunicorn with {args.workers} workers")
        server = Server(args.workers, workdir)
        server.wait_until_ready()

        outcomes = Outcomes()
        run_id = secrets.token_hex(4)
        load = Run(population, server.base, args.duration, outcomes, run_id)
        sampler = ConnectionSampler(args.database_url, name)
        marks = []

        def open_window():
            sampler.start()
            marks.append(Snapshot.take(server))
            marks[0].sessions, marks[0].active_ms = database_stats(args.database_url, name)

        load.on_start = open_window
        users = [(u, "supervisor", []) for u in population.supervisors] + [(u, "staff", m) for u, m in population.staff]
        barrier = threading.Barrier(len(users), action=load.start_clock)
        threads = [
            threading.Thread(target=load.user, args=(username, role, measures, barrier, index), daemon=True)
            for index, (username, role, measures) in enumerate(users)
        ]
        log(f"{len(population.supervisors)} supervisors and {len(population.staff)} staff log in, then {args.duration} s of load")
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        end = Snapshot.take(server)
        memory = server.worker_memory()
        sampler.stop()
        server_errors = server.errors_logged()
        server.stop()
        time.sleep(1.5)  # PostgreSQL publishes a session's statistics when it ends, within a second
        end.sessions, end.active_ms = database_stats(args.database_url, name)

        missing, written_refused, unanswered = verify_history(outcomes, run_id)
        markdown = describe(args, population, outcomes, marks[0], end, sampler, memory, server_errors)
        markdown += history_lines(outcomes, missing, written_refused, unanswered)
        return markdown, not missing and not written_refused
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def describe(args, population, outcomes, start, end, sampler, memory, server_errors):
    """The markdown report of the run: setup, table, errors, database and CPU."""
    elapsed = end.clock - start.clock
    source = f"a generated ledger of {population.measures:,} measures" if args.measures else (
        f"the two real ledgers ({population.measures} measures)"
    )
    lines = [
        f"Load test {datetime.date.today():%Y-%m-%d}: {len(population.supervisors) + len(population.staff)} users "
        f"({len(population.supervisors)} supervisors, {len(population.staff)} staff, no pause between requests) "
        f"for {elapsed:.0f} s against gunicorn with {args.workers} sync workers, PostgreSQL "
        f"{server_version(args.database_url)}, {source}, {connection_setting()}; {os.cpu_count()} cores ({cpu_model()}), "
        f"Python {platform.python_version()}.",
        "",
        *table(outcomes, elapsed),
        "",
    ]
    if population.costs:
        lines += [
            "One request of each kind alone, before the run (Django's test client in the load script's process, "
            "after a warm-up request, Django's cache emptied before each; CPU of the application and of its "
            "PostgreSQL backend, mean of 2–20 requests; median time):",
            "",
            *population.costs,
            "",
        ]
    errors = collections.Counter()
    for counter in outcomes.errors.values():
        errors.update(counter)
    if errors:
        lines.append("Errors: " + ", ".join(f"{what} × {count}" for what, count in errors.most_common()) + ".")
    if server_errors:
        lines.append(f"gunicorn logged {server_errors} tracebacks or worker timeouts.")
    if outcomes.login_failures:
        lines.append("Failed logins: " + ", ".join(f"{what} × {n}" for what, n in outcomes.login_failures.items()) + ".")
    logins = sorted(outcomes.logins)
    requests = max(1, sum(len(values) for values in outcomes.latencies.values()))
    sessions = end.sessions - start.sessions
    gunicorn, client = end.gunicorn_cpu - start.gunicorn_cpu, end.client_cpu - start.client_cpu
    busy, total = end.machine_busy - start.machine_busy, end.machine_total - start.machine_total
    backend_cpu = sampler.cpu_seconds()
    if backend_cpu is None or sessions > requests / 2:
        postgres_cpu = "its CPU cannot be followed with a connection per request (set DATABASE_CONN_MAX_AGE)"
    else:
        postgres_cpu = f"its backends used {backend_cpu * 1000 / requests:.1f} ms of CPU per request"
    lines += [
        f"Logins before the timed window (not in the table): {len(logins)}, p50 {percentile(logins, 0.5) * 1000:,.0f} ms "
        f"(PBKDF2 password hashing).",
        f"PostgreSQL, this database: at most {max(sampler.samples, default=0)} connections open at once "
        f"(mean {sum(sampler.samples) / max(1, len(sampler.samples)):.1f}); {sessions:,} sessions opened "
        f"({sessions / requests:.2f} per request); statements running {(end.active_ms - start.active_ms) / requests:.1f} ms "
        f"per request; {postgres_cpu}.",
        f"CPU over the window ({total / elapsed:.0%} = all {os.cpu_count()} cores): gunicorn {gunicorn / elapsed:.0%} "
        f"({gunicorn * 1000 / requests:.1f} ms per request), load client {client / elapsed:.0%}, the rest of the "
        f"machine (PostgreSQL and anything else running) {max(0.0, busy - gunicorn - client) / elapsed:.0%}, idle "
        f"{max(0.0, total - busy) / elapsed:.0%}.",
        f"gunicorn workers' resident memory at the end: {max(memory, default=0):.0f} MB at most, "
        f"{sum(memory):.0f} MB for all {len(memory)}.",
    ]
    return "\n".join(lines) + "\n"


def history_lines(outcomes, missing, written_refused, unanswered):
    lines = []
    if missing:
        lines.append(f"MISSING from history: {len(missing)} of {len(outcomes.accepted)} accepted updates:")
        lines += [f"- {token}: measure {m}, year {y}, status {s}" for token, (m, y, s) in sorted(missing.items())]
    else:
        lines.append(f"History: all {len(outcomes.accepted):,} accepted updates found in history.")
    if written_refused:
        lines.append(f"WRITTEN although refused (409): {', '.join(written_refused)}")
    else:
        lines.append(f"None of the {len(outcomes.refused):,} refused (409) updates was written.")
    if unanswered:
        lines.append(f"{unanswered} updates are in history whose answer the client did not get (timeouts).")
    return "\n".join(lines) + "\n"


def connection_setting():
    """How Django keeps its database connections in the settings the server runs with."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    pool = database.get("OPTIONS", {}).get("pool")
    return f"psycopg pool {pool}" if pool else f"CONN_MAX_AGE {database['CONN_MAX_AGE']}"


def server_version(url):
    with psycopg.connect(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0].split()[0]


def cpu_model():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def log(message):
    print(message, file=sys.stderr, flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help="PostgreSQL database; its name must contain 'bench'")
    parser.add_argument("--users", type=int, default=50, help="simulated users, one supervisor in five")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load after the logins")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--measures", type=int, default=10000, help="size of the generated ledger; 0: the real fixtures")
    parser.add_argument("--fresh", action="store_true", help="recreate the database even when it holds the data")
    args = parser.parse_args(argv)
    if args.users < 1 or args.duration < 1 or args.workers < 1 or args.measures < 0:
        parser.error("--users, --duration and --workers must be positive, --measures at least 0")
    markdown, success = run(args)
    print(markdown)
    return 0 if success else 1


if __name__ == "__main__":
    sys.exit(main())
