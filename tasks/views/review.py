"""Review pages: accept or return a report, ask for and decide extensions, the supervisors' queue."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..access import can_review, visible_measures
from ..choices import ReviewState
from ..models import ExtensionRequest, Measure, Milestone, Progress
from tasks.workflow.forms import ExtensionDecisionForm, ExtensionRequestForm, ReviewForm
from tasks.workflow.reporting import ReportConflict
from tasks.workflow.review import ReviewRefused, decide_extension, pending_requests, request_extension, review_report
from tasks.workflow.year_close import YearClosed
from .measures import refuse_closed_year, reportable_measure_or_403, visible_measure_or_404, year_url


def back_to(measure, year=None):
    return redirect(year_url(measure, year) if year else reverse("measure_detail", args=[measure.pk]))


def refuse_or_reload(request, measure, error, year=None):
    """Show why the action was refused on the measure page."""
    messages.error(request, str(error))
    return back_to(measure, year)


def form_errors(form):
    return "；".join(str(message) for errors in form.errors.values() for message in errors)


@require_POST
@login_required
def review(request, pk, year):
    """A supervisor accepts the pending report of a year, or returns it with a reason."""
    measure = visible_measure_or_404(request.user, pk)
    if year not in measure.plan.years:
        raise Http404
    if not can_review(request.user):
        raise PermissionDenied(_("只有督查人员可以审核。"))
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return refuse_or_reload(request, measure, form_errors(form), year)
    data = form.cleaned_data
    try:
        review_report(
            measure,
            year,
            user=request.user,
            accept=data["decision"] == "accept",
            reason=data["reason"],
            version=data["version"],
        )
    except (ReviewRefused, ReportConflict) as error:
        return refuse_or_reload(request, measure, error, year)
    except YearClosed as closed:
        return refuse_closed_year(request, measure, closed)
    messages.success(request, _("审核意见已保存。"))
    return back_to(measure, year)


@require_POST
@login_required
def ask_extension(request, pk):
    """Staff ask to move one of the measure's dated milestones to a later date."""
    measure = reportable_measure_or_403(request.user, pk)
    form = ExtensionRequestForm(request.POST)
    if not form.is_valid():
        return refuse_or_reload(request, measure, form_errors(form))
    data = form.cleaned_data
    milestone = get_object_or_404(Milestone.objects.select_related("deadline"), pk=data["milestone"], deadline__measure=measure)
    try:
        request_extension(milestone, user=request.user, new_date=data["new_date"], reason=data["reason"])
    except ReviewRefused as error:
        return refuse_or_reload(request, measure, error, milestone.deadline.year)
    except YearClosed as closed:
        return refuse_closed_year(request, measure, closed)
    messages.success(request, _("延期申请已提交，等待审批。"))
    return back_to(measure, milestone.deadline.year)


@require_POST
@login_required
def decide(request, pk):
    """A supervisor approves (the milestone moves) or rejects an extension request."""
    extension = get_object_or_404(ExtensionRequest, pk=pk)
    measure = visible_measure_or_404(request.user, extension.measure_id)
    if not can_review(request.user):
        raise PermissionDenied(_("只有督查人员可以审批延期申请。"))
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        return refuse_or_reload(request, measure, form_errors(form), extension.year)
    data = form.cleaned_data
    try:
        decide_extension(extension, user=request.user, approve=data["decision"] == "approve", note=data["note"])
    except ReviewRefused as error:
        return refuse_or_reload(request, measure, error, extension.year)
    except YearClosed as closed:
        return refuse_closed_year(request, measure, closed)
    messages.success(request, _("延期审批已保存。"))
    return back_to(measure, extension.year)


@require_GET
@login_required
def queue(request):
    """What waits for a supervisor: reports marked done and extension requests."""
    if not can_review(request.user):
        raise PermissionDenied(_("只有督查人员可以审核。"))
    measures = visible_measures(request.user, Measure.objects.all())
    reports = (
        Progress.objects.filter(review=ReviewState.PENDING, measure__in=measures)
        .select_related("measure__item__task__section__plan", "updated_by")
        .order_by("updated_at")
    )
    extensions = (
        pending_requests(ExtensionRequest.objects.filter(measure__in=measures))
        .select_related("measure__item__task__section__plan", "requested_by", "milestone")
        .order_by("created_at")
    )
    return render(request, "tasks/review_queue.html", {"reports": reports, "extensions": extensions})
