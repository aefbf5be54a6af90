"""Measures in ledger order with their related rows, streamed in a fixed number of queries.

The exports (the ledger workbook, the flat list, the JSON document) read every measure of a
plan, up to hundreds of thousands. Model instances with ``prefetch_related`` would cost two
queries per table per chunk and a model object per row; here each table is read once, as
plain tuples: the items (with their task and section) and the measures in ledger order, the
deadlines, progress, units and milestones in measure-id order, merged as they are read. The
number of queries does not depend on the number of measures. A row is held in memory only
while its measure (or item) is still to come out of order: none when the ledger order
follows the ids, as after an import.
"""

import itertools
from dataclasses import dataclass, field
from datetime import date

from tasks.models import Deadline, Item, Measure, MeasureUnit, Milestone, Plan, Progress
from tasks.standing.on_date import overdue_milestones

#: The ledger order of items (plan, section, task, item; ids break ties) and of measures.
ITEM_ORDER = ("task__section__plan_id", "task__section__order", "task__section_id", "task__order", "task_id", "order", "id")
LEDGER_ORDER = (*(f"item__{name}" for name in ITEM_ORDER), "number", "id")
CHUNK_SIZE = 2000


@dataclass(slots=True)
class SectionRecord:
    id: int
    number: str
    title: str
    plan: Plan

    def __str__(self):
        return f"{self.number}、{self.title}" if self.number else self.title


@dataclass(slots=True)
class TaskRecord:
    id: int
    number: int
    title: str
    section: SectionRecord
    label: str = ""  # the number as written (1, 一、); empty where the ledger has none


@dataclass(slots=True)
class ItemRecord:
    id: int
    number: int
    text: str
    upstream_deadline: str
    task: TaskRecord
    label: str = ""


@dataclass(slots=True)
class MilestoneRecord:
    date: date | None
    kind: str
    label: str


@dataclass(slots=True)
class DeadlineRecord:
    year: int
    text: str
    covers_plan: bool
    milestones: list[MilestoneRecord] = field(default_factory=list)


@dataclass(slots=True)
class ProgressRecord:
    status: str
    note: str
    version: int


@dataclass(slots=True)
class UnitRecord:
    role: str
    department: str


@dataclass(slots=True)
class MeasureRecord:
    """A measure and what the exports show of it: the item, task and section records are shared."""

    id: int
    number: int
    text: str
    lead_text: str
    responsible_text: str
    person: str
    extra: dict
    source_row: int | None
    source_cells: dict
    item: ItemRecord
    is_overdue: bool = False
    deadlines: list[DeadlineRecord] = field(default_factory=list)  # by year
    progress: dict[int, ProgressRecord] = field(default_factory=dict)
    units: list[UnitRecord] = field(default_factory=list)  # by role, then order
    removed: bool = False  # no longer in its ledger (only in exports that ask for removed measures)
    label: str = ""  # the number as written (1.1, (3), ①)

    @property
    def plan(self):
        return self.item.task.section.plan

    def progress_in(self, year):
        return self.progress.get(year)

    def deadline_text(self, year):
        """The phrase for ``year``; for ``None`` the phrase of a whole-plan 完成时限 column."""
        for deadline in self.deadlines:
            if (year is None and deadline.covers_plan) or (deadline.year == year and not deadline.covers_plan):
                return deadline.text
        return ""

    @classmethod
    def from_instance(cls, measure):
        """The record of a measure fetched with ``units__department``, ``deadlines__milestones`` and ``progress``."""
        item, task, section = measure.item, measure.item.task, measure.item.task.section
        return cls(
            id=measure.pk,
            number=measure.number,
            text=measure.text,
            lead_text=measure.lead_text,
            responsible_text=measure.responsible_text,
            person=measure.person.name if measure.person else "",
            extra=measure.extra,
            source_row=measure.source_row,
            source_cells=measure.source_cells,
            item=ItemRecord(
                item.pk, item.number, item.text, item.upstream_deadline,
                TaskRecord(
                    task.pk, task.number, task.title, SectionRecord(section.pk, section.number, section.title, section.plan),
                    task.label,
                ),
                item.label,
            ),
            deadlines=[
                DeadlineRecord(d.year, d.text, d.covers_plan, [MilestoneRecord(m.date, m.kind, m.label) for m in d.milestones.all()])
                for d in sorted(measure.deadlines.all(), key=lambda d: d.year)
            ],
            progress={p.year: ProgressRecord(p.status, p.note, p.version) for p in measure.progress.all()},
            units=[
                UnitRecord(u.role, u.department.name)
                for u in sorted(measure.units.all(), key=lambda u: (u.role, u.order))
            ],
            removed=measure.removed_at is not None,
            label=measure.label,
        )


def measure_records(measures, *, as_of=None, year=None, extra=False, source=False, units=False, milestones=False):
    """The measures of the queryset ``measures`` as ``MeasureRecord``s in ledger order.

    ``as_of`` fills ``is_overdue`` (milestones of ``year``, or of every year when it is None, as
    ``tasks.standing.on_date`` judges them); ``extra`` reads ``extra``, ``source`` that and ``source_row``
    and ``source_cells``; ``units`` and ``milestones`` read those tables too. The queries (plans,
    items, measures, deadlines, progress, and overdue, units, milestones when asked for) run when
    this is called; the records come one at a time as the result is iterated.
    """
    selected = measures.values("pk")
    plans = {plan.pk: plan for plan in Plan.objects.filter(pk__in=measures.values("item__task__section__plan_id"))}
    overdue = set()
    if as_of is not None:
        overdue = set(
            overdue_milestones(as_of, year)
            .filter(deadline__measure__in=selected)
            .order_by()
            .values_list("deadline__measure_id", flat=True)
            .distinct()
        )
    fields = (*MEASURE_FIELDS, *(("extra",) if extra or source else ()), *(SOURCE_FIELDS if source else ()))
    # ``measures`` decides which measures: removed ones too when it holds them (``Measure.all_objects``)
    measure_rows = _started(
        Measure.all_objects.filter(pk__in=selected).order_by(*LEDGER_ORDER).values_list(*fields).iterator(chunk_size=CHUNK_SIZE)
    )
    item_rows = _started(
        Item.objects.filter(pk__in=Measure.all_objects.filter(pk__in=selected).values("item_id"))
        .order_by(*ITEM_ORDER)
        .values_list(*ITEM_FIELDS)
        .iterator(chunk_size=CHUNK_SIZE)
    )
    related = {
        "deadlines": _Related(_related(Deadline, selected, ("year", "text", "covers_plan"), order=("year",))),
        "progress": _Related(_related(Progress, selected, ("year", "status", "note", "version"))),
    }
    if units:
        related["units"] = _Related(_related(MeasureUnit, selected, ("role", "department__name"), order=("role", "order", "id")))
    if milestones:
        related["milestones"] = _Related(_related(
            Milestone, selected, ("deadline__year", "date", "kind", "label"),
            order=("deadline__year", "order", "id"), measure="deadline__measure",
        ))
    return _records(measure_rows, _InOrder(_items(item_rows, plans)), overdue, related)


MEASURE_FIELDS = ("item_id", "id", "number", "text", "lead_text", "responsible_text", "person__name", "removed_at", "label")
SOURCE_FIELDS = ("source_row", "source_cells")
ITEM_FIELDS = (
    "id", "number", "text", "upstream_deadline", "task_id", "task__number", "task__title",
    "task__section_id", "task__section__number", "task__section__title", "task__section__plan_id", "label", "task__label",
)


def _records(rows, items, overdue, related):
    """Measure rows as records in ledger order, each with the record of its item (shared by its
    measures) and its related rows."""
    deadlines, progress = related["deadlines"], related["progress"]
    units, milestones = related.get("units"), related.get("milestones")
    item = None
    for item_id, measure_id, number, text, lead_text, responsible_text, person, removed_at, label, *more in rows:
        if item is None or item.id != item_id:
            item = items.take(item_id)
            if item is None:  # an item made after the items were read
                continue
        extra = more[0] if more else {}
        source_row, source_cells = more[1:] or (None, {})
        record = MeasureRecord(
            measure_id, number, text, lead_text, responsible_text, person or "", extra, source_row, source_cells, item,
            measure_id in overdue,
            [DeadlineRecord(year, phrase, covers_plan) for _, year, phrase, covers_plan in deadlines.take(measure_id)],
            {year: ProgressRecord(status, note, version) for _, year, status, note, version in progress.take(measure_id)},
            removed=removed_at is not None,
            label=label,
        )
        if milestones is not None:
            by_year = {deadline.year: deadline for deadline in record.deadlines}
            for _, row_year, *milestone in milestones.take(measure_id):
                if row_year in by_year:
                    by_year[row_year].milestones.append(MilestoneRecord(*milestone))
        if units is not None:
            record.units = [UnitRecord(*row[1:]) for row in units.take(measure_id)]
        yield record


def _items(rows, plans):
    """Item rows in ledger order as records sharing their task and section records; an item's
    texts are read once, not once per measure."""
    section = task = None
    for (item_id, number, text, upstream_deadline, task_id, task_number, task_title,
         section_id, section_number, section_title, plan_id, label, task_label) in rows:
        if section is None or section.id != section_id:
            section = SectionRecord(section_id, section_number, section_title, plans[plan_id])
        if task is None or task.id != task_id:
            task = TaskRecord(task_id, task_number, task_title, section, task_label)
        yield ItemRecord(item_id, number, text, upstream_deadline, task, label)


def _started(rows):
    """The iterator ``rows`` with its query run now (its first row read), the rest read as iterated."""
    first = next(rows, None)
    return rows if first is None else itertools.chain((first,), rows)


class _InOrder:
    """Records read in the order they will be asked for by id; one asked for out of turn is found
    by reading on, and the records passed over are kept until they are asked for."""

    def __init__(self, records):
        self._records = iter(records)
        self._passed = {}

    def take(self, record_id):
        if record_id in self._passed:
            return self._passed.pop(record_id)
        for record in self._records:
            if record.id == record_id:
                return record
            self._passed[record.id] = record
        return None


def _related(model, selected, fields, *, order=(), measure="measure"):
    """Rows of ``model`` for the selected measures, ``(measure id, *fields)``, in measure-id order."""
    return (
        model.objects.filter(**{f"{measure}__in": selected})
        .order_by(f"{measure}_id", *order)
        .values_list(f"{measure}_id", *fields)
        .iterator(chunk_size=CHUNK_SIZE)
    )


class _Related:
    """Rows of a related table in measure-id order, handed out measure by measure in any order.

    Rows of a measure that comes later in the ledger than its id suggests are kept until it is
    asked for; when the ledger order follows the ids, nothing is kept.
    """

    def __init__(self, rows):
        self._rows = iter(rows)
        self._next = next(self._rows, None)
        self._waiting = {}  # measure id → its rows, read before the measure was asked for

    def take(self, measure_id):
        """The rows of one measure: tuples whose first value is the measure id."""
        found = self._waiting.pop(measure_id, [])
        row = self._next
        while row is not None and row[0] <= measure_id:
            if row[0] == measure_id:
                found.append(row)
            else:
                self._waiting.setdefault(row[0], []).append(row)
            row = next(self._rows, None)
        self._next = row
        return found
