"""Every URL of the project, for every role, against an explicit table of allowed status codes.

The sweep walks the whole URL configuration (``get_resolver()``, through every include), so a
new page or API endpoint that is not in ``EXPECTED`` fails ``test_every_route_is_in_the_table``
and every role's sweep: whoever adds a route has to decide who may use it, here.

The objects in the URLs all belong to department B (机关党总支) of the real Anshan ledger, so
staff of B are the owners and staff of A (政策法规科) are outsiders: a page about a B measure
must be 404 for A, and so must a change to it (the id of a measure A cannot see tells A nothing).
"""

import datetime

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver

from departments.models import Department
from departments.roles import ADMIN, STAFF, SUPERVISOR, create_account
from jobs.models import Export, ExportState, ImportJob
from notices.models import Notification, NotificationKind
from notices.notify import notify
from tasks.importing.options import ImportOptions
from tasks.importing.ledger_import import import_ledger
from tasks.models import Evidence, ExtensionRequest, Measure, Milestone, Progress
from tasks.workflow.review import request_extension
from tasks.standing.on_date import DATED_KINDS
from tasks.tests.conftest import ANSHAN
from tasks.tests.helpers import PASSWORD, PDF_BYTES, upload

pytestmark = pytest.mark.django_db

DEPARTMENT_A, DEPARTMENT_B = "政策法规科", "机关党总支"
YEAR = 2024

ANONYMOUS, STAFF_A, STAFF_B = "anonymous", "staff_a", "staff_b"
ROLES = (ANONYMOUS, STAFF_A, STAFF_B, SUPERVISOR, ADMIN)

# Routes that are not pages of the app: skipped on purpose, by name (or by path for unnamed ones).
SKIPPED = {
    "favicon.ico",  # a redirect to the static icon
    "set_language",  # Django's i18n helper (language menu)
}
# The admin site's own URLs are Django's; only these are swept: the index and the imports.
ADMIN_SWEPT = {"admin:index", "admin:tasks_measure_import", "admin:tasks_measure_bulk_import"}

# Views that accept only POST: the sweep POSTs an empty body to them (and checks GET is refused).
POST_ONLY = {
    "report_progress",
    "withdraw_report",
    "api-measure-withdraw",
    "review_report",
    "request_extension",
    "decide_extension",
    "notification_read",
    "notifications_read_all",
    "nudge_measure",
    "nudge_department",
    "logout",
    "api-measure-progress",
    "close_year",
    "reopen_year",
    "rollover",
    "review_many",
}

LOGIN = "LOGIN"  # a 302 to the login page
ADMIN_LOGIN = "ADMIN_LOGIN"  # a 302 to the admin's login page

# Who may do what. Pages: anonymous → 302 to the login page. API: anonymous → 401/403.
PAGE_ALL = {ANONYMOUS: {LOGIN}, STAFF_A: {200}, STAFF_B: {200}, SUPERVISOR: {200}, ADMIN: {200}}
PAGE_DEPT_B = {ANONYMOUS: {LOGIN}, STAFF_A: {404}, STAFF_B: {200}, SUPERVISOR: {200}, ADMIN: {200}}
PAGE_REVIEWERS = {ANONYMOUS: {LOGIN}, STAFF_A: {403}, STAFF_B: {403}, SUPERVISOR: {200}, ADMIN: {200}}
PUBLIC = {role: {200} for role in ROLES}
ADMIN_SITE = {ANONYMOUS: {ADMIN_LOGIN}, STAFF_A: {ADMIN_LOGIN}, STAFF_B: {ADMIN_LOGIN}, SUPERVISOR: {ADMIN_LOGIN}, ADMIN: {200}}
API_ALL = {ANONYMOUS: {401, 403}, STAFF_A: {200}, STAFF_B: {200}, SUPERVISOR: {200}, ADMIN: {200}}

EXPECTED = {
    # tasks/urls.py
    "home": PAGE_ALL,
    "start": {ANONYMOUS: {LOGIN}, STAFF_A: {302}, STAFF_B: {302}, SUPERVISOR: {302}, ADMIN: {302}},  # to 我的任务 or the dashboard
    "overdue": PAGE_ALL,
    "due_soon": PAGE_ALL,
    "measure_list": PAGE_ALL,  # staff see only their departments' rows (tasks/tests/test_permissions.py)
    "measure_export": PAGE_ALL,
    "my_measures": PAGE_ALL,
    "department_detail": PAGE_DEPT_B,
    "plan_export": PAGE_ALL,  # staff get their departments' measures only
    "plan_writeback": PAGE_REVIEWERS,  # every department's rows: supervisors and admins only
    "measure_detail": PAGE_DEPT_B,
    "evidence_file": PAGE_DEPT_B,
    "review_queue": PAGE_REVIEWERS,
    "report_many": PAGE_ALL | {SUPERVISOR: {403}},  # staff and admins report; supervisors review
    "plan_audit": PAGE_REVIEWERS,  # every person's acts: supervisors and admins only
    "measure_audit": PAGE_REVIEWERS,
    "evaluation_report": PAGE_REVIEWERS,
    "plan_years": PAGE_REVIEWERS,
    # an empty POST: an invalid form (close), or a move the page did not show (rollover), back to the page
    "close_year": PAGE_REVIEWERS | {SUPERVISOR: {302}, ADMIN: {302}},
    "reopen_year": {ANONYMOUS: {LOGIN}, STAFF_A: {403}, STAFF_B: {403}, SUPERVISOR: {403}, ADMIN: {302}},
    "rollover": PAGE_REVIEWERS | {SUPERVISOR: {302}, ADMIN: {302}},
    # POST with an empty body: 400 (or a redirect with the form's errors) means "allowed, invalid data"
    "report_progress": {ANONYMOUS: {LOGIN}, STAFF_A: {404}, STAFF_B: {400}, SUPERVISOR: {403}, ADMIN: {400}},
    "review_report": {ANONYMOUS: {LOGIN}, STAFF_A: {404}, STAFF_B: {403}, SUPERVISOR: {302}, ADMIN: {302}},
    # nothing of theirs waits for review: refused with the reason, back to the measure page
    "withdraw_report": {ANONYMOUS: {LOGIN}, STAFF_A: {404}, STAFF_B: {302}, SUPERVISOR: {403}, ADMIN: {302}},
    "request_extension": {ANONYMOUS: {LOGIN}, STAFF_A: {404}, STAFF_B: {302}, SUPERVISOR: {403}, ADMIN: {302}},
    "decide_extension": {ANONYMOUS: {LOGIN}, STAFF_A: {404}, STAFF_B: {403}, SUPERVISOR: {302}, ADMIN: {302}},
    # an empty bulk review: nothing selected, back to the queue with the message
    "review_many": {ANONYMOUS: {LOGIN}, STAFF_A: {403}, STAFF_B: {403}, SUPERVISOR: {302}, ADMIN: {302}},
    # notices/urls.py (the notification belongs to the staff B account)
    "inbox": PAGE_ALL,
    "notification_read": {ANONYMOUS: {LOGIN}, STAFF_A: {404}, STAFF_B: {302}, SUPERVISOR: {404}, ADMIN: {404}},
    "notifications_read_all": {ANONYMOUS: {LOGIN}, STAFF_A: {302}, STAFF_B: {302}, SUPERVISOR: {302}, ADMIN: {302}},
    "nudge_measure": {ANONYMOUS: {LOGIN}, STAFF_A: {404}, STAFF_B: {403}, SUPERVISOR: {302}, ADMIN: {302}},
    "nudge_department": {ANONYMOUS: {LOGIN}, STAFF_A: {403}, STAFF_B: {403}, SUPERVISOR: {302}, ADMIN: {302}},
    # jobs/urls.py (a background export staff B asked for: theirs alone, whatever the others' role)
    "export_status": {ANONYMOUS: {LOGIN}, STAFF_A: {404}, STAFF_B: {200}, SUPERVISOR: {404}, ADMIN: {404}},
    "export_download": {ANONYMOUS: {LOGIN}, STAFF_A: {404}, STAFF_B: {200}, SUPERVISOR: {404}, ADMIN: {404}},
    # a background import staff B's account started: theirs and the superusers' (admins) alone
    "import_status": {ANONYMOUS: {LOGIN}, STAFF_A: {404}, STAFF_B: {200}, SUPERVISOR: {404}, ADMIN: {200}},
    # django.contrib.auth.urls
    "login": PUBLIC,
    "logout": {role: {200, 302} for role in ROLES},
    "password_change": {ANONYMOUS: {LOGIN}, STAFF_A: {200}, STAFF_B: {200}, SUPERVISOR: {200}, ADMIN: {200}},
    "password_change_done": {ANONYMOUS: {LOGIN}, STAFF_A: {200}, STAFF_B: {200}, SUPERVISOR: {200}, ADMIN: {200}},
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC,
    "password_reset_confirm": PUBLIC,  # a made-up token: the "invalid link" page
    "password_reset_complete": PUBLIC,
    # tasks/api/urls.py
    "api-summary": API_ALL,
    "api-schema": API_ALL,  # the OpenAPI schema: logged-in users and token holders only
    "api-measure-list": API_ALL,  # staff see only their departments' measures (tasks/tests/test_api.py)
    "api-measure-detail": {ANONYMOUS: {401, 403}, STAFF_A: {404}, STAFF_B: {200}, SUPERVISOR: {200}, ADMIN: {200}},
    "api-measure-progress": {ANONYMOUS: {401, 403}, STAFF_A: {404}, STAFF_B: {400}, SUPERVISOR: {403}, ADMIN: {400}},
    "api-measure-withdraw": {ANONYMOUS: {401, 403}, STAFF_A: {404}, STAFF_B: {400}, SUPERVISOR: {403}, ADMIN: {400}},
    # the admin site
    "admin:index": ADMIN_SITE,
    "admin:tasks_measure_import": ADMIN_SITE,
    "admin:tasks_measure_bulk_import": ADMIN_SITE,
}


# -- the URL configuration ---------------------------------------------------------------


def walk(resolver=None, prefix="", namespace=""):
    """``(route name, pattern)`` of every URL pattern, through every include."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            path = prefix + str(pattern.pattern)
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or path)
            yield name, path


def swept_routes():
    """Every route the sweep must know about: all but the named skips and the admin's internals."""
    routes = {}
    for name, path in walk():
        if name in SKIPPED or (path.startswith("admin/") and name not in ADMIN_SWEPT):
            continue
        if path.startswith(settings.MEDIA_URL) or path.startswith(settings.STATIC_URL.lstrip("/")):
            continue
        routes.setdefault(name, path)
    return routes


def test_every_route_is_in_the_table():
    missing = sorted(set(swept_routes()) - set(EXPECTED))
    assert not missing, (
        f"URL route(s) {missing} are not in EXPECTED in {__file__}: add each new route to EXPECTED "
        "with the status codes every role (anonymous, staff of A, staff of B, supervisor, admin) may get, "
        "so that a page without a permission check cannot slip through."
    )
    gone = sorted(set(EXPECTED) - set(swept_routes()))
    assert not gone, f"EXPECTED names routes that no longer exist: {gone}"
    for name, allowed in EXPECTED.items():
        assert set(allowed) == set(ROLES), f"EXPECTED[{name!r}] must give every role: {ROLES}"


# -- the data: the real Anshan ledger and one object of each kind, all in department B -----


def b_measure():
    """A measure of 机关党总支 (and not of 政策法规科) with a dated milestone in 2024."""
    measures = (
        Measure.objects.filter(units__department__name=DEPARTMENT_B)
        .exclude(units__department__name=DEPARTMENT_A)
        .filter(deadlines__year=YEAR, deadlines__milestones__kind__in=DATED_KINDS, deadlines__milestones__date__isnull=False)
        .order_by("pk")
    )
    measure = measures.first()
    assert measure is not None, f"the Anshan ledger has no dated {YEAR} measure of {DEPARTMENT_B}"
    return measure


@pytest.fixture
def world(db):
    import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"))  # the real ledger, as tasks/tests/conftest.py does
    users = {
        STAFF_A: create_account("sweep-a", STAFF, departments=[DEPARTMENT_A], password=PASSWORD)[0],
        STAFF_B: create_account("sweep-b", STAFF, departments=[DEPARTMENT_B], password=PASSWORD)[0],
        SUPERVISOR: create_account("sweep-supervisor", SUPERVISOR, password=PASSWORD)[0],
        ADMIN: create_account("sweep-admin", ADMIN, password=PASSWORD)[0],
    }
    measure = b_measure()
    assert YEAR in measure.plan.years
    # evidence, through the staff report form as a user makes it (sending the version it read)
    stored = Progress.objects.filter(measure=measure, year=YEAR).first()
    client = Client()
    client.force_login(users[STAFF_B])
    response = client.post(
        f"/measures/{measure.pk}/progress/{YEAR}/",
        {f"{YEAR}-status": "in_progress", f"{YEAR}-note": "见附件", f"{YEAR}-version": stored.version if stored else "",
         f"{YEAR}-evidence": upload("报告.pdf", PDF_BYTES)},
    )
    assert response.status_code == 302, response.content[:500]
    evidence = Evidence.objects.get(progress__measure=measure, progress__year=YEAR)
    milestone = Milestone.objects.filter(
        deadline__measure=measure, deadline__year=YEAR, kind__in=DATED_KINDS, date__isnull=False
    ).first()
    extension = request_extension(
        milestone, user=users[STAFF_B], new_date=milestone.date + datetime.timedelta(days=30), reason="人手不足"
    )
    assert ExtensionRequest.objects.filter(pk=extension.pk).exists()
    notify([users[STAFF_B].pk], kind=NotificationKind.NUDGE, title="催办", body="请尽快填报", measure=measure)
    notification = Notification.objects.get(user=users[STAFF_B])
    department = Department.objects.get(name=DEPARTMENT_B)
    export = Export.objects.create(
        owner=users[STAFF_B], plan=measure.plan, format="csv", measures=1, filename="anshan-2024.csv", state=ExportState.READY
    )
    export.file.save(export.filename, ContentFile("工作措施\n".encode()))
    import_job = ImportJob.objects.create(owner=users[STAFF_B], plan_slug="anshan", file_name="anshan.xlsx", measures=75)
    params = {
        "department_detail": {"pk": department.pk},
        "nudge_department": {"pk": department.pk},
        "plan_export": {"slug": measure.plan.slug},
        "plan_writeback": {"slug": measure.plan.slug},
        "plan_audit": {"slug": measure.plan.slug},
        "evaluation_report": {"slug": measure.plan.slug},
        "plan_years": {"slug": measure.plan.slug},
        "close_year": {"slug": measure.plan.slug},
        "reopen_year": {"slug": measure.plan.slug},
        "rollover": {"slug": measure.plan.slug},
        "measure_detail": {"pk": measure.pk},
        "nudge_measure": {"pk": measure.pk},
        "report_progress": {"pk": measure.pk, "year": YEAR},
        "review_report": {"pk": measure.pk, "year": YEAR},
        "withdraw_report": {"pk": measure.pk, "year": YEAR},
        "request_extension": {"pk": measure.pk},
        "decide_extension": {"pk": extension.pk},
        "evidence_file": {"pk": evidence.pk},
        "notification_read": {"pk": notification.pk},
        "export_status": {"pk": export.pk},
        "export_download": {"pk": export.pk},
        "import_status": {"pk": import_job.pk},
        "password_reset_confirm": {"uidb64": "MQ", "token": "made-up-token"},
        "api-measure-detail": {"pk": measure.pk},
        "api-measure-progress": {"pk": measure.pk},
        "api-measure-withdraw": {"pk": measure.pk},
    }
    return users, params


# -- the sweep ------------------------------------------------------------------------------


# Query strings some routes need to do their work (without one, /measures/export/ is a 400 for everyone).
QUERIES = {"measure_export": "?format=csv&plan=anshan"}


def url_of(name, params):
    try:
        return resolve_url(name, **params.get(name, {})) + QUERIES.get(name, "")
    except NoReverseMatch as error:
        raise AssertionError(f"add the path parameters of {name!r} to the params of the world fixture: {error}") from error


def outcome(response):
    """The status, or LOGIN / ADMIN_LOGIN for a redirect to one of the login pages."""
    if response.status_code == 302:
        location = response.headers["Location"]
        if location.startswith(resolve_url("admin:login")):
            return ADMIN_LOGIN
        if location.startswith(resolve_url(settings.LOGIN_URL)) and "?next=" in location:
            return LOGIN
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_table_says(world, role):
    users, params = world
    routes = swept_routes()
    missing = sorted(set(routes) - set(EXPECTED))
    assert not missing, f"add the new route(s) {missing} to EXPECTED in {__file__} (allowed status codes per role)"

    def client():
        # a fresh client per request: logout or a failed form must not change the next request's user
        browser = Client(enforce_csrf_checks=False)
        if role != ANONYMOUS:
            browser.force_login(users[role])
        return browser

    wrong = []
    for name in sorted(routes):
        url = url_of(name, params)
        allowed = EXPECTED[name][role]
        if name in POST_ONLY:
            got = outcome(client().get(url))
            refused = {405} if role != ANONYMOUS or not name.startswith("api-") else {401, 403}
            if got not in refused:
                wrong.append(f"GET {url} ({name}): {got}, expected one of {sorted(map(str, refused))}")
            response = client().post(url, {})
        else:
            response = client().get(url)
        got = outcome(response)
        if got not in allowed:
            method = "POST" if name in POST_ONLY else "GET"
            wrong.append(f"{method} {url} ({name}): {got}, expected one of {sorted(map(str, allowed))}")
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)
