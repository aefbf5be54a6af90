"""django-import-export resource: one dataset row (one measure of a ledger) into the database.

Which stored measure a row is, is decided for the whole file before the first row, by the
same matcher as the bulk import (``LedgerSync.prepare``, ``identity.match``: by content, not by
number): sections, tasks and items renumbered, measures the file no longer has removed and
the ones that move stepped aside (``LedgerSync.write_places``); then each row writes its
measure. A row whose every value already matches is reported unchanged and writes nothing.
Progress from the file (``N年完成任务``, ``已完成任务``) never overwrites a report entered in the app.
"""

import json

from django.core.exceptions import ValidationError
from import_export import resources
from import_export.fields import Field

from departments.models import Department, Person

from tasks.importing import columns
from tasks.choices import ProgressSource, UnitRole
from tasks.importing.column_table import column_rows
from tasks.deadlines.milestones import needs_review
from tasks.importing.errors import ImportFailed
from tasks.importing.options import ImportOptions, plan_slug, with_remembered_column_map
from tasks.importing.ledger_import import remap_dataset
from tasks.standing.kept import refresh_plan_standing
from tasks.importing.sync_write import WHERE_IN_THE_WORKBOOK
from tasks.importing.sync import LedgerSync, find_or_create_plan, keep_workbook
from tasks.importing.places import check_unique_places
from tasks.importing.errors import describe
from tasks.importing.sync_compare import file_progress, progress_over, split_lines
from tasks.importing.stored import stored_deadlines as stored_deadline_rows
from tasks.models import Item, Measure, MeasureUnit, Section, Task
from tasks.workflow.progress import record_progress
from tasks.deadlines.schedule import milestones_by_year, store_deadlines, stored_deadlines


class MeasureResource(resources.ModelResource):
    section = Field(attribute="item__task__section__number", column_name=columns.SECTION_NUMBER)
    task = Field(attribute="item__task__number", column_name=columns.TASK_NUMBER)
    item = Field(attribute="item__number", column_name=columns.ITEM_NUMBER)
    number = Field(attribute="number", column_name=columns.MEASURE_NUMBER)
    text = Field(attribute="text", column_name=columns.MEASURE_TEXT)
    units = Field(attribute="unit_summary", column_name="部门")
    person = Field(attribute="person__name", column_name=columns.PERSON)
    deadlines = Field(attribute="deadline_summary", column_name=columns.DEADLINE_PREFIX)
    progress = Field(attribute="progress_summary", column_name=columns.RESULT_PREFIX)

    class Meta:
        model = Measure
        fields = ("section", "task", "item", "number", "text", "units", "person", "deadlines", "progress")
        import_id_fields = ()
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def __init__(self, options=None, **kwargs):
        super().__init__(**kwargs)
        self.options = options or ImportOptions()
        self.plan = None
        self.flagged = []
        self.kept_app_progress = 0

    # -- the whole import -------------------------------------------------------------

    def import_data(self, dataset, **kwargs):
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, **kwargs)

    def before_import(self, dataset, **kwargs):
        """Read, match and place the whole file before the first row. When that fails the rows are
        dropped: django-import-export would still run each one against a plan never loaded, and
        the page would list a traceback per row under the one message that says what is wrong."""
        try:
            self.prepare(dataset, **kwargs)
        except Exception:
            del dataset[:]
            raise

    def prepare(self, dataset, **kwargs):
        self.file_name = kwargs.get("file_name") or dataset.ledger.file
        self.options = with_remembered_column_map(self.options, plan_slug(self.options, self.file_name, dataset.ledger.title))
        if self.options.column_map and getattr(dataset, "source", None) is not None:
            remap_dataset(dataset, self.options.column_map, self.file_name)
        ledger = dataset.ledger
        self.readings = ledger.readings
        self.check_unique_places(dataset)
        self.plan = self.find_or_create_plan(ledger)
        self.plan_years = self.plan.years
        self.identify(ledger, kwargs.get("user"))
        self.load_plan()

    def identify(self, ledger, user):
        """Which stored measure each row is (the bulk import's matcher), and what moves or goes:
        written now, before the rows, so no two measures share a place meanwhile."""
        self.sync = LedgerSync(ledger, self.options, file_name=self.file_name, user=user)
        self.sync.prepare(self.plan)
        if self.sync.errors:  # a value the database cannot take: named by file, sheet, row and column
            raise ImportFailed(self.sync.error_lines())
        self.sync.write_places()
        self.row_of_place = {place: index for index, place in enumerate(self.sync.places)}
        changed = self.sync.changed_measures
        self.old_deadlines = stored_deadline_rows([pk for pk, _row, _wanted, _place in changed])

    def load_plan(self):
        """Everything the plan holds now, fetched once, so each row is matched without a query."""
        self.departments = {d.name: d for d in Department.objects.all()}
        sections = Section.objects.in_bulk([pk for pk, *_rest in self.sync.sections.values()])
        tasks = Task.objects.in_bulk([pk for pk, *_rest in self.sync.tasks.values()])
        items = Item.objects.in_bulk([pk for pk, *_rest in self.sync.items.values()])
        self.sections = {key: sections[pk] for key, (pk, *_rest) in self.sync.sections.items()}
        self.tasks = {key: tasks[pk] for key, (pk, *_rest) in self.sync.tasks.items()}
        self.items = {key: items[pk] for key, (pk, *_rest) in self.sync.items.items()}
        measures = (
            Measure.all_objects.filter(pk__in=[stored.pk for stored in self.sync.matched.values()])
            .select_related("item__task__section", "person")
            .prefetch_related("units__department", "deadlines", "progress__entries")
        )
        by_pk = {m.pk: m for m in measures}
        self.measures = {index: by_pk[stored.pk] for index, stored in self.sync.matched.items()}
        self.existing_ids = set(by_pk)
        for pk, row, wanted, place in self.sync.changed_measures:
            self.sync.note_history(by_pk[pk], row, wanted, place, self.old_deadlines.get(pk, {}))
        self.people = {(p.name, p.department_id): p for p in Person.objects.all()}

    def after_import(self, dataset, result, **kwargs):
        result.measure_lines = self.sync.changes
        result.column_rows = column_rows(self.readings, self.plan_years)
        result.column_map_from_plan = self.options.column_map_from_plan
        if result.has_errors() or result.has_validation_errors():
            return
        self.sync.write_history()
        refresh_plan_standing(self.plan)
        if not kwargs.get("dry_run"):
            keep_workbook(self.plan, getattr(dataset, "source", None))

    def check_unique_places(self, dataset):
        check_unique_places((self.place(values), values[columns.SOURCE_ROW]) for values in dataset.dict)

    def find_or_create_plan(self, ledger):
        return find_or_create_plan(ledger, self.options, self.file_name)

    # -- one row ----------------------------------------------------------------------

    @staticmethod
    def place(values):
        return (
            values[columns.SECTION_NUMBER] or "",
            values[columns.TASK_NUMBER],
            values[columns.ITEM_NUMBER],
            values[columns.MEASURE_NUMBER],
        )

    def get_instance(self, instance_loader, row):
        return self.measures.get(self.row_of_place[self.place(row)])

    def init_instance(self, row=None):
        return Measure()

    def import_instance(self, instance, row, **kwargs):
        instance.deadlines_by_year = milestones_by_year(self.deadline_texts(row), self.plan_years)
        wanted = self.wanted_state(row, instance.deadlines_by_year)
        progress = self.file_progress(row)
        if instance.pk is None:
            instance.progress_writes = progress
            instance.unchanged = False
        else:
            instance.progress_writes = self.progress_writes(instance, progress)
            current = self.current_state(instance)
            instance.unchanged = self.sync.row_kinds[self.row_of_place[self.place(row)]] == "unchanged"
            if instance.unchanged and current != wanted:
                self.move_cells(instance, wanted)
        instance.item = self.item_for(row)
        instance.number = row[columns.MEASURE_NUMBER]
        instance.removed_at = None
        instance.text = wanted["text"]
        instance.label = wanted["label"]
        instance.lead_text = wanted["lead_text"]
        instance.responsible_text = wanted["responsible_text"]
        instance.source_row = wanted["source_row"]
        instance.extra = wanted["extra"]
        instance.source_cells = wanted["source_cells"]
        instance.person = self.person_for(row)
        check(instance, exclude=["item"])
        instance.wanted = wanted

    @staticmethod
    def move_cells(measure, wanted):
        """The same measure sits elsewhere in this workbook: follow it, without calling it a change."""
        Measure.all_objects.filter(pk=measure.pk).update(
            **{name: wanted[name] for name in WHERE_IN_THE_WORKBOOK}
        )

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return not import_validation_errors and instance.unchanged

    def after_save_instance(self, instance, row, **kwargs):
        wanted = instance.wanted
        new = instance.pk not in self.existing_ids
        self.store_units(instance, UnitRole.LEAD, wanted["lead_units"], new=new)
        self.store_units(instance, UnitRole.RESPONSIBLE, wanted["responsible_units"], new=new)
        by_year = instance.deadlines_by_year
        store_deadlines(instance, by_year)
        for year, (text, milestones, _covers_plan) in sorted(by_year.items()):
            if needs_review(milestones):
                self.flagged.append(f"第 {row[columns.SOURCE_ROW]} 行 {year} 年完成时限「{text}」")
        self.store_progress(instance, instance.progress_writes, kwargs.get("user"), new=new)

    # -- what a row asks for, and what is stored ---------------------------------------

    def wanted_state(self, row, deadlines_by_year):
        return {
            "section_title": row[columns.SECTION_TITLE] or "",
            "task_title": row[columns.TASK_TITLE] or "",
            "item_text": row[columns.ITEM_TEXT] or "",
            "upstream_deadline": row[columns.UPSTREAM_DEADLINE] or "",
            "text": row[columns.MEASURE_TEXT] or "",
            "label": row[columns.MEASURE_LABEL] or "",
            "lead_text": row[columns.LEAD_TEXT] or "",
            "responsible_text": row[columns.RESPONSIBLE_TEXT] or "",
            "source_row": row[columns.SOURCE_ROW],
            "extra": json.loads(row[columns.EXTRA]) if row[columns.EXTRA] else {},
            "source_cells": json.loads(row[columns.CELLS]) if row[columns.CELLS] else {},
            "person": row[columns.PERSON] or "",
            "lead_units": split_lines(row[columns.LEAD_UNITS]),
            "responsible_units": split_lines(row[columns.RESPONSIBLE_UNITS]),
            "deadlines": {year: deadline.text for year, deadline in deadlines_by_year.items()},
        }

    def current_state(self, measure):
        item = measure.item
        units = list(measure.units.all())
        return {
            "section_title": item.task.section.title,
            "task_title": item.task.title,
            "item_text": item.text,
            "upstream_deadline": item.upstream_deadline,
            "text": measure.text,
            "label": measure.label,
            "lead_text": measure.lead_text,
            "responsible_text": measure.responsible_text,
            "source_row": measure.source_row,
            "extra": measure.extra,
            "source_cells": measure.source_cells,
            "person": measure.person.name if measure.person else "",
            "lead_units": [u.department.name for u in units if u.role == UnitRole.LEAD],
            "responsible_units": [u.department.name for u in units if u.role == UnitRole.RESPONSIBLE],
            "deadlines": stored_deadlines(measure),
        }

    def deadline_texts(self, row):
        texts = {}
        for header, value in row.items():
            year = columns.year_of(header, columns.DEADLINE_PREFIX)
            if year is not False and value:
                texts[year] = value
        return texts

    def file_progress(self, row):
        """``{year: (status, note)}`` that the file states for this measure."""
        results = {}
        for header, value in row.items():
            year = columns.year_of(header, columns.RESULT_PREFIX)
            if year and value:
                results[year] = value
        return file_progress(results, row[columns.DONE] == columns.YES, self.plan)

    def progress_writes(self, measure, wanted):
        """What the file changes in this measure's progress (``ledger_sync.progress_over``)."""
        stored = {}
        for progress in measure.progress.all():
            entries = list(progress.entries.all())
            stored[progress.year] = (progress.status, progress.note, entries[-1].source if entries else None, None)
        writes, kept = progress_over(stored, wanted)
        self.kept_app_progress += kept
        return {year: (status, note) for year, (status, note, _handle) in writes.items()}

    # -- writing the parts ------------------------------------------------------------

    def item_for(self, row):
        section_number = row[columns.SECTION_NUMBER] or ""
        task_key = (section_number, row[columns.TASK_NUMBER])
        item_key = (*task_key, row[columns.ITEM_NUMBER])
        section = upsert(
            self.sections,
            section_number,
            Section(plan=self.plan, number=section_number, order=row[columns.SOURCE_ROW]),
            {"title": row[columns.SECTION_TITLE] or ""},
            {"title": columns.SECTION_TITLE},
        )
        task = upsert(
            self.tasks,
            task_key,
            Task(section=section, number=row[columns.TASK_NUMBER], order=row[columns.SOURCE_ROW]),
            {"title": row[columns.TASK_TITLE] or "", "label": row[columns.TASK_LABEL] or ""},
            {"title": columns.TASK_TITLE, "number": columns.TASK_NUMBER},
        )
        return upsert(
            self.items,
            item_key,
            Item(task=task, number=row[columns.ITEM_NUMBER], order=row[columns.SOURCE_ROW]),
            {
                "text": row[columns.ITEM_TEXT] or "",
                "upstream_deadline": row[columns.UPSTREAM_DEADLINE] or "",
                "label": row[columns.ITEM_LABEL] or "",
            },
            {"text": columns.ITEM_TEXT, "upstream_deadline": columns.UPSTREAM_DEADLINE, "number": columns.ITEM_NUMBER},
        )

    def person_for(self, row):
        name = (row[columns.PERSON] or "").strip()
        if not name:
            return None
        units = split_lines(row[columns.LEAD_UNITS]) + split_lines(row[columns.RESPONSIBLE_UNITS])
        department = self.department(units[0]) if len(units) == 1 else None
        key = (name, department.pk if department else None)
        if key not in self.people:
            person = Person(name=name, department=department)
            check(person, field_columns={"name": columns.PERSON}, exclude=["department", "user"])
            person.save()
            self.people[key] = person
        return self.people[key]

    def department(self, name):
        if name not in self.departments:
            department = Department(name=name)
            check(department, field_columns={"name": "部门"}, exclude=["parent"])
            department.save()
            self.departments[name] = department
        return self.departments[name]

    def store_units(self, measure, role, names, *, new):
        wanted = [self.department(name) for name in names]
        if not new:
            current = [u for u in measure.units.all() if u.role == role]
            if [u.department_id for u in current] == [d.pk for d in wanted]:
                return
            measure.units.filter(role=role).delete()
        MeasureUnit.objects.bulk_create(
            MeasureUnit(measure=measure, department=d, role=role, order=i) for i, d in enumerate(wanted)
        )

    def store_progress(self, measure, writes, user, *, new):
        stored = {} if new else {p.year: p for p in measure.progress.all()}
        for year, (status, note) in sorted(writes.items()):
            progress = stored.get(year)
            record_progress(
                measure,
                year,
                status=status,
                note=note,
                user=user if user and user.is_authenticated else None,
                source=ProgressSource.IMPORT,
                comment=f"导入 {self.file_name}",
                expected_version=progress.version if progress else None,
            )

    # -- messages ---------------------------------------------------------------------

    def error_messages(self, result, dataset):
        """Every error as one line naming file, sheet, row and column."""
        where = f"{self.file_name}, 工作表「{dataset.ledger.sheet}」"
        if result.base_errors:  # the whole file was refused: row errors after it are only its echoes
            return [f"{where}{describe(error.error)}" for error in result.base_errors]
        lines = []
        for number, errors in result.row_errors():
            source_row = dataset.dict[number - 1][columns.SOURCE_ROW]
            for error in errors:
                lines.append(f"{where}, 第 {source_row} 行{describe(error.error)}")
        for invalid in result.invalid_rows:
            source_row = dataset.dict[invalid.number - 1][columns.SOURCE_ROW]
            for column, messages in invalid.error_dict.items():
                for message in messages:
                    lines.append(f"{where}, 第 {source_row} 行, 列「{column}」: {message}")
        return lines


class MeasureResourceWithoutPreview(MeasureResource):
    """The same import without the per-row before/after diff that only the admin's preview shows."""

    class Meta(MeasureResource.Meta):
        skip_diff = True


def upsert(cache, key, new, values, field_columns):
    """The cached row at ``key`` with ``values`` brought up to date, or ``new`` with them, saved."""
    obj = cache.get(key, new)
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if obj.pk is not None and not changed:
        return obj
    for name in changed:
        setattr(obj, name, values[name])
    check(obj, field_columns=field_columns, exclude=[f.name for f in obj._meta.fields if f.name not in {*values, *field_columns}])
    obj.save()
    cache[key] = obj
    return obj


def check(obj, *, field_columns=None, exclude=None):
    """``full_clean`` with the errors named by the ledger's column, not the model field."""
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        field_columns = field_columns or {}
        raise ValidationError(
            {field_columns.get(field, field): messages for field, messages in error.message_dict.items()}
        ) from error
