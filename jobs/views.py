"""The status page of a background export, which becomes its download (only its owner sees either),
and of a background import, which becomes its report (its owner and superusers)."""

import datetime

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .import_progress import PREVIEW_SPANS, SPANS, percent, read_progress, words
from .imports import fail_stuck
from .models import Export, ExportState, ImportJob, ImportKind, ImportState
from .previews import previewed

#: A job queued longer than this makes its status page ask whether the worker runs.
QUEUED_TOO_LONG = datetime.timedelta(minutes=2)
#: Lines of an import's report shown on its status page (a re-import that changed every measure
#: lists each; the whole report stays in the job, in the admin).
REPORT_SHOWN = 2000


def own_export(request, pk):
    """The export, if the user asked for it; 404 for anyone else (its id says nothing to them)."""
    return get_object_or_404(Export.objects.select_related("plan"), pk=pk, owner=request.user)


@require_GET
@login_required
def export_status(request, pk):
    """``/exports/<id>/``: waiting, ready (the link) or failed (the reason); htmx polls the state part."""
    export = own_export(request, pk)
    template = "jobs/_export_state.html" if request.headers.get("HX-Request") else "jobs/export_status.html"
    return render(request, template, {"export": export})


@require_GET
@login_required
def export_download(request, pk):
    export = own_export(request, pk)
    if export.state != ExportState.READY or not export.file:
        raise Http404("this export is not ready")
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=export.filename, content_type=export.content_type)


def own_import(request, pk):
    """The import job, if the user started it or is a superuser; 404 for anyone else."""
    job = get_object_or_404(ImportJob.objects.select_related("owner"), pk=pk)
    if job.owner_id != request.user.pk and not request.user.is_superuser:
        raise Http404("not this user's import")
    return job


@require_GET
@login_required
def import_status(request, pk):
    """``/imports/<id>/``: queued, running (the bar and its figures), done (the report, or for a
    preview the preview to confirm) or failed (why); htmx polls the state part until the job ends."""
    job = own_import(request, pk)
    if job.state == ImportState.RUNNING and fail_stuck(ImportJob.objects.filter(pk=job.pk)):
        job.refresh_from_db()
    progress = read_progress(job.pk) if job.state == ImportState.RUNNING else None
    previewing = job.kind == ImportKind.PREVIEW
    report_lines = job.report.splitlines()
    context = {
        "job": job,
        "previewing": previewing,
        "percent": 100 if job.state == ImportState.DONE else percent(progress, PREVIEW_SPANS if previewing else SPANS),
        "step": words(progress, previewing),
        "report_lines": report_lines[:REPORT_SHOWN],
        "report_hidden": max(len(report_lines) - REPORT_SHOWN, 0),
        "errors": job.error.splitlines(),
        "waiting_long": job.state == ImportState.QUEUED and job.created_at < timezone.now() - QUEUED_TOO_LONG,
    }
    if previewing and job.state == ImportState.DONE:
        shown = job.preview
        context.update(
            preview=shown, columns=shown["columns"], columns_as_read=shown["columns_as_read"], confirmable=previewed(job)
        )
    if request.headers.get("HX-Request"):
        return render(request, "jobs/_import_state.html", context)
    title = _("后台预览") if previewing else _("后台导入")
    return render(request, "jobs/import_status.html", {**admin.site.each_context(request), **context, "title": title})
