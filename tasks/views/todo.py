"""The staff member's working day: where a login lands, and 我的任务 (the to-do in tabs, and every own measure)."""

from django.contrib.auth.decorators import login_required
from django.db.models import F, Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from departments.roles import STAFF

from ..access import can_review, own_measures, user_role
from ..models import Deadline, Measure, Progress
from tasks.standing.on_date import REPORTING_YEAR
from tasks.workflow import todo
from .dashboard import paginate, with_standing_on_page
from .measures import PLAN_ORDER

#: Measures per page of 我的任务: a department of a province-wide plan can own thousands.
MY_MEASURES_PER_PAGE = 100

#: Rows per page of a to-do tab.
TODO_PER_PAGE = 50

#: The tab listing every measure of the user's departments.
ALL = "all"

#: What a row of a to-do tab needs of its measure.
ROW_MEASURES = Measure.objects.select_related("item__task__section__plan", "person")


@require_GET
@login_required
def start(request):
    """Where a login lands: staff on their to-do, supervisors and admins on the dashboard."""
    return redirect("my_measures" if user_role(request.user) == STAFF else "home")


@require_GET
@login_required
def my_measures(request):
    """我的任务: the to-do's tabs (已逾期, 本周到期, 30天内, 待补充材料) with their counts, and 全部,
    every measure of the user's departments by plan and section; ``?tab=`` in the URL.

    Without a tab it opens the first to-do tab holding something, else 全部.
    """
    as_of = timezone.localdate()
    own = own_measures(request.user)
    counts = todo.counts(own, as_of)
    tab = request.GET.get("tab")
    if tab not in (*todo.TAB_KEYS, ALL):
        tab = next((key for key in todo.TAB_KEYS if counts[key]), ALL)
    context = {
        "tab": tab,
        "tabs": [{"key": t.key, "label": t.label, "hint": t.hint, "count": counts[t.key]} for t in todo.TABS],
        "as_of": as_of,
        "may_review": can_review(request.user),
    }
    if tab == ALL:
        context.update(all_measures(request, own, as_of))
    elif tab == todo.RETURNED:
        context["page"], context["params"] = paginate(request, returned_rows(own), TODO_PER_PAGE, count=counts[tab])
    else:
        context["page"], context["params"] = dated_page(request, own, tab, as_of, counts[tab])
    context["all_count"] = context["page"].paginator.count if tab == ALL else own.count()
    return render(request, "tasks/my_measures.html", context)


def all_measures(request, own, as_of):
    """Every own measure, a page at a time, with its standing in its plan's reporting year and
    that year's deadline and milestones (``current_deadlines``, none or one)."""
    page, params = paginate(request, own.order_by(*PLAN_ORDER).values_list("pk", flat=True), MY_MEASURES_PER_PAGE)
    this_year = Deadline.objects.filter(year=F("measure__" + REPORTING_YEAR)).prefetch_related("milestones")
    shown = ROW_MEASURES.prefetch_related(Prefetch("deadlines", queryset=this_year, to_attr="current_deadlines"))
    with_standing_on_page(page, shown, as_of=as_of)
    return {"page": page, "params": params}


def returned_rows(own):
    return todo.returned_reports(own).select_related("measure__item__task__section__plan", "updated_by")


def dated_page(request, own, tab, as_of, count):
    """A page of a date tab: each row a measure with its earliest milestone in the tab (date, year)."""
    page, params = paginate(request, todo.dated_rows(own, tab, as_of), TODO_PER_PAGE, count=count)
    ids = [row["measure"] for row in page.object_list]
    measures = ROW_MEASURES.in_bulk(ids)
    progress = {
        (p.measure_id, p.year): p for p in Progress.objects.filter(measure__in=ids).only("measure", "year", "status")
    }
    rows = []
    for measure_id, (date, year) in todo.first_milestones(ids, tab, as_of).items():
        report = progress.get((measure_id, year))
        rows.append({"measure": measures[measure_id], "date": date, "year": year,
                     "status": report.get_status_display() if report else None})
    order = {measure_id: i for i, measure_id in enumerate(ids)}
    page.object_list = sorted(rows, key=lambda row: order[row["measure"].pk])
    return page, params
