"""Imports on SQLite while another writer holds the database (issue #24, ``tasks/importing/lock.py``).

SQLite has one write lock for the whole file. An import that cannot have it within the
connection's timeout is refused with a message naming the file (never a traceback), writes
nothing, and never reports "nothing changed" from a state it did not compare against.
PostgreSQL queues imports on the plan's row instead: ``test_concurrency.py``.

The lock is held by a second, plain ``sqlite3`` connection to the same file (``BEGIN IMMEDIATE``,
as a writer of the app takes it), so the import meets a held lock every time, not by timing.
"""

import contextlib
import sqlite3
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from tasks.importing.errors import ImportFailed
from tasks.importing.options import ImportOptions
from tasks.importing.ledger_import import import_ledger
from tasks.models import Measure, Plan

from .conftest import ANSHAN
from .helpers import database_for_threads

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "sqlite",
        reason="SQLite's file lock; PostgreSQL queues imports on the plan row (test_concurrency.py)",
    ),
    pytest.mark.django_db(transaction=True),
]

#: How long the refused import waits for the lock (the connection's ``timeout``, in seconds).
WAIT = 1

BUSY = "另一项导入或保存正在写入数据库，等待 1 秒后仍未完成；本次导入未与台账比较，也未写入任何内容，请稍后重试。"


def in_a_thread(function):
    """``(result, error)`` of ``function`` run in a thread of its own, with its own connection."""
    outcome = {}

    def run():
        try:
            outcome["result"] = function()
        except Exception as error:  # noqa: BLE001 - handed back to the test
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the import hung instead of giving up on the lock"
    return outcome.get("result"), outcome.get("error")


@contextlib.contextmanager
def write_lock_held(path, change=None):
    """Another writer holding SQLite's write lock on ``path`` (with ``change`` made, uncommitted),
    rolled back when the block ends."""
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        if change:
            holder.execute(*change)
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def stored(path):
    """Plans and measures in the file, read by a connection of its own."""
    with contextlib.closing(sqlite3.connect(path)) as reader:
        plans = [slug for (slug,) in reader.execute(f'SELECT slug FROM "{Plan._meta.db_table}" ORDER BY slug')]
        (measures,) = reader.execute(f'SELECT count(*) FROM "{Measure._meta.db_table}"').fetchone()
    return plans, measures


@pytest.fixture
def anshan_file(transactional_db, tmp_path):
    """The Anshan ledger imported, in a SQLite file the threads open; yields the file's path."""
    import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"))
    with database_for_threads(tmp_path, timeout=WAIT) as path:
        yield path


def test_an_import_that_cannot_have_the_lock_is_refused_naming_the_file_and_writes_nothing(anshan_file):
    before = stored(anshan_file)
    assert before == (["anshan"], 75)

    with write_lock_held(anshan_file):
        result, error = in_a_thread(lambda: import_ledger(ANSHAN, options=ImportOptions(plan_slug="second")))

    assert result is None
    assert isinstance(error, ImportFailed), error
    assert error.messages == [f"anshan.xlsx, 工作表「任务分解表」: {BUSY}"]
    assert stored(anshan_file) == before


def test_the_command_line_says_why_and_exits_non_zero(anshan_file):
    with write_lock_held(anshan_file):
        _result, error = in_a_thread(lambda: call_command("import_ledger", str(ANSHAN), "--plan", "second"))

    assert isinstance(error, CommandError), error
    assert str(error) == f"import failed, nothing was written:\nanshan.xlsx, 工作表「任务分解表」: {BUSY}"
    assert stored(anshan_file) == (["anshan"], 75)


@pytest.mark.parametrize("transaction_mode", ["IMMEDIATE", None])
def test_a_dry_run_never_reports_nothing_changed_without_the_lock(anshan_file, transaction_mode):
    """Another writer is rewording a measure (not committed yet). A dry run that compared the file
    with the committed state now would report "nothing changed" and be wrong a moment later: it is
    refused instead, also when its transaction began without the lock (SQLite's default)."""
    connection.settings_dict["OPTIONS"]["transaction_mode"] = transaction_mode
    first = Measure.objects.order_by("pk").first()
    reword = (f'UPDATE "{Measure._meta.db_table}" SET text = ? WHERE id = ?', ("改写中的措施", first.pk))

    with write_lock_held(anshan_file, change=reword):
        result, error = in_a_thread(lambda: import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"), preview=True))

    assert result is None, result.lines()
    assert isinstance(error, ImportFailed), error
    assert error.messages == [f"anshan.xlsx, 工作表「任务分解表」: {BUSY}"]


def test_once_the_lock_is_free_the_same_import_runs_and_compares_with_what_is_committed(anshan_file):
    with write_lock_held(anshan_file):
        _result, refused = in_a_thread(lambda: import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"), preview=True))
    assert isinstance(refused, ImportFailed)

    report, error = in_a_thread(lambda: import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"), preview=True))

    assert error is None, error
    assert report.counts["skip"] == 75
    assert "nothing changed: the database already matches this file" in report.lines()
