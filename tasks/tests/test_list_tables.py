"""Lists people can read: the measure list shows its four common filters and folds the rest, and
a measure's long list of departments shows its first three with the others folded (the overdue list
gave 责任部门 60% of the width when every name stood on one line)."""

import pytest
from django.db.models import Count

from departments.roles import SUPERVISOR
from tasks.models import Measure

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
