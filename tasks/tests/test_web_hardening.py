"""The web layer against hostile links and shared machines (issue #24): reflected script, the app's
own error pages, the Content-Security-Policy header, and no caching of private answers."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client
from rest_framework.authtoken.models import Token

from departments.models import Department
from departments.roles import ADMIN, STAFF, SUPERVISOR
from tasks.importing.options import ImportOptions
from tasks.importing.ledger_import import import_ledger
from tasks.models import Evidence, Measure, Progress, ProgressEntry

from .conftest import ANSHAN

from .helpers import PDF_BYTES, database_for_threads, login, measures_of, upload

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
HANDLER = '"><img src=x onerror=alert(1)>'


@pytest.fixture
def supervisor(anshan):
    return login("chief", SUPERVISOR)


@pytest.fixture
def department_b(anshan):
    return Department.objects.get(name="机关党总支")


# -- 1. reflected script ------------------------------------------------------------------------

#: Every page that reads query parameters, and the parameters it reads.
PAGES_WITH_PARAMETERS = {
    "/": ("plan", "year", "as_of", "soon_days", "department"),
    "/overdue/": ("plan", "year", "as_of", "department", "sort", "page"),
    "/due-soon/": ("plan", "year", "as_of", "soon_days", "department", "sort", "page"),
    "/departments/{department}/": ("plan", "year", "as_of", "soon_days"),
    "/measures/": ("plan", "year", "as_of", "soon_days", "section", "task", "department", "person", "status",
                   "signal", "overdue", "due_soon", "review", "needs_review", "kind", "due_from", "due_to", "q", "page"),
    "/measures/export/": ("format", "plan", "year", "as_of", "department", "section", "q"),
    "/plans/anshan/export/": ("format", "year"),
    "/plans/anshan/writeback/": ("year",),
    "/my/": ("page",),
    "/inbox/": ("page",),
}


def reflected_cases():
    for path, names in PAGES_WITH_PARAMETERS.items():
        for name in names:
            for payload in (SCRIPT, HANDLER):
                yield pytest.param(path, name, payload, id=f"{path}?{name}={payload[:8]}")


def body_of(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("path, name, payload", list(reflected_cases()))
def test_a_script_in_a_parameter_never_comes_back_as_markup(supervisor, department_b, path, name, payload):
    response = supervisor.get(path.format(department=department_b.pk), {name: payload})
    assert response.status_code in (200, 302, 400, 404)
    body = body_of(response).decode("utf-8", errors="replace")
    assert "<script>alert(1)" not in body
    assert "<img src=x" not in body
    if response.status_code in (400, 404) and response["Content-Type"].startswith("text/html"):
        assert 'class="topbar"' in body  # the app's own page, with its navigation
        assert 'href="/"' in body


def test_the_dashboards_400_names_the_bad_plan_escaped_in_chinese(supervisor):
    response = supervisor.get("/", {"plan": SCRIPT})
    assert response.status_code == 400
    assert response["Content-Type"] == "text/html; charset=utf-8"
    body = response.content.decode()
    assert "请求有误" in body
    assert "没有代号为“&lt;script&gt;alert(1)&lt;/script&gt;”的台账。" in body
    assert "返回总览" in body


@pytest.mark.parametrize(
    "params, words",
    [
        ({"as_of": "9999-12-31"}, "as_of"),
        ({"as_of": "2024-13-45"}, "as_of"),
        ({"year": "1e100"}, "year"),
        ({"year": "1999"}, "year"),
        ({"soon_days": "0"}, "soon_days"),
        ({"soon_days": "367"}, "soon_days"),
        ({"department": "99999999999999999999999"}, "部门编号过大"),
        ({"department": "²"}, None),
    ],
)
def test_scope_parameters_out_of_bounds_are_a_400_naming_the_parameter(supervisor, params, words):
    for path in ("/", "/overdue/", "/due-soon/"):
        response = supervisor.get(path, {"plan": "anshan", **params})
        if words is None:  # a name no department has: an empty scope, not an error
            assert response.status_code == 200
            continue
        assert response.status_code == 400, (path, params)
        assert words in response.content.decode()


def test_the_measure_list_shows_a_bad_filter_with_its_error_and_answers_400(supervisor):
    response = supervisor.get("/measures/", {"plan": "anshan", "as_of": "9999-12-31"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "as_of" in body and "2100-12-31" in body
    assert supervisor.get("/measures/", {"department": "99999999999999999999999"}).status_code == 400
    assert supervisor.get("/measures/", {"section": "99999999999999999999999"}).status_code == 400
    assert supervisor.get("/measures/", {"plan": "anshan"}).status_code == 200


def test_an_unknown_export_format_is_the_400_page(supervisor):
    response = supervisor.get("/measures/export/", {"format": SCRIPT})
    assert response.status_code == 400
    body = response.content.decode()
    assert "导出格式只能是 xlsx、csv。" in body
    assert SCRIPT not in body


def test_a_missing_page_is_the_apps_own_404_in_chinese(supervisor):
    response = supervisor.get(f"/plans/{SCRIPT}/export/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在（404）" in body and "返回总览" in body and 'class="topbar"' in body
    assert "<script>alert" not in body


def test_a_refused_change_is_the_apps_own_403_with_the_reason(anshan):
    fagui = login("fagui", STAFF, ["政策法规科"])
    own = measures_of("政策法规科").first()
    supervisor = login("chief", SUPERVISOR)
    response = supervisor.post(f"/measures/{own.pk}/progress/2025/", {"2025-status": "done"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "无权访问（403）" in body and "您不能填报该措施的进展。" in body
    assert fagui.get("/review/").status_code == 403


def test_a_post_without_its_csrf_token_is_the_apps_own_page(anshan):
    client = login("fagui", STAFF, ["政策法规科"], csrf=True)
    own = measures_of("政策法规科").first()
    response = client.post(f"/measures/{own.pk}/progress/2025/", {"2025-status": "done"})
    assert response.status_code == 403
    assert "页面已过期（403）" in response.content.decode()


def test_a_server_error_is_the_apps_own_500_page(supervisor, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("tasks.views.todo.own_measures", broken)
    supervisor.raise_request_exception = False
    response = supervisor.get("/my/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统出错（500）" in body and "返回总览" in body
    assert "the database went away" not in body


def error_answer(kind, monkeypatch):
    """The answer of one error page, for a logged-in member of 政策法规科 (400 and 500: a supervisor)."""
    own = measures_of("政策法规科").first()
    if kind == "400":
        return login("chief", SUPERVISOR).get("/", {"plan": "no-such-plan"})
    if kind == "403":
        return login("chief", SUPERVISOR).post(f"/measures/{own.pk}/progress/2025/", {"2025-status": "done"})
    if kind == "404":
        return login("fagui", STAFF, ["政策法规科"]).get("/no-such-page/")
    if kind == "csrf":
        return login("fagui", STAFF, ["政策法规科"], csrf=True).post(f"/measures/{own.pk}/progress/2025/", {"2025-status": "done"})
    monkeypatch.setattr("tasks.views.todo.own_measures", lambda *args, **kwargs: 1 / 0)
    client = login("chief", SUPERVISOR)
    client.raise_request_exception = False
    return client.get("/my/")


@pytest.mark.parametrize(
    "kind, status, heading",
    [("400", 400, "请求有误"), ("403", 403, "无权访问（403）"), ("404", 404, "页面不存在（404）"),
     ("csrf", 403, "页面已过期（403）"), ("500", 500, "系统出错（500）")],
)
def test_every_error_page_is_a_chinese_page_of_the_app_with_its_menu_and_the_way_home(anshan, monkeypatch, kind, status, heading):
    response = error_answer(kind, monkeypatch)
    assert response.status_code == status
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body
    assert heading in body
    assert 'class="skip-link" href="#main"' in body and '<main id="main"' in body
    assert '<nav class="main" aria-label="主导航">' in body and 'href="/my/"' in body  # the menu, even on a 500
    assert '<a href="/">返回总览</a>' in body


# -- 2. Content-Security-Policy -------------------------------------------------------------------

POLICY = {
    "script-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}


def policy_of(response):
    directives = [part.strip().split(None, 1) for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {name: value for name, value in directives}


@pytest.mark.parametrize(
    "path", ["/", "/measures/", "/overdue/", "/admin/", "/admin/tasks/measure/import/", "/api/measures/", "/api/summary/",
             "/accounts/login/", "/nowhere/"]
)
def test_every_answer_carries_the_content_security_policy(anshan, path):
    admin = login("root", ADMIN)
    response = admin.get(path, HTTP_ACCEPT="text/html")
    policy = policy_of(response)
    for name, value in POLICY.items():
        assert policy[name] == value, (path, name)
    assert "unsafe-inline" not in policy["script-src"]
    assert "unsafe-eval" not in policy["script-src"]


def test_no_page_of_the_app_has_an_inline_script_or_handler(anshan):
    admin = login("root", ADMIN)
    own = Measure.objects.first()
    for path in ("/", "/measures/", f"/measures/{own.pk}/", "/my/", "/overdue/", "/due-soon/", "/review/",
                 "/inbox/", "/accounts/login/"):
        body = admin.get(path).content.decode()
        for script in body.split("<script")[1:]:
            assert script.lstrip().startswith("src="), (path, script[:80])
        assert " onchange=" not in body and " onclick=" not in body and " onsubmit=" not in body


# -- 5. caching -------------------------------------------------------------------------------------


def test_private_answers_are_not_cached_and_static_files_are(anshan, settings):
    settings.WHITENOISE_USE_FINDERS = True  # serve static/ as production serves the collected files
    fagui = login("fagui", STAFF, ["政策法规科"])
    own = measures_of("政策法规科").first()
    saved = fagui.post(
        f"/measures/{own.pk}/progress/2025/",
        {"2025-status": "in_progress", "2025-note": "", "2025-evidence": upload("签到表.pdf", PDF_BYTES)},
    )
    assert saved.status_code == 302
    evidence = Evidence.objects.get()
    for path in ("/", "/my/", f"/measures/{own.pk}/", "/measures/export/?format=csv", "/plans/anshan/export/?format=json",
                 f"/evidence/{evidence.pk}/", "/api/measures/", "/api/summary/"):
        response = fagui.get(path)
        assert response.status_code == 200, path
        assert {"private", "no-store"} <= cache_directives(response), path
    static = fagui.get("/static/css/app.css")
    assert static.status_code == 200
    assert "no-store" not in cache_directives(static)
    assert any(directive.startswith("max-age=") for directive in cache_directives(static))


def cache_directives(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_a_token_holders_api_answers_are_not_cached(anshan):
    login("robot", SUPERVISOR)
    token = Token.objects.create(user=get_user_model().objects.get(username="robot"))
    response = Client().get("/api/summary/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert {"private", "no-store"} <= cache_directives(response)


# -- 4. concurrent writers ----------------------------------------------------------------------------

WRITERS = 5


def run_together(functions):
    """Each function in its own thread, released at once; their results in order."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def worker(index, function):
        try:
            barrier.wait(timeout=30)
            results[index] = function()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


@pytest.mark.parametrize("through", ["page", "api"])
def test_five_people_saving_the_same_report_one_is_saved_four_are_told(transactional_db, tmp_path, through):
    import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"))
    own = measures_of("政策法规科").first()
    writers = []
    for n in range(WRITERS):
        client = login(f"fagui{n}", STAFF, ["政策法规科"])
        client.raise_request_exception = False
        writers.append(client)
    first = writers[0].post(f"/measures/{own.pk}/progress/2025/", {"2025-status": "in_progress", "2025-note": "起草"})
    assert first.status_code == 302
    version = Progress.objects.get(measure=own, year=2025).version

    def save(client, n):
        if through == "api":
            return lambda: client.post(
                f"/api/measures/{own.pk}/progress/",
                {"year": 2025, "status": "in_progress", "note": f"第{n}人的说明", "version": version},
                content_type="application/json",
            ).status_code
        return lambda: client.post(
            f"/measures/{own.pk}/progress/2025/",
            {"2025-status": "in_progress", "2025-note": f"第{n}人的说明", "2025-version": version},
            HTTP_HX_REQUEST="true",
        ).status_code

    def stored():
        progress = Progress.objects.get(measure=own, year=2025)
        return progress.version, progress.note, ProgressEntry.objects.filter(progress=progress).count()

    with database_for_threads(tmp_path):
        statuses = run_together([save(client, n) for n, client in enumerate(writers)])
        (after,) = run_together([stored])
    assert sorted(statuses) == [200, 409, 409, 409, 409]
    winner = statuses.index(200)
    assert after == (version + 1, f"第{winner}人的说明", 2)
