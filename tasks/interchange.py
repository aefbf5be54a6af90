"""The JSON interchange format of DESIGN.md: one object per measure.

Used by the API, the JSON export and anything else that hands measures to another system.
Numbers are integers; years are strings of four digits.
"""

from .choices import ProgressStatus, UnitRole
from .models import Measure


def interchange_queryset(queryset=None):
    """Measures with everything ``to_interchange`` reads, fetched in a fixed number of queries."""
    queryset = Measure.objects.all() if queryset is None else queryset
    return queryset.select_related("item__task__section__plan", "person").prefetch_related(
        "units__department", "deadlines__milestones", "progress"
    )


def to_interchange(measure):
    item = measure.item
    task = item.task
    section = task.section
    plan = section.plan
    units = sorted(measure.units.all(), key=lambda unit: unit.order)
    progress = {p.year: p for p in measure.progress.all()}
    reported = progress.get(plan.reporting_year)
    return {
        "id": measure.pk,
        "plan": plan.slug,
        "section": {"number": section.number, "title": section.title},
        "task": {"number": task.number, "title": task.title},
        "item": {"number": item.number, "text": item.text, "upstream_deadline": item.upstream_deadline},
        "measure": {"number": measure.number, "text": measure.text},
        "lead_units": [u.department.name for u in units if u.role == UnitRole.LEAD],
        "responsible_units": [u.department.name for u in units if u.role == UnitRole.RESPONSIBLE],
        "person": measure.person.name if measure.person else "",
        "deadlines": {
            str(deadline.year): {
                "text": deadline.text,
                "milestones": [
                    {"date": m.date.isoformat() if m.date else None, "kind": m.kind, "label": m.label}
                    for m in deadline.milestones.all()
                ],
            }
            for deadline in sorted(measure.deadlines.all(), key=lambda d: d.year)
        },
        "progress": {
            str(year): {"status": p.status, "note": p.note, "version": p.version}
            for year, p in sorted(progress.items())
        },
        "completed": reported is not None and reported.status == ProgressStatus.DONE,
    }
