"""``/plans/<slug>/report/``: the evaluation report (评估总结报告) as .docx, or PDF through LibreOffice.

Supervisors and admins, for any plan they see (every plan); staff do not write it. The scope is
read like the dashboard's: ``year`` (default: the reporting year), ``department``, ``as_of``.
A report of more than ``LEDGER_EXPORT_BACKGROUND_ABOVE`` measures in scope is built by the worker
(``jobs.reports``): the page sends the user to the export status page, which becomes the download.
"""

from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jobs.reports import start_report

from ..access import sees_everything
from tasks.standing.dashboard import Scope, ScopeError
from tasks.exporting.evaluation_report import DOCX_TYPE, PDF_TYPE, ReportError, report_docx, report_filename, report_pdf
from ..models import Plan

FORMATS = {"docx": DOCX_TYPE, "pdf": PDF_TYPE}


def report_scope(request, plan):
    params = request.GET.copy()
    params["plan"] = plan.slug
    try:
        return Scope.from_params(params, plans=[plan])
    except ScopeError as error:
        raise Http404(str(error)) from error


@require_GET
@login_required
def evaluation_report(request, slug):
    if not sees_everything(request.user):
        raise PermissionDenied(_("评估总结报告由督查人员和管理员生成。"))
    plan = get_object_or_404(Plan, slug=slug)
    fmt = request.GET.get("format", "docx")
    if fmt not in FORMATS:
        raise Http404(f"unknown format {fmt!r}")
    scope = report_scope(request, plan)
    if scope.year not in plan.years:
        raise Http404(f"{scope.year} is not a year of this plan")
    count = scope.measures(request.user).count()
    if count > settings.LEDGER_EXPORT_BACKGROUND_ABOVE:
        export = start_report(request.user, scope, fmt, count)
        return redirect("export_status", export.pk)
    try:
        data = report_docx(request.user, scope)
        if fmt == "pdf":
            data = report_pdf(data)
    except ReportError as error:
        return render(request, "error_page.html", {"reason": str(error)}, status=503)
    response = HttpResponse(data, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(report_filename(scope, fmt))}"
    return response
