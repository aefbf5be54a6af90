"""Large uploads previewed by the worker: an upload to the admin's bulk import page (批量导入) of
more than ``LEDGER_PREVIEW_JOB_ABOVE_BYTES`` is kept with a preview job, which the ``run_preview``
job compares with the plan (``import_ledger(preview=True)``: nothing written), while its owner
follows it on the status page (``/imports/<id>/``) until it shows the preview to confirm.

The preview is kept in the job as the page shows it (``tasks.importing.preview_shown``), the
upload beside it until the person confirms — which queues the import job with the same file
(``import_previewed``: no second upload) — or chooses other columns, which previews the same file
again as a new job (``preview_again``), or a day goes by (``drop_unconfirmed``). A previewed file is always imported by the worker: it is
large by bytes, and reading it is most of the time either takes.
"""

import datetime
import shutil

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from tasks.importing.ledger_import import import_ledger
from tasks.importing.options import plan_slug
from tasks.importing.preview_shown import preview_shown

from .import_progress import job_folder, progress_path
from .imports import kept_upload, options_as_json, options_from_json, run_claimed, start_import
from .models import ImportJob, ImportKind, ImportState


#: A finished preview keeps its upload this long for the person to confirm (the daily run drops it then).
PREVIEW_KEPT_FOR = datetime.timedelta(days=1)


def start_preview(user, data, *, file_name, options):
    """A new preview job of ``data``, its file kept and its job enqueued (in one transaction)."""
    job = ImportJob(
        owner=user, kind=ImportKind.PREVIEW, plan_slug=plan_slug(options, file_name)[:50], file_name=file_name,
        options=options_as_json(options), measures=0,
    )
    job.file.save(file_name, ContentFile(data), save=False)
    with transaction.atomic():
        job.save(force_insert=True)
        run_preview.enqueue(str(job.pk))
    return job


def run(job_id):
    """Preview the job's file (the worker's job). Returns its state."""

    def read(job, data, on_step):
        return import_ledger(
            data, file_name=job.file_name, options=options_from_json(job.options), preview=True, uploaded=True,
            user=job.owner, on_step=on_step,
        )

    job, report = run_claimed(job_id, ImportKind.PREVIEW, read)
    if report is not None:
        job.state, job.finished_at = ImportState.DONE, timezone.now()
        job.preview, job.plan_slug, job.measures = preview_shown(report), report.plan, report.measures_in_file
        job.save(update_fields=["state", "finished_at", "preview", "plan_slug", "measures"])
        progress_path(job.pk).unlink(missing_ok=True)  # the upload stays until the person confirms
    return str(job.state)


@task()
def run_preview(job_id):
    """The worker's job for a large upload to the admin's bulk import page: ``run``."""
    return run(job_id)


def previewed(job):
    """Whether ``job`` is a finished preview whose upload is still kept (it may be confirmed or re-read)."""
    return job.kind == ImportKind.PREVIEW and job.state == ImportState.DONE and bool(job.file)


def let_go(job):
    """Drop the preview's upload: its import or its next preview has its own copy."""
    job.file = ""
    job.save(update_fields=["file"])
    shutil.rmtree(job_folder(job.pk), ignore_errors=True)


def import_previewed(job, user):
    """Queue the import of a previewed upload with the columns the preview read (``ImportRefused``
    while another import of the plan is under way); the preview lets its upload go."""
    options = options_from_json(job.options)
    options.column_map = dict(job.preview.get("column_map_used", {}))
    started = start_import(
        user, kept_upload(job), file_name=job.file_name, options=options, measures=job.measures, plan_slug=job.plan_slug
    )
    let_go(job)
    return started


def preview_again(job, user, column_map):
    """Preview the same upload again, as a new job, read with ``column_map``."""
    options = options_from_json(job.options)
    options.column_map = column_map
    started = start_preview(user, kept_upload(job), file_name=job.file_name, options=options)
    let_go(job)
    return started


def drop_unconfirmed(now=None):
    """Let go the uploads of previews finished more than ``PREVIEW_KEPT_FOR`` ago and never
    confirmed (the daily run); returns how many."""
    limit = (now or timezone.now()) - PREVIEW_KEPT_FOR
    old = ImportJob.objects.filter(kind=ImportKind.PREVIEW, state=ImportState.DONE, finished_at__lt=limit).exclude(file="")
    count = 0
    for job in old:
        let_go(job)
        count += 1
    return count
