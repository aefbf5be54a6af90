"""The writing half of a bulk import (``sync.LedgerSync``): departments and people, sections,
tasks and items, measures (new, changed, removed), units, deadlines and milestones, progress and
history, each in bulk (``bulk_rows``: COPY on PostgreSQL) in a fixed number of statements."""

from collections import defaultdict
from itertools import islice

from django.utils import timezone

from departments.models import Department, Person

from tasks.bulk_rows import insert_rows, reserve_ids
from tasks.standing.kept import CHUNK, refresh_import_standing
from tasks.choices import ProgressSource, ProgressStatus, ReviewState, UnitRole
from tasks.deadlines.milestones import needs_review
from tasks.importing.identity import place_label
from tasks.models import (
    Deadline,
    Item,
    Measure,
    MeasureChange,
    MeasureChangeKind,
    MeasureUnit,
    Milestone,
    Progress,
    ProgressEntry,
    Section,
    Task,
)
from tasks.deadlines.schedule import as_row, milestone_rows
from tasks.importing import steps
from tasks.importing.errors import ImportFailed
from tasks.importing.stored import chunks, stored_deadlines, units_text


#: Numbers a renumbered task, item or measure holds while the others move (any pk fits below 2**31).
TEMPORARY = 1_500_000_000

#: Numbers of stored tasks and items the file no longer has, out of the way of the file's numbers.
ASIDE = 1_000_000_000

#: Where a measure sits in the source workbook: kept for write-back, not part of the ledger's content.
WHERE_IN_THE_WORKBOOK = ("source_row", "source_cells")


def renumber(model, values_by_pk, *, manager=None):
    """``{pk: {field: value}}`` written in bulk; every row of one call sets the same fields."""
    if not values_by_pk:
        return
    fields = list(next(iter(values_by_pk.values())))
    (manager or model.objects).bulk_update(
        [model(pk=pk, **values) for pk, values in values_by_pk.items()], fields, batch_size=1000
    )


def milestone_tuples(deadlines):
    """Milestone rows of ``deadlines`` ((deadline id, YearDeadline)), in ``deadline_milestones`` order."""
    for pk, _year, order, milestone in deadline_milestones((pk, None, deadline) for pk, deadline in deadlines):
        row = as_row(milestone)
        yield (pk, order, row["date"], row["kind"], row["label"], row["span_start"], row["span_end"])


def new_deadlines(measures):
    """(measure id, year, YearDeadline) of every deadline ``measures`` ((id, row, wanted)) ask for,
    in the order ``write_deadlines`` goes through them."""
    for pk, _row, wanted in measures:
        for year, deadline in wanted.deadlines.items():
            yield pk, year, deadline


def deadline_milestones(deadlines):
    """(measure id, year, order, milestone) of ``deadlines`` ((measure id, year, YearDeadline)):
    the order in which ``write_deadlines`` inserts them and hands out their ids."""
    for measure, year, deadline in deadlines:
        for order, milestone in enumerate(deadline.milestones):
            yield measure, year, order, milestone


class Writing:
    """The writing half of ``LedgerSync``: what changed, written in bulk in a fixed number of statements."""

    #: The measure fields an import writes, in the order ``measure_values`` gives them.
    MEASURE_FIELDS = ["text", "lead_text", "responsible_text", "source_row", "source_cells", "extra", "person", "label"]

    def write(self):
        """Every stage in order, each told to ``on_step`` as it begins (``done`` of ``total`` stages)."""
        stages = (
            self.write_departments_and_people,
            self.write_places,
            self.write_new_measures,
            self.write_changed_measures,
            self.write_moves,
            self.write_progress,
            self.write_history,
            self.delete_empty_parents,
            self.write_standing,
        )
        for done, stage in enumerate(stages):
            self.on_step(steps.WRITE, done, len(stages))
            stage()

    def write_moves(self):
        Measure.all_objects.bulk_update(
            [Measure(pk=pk, source_row=row, source_cells=cells) for pk, row, cells in self.moved],
            list(WHERE_IN_THE_WORKBOOK),
            batch_size=1000,
        )

    def write_standing(self):
        """The kept standing of what this import wrote: the measures it inserted from what it holds
        (``inserted_standing``), the ones it changed, removed or wrote progress for read back."""
        refresh_import_standing(
            self.plan,
            [*(pk for pk, *_rest in self.changed_measures), *self.removed,
             *(write[0] for write in self.progress_writes if not isinstance(write[0], tuple))],
            self.inserted_standing(),
        )

    def inserted_standing(self):
        """The measures this import inserted as ``kept.standing_rows`` takes them, ``CHUNK`` at a
        time: (measures, progress, milestones, first "done", units) exactly as written by
        ``write_new_measures`` (milestones with the ids ``write_deadlines`` gave them, units as
        ``unit_rows`` gives them) and ``write_progress`` (fresh progress, no review yet, its
        history entries made at ``progress_written_at``)."""
        plan = self.plan
        done_on = timezone.localdate(self.progress_written_at) if self.progress_written_at else None
        # ``compare`` notes a new measure's progress right after the measure: one walk pairs them.
        fresh = (write for write in self.progress_writes if isinstance(write[0], tuple))
        pending = next(fresh, None)
        milestone_ids = iter(self.new_milestone_ids)
        new = iter(self.new_measures)
        while chunk := list(islice(new, CHUNK)):
            written = [(self.new_ids[place], row, wanted) for place, row, wanted in chunk]
            progress = []
            for place, _row, _wanted in chunk:
                while pending is not None and pending[0] == place:
                    progress.append((self.new_ids[place], pending[1], pending[2], ReviewState.NONE))
                    pending = next(fresh, None)
            yield (
                [
                    (self.new_ids[place], plan.pk, self.sections[place[0]][0], plan.start_year, plan.end_year)
                    for place, _row, _wanted in chunk
                ],
                progress,
                [
                    (next(milestone_ids), measure, year, milestone.kind, milestone.date)
                    for measure, year, _order, milestone in deadline_milestones(new_deadlines(written))
                ],
                [(measure, year, done_on) for measure, year, status, _review in progress if status == ProgressStatus.DONE],
                dict.fromkeys((measure, department) for measure, department, _role, _order in self.unit_rows(written)),
            )
        if pending is not None or next(milestone_ids, None) is not None:
            raise RuntimeError("the progress or milestones written for new measures are not in their order")

    def write_places(self):
        """Parents renumbered or new, removed measures off their places, moving ones stepped aside:
        what both import paths write before any measure's own values."""
        self.now = timezone.now()
        self.history = []  # MeasureChange rows: (measure id, kind, old value, new value)
        self.write_parents()
        self.write_removed_measures()
        self.clear_changed_places()

    def write_departments_and_people(self):
        """The departments and people the written measures name, new ones inserted; ``self.people``
        (every person, read only when measures are written) from then on."""
        self.people = {}
        if not (self.new_measures or self.changed_measures):
            return
        self.people = {(name, department): pk for pk, name, department in Person.objects.values_list("id", "name", "department_id")}
        names = {}
        for row, wanted in self.written_rows():
            for name in wanted.lead_units + wanted.responsible_units:
                if name not in self.departments:
                    names.setdefault(name, None)
        ids = reserve_ids(Department, len(names))
        self.departments.update(zip(names, ids))
        insert_rows(Department, ["id", "name", "order"], ((pk, name, 0) for name, pk in zip(names, ids)))
        wanted_people = {}
        for row, wanted in self.written_rows():
            key = self.person_key(wanted)
            if key and key not in self.people:
                wanted_people.setdefault(key, None)
        ids = reserve_ids(Person, len(wanted_people))
        self.people.update(zip(wanted_people, ids))
        insert_rows(
            Person,
            ["id", "name", "department", "email", "phone"],
            ((pk, name, department, "", "") for (name, department), pk in zip(wanted_people, ids)),
        )

    def written_rows(self):
        """(row, wanted) of every measure this import writes."""
        yield from ((row, wanted) for _place, row, wanted in self.new_measures)
        yield from ((row, wanted) for _pk, row, wanted, _place in self.changed_measures)

    def person_key(self, wanted):
        name = wanted.person.strip()
        if not name:
            return None
        units = wanted.lead_units + wanted.responsible_units
        return (name, self.departments[units[0]] if len(units) == 1 else None)

    def write_parents(self):
        """Sections, then tasks, then items: titles brought up to date, renumbered ones moved to
        their new number (stored ones the file no longer has step aside), new ones inserted."""
        Section.objects.bulk_update(
            [Section(pk=self.sections[key][0], title=title) for key, (title,) in self.changed_sections.items()], ["title"]
        )
        Task.objects.bulk_update(
            [Task(pk=self.tasks[key][0], title=title, label=label) for key, (title, label) in self.changed_tasks.items()],
            ["title", "label"],
        )
        Item.objects.bulk_update(
            [
                Item(pk=self.items[key][0], text=text, upstream_deadline=up, label=label)
                for key, (text, up, label) in self.changed_items.items()
            ],
            ["text", "upstream_deadline", "label"],
            batch_size=1000,
        )
        plan = self.plan.pk
        matched = {pk for pk, _title in self.sections.values()}
        wanted = set(self.places_of(0))
        aside = {pk: f"{number}#{pk}"[:20] for pk, (number, _t) in self.stored_sections.items() if pk not in matched and number in wanted}
        renumber(Section, {**{pk: {"number": f"#{pk}"} for pk in self.moved_sections}, **{pk: {"number": n} for pk, n in aside.items()}})
        renumber(Section, {pk: {"number": key} for pk, key in self.moved_sections.items()})
        ids = iter(reserve_ids(Section, len(self.new_sections)))
        rows = []
        for number, (order, title) in self.new_sections.items():
            self.sections[number] = [next(ids), title]
            rows.append((self.sections[number][0], plan, number, title, order))
        insert_rows(Section, ["id", "plan", "number", "title", "order"], rows)

        matched = {pk for pk, *_values in self.tasks.values()}
        wanted = {(self.sections[key[0]][0], key[1]) for key in self.places_of(1)}
        aside = [pk for pk, (section, number, *_v) in self.stored_tasks.items() if pk not in matched and (section, number) in wanted]
        renumber(Task, {pk: {"number": TEMPORARY + pk} for pk in [*self.moved_tasks, *aside]})
        renumber(Task, {pk: {"number": ASIDE + pk} for pk in aside})
        renumber(
            Task, {pk: {"section_id": self.sections[key[0]][0], "number": key[1]} for pk, key in self.moved_tasks.items()}
        )
        ids = iter(reserve_ids(Task, len(self.new_tasks)))
        rows = []
        for key, (order, title, label) in self.new_tasks.items():
            self.tasks[key] = [next(ids), title, label]
            rows.append((self.tasks[key][0], self.sections[key[0]][0], key[1], title, label, order))
        insert_rows(Task, ["id", "section", "number", "title", "label", "order"], rows)

        matched = {pk for pk, *_values in self.items.values()}
        wanted = {(self.tasks[key[:2]][0], key[2]) for key in self.places_of(2)}
        aside = [pk for pk, (task, number, *_v) in self.stored_items.items() if pk not in matched and (task, number) in wanted]
        renumber(Item, {pk: {"number": TEMPORARY + pk} for pk in [*self.moved_items, *aside]})
        renumber(Item, {pk: {"number": ASIDE + pk} for pk in aside})
        renumber(Item, {pk: {"task_id": self.tasks[key[:2]][0], "number": key[2]} for pk, key in self.moved_items.items()})
        ids = iter(reserve_ids(Item, len(self.new_items)))
        rows = []
        for key, (order, text, upstream, label) in self.new_items.items():
            self.items[key] = [next(ids), text, upstream, label]
            rows.append((self.items[key][0], self.tasks[key[:2]][0], key[2], text, upstream, label, order))
        insert_rows(Item, ["id", "task", "number", "text", "upstream_deadline", "label", "order"], rows)

    def places_of(self, level):
        """The file's section numbers (0), task keys (1) or item keys (2), each once."""
        return dict.fromkeys(place[0] if level == 0 else place[: level + 1] for place in self.places)

    def delete_empty_parents(self):
        """Stored items, tasks and sections the file no longer has and that hold no measure any more
        (theirs moved elsewhere): nothing is left to keep them for."""
        items = set(self.stored_items) - {pk for pk, *_values in self.items.values()}
        tasks = set(self.stored_tasks) - {pk for pk, *_values in self.tasks.values()}
        sections = set(self.stored_sections) - {pk for pk, _title in self.sections.values()}
        for ids in chunks(items):
            Item.objects.filter(pk__in=ids, measures__isnull=True).delete()
        for ids in chunks(tasks):
            Task.objects.filter(pk__in=ids, items__isnull=True).delete()
        for ids in chunks(sections):
            Section.objects.filter(pk__in=ids, tasks__isnull=True).delete()

    def write_removed_measures(self):
        """Measures the file no longer has: removed (kept, with their progress), never deleted."""
        for ids in chunks(self.removed):
            Measure.all_objects.filter(pk__in=ids).update(removed_at=self.now)
        self.history += [(pk, MeasureChangeKind.REMOVED, self.stored_measures[pk].text, "") for pk in self.removed]

    def clear_changed_places(self):
        """Measures that move or come back step off their places first, so no two share one meanwhile."""
        moving = [pk for pk, row, wanted, place in self.changed_measures if self.measure_moves(pk, place)]
        renumber(Measure, {pk: {"number": TEMPORARY + pk} for pk in moving}, manager=Measure.all_objects)

    def measure_moves(self, pk, place):
        stored = self.stored_measures[pk]
        return stored.removed or stored.item != self.items[place[:3]][0] or stored.number != place[3]

    def measure_values(self, row, wanted):
        return (
            row.measure_text or "",
            row.lead_text or "",
            row.responsible_text or "",
            row.row,
            row.cells,
            wanted.extra,
            self.people.get(self.person_key(wanted)),
            row.measure_label,
        )

    def write_new_measures(self):
        ids = reserve_ids(Measure, len(self.new_measures))
        self.new_ids = {place: pk for pk, (place, _row, _wanted) in zip(ids, self.new_measures)}
        insert_rows(
            Measure,
            ["id", "item", "number", *self.MEASURE_FIELDS],
            (
                (pk, self.items[place[:3]][0], place[3], *self.measure_values(row, wanted))
                for pk, (place, row, wanted) in zip(ids, self.new_measures)
            ),
        )
        self.write_units((pk, row, wanted) for pk, (_place, row, wanted) in zip(ids, self.new_measures))
        self.new_milestone_ids = self.write_deadlines(
            ((pk, row, wanted) for pk, (_place, row, wanted) in zip(ids, self.new_measures)), {}
        )

    def write_changed_measures(self):
        """Measures the file changes, moves or brings back; each change also into their history."""
        if not self.changed_measures:
            return
        ids = [pk for pk, _row, _wanted, _place in self.changed_measures]
        stored = Measure.all_objects.in_bulk(ids)
        old_deadlines = stored_deadlines(ids)
        for pk, row, wanted, place in self.changed_measures:
            measure = stored[pk]
            self.note_history(measure, row, wanted, place, old_deadlines.get(pk, {}))
            for name, value in zip(self.MEASURE_FIELDS, self.measure_values(row, wanted)):
                setattr(measure, "person_id" if name == "person" else name, value)
            measure.item_id, measure.number, measure.removed_at = self.items[place[:3]][0], place[3], None
        Measure.all_objects.bulk_update(
            stored.values(),
            [name for name in self.MEASURE_FIELDS if name != "person"]
            + ["person", "item", "number", "removed_at", "reworded_after_acceptance"],
            batch_size=1000,
        )
        changed_units = [
            (pk, row, wanted)
            for pk, row, wanted, _place in self.changed_measures
            if self.units.get(pk, ([], [])) != (wanted.lead_units, wanted.responsible_units)
        ]
        for ids in chunks(pk for pk, _row, _wanted in changed_units):
            MeasureUnit.objects.filter(measure_id__in=ids).delete()
        self.write_units(changed_units)
        self.write_deadlines([(pk, row, wanted) for pk, row, wanted, _place in self.changed_measures], old_deadlines)

    def note_history(self, measure, row, wanted, place, old_deadlines):
        """What the row changes in a stored measure, for ``MeasureChange``; a reworded measure
        with an accepted report is marked for the supervisor to look at again."""
        pk, stored = measure.pk, self.stored_measures[measure.pk]
        if stored.removed:
            self.history.append((pk, MeasureChangeKind.RESTORED, "", row.measure_text or ""))
        old_place, new_place = self.stored_place(pk), place
        if old_place != new_place:
            self.history.append((pk, MeasureChangeKind.PLACE, place_label(old_place), place_label(new_place)))
        if stored.text != (row.measure_text or ""):
            self.history.append((pk, MeasureChangeKind.TEXT, stored.text, row.measure_text or ""))
            if pk in self.accepted:
                measure.reworded_after_acceptance = True
        lead, responsible = self.units.get(pk, ([], []))
        if (lead, responsible) != (wanted.lead_units, wanted.responsible_units):
            self.history.append(
                (pk, MeasureChangeKind.UNITS, units_text(lead, responsible), units_text(wanted.lead_units, wanted.responsible_units))
            )
        if stored.person != wanted.person:
            self.history.append((pk, MeasureChangeKind.PERSON, stored.person, wanted.person))
        old = "；".join(f"{year}：{text}" for year, (_pk, text, _covers) in sorted(old_deadlines.items()))
        new = "；".join(f"{year}：{deadline.text}" for year, deadline in sorted(wanted.deadlines.items()))
        if old != new:
            self.history.append((pk, MeasureChangeKind.DEADLINE, old, new))

    def write_history(self):
        insert_rows(
            MeasureChange,
            ["measure", "kind", "old_value", "new_value", "source", "file_name", "user", "created_at"],
            (
                (pk, kind.value, old, new, ProgressSource.IMPORT.value, self.file_name[:300], self.user.pk if self.user else None, self.now)
                for pk, kind, old, new in self.history
            ),
        )

    def write_units(self, measures):
        insert_rows(MeasureUnit, ["measure", "department", "role", "order"], self.unit_rows(measures))

    def unit_rows(self, measures):
        for pk, _row, wanted in measures:
            for role, names in ((UnitRole.LEAD, wanted.lead_units), (UnitRole.RESPONSIBLE, wanted.responsible_units)):
                for order, name in enumerate(names):
                    yield (pk, self.departments[name], role.value, order)

    def write_deadlines(self, measures, stored_deadlines):
        """Deadlines and milestones exactly as parsed; a stored deadline whose phrase and milestones
        already match is kept, so an approved extension (moved date) survives an unchanged phrase.
        Returns the ids of the milestones of the deadlines it inserted, in ``deadline_milestones``
        order (for measures with no stored deadline: every one of ``new_deadlines(measures)``)."""
        stale, replaced, new = [], [], []
        for pk, _row, wanted in measures:
            stored = stored_deadlines.get(pk, {})
            stale += [stored[year][0] for year in set(stored) - set(wanted.deadlines)]
            for year, deadline in wanted.deadlines.items():  # the order of ``new_deadlines``
                if year in stored:
                    replaced.append((stored[year], deadline))
                else:
                    new.append((pk, year, deadline))
        for ids in chunks(stale):
            Deadline.objects.filter(pk__in=ids).delete()
        self.replace_deadlines(replaced)
        ids = reserve_ids(Deadline, len(new))
        insert_rows(
            Deadline,
            ["id", "measure", "year", "text", "needs_review", "covers_plan"],
            ((pk, measure, year, d.text, needs_review(d.milestones), d.covers_plan) for pk, (measure, year, d) in zip(ids, new)),
        )
        milestone_ids = reserve_ids(Milestone, sum(len(d.milestones) for _measure, _year, d in new))
        insert_rows(
            Milestone,
            ["id", "deadline", "order", "date", "kind", "label", "span_start", "span_end"],
            ((pk, *row) for pk, row in zip(milestone_ids, milestone_tuples(zip(ids, (d for _measure, _year, d in new))))),
        )
        return milestone_ids

    def replace_deadlines(self, replaced):
        if not replaced:
            return
        stored = Deadline.objects.in_bulk([pk for (pk, _text, _covers), _deadline in replaced])
        milestones = defaultdict(list)
        for ids in chunks(stored):
            for milestone in Milestone.objects.filter(deadline__in=ids).order_by("deadline_id", "order"):
                milestones[milestone.deadline_id].append(milestone)
        changed = []
        for (pk, text, covers_plan), deadline in replaced:
            old = stored[pk]
            old_rows = milestone_rows(milestones[pk])
            if (text, covers_plan) == (deadline.text, deadline.covers_plan) and old_rows == [
                as_row(m) for m in deadline.milestones
            ]:
                continue
            old.text, old.covers_plan, old.needs_review = deadline.text, deadline.covers_plan, needs_review(deadline.milestones)
            changed.append((old, deadline))
        Deadline.objects.bulk_update([old for old, _deadline in changed], ["text", "covers_plan", "needs_review"])
        for ids in chunks(old.pk for old, _deadline in changed):
            Milestone.objects.filter(deadline__in=ids).delete()
        insert_rows(
            Milestone,
            ["deadline", "order", "date", "kind", "label", "span_start", "span_end"],
            milestone_tuples((old.pk, deadline) for old, deadline in changed),
        )

    def write_progress(self):
        """The file's statements as progress: version + 1 and one history entry each, as
        ``record_progress`` does; rows another writer changed meanwhile stop the import."""
        self.progress_written_at = None
        if not self.progress_writes:
            return
        stored = [write[4] for write in self.progress_writes if write[4] is not None]
        locked = {}
        for ids in chunks(s[0] for s in stored):
            locked.update(Progress.objects.select_for_update().filter(pk__in=ids).values_list("id", "version"))
        for pk, _status, _note, version, _source in stored:
            if locked.get(pk) != version:
                raise ImportFailed([f"{self.where}: 导入期间有人修改了完成情况，未写入任何内容，请重新导入。"])
        now = self.progress_written_at = timezone.now()
        user = self.user.pk if self.user else None
        fresh = [write for write in self.progress_writes if write[4] is None]
        ids = reserve_ids(Progress, len(fresh))
        insert_rows(
            Progress,
            ["id", "measure", "year", "status", "note", "version", "updated_by", "updated_at", "review"],
            (
                (pk, self.measure_id(measure), year, status, note, 1, user, now, "")
                for pk, (measure, year, status, note, _stored) in zip(ids, fresh)
            ),
        )
        updates = Progress.objects.in_bulk([s[0] for s in stored])
        for _measure, _year, status, note, (pk, *_rest) in (write for write in self.progress_writes if write[4] is not None):
            progress = updates[pk]
            progress.status, progress.note, progress.done_on = status, note, None
            progress.updated_by_id, progress.updated_at = user, now
            progress.version += 1
        Progress.objects.bulk_update(updates.values(), ["status", "note", "done_on", "updated_by", "updated_at", "version"])
        comment = f"导入 {self.file_name}"[:500]
        entries = [(pk, 1, status, note) for pk, (_measure, _year, status, note, _stored) in zip(ids, fresh)]
        entries += [(p.pk, p.version, p.status, p.note) for p in updates.values()]
        insert_rows(
            ProgressEntry,
            ["progress", "version", "status", "note", "user", "source", "comment", "created_at"],
            ((pk, version, status, note, user, ProgressSource.IMPORT.value, comment, now) for pk, version, status, note in entries),
        )

    def measure_id(self, measure):
        """A measure written by this import is known by its place until it has an id."""
        return self.new_ids[measure] if isinstance(measure, tuple) else measure
