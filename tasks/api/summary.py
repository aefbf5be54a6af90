"""``GET /api/summary/``: the dashboard's figures, computed by the same code as the dashboard."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from django.http import HttpResponse
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from tasks.standing.dashboard import Scope, ScopeError, own_plan, remembered, summary
from ..filtersets import DATE_SCHEMA, DEPARTMENT_SCHEMA, SOON_DAYS_SCHEMA, TEXT_SCHEMA, YEAR_SCHEMA
from .serializers import ERROR
from .views import NOT_SIGNED_IN
from ..models import Plan


class SummaryView(APIView):
    """Totals for a plan, year and date (``as_of``), and the same per department.

    Staff get the figures of their own departments only.
    """

    @extend_schema(
        parameters=[
            OpenApiParameter("plan", TEXT_SCHEMA, description="plan slug (default: the plan holding most of the user's own measures, else the newest plan)"),
            OpenApiParameter("year", YEAR_SCHEMA, description="plan year (default: the plan's reporting year)"),
            OpenApiParameter("as_of", DATE_SCHEMA, description="the date overdue is judged on (default: today)"),
            OpenApiParameter("department", DEPARTMENT_SCHEMA, description="department id or name"),
            OpenApiParameter("soon_days", SOON_DAYS_SCHEMA, description="days ahead that count as due soon (default 30)"),
        ],
        responses={
            200: OpenApiTypes.OBJECT,
            400: OpenApiResponse(ERROR, description="a parameter that cannot be read, or a plan that does not exist"),
            **NOT_SIGNED_IN,
        },
    )
    def get(self, request):
        plans = list(Plan.objects.order_by("-start_year", "title"))
        try:
            scope = Scope.from_params(request.query_params, plans=plans, default=lambda: own_plan(request.user, plans))
        except ScopeError as error:
            raise ValidationError({"detail": str(error)}) from error
        if isinstance(request.accepted_renderer, JSONRenderer):
            # a province's summary is half a megabyte of JSON (every department): encoded once
            # per committed write, like the figures themselves
            body = remembered("summary-json", request.user, scope, lambda: JSONRenderer().render(self.body(request, scope)))
            return HttpResponse(body, content_type="application/json")
        return Response(self.body(request, scope))

    @staticmethod
    def body(request, scope):
        figures = summary(request.user, scope) if scope.plan else {}
        return {"plan": scope.plan.slug if scope.plan else None, "year": scope.year, "as_of": scope.as_of.isoformat(), **figures}
