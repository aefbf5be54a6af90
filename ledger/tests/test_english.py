"""The English face of the app: the catalogue is complete and the pages speak it.

The UI is written in Chinese (the msgids); English comes from locale/en/LC_MESSAGES/django.po,
compiled to django.mo. The ledger's own data (plan titles, measures, departments) stays Chinese.
"""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from departments.roles import create_account
from tasks.tests.conftest import anshan  # noqa: F401  (the fixture, used by name below)

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
DASHBOARD = "/?plan=anshan&year=2024&as_of=2024-12-01"
OVERDUE = "/overdue/?plan=anshan&as_of=2024-12-01"


def read_po(path):
    """The live entries of a .po file as dicts: msgid, msgid_plural, msgstr {index: text}, flags.

    Enough of the format for Django's catalogues: comments, flags, msgctxt, plural forms and
    continued strings; obsolete ``#~`` entries are skipped. The header (msgid "") is left out.
    """
    entries, entry, key = [], None, None

    def finish():
        if entry is not None and entry.get("msgid"):
            entries.append(entry)

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        if not line:
            finish()
            entry, key = None, None
            continue
        if line.startswith("#~"):
            continue
        if entry is None:
            entry = {"flags": set(), "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            if key[0] == "msgstr":
                entry["msgstr"][key[1]] += text
            else:
                entry[key[0]] += text
        else:
            keyword, _, value = line.partition(" ")
            text = ast.literal_eval(value)
            if keyword.startswith("msgstr"):
                index = int(keyword[7:-1]) if "[" in keyword else None
                key = ("msgstr", index)
                entry["msgstr"][index] = text
            else:
                key = (keyword, None)
                entry[keyword] = text
    return entries


def test_every_string_of_the_catalogue_has_an_english_translation():
    """A msgid with an empty or fuzzy msgstr shows Chinese to English readers: list them all."""
    entries = read_po(CATALOGUE)
    assert len(entries) > 300
    missing = [
        entry["msgid"]
        for entry in entries
        if "fuzzy" in entry["flags"] or not all(text.strip() for text in entry["msgstr"].values())
    ]
    assert not missing, (
        f"{len(missing)} string(s) in {CATALOGUE.relative_to(settings.BASE_DIR)} lack an English translation "
        "(translate them, remove '#, fuzzy' after checking, then run compilemessages -l en):\n  "
        + "\n  ".join(missing)
    )


def test_the_compiled_catalogue_matches_the_po_file():
    """django.mo is committed: it must say what django.po says (run compilemessages -l en)."""
    stale = []
    with translation.override("en"):
        for entry in read_po(CATALOGUE):
            if "msgctxt" in entry or "fuzzy" in entry["flags"]:
                continue
            if "msgid_plural" in entry:
                got = [translation.ngettext(entry["msgid"], entry["msgid_plural"], n) for n in (1, 2)]
                want = [entry["msgstr"][0], entry["msgstr"][1]]
            else:
                got, want = translation.gettext(entry["msgid"]), entry["msgstr"][None]
            if want and got != want:
                stale.append(entry["msgid"])
    assert not stale, "django.mo is out of date for:\n  " + "\n  ".join(stale)


def test_the_translation_keeps_every_placeholder():
    """%(name)s in the msgid must be in the msgstr too, or formatting raises KeyError in English."""
    placeholder = re.compile(r"%\(\w+\)[-#0 +]*[\d.]*[a-z]")
    wrong = []
    for entry in read_po(CATALOGUE):
        wanted = sorted(placeholder.findall(entry["msgid"]))
        for text in entry["msgstr"].values():
            if text and sorted(placeholder.findall(text)) != wanted:
                wrong.append(f"{entry['msgid']!r} → {text!r}")
    assert not wrong, "placeholders differ:\n  " + "\n  ".join(wrong)


# --- the pages, in English ----------------------------------------------------------------------

def speak_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def assert_english(content, english, chinese):
    assert 'lang="en"' in content
    for words in english:
        assert words in content, f"missing English {words!r}"
    for words in chinese:
        assert words not in content, f"Chinese UI text {words!r} still shown"


#: The navigation bar of every signed-in page.
NAV_ENGLISH = ["Task Ledger", "Overview", "My tasks", "All measures", "Overdue list", "Due soon", "Log out"]
NAV_CHINESE = ["任务台账", "总览", "我的任务", "全部措施", "逾期清单", "即将到期", "退出"]


@pytest.fixture
def supervisor(client, anshan):  # noqa: F811  (the imported fixture)
    create_account("duchao", "supervisor", password="english-supervisor-1")
    speak_english(client)
    assert client.login(username="duchao", password="english-supervisor-1")
    return client


@pytest.fixture
def staff(client, anshan):  # noqa: F811
    create_account("fagui-en", "staff", departments=["政策法规科"], password="english-staff-1")
    speak_english(client)
    assert client.login(username="fagui-en", password="english-staff-1")
    return client


@pytest.mark.django_db
def test_the_login_page_in_english(client):
    speak_english(client)
    content = page(client, "/accounts/login/")
    assert_english(content, ["Log in", "Username", "Password"], ["登录", "用户名", "密码"])


@pytest.mark.django_db
def test_the_login_page_also_follows_the_browser(client):
    content = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert_english(content, ["Log in", "Username"], ["用户名"])


@pytest.mark.django_db
def test_the_dashboard_in_english(supervisor):
    content = page(supervisor, DASHBOARD)
    assert_english(
        content,
        NAV_ENGLISH
        + ["Supervision overview", "as of 2024-12-01", "Total measures", "Completion rate", "Departments ranked",
           "By section", "By year", "Awaiting review", "Export ledger"],
        NAV_CHINESE + ["督查总览", "措施总数", "完成率", "各部门排名", "按部分", "按年度", "待审核", "截至日期"],
    )
    assert "政策法规科" in content  # the ledger's data stays as written


@pytest.mark.django_db
def test_the_overdue_list_in_english(supervisor):
    content = page(supervisor, OVERDUE)
    assert_english(
        content,
        NAV_ENGLISH + ["Measure", "Responsible unit", "Person in charge", "Milestone date", "Days overdue",
                       "Latest progress", "As of 2024-12-01:", "milestones."],
        NAV_CHINESE + ["工作措施", "责任部门", "负责人", "节点日期", "逾期天数", "最近进展", "个节点"],
    )
    assert "政策法规科" in content


@pytest.mark.django_db
def test_the_measure_list_in_english(supervisor):
    content = page(supervisor, "/measures/")
    assert_english(
        content,
        NAV_ENGLISH + ["Key task", "Person in charge", "Status", "Alert", "Search", "Filter", "Clear", " measures"],
        NAV_CHINESE + ["重点任务", "负责人", "状态", "筛选", "清除", "项措施"],
    )


@pytest.mark.django_db
def test_my_tasks_in_english(staff):
    content = page(staff, "/my/?tab=all")
    assert_english(
        content,
        NAV_ENGLISH + ["Your department leads or is responsible for", "Milestone", "No.", "Status"],
        NAV_CHINESE + ["本部门牵头或负责", "本年度完成时限", "编号", "状态", "提示截至"],
    )
    assert "鞍山市国动办" in content  # the plan's title


@pytest.mark.django_db
def test_chinese_stays_the_default(client, anshan):  # noqa: F811
    create_account("duchao-zh", "supervisor", password="chinese-supervisor-1")
    assert client.login(username="duchao-zh", password="chinese-supervisor-1")
    content = page(client, DASHBOARD)
    assert "督查总览" in content and "逾期清单" in content
    assert "Supervision overview" not in content
