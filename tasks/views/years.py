"""A plan's 年度管理 page: close a year (supervisors, admins), reopen it (admins, with a reason),
and move the reporting year forward (rollover), each after seeing what it means."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..access import can_close_year, can_reopen_year
from ..models import Plan, ReportingYearChange, YearClosure
from tasks.workflow.rollover import RolloverRefused, roll_over, rollover_preview
from tasks.workflow.year_close import CloseRefused, close_year, reopen_year
from tasks.workflow.year_forms import CloseYearForm, ReopenYearForm, RolloverForm
from .review import form_errors


def plan_for_closing(request, slug):
    if not can_close_year(request.user):
        raise PermissionDenied(_("只有督查人员和管理员可以关账和结转。"))
    return get_object_or_404(Plan, slug=slug)


@require_GET
@login_required
def plan_years(request, slug):
    plan = plan_for_closing(request, slug)
    closures = YearClosure.objects.filter(plan=plan).select_related("department", "closed_by", "reopened_by")
    preview = rollover_preview(plan)
    context = {
        "plan": plan,
        "in_force": [closure for closure in closures if closure.is_closed],
        "closures": sorted(closures, key=lambda closure: closure.reopened_at or closure.closed_at, reverse=True),
        "rollovers": ReportingYearChange.objects.filter(plan=plan).select_related("user").order_by("-created_at"),
        "preview": preview,
        "close_form": CloseYearForm(plan=plan, initial={"year": plan.reporting_year}),
        "reopen_form": ReopenYearForm(plan=plan, prefix="reopen") if can_reopen_year(request.user) else None,
        "rollover_form": RolloverForm(initial={"expected_year": plan.reporting_year}),
    }
    return render(request, "tasks/plan_years.html", context)


@require_POST
@login_required
def close(request, slug):
    plan = plan_for_closing(request, slug)
    form = CloseYearForm(request.POST, plan=plan)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("plan_years", slug=plan.slug)
    data = form.cleaned_data
    try:
        closed, already = close_year(plan, data["year"], user=request.user, departments=list(data["departments"]))
    except CloseRefused as refused:
        messages.error(request, str(refused))
        return redirect("plan_years", slug=plan.slug)
    for closure in closed:
        messages.success(request, _("已关账：%(closure)s。") % {"closure": closure})
    for closure in already:
        messages.info(request, _("此前已关账：%(closure)s。") % {"closure": closure})
    return redirect("plan_years", slug=plan.slug)


@require_POST
@login_required
def reopen(request, slug):
    plan = plan_for_closing(request, slug)
    if not can_reopen_year(request.user):
        raise PermissionDenied(_("只有管理员可以重新开放已关账的年度。"))
    form = ReopenYearForm(request.POST, plan=plan, prefix="reopen")
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("plan_years", slug=plan.slug)
    data = form.cleaned_data
    try:
        reopened = reopen_year(
            plan, data["year"], user=request.user, reason=data["reason"], departments=list(data["departments"])
        )
    except CloseRefused as refused:
        messages.error(request, str(refused))
        return redirect("plan_years", slug=plan.slug)
    for closure in reopened:
        messages.success(request, _("已重新开放：%(closure)s。") % {"closure": closure})
    return redirect("plan_years", slug=plan.slug)


@require_POST
@login_required
def rollover(request, slug):
    plan = plan_for_closing(request, slug)
    form = RolloverForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("plan_years", slug=plan.slug)
    try:
        change = roll_over(plan, user=request.user, expected_year=form.cleaned_data["expected_year"])
    except RolloverRefused as refused:
        messages.error(request, str(refused))
        return redirect("plan_years", slug=plan.slug)
    messages.success(
        request,
        _("填报年度已改为 %(year)s，%(count)s 项措施结转。") % {"year": change.new_year, "count": change.carried_over},
    )
    return redirect("plan_years", slug=plan.slug)
