"""How far a background import has got: a small JSON file beside its upload, written by the worker
as the import goes (``tasks.importing.steps``), read by the status page each time it polls.

Not a table, because the import is one transaction: on SQLite it holds the database's only write
lock from its first statement to its commit, so nothing else may write a row meanwhile (the
worker's own progress included), and on PostgreSQL a row written inside it would be seen by no
one before the commit. The file lives under ``MEDIA_ROOT``, which the web processes and the worker
share; it is written whole under a temporary name and renamed over the last one, so a reader gets
one step or the next, never half of either.

While the job runs the worker also touches the file every ``LEDGER_JOB_HEARTBEAT_SECONDS`` (its
heartbeat, independent of the steps: one long statement moves no step). A running job whose
file was last touched more than ``LEDGER_JOB_STUCK_MINUTES`` ago belongs to a worker that died.
"""

import datetime
import json
import os
import threading
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.importing import steps

#: Where each step runs on the bar (per cent), from the times of a 100,000-measure import by the
#: worker (docs/benchmarks.md): reading the file about a third, comparing a few per cent, writing
#: about half, committing (and on PostgreSQL refreshing the planner's statistics) the rest.
SPANS = {steps.READ: (0, 35), steps.COMPARE: (35, 40), steps.WRITE: (40, 90), steps.COMMIT: (90, 100)}
#: … and of a preview, which reads and compares only (reading is about nine tenths of it).
PREVIEW_SPANS = {steps.READ: (0, 88), steps.COMPARE: (88, 100)}


def job_folder(job_id):
    return Path(settings.MEDIA_ROOT) / "import-jobs" / str(job_id)


def progress_path(job_id):
    return job_folder(job_id) / "progress.json"


class ProgressFile:
    """The ``on_step`` of a background import: each step written to the job's progress file."""

    def __init__(self, job_id):
        self.path = progress_path(job_id)

    def __call__(self, step, done=0, total=0):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".tmp")
        partial.write_text(json.dumps({"step": step, "done": done, "total": total}), encoding="utf-8")
        os.replace(partial, self.path)

    def beat(self):
        try:
            os.utime(self.path)
        except FileNotFoundError:
            pass


@contextmanager
def heartbeat(progress):
    """Touch ``progress``'s file every ``LEDGER_JOB_HEARTBEAT_SECONDS`` until the block ends."""
    stop = threading.Event()

    def beat():
        while not stop.wait(settings.LEDGER_JOB_HEARTBEAT_SECONDS):
            progress.beat()

    thread = threading.Thread(target=beat, name="import-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def read_progress(job_id):
    """The last step written, as ``{"step", "done", "total"}``, or None before the first."""
    try:
        return json.loads(progress_path(job_id).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def last_beat(job_id):
    """When the worker last wrote or touched the job's progress file, or None."""
    try:
        seconds = progress_path(job_id).stat().st_mtime
    except FileNotFoundError:
        return None
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)


def percent(progress, spans=SPANS):
    """Where ``progress`` stands on the bar, 0 to 100 (``spans``: an import's, or ``PREVIEW_SPANS``)."""
    if not progress or progress.get("step") not in spans:
        return 0
    start, end = spans[progress["step"]]
    total = progress.get("total") or 0
    share = min(progress.get("done", 0) / total, 1) if total else 0
    return int(start + (end - start) * share)


def words(progress, previewing=False):
    """The step in words, with its figures: what the status page writes beside the bar."""
    step = (progress or {}).get("step")
    figures = {"done": f"{(progress or {}).get('done', 0):,}", "total": f"{(progress or {}).get('total', 0):,}"}
    if step == steps.COMPARE:
        return _("正在与台账比对：已比对 %(done)s / %(total)s 条措施") % figures
    if step == steps.WRITE:
        figures["stage"] = (progress or {}).get("done", 0) + 1
        return _("正在写入变化：第 %(stage)s 步，共 %(total)s 步") % figures
    if step == steps.COMMIT:
        return _("正在提交：写入数据库的最后一步")
    if step == steps.READ:
        return _("正在读取文件")
    return _("等待后台进程开始预览") if previewing else _("等待后台进程开始导入")


def since(job_id, started_at):
    """The last sign of life of a running job: its heartbeat, else its start."""
    return last_beat(job_id) or started_at or timezone.now()
