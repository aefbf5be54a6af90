"""Ledger imports run by the worker: confirmed on the admin's bulk import page (批量导入) when the
file holds more than ``LEDGER_IMPORT_JOB_ABOVE`` measures, run by the ``run_import`` job, followed
by their owner on the status page (``/imports/<id>/``) until it shows the report.

The job is the same ``import_ledger`` as the command line and the smaller imports of the page: one
transaction, nothing half-written, the same report. Its progress goes to a file
(``jobs.import_progress``). One plan has at most one import queued or running (a unique index,
so even two confirmations at the same moment cannot both pass); a second is refused with a
message naming the first. A running job whose worker stopped beating for
``LEDGER_JOB_STUCK_MINUTES`` is marked failed when someone looks at it or starts another.
"""

import datetime
import logging
import shutil

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_tasks import task

from tasks.importing.errors import ImportFailed
from tasks.importing.ledger_import import import_ledger
from tasks.importing.options import ImportOptions

from .import_progress import ProgressFile, heartbeat, job_folder, since
from .models import IMPORT_UNDER_WAY, ImportJob, ImportKind, ImportState

log = logging.getLogger(__name__)


class ImportRefused(Exception):
    """Another import of the same plan is queued or running; the message names it."""


def options_as_json(options):
    return {"plan_slug": options.plan_slug, "years": list(options.years), "column_map": dict(options.column_map)}


def options_from_json(stored):
    return ImportOptions(plan_slug=stored.get("plan_slug", ""), years=stored.get("years", []), column_map=stored.get("column_map", {}))


def under_way(plan_slug):
    """The import of ``plan_slug`` queued or running (a stuck one marked failed first), or None."""
    imports = ImportJob.objects.filter(kind=ImportKind.IMPORT, plan_slug=plan_slug)
    fail_stuck(imports.filter(state=ImportState.RUNNING))
    return imports.select_related("owner").filter(state__in=IMPORT_UNDER_WAY).first()


def refusal(job):
    """Why a second import of ``job``'s plan is refused, naming the one under way."""
    return _(
        "台账 %(plan)s 已有一项导入%(state)s：%(file)s（%(owner)s 于 %(time)s 提交）。"
        "同一台账一次只能进行一项导入，请等它完成后再导入。"
    ) % {
        "plan": job.plan_slug,
        "state": job.get_state_display(),
        "file": job.file_name,
        "owner": job.owner.get_username(),
        "time": formats.date_format(timezone.localtime(job.created_at), "Y-m-d H:i"),
    }


def start_import(user, data, *, file_name, options, measures, plan_slug):
    """A new import job of ``data`` into ``plan_slug``, its file kept and its job enqueued (in one
    transaction: no job without its run); ``ImportRefused`` while another of the plan is under way."""
    running = under_way(plan_slug)
    if running is not None:
        raise ImportRefused(refusal(running))
    job = ImportJob(owner=user, plan_slug=plan_slug, file_name=file_name, options=options_as_json(options), measures=measures)
    job.file.save(file_name, ContentFile(data), save=False)
    try:
        with transaction.atomic():
            job.save(force_insert=True)
            run_import.enqueue(str(job.pk))
    except IntegrityError:
        shutil.rmtree(job_folder(job.pk), ignore_errors=True)
        running = under_way(plan_slug)
        raise ImportRefused(refusal(running) if running else _("此台账已有一项导入在进行中。")) from None
    return job


def finish(job, state, **values):
    """Record how the job ended and drop its upload and progress file (the plan keeps the workbook)."""
    job.state, job.finished_at = state, timezone.now()
    for name, value in values.items():
        setattr(job, name, value)
    job.file = ""
    job.save(update_fields=["state", "finished_at", "file", *values])
    shutil.rmtree(job_folder(job.pk), ignore_errors=True)


def failure_message(job, error):
    return _("导入 %(file)s 时出错（%(error)s），未写入任何内容。请稍后重新导入；如仍失败，请联系系统管理员并告知本页地址。") % {
        "file": job.file_name,
        "error": f"{type(error).__name__}: {error}",
    }


def kept_upload(job):
    with job.file.open("rb") as upload:
        return upload.read()


def run_claimed(job_id, kind, read):
    """The worker's run of an import or preview job: claim it (queued → running), then
    ``read(job, data, on_step)`` its upload under a heartbeat. A refused file (its lines) or an
    unexpected error (logged, then raised) is recorded on the job. Returns ``(job, what read
    returned)``, None in its place when the job was not claimed or failed."""
    claimed = ImportJob.objects.filter(pk=job_id, kind=kind, state=ImportState.QUEUED).update(
        state=ImportState.RUNNING, started_at=timezone.now()
    )
    job = ImportJob.objects.select_related("owner").get(pk=job_id)
    if not claimed:
        return job, None
    on_step = ProgressFile(job.pk)
    try:
        data = kept_upload(job)
        with heartbeat(on_step):
            return job, read(job, data, on_step)
    except ImportFailed as failure:
        finish(job, ImportState.FAILED, error="\n".join(failure.messages))
        return job, None
    except Exception as error:
        log.exception("%s job %s failed", kind, job.pk)
        finish(job, ImportState.FAILED, error=failure_message(job, error))
        raise


def run(job_id):
    """Import the job's file (the worker's job). Returns its state."""

    def read(job, data, on_step):
        return import_ledger(
            data, file_name=job.file_name, options=options_from_json(job.options), uploaded=True, user=job.owner,
            on_step=on_step,
        )

    job, report = run_claimed(job_id, ImportKind.IMPORT, read)
    if report is not None:
        finish(job, ImportState.DONE, report="\n".join(report.lines()), counts=report.counts)
    return str(job.state)


@task()
def run_import(job_id):
    """The worker's job for a large ledger confirmed on the admin's bulk import page: ``run``."""
    return run(job_id)


def fail_stuck(jobs):
    """Mark failed each running job of ``jobs`` whose worker gave no sign of life for
    ``LEDGER_JOB_STUCK_MINUTES``; returns how many."""
    minutes = settings.LEDGER_JOB_STUCK_MINUTES
    limit = timezone.now() - datetime.timedelta(minutes=minutes)
    count = 0
    for job in jobs.filter(state=ImportState.RUNNING):
        last = since(job.pk, job.started_at)
        if last >= limit:
            continue
        error = _(
            "后台进程（worker）已有 %(minutes)d 分钟没有动静（最后一次在 %(time)s），导入 %(file)s 已中止。"
            "导入在一个事务中进行，中断时没有写入一半的内容；请重新上传文件导入。如再次发生，请联系系统管理员检查后台进程。"
        ) % {"minutes": minutes, "time": formats.date_format(timezone.localtime(last), "Y-m-d H:i"), "file": job.file_name}
        finish(job, ImportState.FAILED, error=error)
        count += 1
    return count
