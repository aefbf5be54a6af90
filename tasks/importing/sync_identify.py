"""The identifying part of a bulk import (``sync.LedgerSync``): load what the plan holds, in a few
queries, and pair the file's sections, tasks, items and measures with the stored ones
(``identity.match``) — nothing is written here."""

from itertools import groupby
from operator import itemgetter

from django.db.models import OuterRef, Subquery

from departments.models import Department
from tasks.choices import ReviewState
from tasks.importing.errors import ImportFailed
from tasks.importing.identity import Entry, match, place_label, start_of
from tasks.importing.stored import NO_UNITS, StoredMeasure, content_key, load_deadline_phrases, load_units, where_key
from tasks.models import Item, Measure, Progress, ProgressEntry, Section, Task
from tasks.workflow.year_close import open_closures

#: The stored parent of an entry whose own parent is new in the file: no stored entry has it.
NEW = object()


class Identifying:
    """The identifying part of ``LedgerSync``: what the plan holds, which stored entry each of the file's is."""

    def load(self):
        """The plan as stored, read in a few queries. Texts that repeat (section numbers, unit
        names, statuses, notes) are kept once, deadline phrases as one fingerprint per measure."""
        plan = self.plan
        one = {}
        self.departments = dict(Department.objects.values_list("name", "id"))
        self.stored_sections = {
            pk: (number, title) for pk, number, title in Section.objects.filter(plan=plan).values_list("id", "number", "title")
        }
        self.stored_tasks = {
            pk: (section, number, title, label)
            for pk, section, number, title, label in Task.objects.filter(section__plan=plan).values_list(
                "id", "section_id", "number", "title", "label"
            )
        }
        self.stored_items = {
            pk: (task, number, text, upstream, label)
            for pk, task, number, text, upstream, label in Item.objects.filter(task__section__plan=plan).values_list(
                "id", "task_id", "number", "text", "upstream_deadline", "label"
            )
        }
        # a fingerprint of each stored measure's values, not the values: a province's plan holds 100,000
        self.stored_measures = {}
        stored = Measure.all_objects.filter(item__task__section__plan=plan).values_list(
            "id",
            "item_id",
            "number",
            "text",
            "lead_text",
            "responsible_text",
            "source_row",
            "source_cells",
            "extra",
            "person__name",
            "removed_at",
            "label",
        )
        for pk, item, number, text, lead_text, responsible_text, source_row, cells, extra, person, removed_at, label in (
            stored.iterator(5000)
        ):
            self.stored_measures[pk] = StoredMeasure(
                pk,
                content_key(text, lead_text, responsible_text, extra, person or "", label),
                where_key(source_row, cells),
                item,
                number,
                text,
                one.setdefault(person or "", person or ""),
                removed_at is not None,
            )
        in_plan = {"measure__item__task__section__plan": plan}
        self.units = load_units(in_plan, one)
        self.deadline_phrases = load_deadline_phrases(in_plan)
        last_source = ProgressEntry.objects.filter(progress=OuterRef("pk")).order_by("-version").values("source")[:1]
        rows = (
            Progress.objects.filter(**in_plan)
            .annotate(last_source=Subquery(last_source))
            .order_by("measure_id", "year")
            .values_list("measure_id", "year", "id", "status", "note", "version", "last_source")
            .iterator(5000)
        )
        # {measure id: ((year, progress id, status, note, version, source of the last entry), ...)}
        self.progress = {
            measure: tuple(
                (year, pk, one.setdefault(status, status), one.setdefault(note, note), version, source)
                for _measure, year, pk, status, note, version, source in in_measure
            )
            for measure, in_measure in groupby(rows, key=itemgetter(0))
        }
        self.accepted = set(
            Progress.objects.filter(review=ReviewState.ACCEPTED, **in_plan).values_list("measure_id", flat=True)
        )
        # {year: names of the departments closed in it, None for the whole plan}
        self.closed_years = {}
        if plan.pk is not None:
            for year, department in open_closures(plan).values_list("year", "department__name"):
                self.closed_years.setdefault(year, set()).add(department)

    def identify(self, rows):
        """Match the file's sections, tasks, items and measures to the stored ones by content
        (``identity.match``), level by level; ``self.sections``, ``self.tasks`` and ``self.items``
        are then the stored parents under the file's keys, ``self.matched`` the stored measure of
        each row. Two equally good candidates are an error naming both."""
        file_sections, file_tasks, file_items = {}, {}, {}
        for place, row in zip(self.places, rows):
            file_sections.setdefault(place[0], row.section_title or "")
            file_tasks.setdefault(place[:2], row.task_title or "")
            file_items.setdefault(place[:3], row.item_text or "")
        sections = match(
            (Entry(number, None, None, number, title) for number, title in file_sections.items()),
            [Entry(pk, None, None, number, title) for pk, (number, title) in self.stored_sections.items()],
        )
        self.refuse_ambiguous(sections, "部分", lambda key: f"部分{key}", lambda pk: f"部分{self.stored_sections[pk][0]}")
        section_of = sections.pairs
        tasks = match(
            (
                Entry(key, section_of.get(key[0], NEW), section_of.get(key[0], NEW), key[1], title)
                for key, title in file_tasks.items()
            ),
            [Entry(pk, section, section, number, title) for pk, (section, number, title, _l) in self.stored_tasks.items()],
        )
        self.refuse_ambiguous(tasks, "任务", lambda key: f"序号{key[1]}「{start_of(file_tasks[key])}」", self.task_label)
        task_of = tasks.pairs
        items = match(
            (
                Entry(key, task_of.get(key[:2], NEW), task_of.get(key[:2], NEW), key[2], text)
                for key, text in file_items.items()
            ),
            [Entry(pk, task, task, number, text) for pk, (task, number, text, *_rest) in self.stored_items.items()],
        )
        self.refuse_ambiguous(items, "要求", lambda key: f"要求{key[2]}「{start_of(file_items[key])}」", self.item_label)
        item_of = items.pairs
        self.sections = {key: [pk, self.stored_sections[pk][1]] for key, pk in section_of.items()}
        self.tasks = {key: [pk, *self.stored_tasks[pk][2:]] for key, pk in task_of.items()}
        self.items = {key: [pk, *self.stored_items[pk][2:]] for key, pk in item_of.items()}
        self.moved_sections = {pk: key for key, pk in section_of.items() if self.stored_sections[pk][0] != key}
        self.moved_tasks = {
            pk: key for key, pk in task_of.items() if self.stored_tasks[pk][:2] != (section_of.get(key[0]), key[1])
        }
        self.moved_items = {pk: key for key, pk in item_of.items() if self.stored_items[pk][:2] != (task_of.get(key[:2]), key[2])}
        task_of_item = {pk: task for pk, (task, *_rest) in self.stored_items.items()}
        # items whose own place changes with them: their measures are renumbered though they stay put
        self.items_renumbered = {
            pk
            for pk, (task, *_rest) in self.stored_items.items()
            if pk in self.moved_items or task in self.moved_tasks or self.stored_tasks[task][0] in self.moved_sections
        }
        measures = match(
            (
                Entry(
                    index,
                    task_of.get(place[:2], NEW),
                    item_of.get(place[:3], NEW),
                    place[3],
                    row.measure_text or "",
                    (self.unit_names(row.lead_units), self.unit_names(row.responsible_units)),
                )
                for index, (place, row) in enumerate(zip(self.places, rows))
            ),
            [
                Entry(pk, task_of_item[m.item], m.item, m.number, m.text, self.units.get(pk, NO_UNITS))
                for pk, m in self.stored_measures.items()
            ],
        )
        self.refuse_ambiguous(
            measures,
            "措施",
            lambda index: f"第 {rows[index].row} 行「{start_of(rows[index].measure_text)}」",
            lambda pk: f"{place_label(self.stored_place(pk))}「{start_of(self.stored_measures[pk].text)}」",
        )
        self.matched = {index: self.stored_measures[pk] for index, pk in measures.pairs.items()}

    def refuse_ambiguous(self, matching, level, file_label, stored_label):
        for ambiguity in matching.ambiguous:
            self.errors.append(
                f"{self.where}: 无法确定{level}对应关系，不作猜测："
                f"文件中的{'、'.join(file_label(key) for key in ambiguity.file_keys)}"
                f"与原有的{'、'.join(stored_label(key) for key in ambiguity.stored_keys)}同样相近；"
                "请改动其中一项的文字或编号，使其可以区分，再重新导入"
            )
        if self.errors:
            raise ImportFailed(self.error_lines())

    def task_label(self, pk):
        _section, number, title, _label = self.stored_tasks[pk]
        return f"序号{number}「{start_of(title)}」"

    def item_label(self, pk):
        _task, number, text, *_rest = self.stored_items[pk]
        return f"要求{number}「{start_of(text)}」"

    def stored_place(self, pk):
        """(section, task, item, measure number) of a stored measure, as stored."""
        measure = self.stored_measures[pk]
        task, item_number, *_rest = self.stored_items[measure.item]
        section, task_number, *_rest = self.stored_tasks[task]
        return (self.stored_sections[section][0], task_number, item_number, measure.number)
