"""What a plan holds before an import, read in a handful of queries: each stored measure with
its content key (what ``identity.match`` and the unchanged check compare), its deadline phrases
and its units."""

from collections import defaultdict
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from tasks.choices import UnitRole
from tasks.models import (
    Deadline,
    MeasureUnit,
)

#: The units of a measure stored without any.
NO_UNITS = ([], [])


class StoredMeasure(NamedTuple):
    """A stored measure as an import compares it: fingerprints of its values, where it sits, its text."""

    pk: int
    content: int  # content_key of its own values
    where: int  # where_key of its cells in the workbook
    item: int
    number: int
    text: str
    person: str
    removed: bool


def content_key(text, lead_text, responsible_text, extra, person, label):
    """A measure's own values as one comparable fingerprint (``extra`` as stored or as read)."""
    return hash((text, lead_text, responsible_text, frozen(extra), person, label))


def where_key(source_row, cells):
    """Where a measure sits in its workbook, as one comparable fingerprint."""
    return hash((source_row, frozen(cells)))


def frozen(mapping):
    """A JSON object of strings, numbers or [row, column] pairs as a hashable, order-free value."""
    return tuple(sorted((key, tuple(value) if isinstance(value, list) else value) for key, value in mapping.items()))


def load_deadline_phrases(in_plan):
    """{measure id: ``deadline_phrases`` of its stored deadlines}: the phrases themselves are read
    again only for the measures an import changes (``stored_deadlines``)."""
    deadlines = Deadline.objects.filter(**in_plan).order_by("measure_id", "year").values_list("measure_id", "year", "text")
    return {
        measure: hash(tuple(value for _measure, year, text in rows for value in (year, text)))
        for measure, rows in groupby(deadlines.iterator(5000), key=itemgetter(0))
    }


def stored_deadlines(measure_ids):
    """{measure id: {year: (deadline id, phrase, covers_plan)}} as stored."""
    stored = defaultdict(dict)
    for ids in chunks(measure_ids):
        for pk, measure, year, text, covers_plan in Deadline.objects.filter(measure__in=ids).values_list(
            "id", "measure_id", "year", "text", "covers_plan"
        ):
            stored[measure][year] = (pk, text, covers_plan)
    return stored


def load_units(in_plan, one):
    """{measure id: (lead names, responsible names)} in order; measures with the same units share the lists."""
    rows = (
        MeasureUnit.objects.filter(**in_plan)
        .order_by("measure_id", "role", "order")
        .values_list("measure_id", "role", "department__name")
        .iterator(5000)
    )
    units, lists = {}, {}
    for measure, in_measure in groupby(rows, key=itemgetter(0)):
        lead, responsible = [], []
        for _measure, role, name in in_measure:
            (lead if role == UnitRole.LEAD else responsible).append(one.setdefault(name, name))
        units[measure] = (lists.setdefault(tuple(lead), lead), lists.setdefault(tuple(responsible), responsible))
    return units


def deadline_phrases(deadlines):
    """A fingerprint of a measure's deadline phrase per year (``{year: YearDeadline}``); None without any."""
    if not deadlines:
        return None
    return hash(tuple(value for year in sorted(deadlines) for value in (year, deadlines[year].text)))


def units_text(lead, responsible):
    """``牵头：A、B；责任：C`` for a measure's history."""
    return "；".join(f"{role}：{'、'.join(names)}" for role, names in (("牵头", lead), ("责任", responsible)) if names)


def chunks(values, size=10000):
    """``values`` in slices small enough for one query's parameters."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]
