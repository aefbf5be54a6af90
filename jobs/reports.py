"""The evaluation report (评估总结报告) built by the worker: asked for on ``/plans/SLUG/report/``,
written by the ``build_report`` job, fetched by its owner from the export status page once ready.

A report is an ``Export`` of format ``docx`` or ``pdf``; its scope (plan, year, department, as-of
date) is the job's arguments, read again when the job runs with the owner's visible measures
(``tasks.dashboard.Scope.measures``). One user asking again for the same plan, year, department,
date and format while a build is waiting or running gets that build. A build that fails keeps
the reason (a missing template, no LibreOffice for the PDF, …) on the status page.
"""

import datetime
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from tasks.standing.dashboard import Scope
from tasks.exporting.evaluation_report import DOCX_TYPE, PDF_TYPE, ReportError, report_docx, report_filename, report_pdf

from .exports import failure_message
from .models import Export, ExportState

log = logging.getLogger(__name__)

REPORT_TYPES = {"docx": DOCX_TYPE, "pdf": PDF_TYPE}


def scope_arguments(scope):
    return {"department": scope.department, "as_of": scope.as_of.isoformat(), "soon_days": scope.soon_days}


def waiting_report(user, scope, fmt):
    """The user's report of this scope and format still waiting or running, if any."""
    candidates = Export.objects.filter(
        owner=user, plan=scope.plan, format=fmt, year=scope.year, state__in=[ExportState.QUEUED, ExportState.RUNNING]
    )
    wanted = scope_arguments(scope)
    for export in candidates:
        job = DBTaskResult.objects.filter(
            task_path=build_report.module_path, args_kwargs__args__0=str(export.pk)
        ).first()
        if job is not None and job.args_kwargs.get("kwargs") == wanted:
            return export
    return None


def start_report(user, scope, fmt, measures):
    """The waiting or running report of ``scope`` in ``fmt`` for ``user``, else a new one with its
    job enqueued (in one transaction: no report without its job)."""
    with transaction.atomic():
        waiting = waiting_report(user, scope, fmt)
        if waiting is not None:
            return waiting
        export = Export.objects.create(
            owner=user, plan=scope.plan, format=fmt, year=scope.year, measures=measures, filename=report_filename(scope, fmt)
        )
        build_report.enqueue(str(export.pk), **scope_arguments(scope))
    return export


def build(export_id, *, department, as_of, soon_days):
    """Write the report's file (the worker's job). Returns its state; a failure is recorded, then raised."""
    claimed = Export.objects.filter(pk=export_id, state=ExportState.QUEUED).update(state=ExportState.RUNNING)
    export = Export.objects.select_related("owner", "plan").get(pk=export_id)
    if not claimed:
        return str(export.state)
    scope = Scope(
        plan=export.plan,
        year=export.year,
        as_of=datetime.date.fromisoformat(as_of),
        soon_days=soon_days,
        department=department,
        year_chosen=True,
    )
    try:
        data = report_docx(export.owner, scope)
        if export.format == "pdf":
            data = report_pdf(data)
        export.file.save(export.filename, ContentFile(data), save=False)
    except Exception as error:
        log.exception("report %s failed", export.pk)
        export.state, export.finished_at = ExportState.FAILED, timezone.now()
        export.error = str(error) if isinstance(error, ReportError) else failure_message(error)
        export.save(update_fields=["state", "error", "finished_at"])
        raise
    export.content_type = REPORT_TYPES[export.format]
    export.state, export.finished_at = ExportState.READY, timezone.now()
    export.save(update_fields=["state", "file", "content_type", "finished_at"])
    return str(export.state)


@task()
def build_report(export_id, department="", as_of="", soon_days=30):
    """Write an evaluation report asked for on the report page."""
    return build(export_id, department=department, as_of=as_of, soon_days=soon_days)
