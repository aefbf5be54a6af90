"""The admin (``/admin/``), one module per concept; importing them registers their models.

``read_only`` holds the bases the others share; ``plan_structure`` the plan's levels; ``measures``
the measure list with its imports and exports; ``deadlines``, ``progress`` and ``history`` the rest.
"""

from tasks.admin import deadlines, history, measures, plan_structure, progress  # noqa: F401 (registers them)
