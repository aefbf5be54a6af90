"""``/api/measures/``: the measures a user may see, as interchange objects, and progress reports.

Same rules as the pages (``tasks.access``): a measure the user cannot see is 404, a report by
someone who may not report is 403, a report into a closed year is 403 with
``"code": "year_closed"``, and a report against an old version is 409.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from ..access import can_report, visible_measures
from ..choices import ProgressSource, ProgressStatus
from ..filtersets import ID_SCHEMA, MeasureFilter
from tasks.exporting.interchange import interchange_queryset, to_interchange
from ..models import Measure
from tasks.workflow.reporting import ReportConflict, ReportRefused, report_progress
from tasks.workflow.withdraw import withdraw_report
from tasks.workflow.year_close import YearClosed
from .serializers import CONFLICT, ERROR, MeasureSerializer, ProgressReportSerializer, WithdrawSerializer


#: Answers every endpoint may give besides its own (``DEFAULT_PERMISSION_CLASSES``: logged in or a token).
NOT_SIGNED_IN = {
    401: OpenApiResponse(ERROR, description="a token that is not valid"),
    403: OpenApiResponse(ERROR, description="not logged in and no token"),
}
MEASURE_ID = OpenApiParameter("id", ID_SCHEMA, OpenApiParameter.PATH, description="the measure's id")
BAD_FILTER = OpenApiResponse(
    OpenApiTypes.OBJECT, description="a filter parameter that cannot be read: its name and what is wrong with it"
)


@extend_schema_view(
    list=extend_schema(
        operation_id="measures_list",
        responses={
            200: MeasureSerializer(many=True),
            400: BAD_FILTER,
            404: OpenApiResponse(ERROR, description="a page past the last"),
            **NOT_SIGNED_IN,
        },
    ),
    retrieve=extend_schema(
        parameters=[MEASURE_ID],
        responses={
            200: MeasureSerializer,
            404: OpenApiResponse(ERROR, description="no such measure, or the user may not see it"),
            **NOT_SIGNED_IN,
        },
    ),
)
class MeasureViewSet(viewsets.ReadOnlyModelViewSet):
    """Measures in the interchange format (see DESIGN.md), filtered like the measure list."""

    serializer_class = MeasureSerializer
    filterset_class = MeasureFilter
    queryset = Measure.objects.none()  # names the model for the schema's filter parameters; see get_queryset
    lookup_value_converter = "id"  # an id past 64 bits is a 404, not an overflow (ledger/converters.py)

    def get_queryset(self):
        return interchange_queryset(visible_measures(self.request.user, Measure.objects.all()))

    def get_serializer_class(self):
        """The report's fields for a POST (``progress``; ``withdraw`` has its own; OPTIONS describes
        ``progress`` with a POST request), the interchange object otherwise."""
        if self.action == "withdraw":
            return WithdrawSerializer
        return ProgressReportSerializer if self.request.method == "POST" else MeasureSerializer

    @extend_schema(
        parameters=[MEASURE_ID],
        request=ProgressReportSerializer,
        responses={
            200: OpenApiResponse(MeasureSerializer, description="the measure after the report"),
            400: OpenApiResponse(
                OpenApiTypes.OBJECT, description="invalid report (the field and what is wrong), or a rule of the plan (evidence) refuses it"
            ),
            401: NOT_SIGNED_IN[401],
            403: OpenApiResponse(
                ERROR,
                description="not logged in; the user may see the measure but not report on it; or the year is closed"
                ' (`"code": "year_closed"`)',
            ),
            404: OpenApiResponse(ERROR, description="no such measure, or the user may not see it"),
            409: OpenApiResponse(CONFLICT, description="the report changed since `version`; read it again"),
        },
    )
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        """Report progress for one year: send back the ``version`` read from ``progress``."""
        measure = self.get_object()
        if not can_report(request.user, measure):
            raise PermissionDenied(_("您不能填报该措施的进展。"))
        report = ProgressReportSerializer(data=request.data, context={"measure": measure})
        report.is_valid(raise_exception=True)
        data = report.validated_data
        done_on = data["done_on"] or (timezone.localdate() if data["status"] == ProgressStatus.DONE else None)
        try:
            report_progress(
                measure,
                data["year"],
                user=request.user,
                status=data["status"],
                note=data["note"],
                done_on=done_on,
                expected_version=data["version"],
                source=ProgressSource.API,
            )
        except ReportConflict as conflict:
            return Response(
                {"detail": str(conflict), "version": conflict.progress.version}, status=status.HTTP_409_CONFLICT
            )
        except ReportRefused as refused:
            raise ValidationError({"detail": str(refused)}) from None
        except YearClosed as closed:
            return Response(
                {"detail": str(closed), "code": closed.code, "year": closed.closure.year},
                status=status.HTTP_403_FORBIDDEN,
            )
        return Response(to_interchange(interchange_queryset(Measure.objects.filter(pk=measure.pk)).get()))

    @extend_schema(
        parameters=[MEASURE_ID],
        request=WithdrawSerializer,
        responses={
            200: OpenApiResponse(MeasureSerializer, description="the measure after the report was withdrawn"),
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="invalid request, or nothing to withdraw (no report of the user's waits for review)",
            ),
            401: NOT_SIGNED_IN[401],
            403: OpenApiResponse(
                ERROR, description="not logged in; the user may not report on the measure; or the year is closed"
                ' (`"code": "year_closed"`)',
            ),
            404: OpenApiResponse(ERROR, description="no such measure, or the user may not see it"),
            409: OpenApiResponse(CONFLICT, description="the report changed since `version`; read it again"),
        },
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw (撤回) one's own report waiting for review: it goes back to the version before."""
        measure = self.get_object()
        if not can_report(request.user, measure):
            raise PermissionDenied(_("您不能填报该措施的进展。"))
        body = WithdrawSerializer(data=request.data, context={"measure": measure})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            withdraw_report(measure, data["year"], user=request.user, expected_version=data["version"], source=ProgressSource.API)
        except ReportConflict as conflict:
            return Response(
                {"detail": str(conflict), "version": conflict.progress.version}, status=status.HTTP_409_CONFLICT
            )
        except ReportRefused as refused:
            raise ValidationError({"detail": str(refused)}) from None
        except YearClosed as closed:
            return Response(
                {"detail": str(closed), "code": closed.code, "year": closed.closure.year},
                status=status.HTTP_403_FORBIDDEN,
            )
        return Response(to_interchange(interchange_queryset(Measure.objects.filter(pk=measure.pk)).get()))
