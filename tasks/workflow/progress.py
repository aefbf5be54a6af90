"""Recording progress: the one way a measure's status for a year changes.

Every change bumps the version and appends a ``ProgressEntry``; a writer that read
version N must send N back, so two people editing the same report never overwrite
each other silently (optimistic concurrency). A closed year (``tasks.workflow.year_close``) refuses
every write with ``YearClosed``.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from tasks.choices import ProgressStatus
from tasks.standing.kept import progress_written
from tasks.models import Progress, ProgressEntry
from tasks.workflow.year_close import ensure_open


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
    values again changes nothing and appends nothing. Raises ``YearClosed`` when the year is closed.
    """
    ensure_open(measure, year)
    progress, _created = Progress.objects.select_for_update().get_or_create(measure=measure, year=year)
    if expected_version is not None or progress.version:
        if (expected_version or 0) != progress.version:
            raise VersionConflict(progress.version)
    if (progress.status, progress.note, progress.done_on) == (status, note, done_on) and progress.version:
        return progress
    old_status = progress.status
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
    progress_written(progress, old_status)
    return progress


#: Words in a ledger's 完成情况 cell, checked in order: the first that occurs decides.
RESULT_WORDS = [
    ("未完成", ProgressStatus.IN_PROGRESS),
    ("未开始", ProgressStatus.NOT_STARTED),
    ("未开展", ProgressStatus.NOT_STARTED),
    ("已完成", ProgressStatus.DONE),
    ("完成", ProgressStatus.DONE),
    ("持续", ProgressStatus.ONGOING),
    ("长期", ProgressStatus.ONGOING),
    ("常态", ProgressStatus.ONGOING),
    ("已开展", ProgressStatus.IN_PROGRESS),
    ("推进中", ProgressStatus.IN_PROGRESS),
    ("进行中", ProgressStatus.IN_PROGRESS),
]


def status_from_result(text):
    """The status a ledger's result cell states (已完成 → done, 持续推进 → ongoing, …); in progress otherwise."""
    for word, status in RESULT_WORDS:
        if word in text:
            return status
    return ProgressStatus.IN_PROGRESS
