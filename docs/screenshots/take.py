"""Take the README's screenshots of a running app in headless Chromium (Debian's chromium).

    DJANGO_DEBUG=1 .venv/bin/python manage.py runserver 127.0.0.1:8000   # with load_demo data
    .venv/bin/python docs/screenshots/take.py [http://127.0.0.1:8000]
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
PAGES = {
    "dashboard.png": "/?plan=anshan&year=2024&as_of=2024-12-01",
    "overdue.png": "/overdue/?plan=anshan&year=2024&as_of=2024-12-01",
    "measures.png": "/measures/?plan=guangyuan&year=2024&as_of=2024-08-01&soon_days=90&signal=due_soon",
}


def main():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        page.goto(BASE + "/accounts/login/")
        page.fill("#id_username", "supervisor")
        page.fill("#id_password", "demo-supervisor")
        page.click("button[type=submit]")
        for name, path in PAGES.items():
            page.goto(BASE + path)
            page.screenshot(path=str(HERE / name), full_page=True)
            print("saved", HERE / name)
        browser.close()


if __name__ == "__main__":
    main()
