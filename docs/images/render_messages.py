"""Screenshots of notifications as they arrive, for docs/notifications.md, from the real payloads.

    .venv/bin/python docs/images/render_messages.py

In a throwaway SQLite database it imports the Anshan ledger, points a channel of each kind at a
local robot server (``notices/tests/robots.py``, which checks bodies and signatures as the tests
do), runs ``send_reminders --as-of 2024-11-29`` and returns a report, then renders the bodies the
robots received (and the digest mail) the way each client shows them and screenshots them at
phone width in headless Chromium (/usr/bin/chromium). Writes ``docs/images/notice-*.png``.
"""

import html
import json
import os
import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORK = Path(tempfile.mkdtemp(prefix="ledger-notices-"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]

sys.path.insert(0, str(ROOT))
os.environ.update(
    DJANGO_SETTINGS_MODULE="ledger.settings",
    DJANGO_DEBUG="1",
    DATABASE_URL=f"sqlite:///{WORK / 'db.sqlite3'}",
    DJANGO_MEDIA_ROOT=str(WORK / "media"),
    LEDGER_BASE_URL="https://ledger.example.gov.cn",
    DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from departments.models import Department, Person  # noqa: E402
from departments.roles import STAFF, SUPERVISOR, create_account  # noqa: E402
from notices.outbox import deliver_pending  # noqa: E402
from notices.tests.robots import Robot  # noqa: E402
from tasks.choices import ProgressSource, ProgressStatus  # noqa: E402
from tasks.importing import ImportOptions, import_ledger  # noqa: E402
from tasks.models import Measure, Plan  # noqa: E402
from tasks.workflow.reporting import report_progress  # noqa: E402
from tasks.workflow.review import review_report  # noqa: E402

PAGE = """<!DOCTYPE html><html lang="zh-hans"><head><meta charset="utf-8">
<link rel="stylesheet" href="{css}"><style>
body {{ background: #eef0f3; padding: 16px; }}
.chat {{ max-width: 390px; margin: 0 auto; }}
.who {{ font-size: 13px; color: #52606d; margin: 0 0 4px 52px; }}
.row {{ display: flex; gap: 10px; align-items: flex-start; }}
.avatar {{ width: 42px; height: 42px; border-radius: 6px; background: {accent}; color: #fff; display: grid; place-items: center; font-weight: bold; flex: none; }}
.bubble {{ background: #fff; border-radius: 8px; padding: 10px 14px; line-height: 1.6; font-size: 15px; box-shadow: 0 1px 2px rgba(0,0,0,.08); overflow-wrap: anywhere; }}
.bubble h3 {{ font-size: 16px; margin: 0 0 6px; }}
.bubble ul {{ margin: 0 0 6px; padding-left: 18px; }}
.bubble a {{ color: #1565c0; }}
.text {{ white-space: pre-wrap; }}
.mention {{ color: #1565c0; }}
.lark {{ background: #fff; border-radius: 8px; overflow: hidden; box-shadow: 0 1px 2px rgba(0,0,0,.08); }}
.lark .head {{ background: #3370ff; color: #fff; padding: 10px 14px; font-weight: bold; }}
.lark .body {{ padding: 10px 14px; white-space: pre-wrap; line-height: 1.6; }}
.lark .button {{ display: inline-block; margin: 0 14px 12px; background: #3370ff; color: #fff; border-radius: 6px; padding: 6px 16px; }}
.app {{ font-size: 12px; color: #52606d; text-align: center; margin-bottom: 10px; }}
</style></head><body><div class="chat"><p class="app">{app}</p>{content}</div></body></html>"""


def markdown(text):
    """The markdown the robots are sent (### heading, - items, [text](url), @mobile) as HTML."""
    out, items = [], []

    def inline(line):
        line = html.escape(line)
        line = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r'<a href="\2">\1</a>', line)
        return re.sub(r"@(1\d{10})", r'<span class="mention">@\1</span>', line)

    for line in text.split("\n"):
        if line.startswith("- "):
            items.append(f"<li>{inline(line[2:])}</li>")
            continue
        if items:
            out.append("<ul>" + "".join(items) + "</ul>")
            items = []
        if line.startswith("### "):
            out.append(f"<h3>{inline(line[4:])}</h3>")
        elif line:
            out.append(f"<p>{inline(line)}</p>")
    if items:
        out.append("<ul>" + "".join(items) + "</ul>")
    return "".join(out)


def robot_message(name, letter, body_html):
    return (
        f'<p class="who">{html.escape(name)}</p><div class="row"><div class="avatar">{letter}</div>'
        f'<div class="bubble">{body_html}</div></div>'
    )


def wecom(body):
    if body["msgtype"] == "markdown":
        return robot_message("任务台账机器人", "台", markdown(body["markdown"]["content"]))
    mentions = "".join(f' <span class="mention">@{m}</span>' for m in body["text"]["mentioned_mobile_list"])
    return robot_message("任务台账机器人", "台", f'<div class="text">{html.escape(body["text"]["content"])}{mentions}</div>')


def dingtalk(body):
    return robot_message("任务台账（自定义机器人）", "钉", markdown(body["markdown"]["text"]))


def feishu(body):
    card = body["card"]
    button = card["elements"][1]["actions"][0]
    return (
        '<p class="who">任务台账（自定义机器人）</p><div class="lark">'
        f'<div class="head">{html.escape(card["header"]["title"]["content"])}</div>'
        f'<div class="body">{html.escape(card["elements"][0]["text"]["content"])}</div>'
        f'<a class="button" href="{html.escape(button["url"])}">{html.escape(button["text"]["content"])}</a></div>'
    )


def prepare():
    call_command("migrate", verbosity=0)
    import_ledger(ROOT / "fixtures" / "anshan.xlsx", options=ImportOptions(plan_slug="anshan"))
    fagui, _ = create_account("fagui", STAFF, departments=["政策法规科"], email="fagui@example.gov.cn")
    fagui.first_name = "王法规"
    fagui.save()
    Person.objects.create(name="王法规", department=Department.objects.get(name="政策法规科"), user=fagui, phone="138 0000 0001")
    chief, _ = create_account("chief", SUPERVISOR)
    return fagui, chief


def main():
    fagui, chief = prepare()
    robots = {kind: Robot(kind, secret=f"{kind}-secret") for kind in ("wecom", "dingtalk", "feishu", "webhook")}
    settings.NOTICE_WECOM_URL = robots["wecom"].base + "/cgi-bin/webhook/send"
    settings.NOTICE_DINGTALK_URL = robots["dingtalk"].base + "/robot/send"
    settings.NOTICE_FEISHU_URL = robots["feishu"].base + "/open-apis/bot/v2/hook/"
    for kind, address in (("wecom", "KEY"), ("dingtalk", "TOKEN"), ("feishu", "HOOK"), ("webhook", robots["webhook"].base + "/in")):
        call_command("add_channel", f"政策法规科-{kind}", "--kind", kind, "--url", address, "--secret", f"{kind}-secret", "--department", "政策法规科", stdout=open(os.devnull, "w"))
    call_command("send_reminders", "--as-of", "2024-11-29", stdout=open(os.devnull, "w"))
    measure = Measure.objects.get(item__task__section__plan__slug="anshan", item__task__number=1, item__number=2, number=4)
    Plan.objects.update(requires_evidence=False)
    progress = report_progress(
        measure, 2024, user=fagui, status=ProgressStatus.DONE, note="已印发实施方案", done_on=None,
        expected_version=None, source=ProgressSource.WEB,
    )
    review_report(measure, 2024, user=chief, accept=False, reason="佐证材料缺少印发文件，请补充盖章扫描件", version=progress.version)
    deliver_pending()
    problems = [problem for robot in robots.values() for problem in robot.problems]
    if problems:
        raise SystemExit(f"a robot refused a message: {problems}")

    def first(kind, event_title):
        return next(body for body in robots[kind].bodies if event_title in json.dumps(body, ensure_ascii=False))

    css = (ROOT / "static" / "css" / "app.css").as_uri()
    pages = {
        "notice-wecom.png": ("企业微信 · 政策法规科工作群", "#07c160", wecom(first("wecom", "逾期升级"))),
        "notice-dingtalk.png": ("钉钉 · 政策法规科工作群", "#1677ff", dingtalk(first("dingtalk", "催办提醒"))),
        "notice-feishu.png": ("飞书 · 政策法规科工作群", "#3370ff", feishu(first("feishu", "被退回"))),
    }
    digest = next(message for message in mail.outbox if message.to == ["fagui@example.gov.cn"])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 430, "height": 100}, locale="zh-CN", device_scale_factor=1.5)
        for name, (app, accent, content) in pages.items():
            file = WORK / (name + ".html")
            file.write_text(PAGE.format(css=css, accent=accent, app=html.escape(app), content=content), encoding="utf-8")
            page.goto(file.as_uri())
            page.screenshot(path=str(HERE / name), full_page=True)
            print("saved", HERE / name)
        file = WORK / "mail.html"
        header = (
            '<div style="border-bottom:1px solid #d0d5dd;margin-bottom:12px;padding-bottom:8px;color:#52606d">'
            f"<div><strong style=\"color:#1f2933\">{html.escape(digest.subject)}</strong></div>"
            f"<div>发件人：{html.escape(digest.from_email)}</div><div>收件人：{html.escape(', '.join(digest.to))}</div></div>"
        )
        file.write_text(re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + header, digest.alternatives[0][0], count=1), encoding="utf-8")
        page = browser.new_page(viewport={"width": 600, "height": 100}, locale="zh-CN")
        page.goto(file.as_uri())
        page.screenshot(path=str(HERE / "notice-email.png"), full_page=True)
        print("saved", HERE / "notice-email.png")
        browser.close()
    webhook = first("webhook", "被退回")
    print("webhook body:", json.dumps(webhook, ensure_ascii=False, indent=2))
    for robot in robots.values():
        robot.close()


if __name__ == "__main__":
    main()
