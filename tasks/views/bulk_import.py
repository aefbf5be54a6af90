"""The admin's bulk import (批量导入): a ledger of any size through the browser, checked, then confirmed.

The row-by-row import page previews each row's before and after through django-import-export,
about 10 ms a row: right for a city's ledger, minutes for a province's. This page compares the
whole file with the plan at once (``import_ledger(preview=True)``: counts, errors, deadline
phrases to look at, the first rows that change), keeps the upload until the person confirms,
then writes it through the same bulk path as ``import_ledger`` on the command line. The workbook
is read in a child process with capped memory and time, as every uploaded workbook is.

The preview shows how each column was read and why (``column_table``); a person who sets a
column to another field has the kept upload read again with that mapping and sees the preview
again. The mapping confirmed is remembered by the plan for its next import.

A file of more than ``LEDGER_IMPORT_JOB_ABOVE`` measures (counted by the preview) is imported by
the worker: the confirmation answers at once with the job's status page (``jobs.imports``). An
upload of more than ``LEDGER_PREVIEW_JOB_ABOVE_BYTES`` is previewed by the worker too: the upload
answers at once with the preview job's status page, which ends with the same preview, whose
forms come back here with the job's id (``preview_job``) instead of the kept upload's name
(``jobs.previews``).
"""

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from jobs.imports import ImportRefused, refusal, start_import, under_way
from jobs.previews import import_previewed, preview_again, previewed, start_preview
from jobs.views import own_import
from tasks.importing.column_table import chosen_column_map
from tasks.importing.forms import BulkImportForm, LedgerConfirmImportForm
from tasks.importing.errors import ImportFailed
from tasks.importing.ledger_import import LedgerFormat, import_ledger
from tasks.importing.options import column_map_lines, plan_slug
from tasks.importing.preview_shown import preview_shown

TEMPLATE = "admin/tasks/measure/bulk_import.html"


def bulk_import(model_admin, request):
    """Upload → preview (nothing written) → confirm → import; ``model_admin`` is the measures' admin."""
    if not model_admin.has_import_permission(request):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("批量导入台账"),
    }
    if request.method != "POST":
        context["form"] = BulkImportForm()
    elif "preview_job" in request.POST:
        return from_preview_job(request, context)
    elif "reread" in request.POST:
        return reread(model_admin, request, context)
    elif "import_file_name" in request.POST:
        return confirm(model_admin, request, context)
    else:
        return preview(model_admin, request, context)
    return TemplateResponse(request, TEMPLATE, context)


def preview(model_admin, request, context):
    """The upload compared with the plan here, or above ``LEDGER_PREVIEW_JOB_ABOVE_BYTES`` by the worker."""
    form = context["form"] = BulkImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return TemplateResponse(request, TEMPLATE, context)
    upload = form.cleaned_data["import_file"]
    if upload.size > settings.LEDGER_PREVIEW_JOB_ABOVE_BYTES:
        job = start_preview(request.user, upload.read(), file_name=upload.name, options=form.import_options())
        return redirect("import_status", job.pk)
    kept = model_admin.write_to_tmp_storage(upload, LedgerFormat())
    try:
        report = import_ledger(
            kept.read(), file_name=upload.name, options=form.import_options(), preview=True, uploaded=True, user=request.user
        )
    except ImportFailed as failure:
        kept.remove()
        context["errors"] = failure.messages
        return TemplateResponse(request, TEMPLATE, context)
    show_preview(context, report, kept.name, upload.name, form)
    return TemplateResponse(request, TEMPLATE, context)


def show_preview(context, report, kept_name, file_name, form):
    """The preview of ``report`` as a preview job shows it too (``preview_shown``): the column
    table, the counts, the rows, and the forms to re-read and confirm."""
    context["report"] = report
    shown = context["preview"] = preview_shown(report)
    context["columns"] = shown["columns"]
    context["columns_as_read"] = shown["columns_as_read"]
    context["confirm_form"] = LedgerConfirmImportForm(
        initial={
            "import_file_name": kept_name,
            "original_file_name": file_name,
            "format": "0",
            "plan_slug": form.cleaned_data["plan_slug"],
            "years": form.data.get("years", ""),
            "column_map": column_map_lines(shown["column_map_used"]),
            "measures": shown["measures_in_file"],
            "plan": shown["plan"],
        }
    )


def reread(model_admin, request, context):
    """The kept upload read again with the columns the person chose, and previewed again."""
    form, kept, data = confirmed_upload(model_admin, request, context)
    if data is None:
        return TemplateResponse(request, TEMPLATE, context, status=400)
    try:
        column_map = chosen_column_map(form.cleaned_data["column_map"], request.POST.get("columns_as_read", ""), request.POST)
    except ValueError as error:
        kept.remove()
        context.update(form=BulkImportForm(), errors=[str(error)])
        return TemplateResponse(request, TEMPLATE, context, status=400)
    options = form.import_options()
    options.column_map = column_map
    file_name = form.cleaned_data["original_file_name"]
    try:
        report = import_ledger(data, file_name=file_name, options=options, preview=True, uploaded=True, user=request.user)
    except ImportFailed as failure:
        kept.remove()
        context.update(form=BulkImportForm(), errors=failure.messages)
        return TemplateResponse(request, TEMPLATE, context, status=400)
    show_preview(context, report, kept.name, file_name, form)
    return TemplateResponse(request, TEMPLATE, context)


def confirmed_upload(model_admin, request, context):
    """The confirm form, the kept upload and its bytes; the bytes are None (and ``context`` says why) when either is gone."""
    form = LedgerConfirmImportForm(request.POST)
    if not form.is_valid():
        context.update(form=BulkImportForm(), errors=[_("确认信息不完整，请重新上传文件。")])
        return form, None, None
    kept = model_admin.get_tmp_storage_class()(
        name=form.cleaned_data["import_file_name"], read_mode="rb", **model_admin.get_tmp_storage_class_kwargs()
    )
    try:
        return form, kept, kept.read()
    except OSError:
        context.update(form=BulkImportForm(), errors=[_("上传的文件已不在服务器上，请重新上传。")])
        return form, kept, None


def confirm(model_admin, request, context):
    """Import the kept upload: here, or above ``LEDGER_IMPORT_JOB_ABOVE`` measures by the worker
    (the person is sent to the job's status page); refused while another import of the plan is under way."""
    form, kept, data = confirmed_upload(model_admin, request, context)
    if data is None:
        return TemplateResponse(request, TEMPLATE, context, status=400)
    file_name = form.cleaned_data["original_file_name"]
    options = form.import_options()
    plan = form.cleaned_data["plan"] or plan_slug(options, file_name)
    try:
        running = under_way(plan)
        if running is not None:
            raise ImportRefused(refusal(running))
        measures = form.cleaned_data["measures"] or 0
        if measures > settings.LEDGER_IMPORT_JOB_ABOVE:
            job = start_import(request.user, data, file_name=file_name, options=options, measures=measures, plan_slug=plan)
            return redirect("import_status", job.pk)
        report = import_ledger(data, file_name=file_name, options=options, uploaded=True, user=request.user)
    except ImportRefused as refused:
        context.update(form=BulkImportForm(), errors=[str(refused)])
        return TemplateResponse(request, TEMPLATE, context, status=409)
    except ImportFailed as failure:
        context.update(form=BulkImportForm(), errors=failure.messages)
        return TemplateResponse(request, TEMPLATE, context, status=400)
    finally:
        kept.remove()
    messages.success(
        request,
        _("已导入 %(file)s 到台账 %(plan)s：新增 %(new)d 条措施，更新 %(update)d 条，恢复 %(restored)d 条，移除 %(removed)d 条，未变 %(skip)d 条。")
        % {
            "file": file_name,
            "plan": report.plan,
            **{kind: report.counts.get(kind, 0) for kind in ("new", "update", "restored", "removed", "skip")},
        },
    )
    return redirect("admin:tasks_measure_changelist")


def from_preview_job(request, context):
    """The forms of a preview the worker made (``preview_job``): confirm — the worker imports the
    kept upload — or choose other columns — the worker previews it again; either answers with the
    new job's status page. Only the preview's owner and superusers may (404 for anyone else)."""
    job = own_import(request, preview_job_id(request.POST["preview_job"]))
    if not previewed(job):
        context.update(form=BulkImportForm(), errors=[_("此预览的文件已不在服务器上（已确认导入或已重新预览），请重新上传文件。")])
        return TemplateResponse(request, TEMPLATE, context, status=400)
    try:
        if "reread" in request.POST:
            column_map = chosen_column_map(job.preview["column_map_used"], request.POST.get("columns_as_read", ""), request.POST)
            started = preview_again(job, request.user, column_map)
        else:
            started = import_previewed(job, request.user)
    except ValueError as error:
        context.update(form=BulkImportForm(), errors=[str(error)])
        return TemplateResponse(request, TEMPLATE, context, status=400)
    except ImportRefused as refused:
        context.update(form=BulkImportForm(), errors=[str(refused)])
        return TemplateResponse(request, TEMPLATE, context, status=409)
    return redirect("import_status", started.pk)


def preview_job_id(value):
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404("no such preview") from None
