"""Supervisors' pages: the dashboard, overdue and due-soon lists, the measure list, department pages."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render

from departments.models import Department

from ..access import department_ids, sees_everything, visible_measures
from ..dashboard import Scope, ScopeError, breakdowns, milestone_list, summary, trend
from ..filtersets import MeasureFilter
from ..flat_export import flat_export
from ..models import Measure, Plan
from ..standing import figures


def scope_or_400(request):
    plans = list(Plan.objects.order_by("-start_year", "title"))
    try:
        return plans, Scope.from_params(request.GET, plans=plans)
    except ScopeError as error:
        raise BadScope(str(error)) from error


class BadScope(Exception):
    pass


def scoped(view):
    """Login required; a scope parameter that cannot be read is a 400 with the reason."""

    @login_required
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadScope as error:
            return HttpResponseBadRequest(str(error))

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def paginate(request, rows, per_page):
    """The requested page of ``rows``, and the query string that keeps the other parameters."""
    params = request.GET.copy()
    params.pop("page", None)
    return Paginator(rows, per_page).get_page(request.GET.get("page")), params.urlencode()


@scoped
def home(request):
    """The dashboard: totals, status mix, departments ranked, sections and years, with drill-down."""
    plans, scope = scope_or_400(request)
    context = {"plans": plans, "scope": scope}
    if scope.plan is not None:
        context["figures"] = summary(request.user, scope)
        context.update(breakdowns(request.user, scope, context["figures"]["departments"]))
        context["trend"] = trend(request.user, scope)
    return render(request, "tasks/dashboard.html", context)


@scoped
def overdue(request):
    """Every overdue milestone in scope on the chosen date."""
    return milestone_page(request, due_soon=False)


@scoped
def due_soon(request):
    """Milestones falling due in the next 7, 30 or 90 days."""
    return milestone_page(request, due_soon=True)


def milestone_page(request, *, due_soon):
    plans, scope = scope_or_400(request)
    sort = request.GET.get("sort", "date")
    milestones = milestone_list(request.user, scope, due_soon=due_soon, sort=sort)
    page, params = paginate(request, milestones, 100)
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
    """All measures the user may see, filtered by the URL, paginated."""
    filterset = filtered_measures(request)
    rows = filterset.qs.select_related("item__task__section__plan", "person").prefetch_related(
        "units__department"
    ).order_by("item__task__section__plan", "item__task__section__order", "item__task__order", "item__order", "number")
    page, params = paginate(request, rows, 50)
    return render(
        request,
        "tasks/measure_list.html",
        {
            "filter": filterset,
            "page": page,
            "params": params,
            "year": filterset.standing_year,
            "export_formats": EXPORT_FORMATS,
        },
    )


EXPORT_FORMATS = ("xlsx", "csv")


@login_required
def measure_export(request):
    """The measure list as it is filtered now, as xlsx or csv (``format=``)."""
    fmt = request.GET.get("format", "xlsx")
    if fmt not in EXPORT_FORMATS:
        return HttpResponseBadRequest(f"format must be one of {', '.join(EXPORT_FORMATS)}")
    filterset = filtered_measures(request)
    if not filterset.is_valid():
        return HttpResponseBadRequest(str(filterset.errors))
    data, content_type, filename = flat_export(
        filterset.qs, fmt, year=filterset.standing_year, as_of=filterset.as_of_date
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


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
        "figures": figures(scope.measures(request.user), **scope.standing),
        "people": department.people.select_related("user"),
    }
    return render(request, "tasks/department_detail.html", context)
