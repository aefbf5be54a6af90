"""Recording progress: the one way a measure's status for a year changes.

Every change bumps the version and appends a ``ProgressEntry``; a writer that read
version N must send N back, so two people editing the same report never overwrite
each other silently (optimistic concurrency).
"""

from django.db import transaction
from django.utils.translation import gettext as _

from .models import Progress, ProgressEntry


class VersionConflict(Exception):
    """The stored progress changed since the writer read it."""

    def __init__(self, stored_version):
        self.stored_version = stored_version
        super().__init__(_("该年度完成情况已被他人修改（当前版本 %(version)s），请刷新后重试。") % {"version": stored_version})


@transaction.atomic
def record_progress(measure, year, *, status, note="", done_on=None, user=None, source, comment="", expected_version=None):
    """Set a measure's progress for ``year`` and append the change to its history.

    ``expected_version`` is the version the writer last saw (``None`` for "I saw no report");
    a mismatch raises ``VersionConflict``. Returns the ``Progress`` row; writing the same
    values again changes nothing and appends nothing.
    """
    progress, _created = Progress.objects.select_for_update().get_or_create(measure=measure, year=year)
    if expected_version is not None or progress.version:
        if (expected_version or 0) != progress.version:
            raise VersionConflict(progress.version)
    if (progress.status, progress.note, progress.done_on) == (status, note, done_on) and progress.version:
        return progress
    progress.status = status
    progress.note = note
    progress.done_on = done_on
    progress.updated_by = user
    progress.version += 1
    progress.save()
    ProgressEntry.objects.create(
        progress=progress,
        version=progress.version,
        status=status,
        note=note,
        done_on=done_on,
        user=user,
        source=source,
        comment=comment,
    )
    return progress
