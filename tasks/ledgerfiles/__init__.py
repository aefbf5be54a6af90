"""Ledger files of every format an office saves, read into one grid of cells.

``reading.read_sheets`` judges a file by its content (and name), checks it against the limits
before any parser sees it, and hands back the sheets of the file as ``grid.Sheet``: every cell's
text, with merged cells filled in from their anchor. Everything after that (finding the header,
the layout, the measures) works on the grid and never on a format.

Pure Python, no Django. Modules here import only each other, ``tasks.ledgerfiles.native_memory`` and the
deadline parser (``tasks.deadlines.phrases``, pure Python too: a column of deadline phrases is known by them).
"""
