"""Plan exports built by the worker: asked for on the export page, written by the ``build_export``
job, fetched by their owner from the status page once ready.

The owner's visible measures are read when the job runs (``tasks.access.visible_measures``), so
the file holds what they may see then. One user asking again for the same plan, format and
year while a build is waiting or running gets that build, not a second one. A build that fails
keeps the reason, in words a user can act on, on the status page they were sent to.
"""

import datetime
import logging
import tempfile

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from tasks.access import visible_measures
from tasks.models import Measure
from tasks.exporting.plan_files import plan_export_filename, write_plan_export

from .models import Export, ExportState

log = logging.getLogger(__name__)


def start_export(user, plan, fmt, year, measures):
    """The waiting or running export of ``plan`` for ``user`` in ``fmt`` and ``year``, else a new
    one with its job enqueued (in one transaction: no export without its job)."""
    with transaction.atomic():
        waiting = Export.objects.filter(
            owner=user, plan=plan, format=fmt, year=year, state__in=[ExportState.QUEUED, ExportState.RUNNING]
        ).first()
        if waiting:
            return waiting
        export = Export.objects.create(
            owner=user, plan=plan, format=fmt, year=year, measures=measures, filename=plan_export_filename(plan, fmt, year)
        )
        build_export.enqueue(str(export.pk))
    return export


def failure_message(error):
    if isinstance(error, OSError):
        detail = error.strerror or str(error)
        return _("导出文件未能写入服务器（%(detail)s）。请稍后重新导出；如仍失败，请联系系统管理员检查磁盘空间。") % {"detail": detail}
    return _("导出时出错（%(error)s）。请稍后重新导出；如仍失败，请联系系统管理员并告知本页地址。") % {
        "error": f"{type(error).__name__}: {error}"
    }


def build(export_id):
    """Write the export's file (the worker's job). Returns its state; a failure is recorded, then raised."""
    claimed = Export.objects.filter(pk=export_id, state=ExportState.QUEUED).update(state=ExportState.RUNNING)
    export = Export.objects.select_related("owner", "plan").get(pk=export_id)
    if not claimed:
        return str(export.state)
    measures = visible_measures(export.owner, Measure.objects.filter(item__task__section__plan=export.plan))
    try:
        with tempfile.TemporaryFile() as output:
            export.content_type = write_plan_export(export.plan, measures, export.format, export.year, output)
            output.seek(0)
            export.file.save(export.filename, File(output), save=False)
    except Exception as error:
        log.exception("export %s failed", export.pk)
        export.state, export.error = ExportState.FAILED, failure_message(error)
        export.finished_at = timezone.now()
        export.save(update_fields=["state", "error", "finished_at"])
        raise
    export.state, export.finished_at = ExportState.READY, timezone.now()
    export.save(update_fields=["state", "file", "content_type", "finished_at"])
    return str(export.state)


@task()
def build_export(export_id):
    """The worker's job for an export asked for on the export page: ``build``."""
    return build(export_id)


def remove_old_exports(now=None):
    """Delete finished exports older than ``LEDGER_EXPORT_KEEP_DAYS``, files included; returns how many."""
    now = now or timezone.now()
    old = Export.objects.filter(
        state__in=[ExportState.READY, ExportState.FAILED],
        created_at__lt=now - datetime.timedelta(days=settings.LEDGER_EXPORT_KEEP_DAYS),
    )
    count = 0
    for export in old:
        if export.file:
            export.file.delete(save=False)
        export.delete()
        count += 1
    return count
