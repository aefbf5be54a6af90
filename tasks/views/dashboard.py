"""Supervisors' pages: the dashboard, overdue and due-soon lists, the measure list, department pages."""

import tempfile

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from departments.models import Department

from tasks.list_order import sort_of, sorted_measures
from ..access import department_ids, sees_everything, visible_measures, visible_plans
from tasks.standing.dashboard import (
    Scope, ScopeError, milestone_list, milestone_rows, overview, own_plan, remembered, totals,
)
from ..filtersets import MeasureFilter, form_errors
from tasks.exporting.flat import write_flat_export
from ..models import Measure, Plan
from tasks.standing.on_date import with_standing
from .exports import audit_download, audit_format


#: The session key of the plan last chosen in a page's scope form: the next page without a plan opens it.
CHOSEN_PLAN = "ledger_scope_plan"


def default_plan(request, plans):
    """The plan a page opens without ``plan`` in the URL: the one last chosen in this session,
    else the user's own (``own_plan``: their departments' measures), else the first."""
    chosen = request.session.get(CHOSEN_PLAN)
    return next((plan for plan in plans if plan.slug == chosen), None) or own_plan(request.user, plans)


def scope_or_400(request):
    """The plans the user may choose from (those holding a measure they may see) and the scope
    the URL asks for; a parameter that cannot be read is ``BadScope``. A plan chosen in the URL
    is remembered in the session for the next page that names none."""
    plans = list(visible_plans(request.user, Plan.objects.order_by("-start_year", "title")))
    try:
        scope = Scope.from_params(request.GET, plans=plans, default=lambda: default_plan(request, plans))
    except ScopeError as error:
        raise BadScope(str(error)) from error
    if request.GET.get("plan") and scope.plan is not None and request.session.get(CHOSEN_PLAN) != scope.plan.slug:
        request.session[CHOSEN_PLAN] = scope.plan.slug
    return plans, scope


class BadScope(Exception):
    pass


def bad_request(request, reason):
    """The app's 400 page with ``reason`` (escaped like any text on a page: it may quote the URL)."""
    return render(request, "400.html", {"reason": reason}, status=400)


def scoped(view):
    """Login required; a scope parameter that cannot be read is the 400 page with the reason."""

    @login_required
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadScope as error:
            return bad_request(request, str(error))

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


class CountedPaginator(Paginator):
    """A paginator told how many rows there are, so that it does not count them again."""

    def __init__(self, object_list, per_page, *, count):
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self):
        return self.known_count


def paginate(request, rows, per_page, *, count=None):
    """The requested page of ``rows`` (``count`` of them, when known), and the query string that
    keeps the other parameters."""
    params = request.GET.copy()
    params.pop("page", None)
    paginator = Paginator(rows, per_page) if count is None else CountedPaginator(rows, per_page, count=count)
    return paginator.get_page(request.GET.get("page")), params.urlencode()


def with_standing_on_page(page, measures, **standing):
    """Replace the page's measure ids by those measures with their standing, in the page's order.

    The list is counted and paged without the standing; only the rows shown get it.
    """
    ids = list(page.object_list)
    rows = with_standing(measures.filter(pk__in=ids), **standing).in_bulk(ids)
    page.object_list = [rows[pk] for pk in ids]
    return page


#: Rows of the department ranking per page of the dashboard: the most overdue come first.
DEPARTMENTS_PER_PAGE = 20


@scoped
def home(request):
    """The dashboard: totals, status mix, departments ranked (paged), sections and years, with drill-down."""
    plans, scope = scope_or_400(request)
    context = {"plans": plans, "scope": scope, "sees_everything": sees_everything(request.user)}
    if scope.plan is not None:
        context.update(overview(request.user, scope))
        context["page"], context["params"] = paginate(request, context.pop("departments"), DEPARTMENTS_PER_PAGE)
    return render(request, "tasks/dashboard.html", context)


@scoped
def overdue(request):
    """Every overdue milestone in scope on the chosen date."""
    return milestone_page(request, due_soon=False)


@scoped
def due_soon(request):
    """Milestones falling due in the next 7, 30 or 90 days."""
    return milestone_page(request, due_soon=True)


#: Milestones per page of the overdue and due-soon lists.
MILESTONES_PER_PAGE = 100


def milestone_page(request, *, due_soon):
    """A page of the overdue or due-soon list; its count and its rows are remembered (``remembered``)."""
    plans, scope = scope_or_400(request)
    sort = request.GET.get("sort", "date")
    ids = milestone_list(request.user, scope, due_soon=due_soon, sort=sort)
    name = "due-soon" if due_soon else "overdue"
    count = remembered((name, "count"), request.user, scope, ids.count)
    page, params = paginate(request, ids, MILESTONES_PER_PAGE, count=count)
    shown = remembered((name, sort, page.number), request.user, scope, lambda: list(page.object_list))
    page.object_list = milestone_rows(shown)
    return render(
        request,
        "tasks/milestones.html",
        {"plans": plans, "scope": scope, "page": page, "due_soon": due_soon, "sort": sort, "params": params},
    )


def filtered_measures(request):
    """The measures the user may see, filtered by the URL."""
    measures = visible_measures(request.user, Measure.objects.all())
    return MeasureFilter(request.GET, queryset=measures, request=request)


@login_required
def measure_list(request):
    """All measures the user may see, filtered by the URL, paginated; a filter that cannot be read
    is shown with its error on the page, answered 400, and left out."""
    filterset = filtered_measures(request)
    sort = request.GET.get("sort", "")
    ids = sorted_measures(filterset.qs, sort, year=filterset.standing_year).values_list("pk", flat=True)
    page, params = paginate(request, ids, 50)
    unsorted = request.GET.copy()
    for name in ("sort", "page"):
        unsorted.pop(name, None)
    shown = Measure.objects.select_related("item__task__section__plan", "person").prefetch_related("units__department")
    with_standing_on_page(
        page, shown, as_of=filterset.as_of_date, year=filterset.standing_year, soon_days=filterset.soon
    )
    return render(
        request,
        "tasks/measure_list.html",
        {
            "filter": filterset,
            "page": page,
            "params": params,
            "sort": dict(zip(("name", "descending"), sort_of(sort))),
            "unsorted": unsorted.urlencode(),
            "year": filterset.standing_year,
            "export_formats": EXPORT_FORMATS,
            "sees_everything": sees_everything(request.user),
        },
        status=200 if filterset.is_valid() else 400,
    )


EXPORT_FORMATS = ("xlsx", "csv")


@login_required
def measure_export(request):
    """The measure list as it is filtered now, as xlsx or csv (``format=``)."""
    fmt = request.GET.get("format", "xlsx")
    if fmt not in EXPORT_FORMATS:
        return bad_request(request, _("导出格式只能是 %(formats)s。") % {"formats": "、".join(EXPORT_FORMATS)})
    filterset = filtered_measures(request)
    if not filterset.is_valid():
        return bad_request(request, form_errors(filterset.form))
    output = tempfile.TemporaryFile()  # written in full before the response starts, then sent in blocks
    content_type, filename = write_flat_export(
        filterset.qs, fmt, output, year=filterset.standing_year, as_of=filterset.as_of_date
    )
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=filename, content_type=content_type)


@login_required
def measure_audit(request):
    """The history of the measure list as it is filtered now (``format=xlsx|csv``): supervisors and admins."""
    fmt = audit_format(request)
    filterset = filtered_measures(request)
    if not filterset.is_valid():
        return bad_request(request, form_errors(filterset.form))
    return audit_download(filterset.qs, fmt, None, "measures-")


@scoped
def department_detail(request, pk):
    """A department's measures, rates and people: for supervisors, admins and its own staff."""
    department = get_object_or_404(Department, pk=pk)
    if not (sees_everything(request.user) or department.pk in department_ids(request.user)):
        raise Http404
    plans, scope = scope_or_400(request)
    scope.department = str(department.pk)
    context = {
        "department": department,
        "plans": plans,
        "scope": scope,
        "figures": totals(request.user, scope),
        "people": department.people.select_related("user"),
    }
    return render(request, "tasks/department_detail.html", context)
