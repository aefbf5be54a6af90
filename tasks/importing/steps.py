"""The steps of one import, told as they happen to whoever watches it (``import_ledger(on_step=…)``:
the admin's import job shows them as a progress bar).

``on_step(step, done, total)`` is called with one of ``STEPS``: reading the file (one call, the
reader runs in one go), comparing it with the plan (every ``EVERY`` rows: ``done`` of ``total``
measures), writing what changed (``done`` of ``total`` stages: departments, places, measures …)
and committing the transaction. It must not touch the database: it runs inside the import's
transaction, which on SQLite holds the only write lock.
"""

READ, COMPARE, WRITE, COMMIT = "read", "compare", "write", "commit"
STEPS = (READ, COMPARE, WRITE, COMMIT)

#: Rows compared between two calls.
EVERY = 2000


def unwatched(step, done=0, total=0):
    """The ``on_step`` of an import nobody watches."""
