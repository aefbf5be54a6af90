"""The admin preview's column table: each column of a ledger, the field it was read as and why,
and the fields a person may set it to instead.

A choice becomes a column mapping (header → field, the ``column_map`` of ``read_ledger``): what
the person changed, on top of the mapping the preview was read with. Giving a field to one
column takes it from the column that held it, which is then kept as extra data (the reader
never drops a column).
"""

import json
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from tasks.ledgerfiles.headers import FIELDS, field_name, mapping_key, valid_field

#: The choice for a column read as no field: kept as extra data, exported again.
EXTRA = "extra"


@dataclass(frozen=True)
class ColumnRow:
    """One column of the table: where it is, its header as written, its field, why, and what it may be."""

    number: int  # 1-based
    letter: str  # A, B, … AA as spreadsheets name columns
    header: str
    field: str  # a field key, or EXTRA
    reason: str
    key: str  # what a mapping names the column by; "" for a column without a header (it cannot be mapped)
    choices: list[tuple[str, str]]

    @property
    def field_name(self):
        return field_name(None if self.field == EXTRA else self.field)

    @property
    def by_hand(self):
        return self.reason.startswith("按列映射")


def field_choices(years, current=None) -> list[tuple[str, str]]:
    """Every field a column may be read as, for a ledger of ``years``, then extra data."""
    keys = list(FIELDS)
    for year in years:
        keys += [f"deadline:{year}", f"result:{year}"]
    if current and current != EXTRA and current not in keys:
        keys.append(current)
    return [(key, field_name(key)) for key in keys] + [(EXTRA, field_name(None))]


def column_rows(readings, years) -> list[ColumnRow]:
    rows = []
    for reading in readings:
        field = reading.field or EXTRA
        rows.append(
            ColumnRow(
                number=reading.column,
                letter=get_column_letter(reading.column),
                header=reading.header,
                field=field,
                reason=reading.reason,
                key=mapping_key(reading),
                choices=field_choices(years, field),
            )
        )
    return rows


def columns_as_read(rows) -> str:
    """What the table showed, for the re-read form to compare the choices with: ``[[number, key, field], …]``."""
    return json.dumps([[row.number, row.key, row.field] for row in rows], ensure_ascii=False)


def chosen_column_map(previous, shown, data) -> dict[str, str]:
    """The mapping after the person's choices: ``previous`` (what the preview was read with), the
    columns ``shown`` (``columns_as_read``) and the submitted ``column_N`` choices. ``ValueError``
    names a choice that is no field."""
    try:
        columns = [(int(number), str(key), str(field)) for number, key, field in json.loads(shown)]
    except (TypeError, ValueError) as error:
        raise ValueError("列的读取结果缺失或已损坏，请重新上传文件。") from error
    chosen = {}
    for number, key, field in columns:
        choice = data.get(f"column_{number}", field)
        if choice != EXTRA and not valid_field(choice):
            raise ValueError(f"第 {number} 列：没有字段「{choice}」")
        chosen[number] = choice
    mapping = dict(previous)
    for number, key, field in columns:
        choice = chosen[number]
        if choice == field or not key:
            continue
        mapping[key] = choice
        if choice == EXTRA:
            continue
        for other, other_key, other_field in columns:  # the column that held the field gives it up
            if other != number and other_field == choice and chosen[other] == other_field and other_key:
                mapping[other_key] = EXTRA
    return mapping
