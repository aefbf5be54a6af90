"""What the ledger reader gives: the ledger (``Ledger``: file, sheet, title, header, years) and one
``MeasureRow`` per measure. Pure Python, no Django.
"""

from dataclasses import dataclass, field

from tasks.ledgerfiles.headers import ColumnReading


@dataclass(slots=True)
class MeasureRow:
    """One measure as read. Its lists and dicts may be shared with other rows of the read: never change them."""

    row: int
    section_number: str
    section_title: str
    task_number: int | None
    task_title: str
    item_number: int | None
    item_text: str
    upstream_deadline: str
    measure_number: int
    measure_text: str
    lead_units: list[str]
    responsible_units: list[str]
    lead_text: str
    responsible_text: str
    person: str
    deadlines: dict[int | None, str]
    results: dict[int, str]
    done: bool | None
    extra: dict[str, str]
    cells: dict[str, tuple[int, int]]
    task_label: str = ""  # the numbers as written (1, 1.1, (3), ①); empty where the ledger has none
    item_label: str = ""
    measure_label: str = ""


@dataclass
class Ledger:
    file: str
    sheet: str
    title: str
    header_row: int
    columns: dict[str, int]
    readings: list[ColumnReading]
    unknown_columns: list[str]
    years: list[int]
    title_years: list[int]
    rows: list[MeasureRow]
    plan_years: list[int] = field(default_factory=list)  # what the file says the plan covers
    years_from: str = ""  # where plan_years were found (标题, 表头, 完成时限), or "" when nowhere
    unread_rows: list[str] = field(default_factory=list)  # rows with text only in columns not understood, described
