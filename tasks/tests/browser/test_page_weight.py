"""No page of the journeys weighs over 300 KB in all — HTML, CSS, JS and fonts as the browser
receives them, uncompressed — for the demo data (both ledgers, the demo accounts: ``load_demo``).

Each page is opened in a fresh browser context (an empty cache, the account's session cookie), so
every file it needs is counted once, as on a first visit. The admin's measure list is among them:
its pages leave out the scripts of prepopulated fields they do not have (``tasks/admin/media.py``:
XRegExp alone is 163 KB)."""

import pytest

from tasks.importing.demo import DEMO_ACCOUNTS, load_demo
from tasks.models import Measure
from tasks.tests.helpers import measures_of

from .conftest import VIEWPORT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUDGET = 300_000  # bytes
PASSWORDS = {account["username"]: account["password"] for account in DEMO_ACCOUNTS}


@pytest.fixture
def demo(transactional_db):
    load_demo()


def session_of(browser, live_server, username):
    """The cookies of a logged-in demo account, for fresh contexts to start from."""
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORDS[username])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    state = context.storage_state()
    context.close()
    return state


def weight_of(browser, live_server, state, path):
    """(bytes in all, [(bytes, url)] largest first) of one page opened with an empty cache."""
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="zh-CN", storage_state=state)
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    answer = page.goto(path, wait_until="networkidle")
    assert answer.status == 200, path
    files = sorted(
        ((len(response.body()), response.url) for response in responses if not 300 <= response.status < 400),
        reverse=True,
    )
    context.close()
    return sum(size for size, _url in files), files


def test_no_page_of_the_journeys_weighs_over_300_kb(browser, live_server, demo):
    anshan_measure = measures_of("政策法规科").first()
    any_measure = Measure.objects.order_by("pk").first()
    pages = {
        "fagui": ["/", "/my/", f"/measures/{anshan_measure.pk}/", "/measures/", "/overdue/", "/due-soon/",
                  "/my/report-many/", "/inbox/"],
        "supervisor": ["/", "/?plan=anshan&year=2024&as_of=2024-12-01", "/overdue/?plan=anshan&year=2024&as_of=2024-12-01",
                       "/measures/?plan=anshan&overdue=true", "/review/", f"/measures/{any_measure.pk}/"],
        "admin": ["/admin/", "/admin/tasks/measure/", "/admin/tasks/measure/import/", "/admin/tasks/measure/bulk-import/"],
    }
    weights, too_heavy = [], []
    for username, paths in pages.items():
        state = session_of(browser, live_server, username)
        for path in paths:
            total, files = weight_of(browser, live_server, state, path)
            weights.append(total)
            if total > BUDGET:
                largest = ", ".join(f"{url.removeprefix(live_server.url)} {size:,}" for size, url in files[:4])
                too_heavy.append(f"{username} {path}: {total:,} bytes (largest: {largest})")
    assert not too_heavy, "pages over 300 KB:\n" + "\n".join(too_heavy)
    assert min(weights) > 1_000  # the pages were counted, not empty answers
