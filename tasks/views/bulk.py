"""Bulk work: the review queue's bulk and inline actions, and staff's 批量填报 page (``my/report-many/``).

Thin on top of ``tasks.bulk_review`` and ``tasks.bulk_report``: the pages read the form, call the
domain function and say what was done and what was refused (stale reports listed by measure).
Without JavaScript every form posts and the page is shown again with messages; with htmx a
row's inline review swaps only that row.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from departments.roles import ADMIN, STAFF

from ..access import can_review, own_measures, user_role, visible_measures
from tasks.workflow.bulk_report import BulkReportRefused, bulk_report
from tasks.workflow.bulk_review import ACCEPT, ACTIONS, NUDGE, RETURN, BulkRefused, bulk_review
from ..choices import ProgressStatus
from ..models import Measure, MeasureUnit, Plan, Progress, YearClosure
from ..widgets import DateInput
from .dashboard import paginate
from .measures import PLAN_ORDER, is_htmx

#: Measures per page of 批量填报.
REPORT_MANY_PER_PAGE = 100


def label(measure):
    return f"{measure.item.task.number}.({measure.item.number}){measure}"


def say_outcome(request, outcome, done_message):
    """The messages after a bulk action: how many went through, then each refusal with its measure."""
    if outcome.done:
        messages.success(request, done_message % {"count": len(outcome.done)})
    for refusal in outcome.refused:
        measure = refusal.measure
        prefix = _("版本已变化，未处理") if refusal.stale else _("未处理")
        where = f"{label(measure)}：" if measure is not None else ""
        messages.error(request, f"{prefix}：{where}{refusal.reason}")


DONE_MESSAGES = {
    ACCEPT: gettext_lazy("已通过 %(count)s 份报告。"),
    RETURN: gettext_lazy("已退回 %(count)s 份报告。"),
    NUDGE: gettext_lazy("已对 %(count)s 份报告的工作措施发出催办。"),
}


@require_POST
@login_required
def review_many(request):
    """Accept, return (one reason for all) or nudge the selected reports of the queue; one row's inline form posts here too."""
    if not can_review(request.user):
        raise PermissionDenied(_("只有督查人员和管理员可以审核和催办。"))
    action = request.POST.get("action", "")
    selected = request.POST.getlist("selected")
    try:
        outcome = bulk_review(request.user, selected, action=action, reason=request.POST.get("reason", ""))
    except BulkRefused as refused:
        if is_htmx(request):
            return review_row(request, selected, error=str(refused))
        messages.error(request, str(refused))
        return redirect("review_queue")
    if is_htmx(request):
        if outcome.refused:
            return review_row(request, selected, error=outcome.refused[0].reason)
        return render(request, "tasks/_review_row.html", {"progress": outcome.done[0], "done": ACTIONS[action]})
    say_outcome(request, outcome, str(DONE_MESSAGES[action]))
    return redirect("review_queue")


def review_row(request, selected, *, error):
    """One queue row again, with why its inline action was refused (htmx)."""
    first = str(selected[0]).partition(":")[0] if selected else ""
    progress = (
        Progress.objects.filter(pk=int(first), measure__in=visible_measures(request.user).values("pk"))
        .select_related("measure__item__task__section__plan", "updated_by")
        .first()
        if first.isdigit()
        else None
    )
    return render(request, "tasks/_review_row.html", {"progress": progress, "error": error})


class ReportManyForm(forms.Form):
    """The one status, note and date given to every chosen measure."""

    status = forms.ChoiceField(label=gettext_lazy("状态"), choices=ProgressStatus.choices)
    done_on = forms.DateField(
        label=gettext_lazy("完成日期"), required=False, widget=DateInput()
    )
    note = forms.CharField(label=gettext_lazy("完成情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("status") == ProgressStatus.DONE and not data.get("done_on"):
            self.add_error("done_on", _("标记为“已完成”时请填写完成日期。"))
        return data


def may_report_many(user):
    if user_role(user) not in (STAFF, ADMIN):
        raise PermissionDenied(_("批量填报供填报人员使用。"))


def report_years(user):
    """The plan years of the user's measures, and the year shown first: the latest reporting year among them."""
    plans = Plan.objects.filter(pk__in=own_measures(user).values("item__task__section__plan_id"))
    years, current = set(), None
    for plan in plans:
        years.update(plan.years)
        if plan.reporting_year and (current is None or plan.reporting_year > current):
            current = plan.reporting_year
    years = sorted(years)
    return years, current or (years[-1] if years else None)


def chosen_year(request, years, default):
    text = request.GET.get("year") or request.POST.get("year") or ""
    if text.isdigit() and int(text) in years:
        return int(text)
    return default


def rows_of_page(page, year):
    """The page's measures with their progress in ``year`` (``progress``) and whether that year is closed for them (``closure``)."""
    ids = list(page.object_list)
    measures = Measure.objects.select_related("item__task__section__plan").in_bulk(ids)
    progress = {p.measure_id: p for p in Progress.objects.filter(measure_id__in=ids, year=year)}
    plan_ids = {measure.item.task.section.plan_id for measure in measures.values()}
    closures = list(YearClosure.objects.filter(plan_id__in=plan_ids, year=year, reopened_at__isnull=True)) if plan_ids else []
    by_department = {}
    if any(closure.department_id for closure in closures):
        for measure_id, department_id in MeasureUnit.objects.filter(measure_id__in=ids).values_list("measure_id", "department_id"):
            by_department.setdefault(measure_id, set()).add(department_id)
    rows = []
    for pk in ids:
        measure = measures[pk]
        measure.year_progress = progress.get(pk)
        measure.closure = next(
            (
                closure
                for closure in closures
                if closure.plan_id == measure.item.task.section.plan_id
                and (closure.department_id is None or closure.department_id in by_department.get(pk, ()))
            ),
            None,
        )
        rows.append(measure)
    page.object_list = rows
    return page


@require_http_methods(["GET", "POST"])
@login_required
def report_many(request):
    """``my/report-many/?year=``: choose several of one's measures and report one status and note for them all."""
    may_report_many(request.user)
    years, default_year = report_years(request.user)
    year = chosen_year(request, years, default_year)
    form = ReportManyForm(request.POST or None, initial={"status": ProgressStatus.IN_PROGRESS})
    status = 200
    if request.method == "POST":
        if year is None:
            raise PermissionDenied(_("您所在的部门没有可以填报的工作措施。"))
        if form.is_valid():
            data = form.cleaned_data
            try:
                outcome = bulk_report(
                    request.user,
                    year,
                    request.POST.getlist("chosen"),
                    status=data["status"],
                    note=data["note"],
                    done_on=data["done_on"],
                )
            except BulkReportRefused as refused:
                form.add_error(None, str(refused))
            else:
                say_outcome(request, outcome, _("已为 %(count)s 项工作措施保存进展。"))
                return redirect(reverse("report_many") + f"?year={year}")
        status = 400
    measures = own_measures(request.user)
    if year is not None:
        measures = measures.filter(
            Q(item__task__section__plan__start_year__lte=year) & Q(item__task__section__plan__end_year__gte=year)
        )
    else:
        measures = measures.none()
    page, params = paginate(request, measures.order_by(*PLAN_ORDER).values_list("pk", flat=True), REPORT_MANY_PER_PAGE)
    rows_of_page(page, year)
    context = {"page": page, "params": params, "years": years, "year": year, "form": form}
    return render(request, "tasks/report_many.html", context, status=status)
