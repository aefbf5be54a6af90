"""One import of a plan at a time, compared against what is committed.

An import reads the plan as stored, compares the file with it and writes the difference, all in
one transaction; a second import of the same plan meanwhile must neither interleave with it nor
report "nothing changed" from a state the first is about to change.

- PostgreSQL: the plan's row is locked (``SELECT … FOR UPDATE``) until the import's transaction
  ends, so a second import of that plan waits for the first and then reads what it committed.
  Two first imports of a plan (no row to lock yet) meet at the unique slug: the loser is
  refused (``ledger_sync.find_or_create_plan``).
- SQLite has no row locks, only one write lock for the whole file. The import takes it before it
  reads the plan: its transaction begins ``IMMEDIATE`` (``ledger/settings.py``), and if it runs
  inside a transaction that did not, ``take_write_lock`` takes it with a write that changes no
  row. A second import waits for the lock as long as the connection's ``timeout``
  (``LEDGER_SQLITE_TIMEOUT_SECONDS``) and is then refused with a message: nothing written,
  nothing compared.
"""

from contextlib import contextmanager

from django.db import OperationalError, connection, transaction

from tasks.importing.errors import ImportFailed
from tasks.models import Plan

#: SQLite's words for a write lock it could not get within the connection's timeout.
SQLITE_BUSY = ("database is locked", "database table is locked")


def sqlite_wait_seconds():
    return connection.settings_dict.get("OPTIONS", {}).get("timeout", 5)


def busy_message(where):
    return (
        f"{where}: 另一项导入或保存正在写入数据库，等待 {sqlite_wait_seconds()} 秒后仍未完成；"
        "本次导入未与台账比较，也未写入任何内容，请稍后重试。"
    )


def is_busy(error):
    return connection.vendor == "sqlite" and any(words in str(error) for words in SQLITE_BUSY)


@contextmanager
def import_transaction(where):
    """The import's transaction. On SQLite a lock that cannot be had is ``ImportFailed`` naming
    ``where`` (the file and sheet), never a traceback; the transaction is rolled back whole."""
    try:
        with page_cache(), transaction.atomic():
            yield
    except OperationalError as error:
        if is_busy(error):
            raise ImportFailed([busy_message(where)]) from error
        raise


#: SQLite's page cache while an import writes, in KiB (the default is 2 MiB).
IMPORT_PAGE_CACHE_KIB = 65536


@contextmanager
def page_cache():
    """A larger SQLite page cache for the import's connection while it writes: a 100,000-measure
    import changes some hundred MB of index pages, which otherwise spill out of the 2 MiB cache
    and are read back from the write-ahead log again and again."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{IMPORT_PAGE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def take_write_lock():
    """Hold SQLite's write lock from now until the transaction ends (a no-op on PostgreSQL, and
    when the transaction began ``IMMEDIATE`` and so holds it already)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f'UPDATE "{Plan._meta.db_table}" SET "id" = "id" WHERE 0')


def locked_plan(slug):
    """The stored plan ``slug``, locked until the transaction ends, or a new unsaved one.

    Taken before anything of the plan is read, so what the import compares is what is committed
    and stays so until it writes."""
    take_write_lock()
    return Plan.objects.select_for_update().filter(slug=slug).first() or Plan(slug=slug)
