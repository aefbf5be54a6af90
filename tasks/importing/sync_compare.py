"""The comparing part of a bulk import (``sync.LedgerSync``): with each row paired with its stored
measure (``sync_identify``), check the row and decide what changes — nothing is written here."""

from typing import NamedTuple

from django.core.exceptions import ValidationError

from tasks.choices import ProgressSource, ProgressStatus
from tasks.deadlines.milestones import needs_review
from tasks.deadlines.schedule import milestones_by_year
from tasks.importing import columns, steps
from tasks.importing.identity import MeasureLine, ledger_levels
from tasks.importing.stored import content_key, deadline_phrases, where_key
from tasks.workflow.progress import status_from_result


class Wanted(NamedTuple):
    """What a row asks of its measure beyond the row's own texts."""

    person: str
    lead_units: list  # department names, each once; shared between rows: never changed
    responsible_units: list
    deadlines: dict  # {year: schedule.YearDeadline}, shared between rows with the same phrases
    extra: dict


def progress_over(stored, stated):
    """What a file's progress statements change in a measure's stored reports.

    ``stored``: {year: (status, note, source of the last history entry or None, handle)};
    ``stated``: {year: (status, note)} from the file. Returns ({year: (status, note, handle or
    None for a year with no report)}, number of reports kept). A report last changed in the app
    is kept (and counted) where the file states otherwise; a report an earlier import wrote that
    the file no longer states goes back to not started.
    """
    writes, kept = {}, 0
    for year, (status, note, source, handle) in stored.items():
        wanted = stated.get(year, (ProgressStatus.NOT_STARTED, ""))
        if (status, note) == wanted:
            continue
        if source is None or source == ProgressSource.IMPORT:
            writes[year] = (*wanted, handle)
        elif year in stated:
            kept += 1
    writes.update({year: (*value, None) for year, value in stated.items() if year not in stored})
    return writes, kept


def split_lines(value):
    return [line for line in (value or "").split("\n") if line.strip()]


def unique(names):
    """The names in their order, each once: a unit named twice in one role is one unit."""
    return list(dict.fromkeys(names))


def file_progress(results, done, plan):
    """``{year: (status, note)}`` that a row's result cells (and 已完成任务 mark) state."""
    progress = {year: (status_from_result(text), text) for year, text in results.items() if text}
    if done and plan.reporting_year:
        progress[plan.reporting_year] = (ProgressStatus.DONE, "")
    return progress


class FieldCheck:
    """A model field's own blank and length rules, checked cheaply; Django's message when broken."""

    def __init__(self, model, name):
        self.field = model._meta.get_field(name)
        self.max_length = self.field.max_length
        self.blank = self.field.blank

    def error(self, value):
        if (value or self.blank) and (self.max_length is None or len(value) <= self.max_length):
            return None
        try:
            self.field.clean(value, None)
        except ValidationError as error:
            return "；".join(error.messages)
        return None


class Comparing:
    """The comparing part of ``LedgerSync``: what each row changes."""

    def compare(self, rows):
        """Decide what each row writes; collects errors instead of stopping at the first."""
        self.new_sections, self.new_tasks, self.new_items = {}, {}, {}
        self.changed_sections, self.changed_tasks, self.changed_items = {}, {}, {}
        self.new_measures = []  # (place, row, wanted)
        self.changed_measures = []  # (measure id, row, wanted, place)
        self.moved = []  # (measure id, source_row, source_cells)
        self.progress_writes = []  # (measure id or place, year, status, note, stored progress or None)
        self.changes = []  # MeasureLine of every measure the import creates, changes or removes
        self.unchanged = []  # MeasureLine of the others, kept when ``list_unchanged``
        self.row_kinds = []  # what the import does to each row's measure (identity.KINDS)
        levels = ledger_levels(rows)
        for index, (place, row) in enumerate(zip(self.places, rows)):
            if index % steps.EVERY == 0:
                self.on_step(steps.COMPARE, index, len(rows))
            errors_before = len(self.errors)
            wanted = self.wanted(row)
            self.check_row(row, wanted)
            if len(self.errors) > errors_before:
                self.row_kinds.append(None)
                continue
            self.place_parents(place, row)
            stored = self.matched.get(index)
            progress = file_progress(row.results, row.done, self.plan)
            if stored is None:
                self.flag_deadlines(row, wanted)
                self.changes.append(MeasureLine("new", row.row, place, row.measure_text or "", levels=levels))
                self.new_measures.append((place, row, wanted))
                self.refuse_closed_years(row, wanted, progress)
                self.progress_writes.extend((place, year, *value, None) for year, value in sorted(progress.items()))
                self.counts["new"] += 1
                self.row_kinds.append("new")
                continue
            writes = self.writes_over(stored.pk, progress)
            self.refuse_closed_years(row, wanted, writes)
            kind = self.kind_of_change(place, stored, row, wanted, writes)
            self.row_kinds.append(kind)
            if kind == "unchanged":
                self.counts["skip"] += 1
                if self.list_unchanged:
                    self.unchanged.append(MeasureLine(kind, row.row, place, row.measure_text or "", levels=levels))
                if stored.where != where_key(row.row, row.cells):
                    self.moved.append((stored.pk, row.row, row.cells))
                continue
            self.flag_deadlines(row, wanted)
            self.changes.append(
                MeasureLine(kind, row.row, place, row.measure_text or "", self.stored_place(stored.pk), stored.text, levels)
            )
            self.changed_measures.append((stored.pk, row, wanted, place))
            self.progress_writes.extend((stored.pk, year, *value) for year, value in sorted(writes.items()))
            self.counts["restored" if stored.removed else "update"] += 1
        matched = {stored.pk for stored in self.matched.values()}
        self.removed = [m.pk for m in self.stored_measures.values() if not m.removed and m.pk not in matched]
        self.changes += [
            MeasureLine("removed", None, self.stored_place(pk), self.stored_measures[pk].text, levels=levels)
            for pk in self.removed
        ]
        self.counts["removed"] = len(self.removed)

    def refuse_closed_years(self, row, wanted, writes):
        """A closed year's progress changes for nobody, an import included (``tasks.workflow.year_close``):
        a file stating other progress for it is an error naming the row; the same progress is fine."""
        for year in sorted(writes):
            closed = self.closed_years.get(year)
            if closed is not None and (None in closed or closed & {*wanted.lead_units, *wanted.responsible_units}):
                self.errors.append(
                    f"{self.where}, 第 {row.row} 行: {year} 年已关账，文件中的完成情况与系统中的不同，"
                    "不能导入；请管理员先重新开放该年度，或改回文件中的完成情况"
                )

    def kind_of_change(self, place, stored, row, wanted, writes):
        """restored, moved, reworded, updated or unchanged: what the row does to its stored measure."""
        if stored.removed:
            return "restored"
        item = self.items.get(place[:3])
        if item is None or item[0] != stored.item or stored.number != place[3] or stored.item in self.items_renumbered:
            return "moved"
        if stored.text != (row.measure_text or ""):
            return "reworded"
        if writes or not self.same_content(place, stored, row, wanted):
            return "updated"
        return "unchanged"

    def flag_deadlines(self, row, wanted):
        """Deadline phrases of a measure this import writes that a person should look at."""
        for year, deadline in wanted.deadlines.items():
            if needs_review(deadline.milestones):
                self.flagged.append(f"第 {row.row} 行 {year} 年完成时限「{deadline.text}」")

    def wanted(self, row):
        texts = {year: text for year, text in row.deadlines.items() if text}
        key = tuple(texts.items())
        if key not in self.parsed:
            self.parsed[key] = milestones_by_year(texts, self.plan_years)
        return Wanted(
            person=row.person or "",
            lead_units=self.unit_names(row.lead_units),
            responsible_units=self.unit_names(row.responsible_units),
            deadlines=self.parsed[key],
            extra=row.extra or {},
        )

    def unit_names(self, names):
        """``names`` one per line and each once, one list for every row naming the same units."""
        key = tuple(names)
        found = self.unit_lists.get(key)
        if found is None:
            found = self.unit_lists[key] = unique(split_lines("\n".join(names)))
        return found

    def check_row(self, row, wanted):
        values = [
            ("section", row.section_title or "", columns.SECTION_TITLE),
            ("task", row.task_title or "", columns.TASK_TITLE),
            ("upstream", row.upstream_deadline or "", columns.UPSTREAM_DEADLINE),
            ("measure", row.measure_text or "", columns.MEASURE_TEXT),
        ]
        if wanted.person.strip():
            values.append(("person", wanted.person.strip(), columns.PERSON))
        values += [("department", name, "部门") for name in wanted.lead_units + wanted.responsible_units]
        values += [("deadline", deadline.text, columns.DEADLINE_PREFIX) for deadline in wanted.deadlines.values()]
        for check, value, column in values:
            message = self.checks[check].error(value)
            if message:
                self.errors.append(f"{self.where}, 第 {row.row} 行, 列「{column}」: {message}")

    def place_parents(self, place, row):
        """Sections, tasks and items the row needs: new ones noted, changed titles noted."""
        parents = (
            (place[0], (row.section_title or "",), self.sections, self.new_sections, self.changed_sections),
            (place[:2], (row.task_title or "", row.task_label), self.tasks, self.new_tasks, self.changed_tasks),
            (
                place[:3],
                (row.item_text or "", row.upstream_deadline or "", row.item_label),
                self.items,
                self.new_items,
                self.changed_items,
            ),
        )
        for key, values, stored, new, changed in parents:
            if key in stored:
                if tuple(stored[key][1:]) != values:
                    changed[key] = values
            elif key not in new:
                new[key] = (row.row, *values)

    def same_content(self, place, stored, row, wanted):
        """Everything but the workbook cells as stored: parents, measure, units and deadline phrases."""
        section, task, item = self.sections.get(place[0]), self.tasks.get(place[:2]), self.items.get(place[:3])
        lead, responsible = self.units.get(stored.pk, ([], []))
        return (
            section is not None
            and section[1] == (row.section_title or "")
            and task is not None
            and tuple(task[1:]) == (row.task_title or "", row.task_label)
            and item is not None
            and tuple(item[1:]) == (row.item_text or "", row.upstream_deadline or "", row.item_label)
            and stored.content
            == content_key(
                row.measure_text or "",
                row.lead_text or "",
                row.responsible_text or "",
                wanted.extra,
                wanted.person,
                row.measure_label,
            )
            and lead == wanted.lead_units
            and responsible == wanted.responsible_units
            and self.deadline_phrases.get(stored.pk) == deadline_phrases(wanted.deadlines)
        )

    def writes_over(self, measure_id, stated):
        """What the file changes in a stored measure's progress (``progress_over``)."""
        stored = {entry[0]: (entry[2], entry[3], entry[5], entry[1:]) for entry in self.progress.get(measure_id, ())}
        writes, kept = progress_over(stored, stated)
        self.kept_app_progress += kept
        return writes
