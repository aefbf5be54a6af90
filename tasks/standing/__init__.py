"""Where measures stand: overdue, due soon, on track, done — and the figures built on it.

``on_date`` works standing out for a date (milestones with their status, the overdue trend);
``kept`` keeps each measure's standing in the database (per year, per department, its open
milestones), rewritten by every write, so lists and figures read it by index, and
``kept_counts`` keeps those rows counted per plan, year, section or department; ``counts`` counts
it per section, department and year; ``dashboard`` is what the supervisors' pages show, as
plain data, and what is remembered of it.
May import ``tasks.models``, ``tasks.choices``, ``tasks.access``, ``tasks.filtersets`` and
``tasks.bulk_rows``; deadlines, workflow, importing and exporting import this package, never
the other way round.
"""
