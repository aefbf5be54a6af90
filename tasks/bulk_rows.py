"""Writing many model rows at once, at the speed of the database's own bulk path.

Django's ``bulk_create`` builds a model instance and runs every field's preparation for each row:
about 50 µs a row, which is most of an import of 100,000 measures (a million rows with their
deadlines, milestones and units). Here rows are plain tuples: PostgreSQL takes them through
``COPY`` and SQLite through ``executemany``, ten times faster (measured in ``bench/``).

Primary keys are reserved up front (``reserve_ids``), so children can point at parents without
reading the parents back. Only column types the ledger uses are converted: JSON, dates and
date-times; everything else (booleans included) goes to the driver as it is.
"""

import json
from array import array

from django.db import connection, models

#: Rows sent to the database per ``executemany`` call (SQLite).
BATCH = 5000


def reserve_ids(model, count):
    """``count`` fresh primary keys for ``model`` that no other writer will take (a sequence).

    PostgreSQL draws them from the table's sequence. SQLite serialises writers, so once this
    transaction holds the write lock the next ids after the highest ever given are ours. Either
    way they are held compactly (an import keeps its 200,000 milestone ids until its last stage).
    """
    if count == 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, count],
            )
            return array("q", (row[0] for row in cursor))  # 8 bytes an id, not a list of int objects
        if connection.vendor == "sqlite":
            hold_write_lock(cursor, table)
            cursor.execute(f'SELECT max("{pk}") FROM "{table}"')  # noqa: S608 - names from the model
            highest = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            start = max(highest, row[0] if row else 0) + 1
            return range(start, start + count)
    raise NotImplementedError(f"bulk rows are written on PostgreSQL and SQLite, not {connection.vendor}")


def hold_write_lock(cursor, table):
    """Take SQLite's write lock now (a write that changes nothing), so no writer slips in between."""
    cursor.execute(f'DELETE FROM "{table}" WHERE 0')  # noqa: S608 - name from the model


def insert_rows(model, field_names, rows):
    """Insert ``rows`` (tuples in the order of ``field_names``) into ``model``'s table."""
    rows = iter(rows)
    fields = [model._meta.get_field(name) for name in field_names]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    converted = [(index, convert) for index, convert in enumerate(map(converter, fields)) if convert]
    if converted:
        rows = (converted_row(row, converted) for row in rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from the model
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def same_as_last(function):
    """``function`` that answers at once when given the very object it was given last time
    (neighbouring rows often share one dict; holding it keeps its identity from being reused)."""
    last = [object(), None]

    def remembered(value):
        if value is not last[0]:
            last[0], last[1] = value, function(value)
        return last[1]

    return remembered


def converted_row(row, converted):
    row = list(row)
    for index, convert in converted:
        if row[index] is not None:
            row[index] = convert(row[index])
    return row


def converter(field):
    """How a Python value becomes what this database stores for ``field``; None when it goes as is."""
    if isinstance(field, models.JSONField):
        return same_as_last(lambda value: json.dumps(value, ensure_ascii=False))
    if isinstance(field, models.DateTimeField):
        return same_as_last(connection.ops.adapt_datetimefield_value)  # one "now" per import
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    return None  # booleans too: both drivers take True and False as they are (SQLite stores 1 and 0)
