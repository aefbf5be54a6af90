"""The work on measures: progress reports, review, evidence, extensions, closing and rolling years.

``progress`` is the one way a measure's status for a year changes; ``reporting`` takes people's
reports (status, note, date, evidence), ``review`` their review and deadline extensions,
``evidence`` what may be uploaded; ``year_close`` closes and reopens a plan's year, ``rollover``
moves the reporting year forward; ``forms`` and ``year_forms`` are the pages' forms.
May import standing, ``tasks.models``, ``tasks.choices`` and ``tasks.access``; views, the API,
the admin, importing and exporting import this package.
"""
