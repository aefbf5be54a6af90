"""Lists people can read: the measure list shows its four common filters and folds the rest, and
a measure's long list of departments shows its first three with the others folded (the overdue list
gave 责任部门 60% of the width when every name stood on one line)."""

import re

import pytest
from django.db.models import Count

from departments.roles import SUPERVISOR
from tasks.choices import ProgressStatus
from tasks.models import Measure, Progress

from .helpers import login

pytestmark = pytest.mark.django_db


def page_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_measure_list_folds_all_but_the_four_common_filters(guangyuan):
    chief = login("chief", SUPERVISOR)
    page = page_of(chief, "/measures/")
    visible, folded = page.split('<details class="more-filters"', 1)
    folded = folded.split("</details>", 1)[0]
    for name in ("q", "plan", "department", "status"):
        assert f'name="{name}"' in visible
    for name in ("section", "task", "person", "overdue", "review", "kind", "due_from"):
        assert f'name="{name}"' in folded and f'name="{name}"' not in visible
    assert folded.startswith(">") and "更多筛选</summary>" in folded  # closed, no filter of its own chosen


def test_a_folded_filter_in_the_url_opens_the_fold_and_says_so(guangyuan):
    chief = login("chief", SUPERVISOR)
    page = page_of(chief, "/measures/?overdue=true&review=pending")
    assert '<details class="more-filters" open>' in page
    assert "更多筛选（已选 2 项）" in page


def test_a_measure_with_many_departments_shows_three_and_folds_the_others(guangyuan):
    measure = Measure.objects.annotate(n=Count("units")).order_by("-n", "pk").first()
    names = [unit.department.name for unit in measure.units.all()]
    assert names == ["市司法局", "市公安局", "市检察院", "市纪委监委机关", "市级各行政执法部门", "各县（区）政府", "广元经济技术开发区管委会"]
    chief = login("chief", SUPERVISOR)
    page = page_of(chief, f"/measures/?q={measure.text[:12]}")
    cell = page.split('<td class="units"', 1)[1].split("</td>", 1)[0]
    shown, more = cell.split('<details class="more-units">', 1)
    assert all(name in shown for name in names[:3]) and not any(name in shown for name in names[3:])
    assert "等 7 个部门" in more and all(name in more for name in names[3:])


def measure_links(page):
    table = page.split('<table class="grid cards">', 1)[1]
    return [int(pk) for pk in re.findall(r'<td class="measure-text"><a href="/measures/(\d+)/">', table)]


def test_the_measure_list_is_in_ledger_order_until_a_header_sorts_it(anshan):
    chief = login("chief", SUPERVISOR)
    page = page_of(chief, "/measures/?plan=anshan&year=2024")
    ledger = list(
        Measure.objects.filter(item__task__section__plan__slug="anshan")
        .order_by("item__task__section__order", "item__task__order", "item__order", "number")
        .values_list("pk", flat=True)[:50]
    )
    assert measure_links(page) == ledger
    assert 'aria-sort="ascending"><a href="?plan=anshan&amp;year=2024&amp;sort=-place">工作措施（按台账顺序）' in page

    def people(sort):
        """The first page, and the people of all 75 measures in the order of both pages."""
        names = {m.pk: m.person.name if m.person else "" for m in Measure.objects.select_related("person")}
        pages = [page_of(chief, f"/measures/?plan=anshan&year=2024&sort={sort}&page={n}") for n in (1, 2)]
        return pages[0], [names[pk] for page in pages for pk in measure_links(page)]

    by_person, ascending = people("person")
    _page, descending = people("-person")
    runs = [name for i, name in enumerate(ascending) if i == 0 or name != ascending[i - 1]]
    assert len(ascending) == 75 and len(runs) == len(set(runs)) > 1  # each person's measures together
    assert descending[0] != ascending[0]  # the other way round starts with another person
    assert 'aria-sort="ascending"><a href="?plan=anshan&amp;year=2024&amp;sort=-person">负责人' in by_person


def test_sorting_by_status_puts_the_done_first_when_descending_and_keeps_the_filters(anshan):
    chief = login("chief", SUPERVISOR)
    page = page_of(chief, "/measures/?plan=anshan&year=2024&sort=-status")
    shown = measure_links(page)
    done_2024 = set(
        Progress.objects.filter(measure__item__task__section__plan__slug="anshan", year=2024, status=ProgressStatus.DONE)
        .values_list("measure_id", flat=True)
    )
    assert len(done_2024) == 37  # Anshan's 已完成任务: 37 of 75 (the dashboard's fixed figure)
    assert set(shown[:37]) == done_2024
    assert '<input type="hidden" name="sort" value="-status">' in page  # filtering again keeps the order
