"""Downloads of a plan: the ledger (xlsx in its own layout, csv, json), the write-back workbook
and the audit export (history).

Staff get only their departments' measures (``visible_measures``), in every format; the
write-back workbook holds every department's rows, and the audit export every person's acts, so
they are for supervisors and admins. A ledger export of more than ``LEDGER_EXPORT_BACKGROUND_ABOVE``
measures is built by the worker: the page sends the user to its status page (``jobs.views``),
which becomes the download.
"""

import tempfile
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET

from jobs.exports import start_export
from tasks.access import sees_everything, user_role, visible_measures
from tasks.exporting.audit import write_audit_export
from tasks.exporting.ledger_layout import XLSX_TYPE
from tasks.models import Measure, Plan
from tasks.exporting.plan_files import FORMATS, plan_export_filename, write_plan_export
from tasks.exporting.writeback import NoSourceFile, write_back


@require_GET
@login_required
def plan_export(request, slug):
    """``?format=xlsx|csv|json&year=``: the ledger layout, the flat list, or the interchange document."""
    if user_role(request.user) is None:
        raise PermissionDenied
    plan = get_object_or_404(Plan, slug=slug)
    fmt = request.GET.get("format", "xlsx")
    if fmt not in FORMATS:
        raise Http404(f"unknown format {fmt!r}")
    year = requested_year(request, plan)
    measures = visible_measures(request.user, Measure.objects.filter(item__task__section__plan=plan))
    count = measures.count()
    if count > settings.LEDGER_EXPORT_BACKGROUND_ABOVE:
        export = start_export(request.user, plan, fmt, year, count)
        return redirect("export_status", export.pk)
    output = tempfile.TemporaryFile()  # written in full before the response starts, then sent in blocks
    content_type = write_plan_export(plan, measures, fmt, year, output)
    output.seek(0)
    filename = plan_export_filename(plan, fmt, year)
    return FileResponse(output, as_attachment=True, filename=filename, content_type=content_type)


@require_GET
@login_required
def plan_writeback(request, slug):
    """The workbook the plan was imported from, status cells filled in; 404 when there is none."""
    if not sees_everything(request.user):
        raise PermissionDenied
    plan = get_object_or_404(Plan, slug=slug)
    year = requested_year(request, plan)
    try:
        data = write_back(plan, year=year)
    except NoSourceFile as error:
        raise Http404("this plan was not imported from a workbook") from error
    return download(data, XLSX_TYPE, f"{plan.slug}-回填.xlsx")


AUDIT_FORMATS = ("xlsx", "csv")


def audit_format(request):
    if not sees_everything(request.user):
        raise PermissionDenied
    fmt = request.GET.get("format", "xlsx")
    if fmt not in AUDIT_FORMATS:
        raise Http404(f"unknown format {fmt!r}")
    return fmt


def audit_download(measures, fmt, plans, prefix):
    output = tempfile.TemporaryFile()  # written in full before the response starts, then sent in blocks
    content_type, filename = write_audit_export(measures, fmt, output, plans=plans)
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=f"{prefix}{filename}", content_type=content_type)


@require_GET
@login_required
def plan_audit(request, slug):
    """``?format=xlsx|csv``: every recorded act on the plan's measures, its closures and rollovers."""
    fmt = audit_format(request)
    plan = get_object_or_404(Plan, slug=slug)
    measures = Measure.all_objects.filter(item__task__section__plan=plan)
    return audit_download(measures, fmt, Plan.objects.filter(pk=plan.pk), f"{plan.slug}-")


def requested_year(request, plan):
    text = request.GET.get("year", "")
    if not text:
        return None
    if not text.isdigit() or int(text) not in plan.years:
        raise Http404(f"{text} is not a year of this plan")
    return int(text)


def download(data, content_type, filename):
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
