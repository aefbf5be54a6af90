"""The values of a filled-in ledger's cells: numbers and texts as the importer reads them back
(measures keyed by circled numbers where they differ), each year's status and note.
"""

from operator import attrgetter, methodcaller


from tasks.choices import ProgressStatus
from tasks.exporting.rows import MeasureRecord
from tasks.models import circled
from tasks.workflow.progress import status_from_result


#: Status words as the importer reads them back (``tasks.workflow.progress.RESULT_WORDS``).
STATUS_WORDS = {
    ProgressStatus.NOT_STARTED: "未开始",
    ProgressStatus.IN_PROGRESS: "进行中",
    ProgressStatus.DONE: "已完成",
    ProgressStatus.ONGOING: "持续推进",
}

#: Cells with one value for the row, from its first measure or all of its measures.
ROW_VALUES = {
    "task_number": lambda measures, context: task_number(measures[0].item.task),
    "task_title": lambda measures, context: measures[0].item.task.title,
    "item": lambda measures, context: item_text(measures[0].item, context.markers),
    "upstream_deadline": lambda measures, context: measures[0].item.upstream_deadline,
    "measure": lambda measures, context: measure_text(measures),
    "measure_number": lambda measures, context: measures[0].label or measures[0].number,
    "done": lambda measures, context: done_marks(measures, context.reporting_year, MeasureRecord.progress_in),
}

#: Cells with a value per measure, keyed by circled numbers where the row's measures differ
#: (``keyed_values``): for the column's year, the function giving a measure's value.
MEASURE_VALUES = {
    "lead": lambda year: attrgetter("lead_text"),
    "responsible": lambda year: attrgetter("responsible_text"),
    "person": lambda year: attrgetter("person"),
    "deadline": lambda year: methodcaller("deadline_text", year),
    "result": lambda year: lambda measure: status_text(measure.progress_in(year)),
}

NUMBER = attrgetter("number")


def cell_value(key, context):
    """The function giving what the cell under ``key`` shows for the measures of one row."""
    name, _, argument = key.partition(":")
    if name == "extra":
        return lambda measures: measures[0].extra.get(argument) or None
    if name in ROW_VALUES:
        value = ROW_VALUES[name]
        return lambda measures: value(measures, context) or None
    if name in MEASURE_VALUES:
        value = MEASURE_VALUES[name](int(argument) if argument else None)
        return lambda measures: (
            value(measures[0]) if len(measures) == 1 else keyed_values(list(map(value, measures)), map(NUMBER, measures))
        ) or None
    return lambda measures: None


def task_number(task):
    """The task's number as written (``1``, ``一``), an integer where it is the number itself."""
    return task.label if task.label and task.label != str(task.number) else task.number


def item_text(item, markers):
    """The item's text after its number as written (``(3)``); ``(n)`` where the ledger wrote none and ``markers``."""
    if item.label:
        return f"{item.label} {item.text}".strip()
    return f"({item.number}) {item.text}".strip() if markers else item.text


def measure_text(measures):
    """A measure on its own row as written (after its number, ``①``, where it had one); several in
    one cell as ``① …`` lines, numbered as written."""
    if len(measures) == 1:
        measure = measures[0]
        return f"{measure.label} {measure.text}" if measure.label else measure.text
    return "\n".join([f"{m.label or circled(m.number)} {m.text}" for m in measures])


def keyed_values(texts, numbers):
    """One value for every measure of the row when the ``texts`` agree, else ``①text\\n②text`` lines
    keyed by the measures' ``numbers``."""
    first = texts[0]
    if len(texts) == 1 or (first and texts.count(first) == len(texts)):
        return first
    return "\n".join([f"{circled(number)}{text}" for number, text in zip(numbers, texts) if text])


def keyed_text(pairs):
    """``keyed_values`` of ``(number, text)`` pairs."""
    return keyed_values([text for _, text in pairs], [number for number, _ in pairs])


def progress_of(measure, year):
    """The progress of a model instance in ``year``, from its prefetched ``progress``."""
    return next((p for p in measure.progress.all() if p.year == year), None)


def status_text(progress):
    """The words a ledger cell shows for a year's progress (blank when never reported)."""
    return "" if progress is None else result_text(progress.status, progress.note)


def result_text(status, note):
    """Status and note as the importer reads them back to the same status: the note when it says so."""
    note = note.strip()
    if note and status_from_result(note) == status:
        return note
    if status == ProgressStatus.NOT_STARTED and not note:
        return ""
    word = STATUS_WORDS[status]
    return f"{word}：{note}" if note else word


def done_marks(measures, year, progress=progress_of):
    """``① ③``: the circled numbers of the row's measures done in ``year``; ``progress(measure, year)``
    gives a measure's progress (a model instance's by default)."""
    return " ".join(
        circled(m.number) for m in measures
        if (p := progress(m, year)) is not None and p.status == ProgressStatus.DONE
    )
