"""Importing a ledger into the database: read once, identify each measure, write what changed.

``ledger_import`` is the way in (``import_ledger``: options, report, the admin's dataset);
``sync`` makes a plan match the file in bulk, ``identity`` says which stored measure each of the
file's is, ``lock`` keeps one import of a plan at a time, ``resources`` is the admin's row-by-row
django-import-export resource, ``columns`` and ``column_table`` name the dataset's columns and
the preview's reading of them, ``forms`` the admin import forms, ``demo`` the demo data.
May import the readers (``tasks.ledgerfiles``), deadlines, standing, workflow and the models;
nothing below imports this package.
"""
