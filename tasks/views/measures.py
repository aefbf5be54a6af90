"""Pages of staff work: the measure page, the progress report and evidence downloads."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..access import can_report, can_review, visible_measures
from ..choices import ProgressSource, ReviewState
from ..models import Evidence, Measure, MeasureChangeKind, Progress
from tasks.workflow.forms import ExtensionDecisionForm, ExtensionRequestForm, ProgressForm, ReviewForm
from tasks.workflow.reporting import ReportConflict, ReportRefused, measure_history, report_progress
from tasks.workflow.review import pending_requests
from tasks.standing.on_date import DATED_KINDS, kept_open, with_standing
from tasks.workflow.withdraw import may_withdraw, withdraw_report
from tasks.workflow.year_close import YearClosed, closures_of_measure

#: Measures in the order of their ledger, plan by plan (我的任务, 批量填报).
PLAN_ORDER = (
    "item__task__section__plan__title",
    "item__task__section__plan_id",
    "item__task__section__order",
    "item__task__order",
    "item__order",
    "number",
    "pk",
)


def measure_with_standing(measures, pk):
    measures = measures.select_related("item__task__section__plan", "person").prefetch_related("units__department")
    return get_object_or_404(with_standing(measures, as_of=timezone.localdate()), pk=pk)


def visible_measure_or_404(user, pk):
    """The measure with its context and standing today, or 404 when the user may not see it."""
    return measure_with_standing(visible_measures(user, Measure.objects.all()), pk)


def reportable_measure_or_403(user, pk):
    """The measure a change is posted to: 404 if there is none or the user may not see it (so its
    id says nothing), 403 if the user sees it but may not report on it."""
    measure = visible_measure_or_404(user, pk)
    if not can_report(user, measure):
        raise PermissionDenied(_("您不能填报该措施的进展。"))
    return measure


@dataclass
class YearSection:
    """Everything the measure page shows for one plan year, with the forms the user may use."""

    year: int
    deadline: object
    progress: object
    evidence: list
    form: object = None
    review_form: object = None
    closure: object = None
    may_withdraw: bool = False

    @property
    def returned(self):
        return self.progress is not None and self.progress.review == ReviewState.RETURNED


def year_sections(measure, user, *, bound=None):
    """One ``YearSection`` per plan year; ``bound`` replaces the report form of its year.

    A closed year shows its closure and no form: nobody writes into it.
    """
    deadlines = {d.year: d for d in measure.deadlines.prefetch_related("milestones")}
    progress = {
        p.year: p for p in Progress.objects.filter(measure=measure).select_related("updated_by").prefetch_related("evidence")
    }
    pending = {}
    for request in pending_requests().filter(measure=measure).select_related("requested_by"):
        pending.setdefault(request.milestone_id, []).append(request)
    for deadline in deadlines.values():
        for milestone in deadline.milestones.all():
            milestone.pending_requests = pending.get(milestone.pk, [])
    reporter, reviewer = can_report(user, measure), can_review(user)
    closures = closures_of_measure(measure)
    sections = []
    for year in measure.plan.years:
        row = YearSection(
            year=year,
            deadline=deadlines.get(year),
            progress=progress.get(year),
            evidence=list(progress[year].evidence.all()) if year in progress else [],
            closure=closures.get(year),
        )
        sections.append(row)
        if row.closure is not None:
            continue
        row.may_withdraw = may_withdraw(row.progress, user)
        if reporter:
            row.form = bound if bound is not None and bound.prefix == str(year) else ProgressForm.for_progress(
                row.progress, prefix=str(year)
            )
        if (
            reviewer
            and row.progress is not None
            and row.progress.review == ReviewState.PENDING
            and row.progress.updated_by_id != user.pk  # nobody reviews their own report
        ):
            # ids per year: the page holds one review form for each year waiting for review
            row.review_form = ReviewForm(
                initial={"decision": "accept", "version": row.progress.version}, auto_id=f"id_review_{year}_%s"
            )
    return sections


def is_htmx(request):
    return request.headers.get("HX-Request") == "true"


def form_context(request, measure):
    """What every part of the measure page needs to decide which forms to show."""
    return {
        "measure": measure,
        "dated_kinds": DATED_KINDS,
        "may_extend": can_report(request.user, measure),
        "may_review": can_review(request.user),
        # drawn once per milestone or request: no ids (each field sits inside its <label>)
        "extension_form": ExtensionRequestForm(auto_id=False),
        "decision_form": ExtensionDecisionForm(auto_id=False),
    }


def year_url(measure, year):
    """The measure page opened at ``year`` (unfolded, scrolled to)."""
    return reverse("measure_detail", args=[measure.pk]) + f"?year={year}#year-{year}"


def focus_year(request, measure, bound=None):
    """The year the measure page opens: the one a form was posted for or the URL asks for (``?year=``),
    else the earliest with an overdue milestone, else the plan's reporting year."""
    years = measure.plan.years
    if bound is not None and bound.prefix.isdigit() and int(bound.prefix) in years:
        return int(bound.prefix)
    asked = request.GET.get("year", "")
    if asked.isdigit() and int(asked) in years:
        return int(asked)
    overdue = kept_open(lt=timezone.localdate()).filter(measure=measure).order_by("year").values_list("year", flat=True).first()
    return overdue or measure.plan.reporting_year


def detail_context(request, measure, *, bound=None):
    changes = list(measure.changes.select_related("user").order_by("-created_at", "-pk"))
    return {
        "focus_year": focus_year(request, measure, bound),
        **form_context(request, measure),
        "plan": measure.plan,
        "years": year_sections(measure, request.user, bound=bound),
        "history": measure_history(measure),
        "measure_changes": changes,
        "last_rewording": next((change for change in changes if change.kind == MeasureChangeKind.TEXT), None),
    }


@require_GET
@login_required
def measure_detail(request, pk):
    """Plan → section → task → item → measure, every year's deadline and progress, and the history."""
    measure = visible_measure_or_404(request.user, pk)
    return render(request, "tasks/measure_detail.html", detail_context(request, measure))


def refuse_closed_year(request, measure, closed):
    """A write into a closed year, answered 403: the year's section (htmx) or the measure page, with the reason."""
    if is_htmx(request):
        row = next(s for s in year_sections(measure, request.user) if s.year == closed.closure.year)
        context = {**form_context(request, measure), "row": row, "refusal": str(closed)}
        return render(request, "tasks/_year_section.html", context, status=403)
    messages.error(request, str(closed))
    return render(request, "tasks/measure_detail.html", detail_context(request, measure), status=403)


@require_POST
@login_required
def report(request, pk, year):
    """Save a year's report. Invalid → 400, conflicting version → 409, both with the form and its errors;
    a closed year → 403 with the reason.

    An htmx request gets the year's section back; a plain form post is redirected to the measure page.
    """
    measure = reportable_measure_or_403(request.user, pk)
    if year not in measure.plan.years:
        raise Http404
    form = ProgressForm(request.POST, request.FILES, prefix=str(year))
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        stored = Progress.objects.filter(measure=measure, year=year).values_list("status", flat=True).first()
        if form.needs_confirmation(stored):  # nothing is written: the page asks for the date done first
            return render_year(request, measure, year, form.confirming(), 200)
        try:
            report_progress(
                measure,
                year,
                user=request.user,
                status=data["status"],
                note=data["note"],
                done_on=data["done_on"],
                expected_version=data["version"],
                files=data["evidence"],
                source=ProgressSource.WEB,
            )
        except ReportConflict as conflict:
            form.add_error(None, str(conflict))
            status = 409
        except ReportRefused as refused:
            form.add_error(None, str(refused))
        except YearClosed as closed:
            return refuse_closed_year(request, measure, closed)
        else:
            if not is_htmx(request):
                messages.success(request, _("%(year)s 年度进展已保存。") % {"year": year})
                return redirect(year_url(measure, year))
            form = None
            status = 200
    return render_year(request, measure, year, form, status)


@require_POST
@login_required
def withdraw(request, pk, year):
    """The author takes back a report waiting for review (撤回); refused once reviewed or in a closed year."""
    measure = reportable_measure_or_403(request.user, pk)
    if year not in measure.plan.years:
        raise Http404
    version = request.POST.get("version", "")
    try:
        withdraw_report(
            measure, year, user=request.user, expected_version=int(version) if version.isdigit() else None,
            source=ProgressSource.WEB,
        )
    except (ReportRefused, ReportConflict) as refused:
        messages.error(request, str(refused))
    except YearClosed as closed:
        return refuse_closed_year(request, measure, closed)
    else:
        messages.success(request, _("%(year)s 年度的报告已撤回，可修改后重新提交。") % {"year": year})
    return redirect(year_url(measure, year))


def render_year(request, measure, year, form, status):
    """The year's section alone for htmx, or the whole measure page."""
    if is_htmx(request):
        row = next((s for s in year_sections(measure, request.user, bound=form) if s.year == year), None)
        if row is None:
            raise Http404
        context = {**form_context(request, measure), "row": row, "saved": form is None}
        return render(request, "tasks/_year_section.html", context, status=status)
    return render(request, "tasks/measure_detail.html", detail_context(request, measure, bound=form), status=status)


@require_GET
@login_required
def evidence_file(request, pk):
    """Download an evidence file; only for people who may see its measure."""
    evidence = get_object_or_404(Evidence.objects.select_related("progress"), pk=pk)
    visible_measure_or_404(request.user, evidence.progress.measure_id)
    return FileResponse(
        evidence.file.open("rb"), as_attachment=True, filename=evidence.name, content_type=evidence.content_type
    )
