"""Take the README's screenshots of a running app in headless Chromium (Debian's chromium).

    DJANGO_DEBUG=1 .venv/bin/python manage.py runserver 127.0.0.1:8000   # with load_demo data
    .venv/bin/python docs/screenshots/take.py [http://127.0.0.1:8000]

Desk shots are 1366 px wide (whole page where it is short enough to read); phone shots are the
first screen of a 390 × 844 window.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
DESK = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SCOPE = "plan=anshan&year=2024&as_of=2024-12-01"
ACCOUNTS = {"supervisor": "demo-supervisor", "fagui": "demo-staff", "admin": "demo-admin"}
#: (account, file, path, window, whole page)
SHOTS = [
    ("supervisor", "dashboard.png", f"/?{SCOPE}", DESK, True),
    ("supervisor", "dashboard-phone.png", f"/?{SCOPE}", PHONE, False),
    ("supervisor", "overdue.png", f"/overdue/?{SCOPE}", DESK, True),
    ("supervisor", "measures.png", "/measures/?plan=guangyuan&year=2024&as_of=2024-08-01&soon_days=90&signal=due_soon", DESK, True),
    ("fagui", "staff-todo.png", "/my/", DESK, False),
    ("fagui", "staff-todo-phone.png", "/my/", PHONE, False),
    ("admin", "admin-measures.png", "/admin/tasks/measure/", DESK, False),
]


def main():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for account, password in ACCOUNTS.items():
            page = browser.new_page(viewport=DESK, locale="zh-CN")
            page.goto(BASE + "/accounts/login/")
            page.fill("#id_username", account)
            page.fill("#id_password", password)
            page.click("button[type=submit]")
            page.wait_for_url(lambda url: "/accounts/login/" not in url)
            for _account, name, path, window, whole in (shot for shot in SHOTS if shot[0] == account):
                page.set_viewport_size(window)
                page.goto(BASE + path)
                page.screenshot(path=str(HERE / name), full_page=whole)
                print("saved", HERE / name)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
