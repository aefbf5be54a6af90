"""Headless Chromium (Debian's ``/usr/bin/chromium``) driven by Playwright against ``live_server``.

Without Chromium the browser tests are skipped with a message saying how to get it — unless the
environment variable ``CI`` is set: CI never skips them, it fails.

Every page fixture collects console errors and uncaught exceptions; a test fails on any it did
not announce with ``console_errors.allow(...)`` (a deliberate 404, say).

``check_page(page)`` is what the journeys call on every page they reach: axe-core (vendored in
``assets/``, see its README) finds no serious or critical violation at desk width and at phone
width, nothing scrolls sideways at desk width, at 200% zoom and on a phone, and no date is shown
month first (12/03/2026).
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

# Playwright's sync API runs an event loop in the test thread; the ORM calls of the tests and
# fixtures happen in that thread too, which Django's async-safety check would refuse.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))  # Debian's, from bin/setup-browser
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
VIEWPORT = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
#: 200% zoom of the desk window: CSS pixels halve (a device_scale_factor of 2 would only sharpen).
ZOOMED = {"width": VIEWPORT["width"] // 2, "height": VIEWPORT["height"] // 2}
AXE = Path(__file__).parent / "assets" / "axe.min.js"
#: The impacts a page must not have (axe's scale: minor, moderate, serious, critical).
BLOCKING_IMPACTS = ("serious", "critical")
PASSWORD = "a-long-browser-test-password"

# PDF of one empty A4 page, with a correct cross-reference table.
_PDF_OBJECTS = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
]


def small_pdf():
    """The bytes of a small, valid one-page PDF."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(_PDF_OBJECTS, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(_PDF_OBJECTS) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(_PDF_OBJECTS) + 1, xref)
    return bytes(out)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run bin/setup-browser (apt-get install chromium fonts-noto-cjk)"
        if os.environ.get("CI"):
            pytest.fail(f"CI runs the browser tests: {message}", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class ConsoleErrors(list):
    """Console errors and uncaught exceptions of a page; ``allow`` announces an expected one."""

    def __init__(self):
        super().__init__()
        self.allowed = []

    def allow(self, text):
        self.allowed.append(text)

    def unexpected(self):
        return [error for error in self if not any(text in error for text in self.allowed)]


@pytest.fixture
def console_errors():
    return ConsoleErrors()


@pytest.fixture
def page(browser, live_server, console_errors):
    """A fresh browser context (zh-CN, downloads accepted) whose relative URLs go to the live server."""
    context = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORT, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)

    def on_console(message):
        if message.type == "error":
            console_errors.append(f"console: {message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: console_errors.append(f"pageerror: {error}"))
    yield page
    context.close()
    if console_errors.unexpected():
        pytest.fail("JavaScript errors in the browser:\n" + "\n".join(console_errors.unexpected()), pytrace=False)


@pytest.fixture
def shots(tmp_path_factory):
    """``shots(page, "name")`` saves a full-page screenshot (``full_page=False``: the window only).

    Into ``$BROWSER_SCREENSHOTS`` when set, else a temporary folder.
    """
    folder = Path(os.environ.get("BROWSER_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name, *, full_page=True):
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    take.folder = folder
    return take


def log_in(page, username, password=PASSWORD, *, check=False):
    """Log in through the login page (``check``: run ``check_page`` on it first)."""
    page.goto("/accounts/login/")
    if check:
        check_page(page)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".topbar .who")).to_have_text(username)


def axe_violations(page):
    """axe-core's serious and critical violations on the page as it is now: one line per rule and
    failure (rule id, impact, summary), naming the elements it was found on.

    The script goes in through ``page.evaluate`` (the DevTools protocol), not a <script> element:
    the app's Content-Security-Policy refuses inline scripts, and should.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate("() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)")
    lines = []
    for violation in violations:
        if violation["impact"] not in BLOCKING_IMPACTS:
            continue
        by_summary = {}
        for node in violation["nodes"]:
            summary = " ".join((node.get("failureSummary") or violation["help"]).split())
            by_summary.setdefault(summary, []).append(" ".join(map(str, node["target"])))
        for summary, targets in by_summary.items():
            more = f" and {len(targets) - 5} more" if len(targets) > 5 else ""
            lines.append(f"{violation['id']} ({violation['impact']}) on {', '.join(targets[:5])}{more}: {summary}")
    return lines


def sideways_overflow(page):
    """How many CSS pixels the page is wider than the window (0: no sideways scroll)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


#: A date written month first (12/03/2026, 12/3/26): what a browser's own date control or
#: Django's English format shows; the app writes 2024-12-01 or 2024年12月1日.
MONTH_FIRST = r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"


def month_first_dates(page):
    """What on the page shows a date month first: such dates in its text, fields and placeholders,
    and the browser's own date controls (``type="date"``: mm/dd/yyyy in an English browser)."""
    return page.evaluate(
        """(pattern) => {
            const re = new RegExp(pattern, "g");
            const found = document.body.innerText.match(re) || [];
            for (const field of document.querySelectorAll('input:not([type="hidden"]), textarea')) {
                for (const text of [field.value, field.placeholder]) found.push(...((text || "").match(re) || []));
            }
            for (const field of document.querySelectorAll('input[type="date"], input[type="datetime-local"], input[type="month"]')) {
                found.push(`<input type="${field.type}" name="${field.name}">`);
            }
            return found;
        }""",
        MONTH_FIRST,
    )


def check_page(page):
    """The page passes axe (no serious or critical finding) at desk and phone width, scrolls
    sideways at none of desk width, 200% zoom and phone width, and shows no date month first
    (``month_first_dates``). The window is put back as it was."""
    size = page.viewport_size
    problems = []
    try:
        for name, viewport, run_axe in (("desk", VIEWPORT, True), ("200%", ZOOMED, False), ("phone", PHONE, True)):
            page.set_viewport_size(viewport)
            overflow = sideways_overflow(page)
            if overflow > 0:
                problems.append(f"{name} {viewport['width']} px: the page scrolls sideways by {overflow} px")
            if run_axe:
                problems += [f"{name}: {line}" for line in axe_violations(page)]
    finally:
        page.set_viewport_size(size)
    problems += [f"a date shown month first: {found}" for found in month_first_dates(page)]
    if problems:
        pytest.fail(f"{page.url}:\n" + "\n".join(problems), pytrace=False)
