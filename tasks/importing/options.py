"""What the person importing says that the file does not (``ImportOptions``), and the plan an
import goes into: the slug given, or made from the file name or title, and the column mapping
the plan kept from its last import."""

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.utils.text import slugify

from tasks.ledgerfiles.headers import FIELD_NAMES, FIELDS, field_name


@dataclass
class ImportOptions:
    """What the person importing says that the file does not."""

    plan_slug: str = ""
    years: list[int] = field(default_factory=list)
    column_map: dict[str, str] = field(default_factory=dict)  # header → field, by hand or remembered by the plan
    column_map_from_plan: bool = False  # column_map is the one the plan kept from its last import


def parse_years(text):
    """``2024`` → [2024]; ``2023-2025`` / ``2023—2025`` → [2023, 2024, 2025]."""
    match = re.fullmatch(r"\s*(\d{4})\s*(?:[-–—~至到]\s*(\d{4}))?\s*", text or "")
    if not match:
        raise ValueError(f"years must look like 2024 or 2023-2025, not {text!r}")
    start = int(match.group(1))
    end = int(match.group(2) or start)
    if end < start:
        raise ValueError(f"years run backwards: {text!r}")
    return list(range(start, end + 1))


#: What a column can hold, by the name the import's column table gives it (工作措施 → measure).
KEYS_BY_NAME = {name: key for key, name in FIELD_NAMES.items() if not key.endswith(":")}
_YEAR_NAME = re.compile(r"(\d{4})\s*年?\s*(完成时限|完成情况)")
EXTRA_NAMES = ("其他列", field_name(None))


def column_names():
    """The names a mapping may give a column, as the import's column table shows them."""
    return [*(FIELD_NAMES[key] for key in FIELDS), f"2024{FIELD_NAMES['deadline:']}", f"2024{FIELD_NAMES['result:']}", field_name(None)]


def field_key(name):
    """The field a mapping's right side means: a column as the ledger names it (``工作措施``,
    ``2024年完成时限``, ``其他列``) or the reader's own key (``measure``, ``deadline:2024``, ``extra``)."""
    name = name.strip()
    year = _YEAR_NAME.fullmatch(name)
    if year:
        return f"{'deadline' if year.group(2) == '完成时限' else 'result'}:{year.group(1)}"
    if name in EXTRA_NAMES:
        return "extra"
    return KEYS_BY_NAME.get(name, name)


def parse_column_map(pairs):
    """``["民生实事=工作措施"]`` (or ``民生实事=measure``) → {"民生实事": "measure"}."""
    mapping = {}
    for pair in pairs:
        header, sep, key = pair.partition("=")
        if not sep or not header.strip() or not key.strip():
            raise ValueError(f"--column takes HEADER=FIELD, not {pair!r}")
        mapping[header.strip()] = field_key(key)
    return mapping


def column_map_lines(column_map):
    """{"民生实事": "measure"} → ``民生实事=measure``, one a line, as the admin's 列映射 field takes them."""
    return "\n".join(f"{header}={key}" for header, key in column_map.items())


def column_map_text(column_map):
    """{"民生实事": "measure"} → ``民生实事=measure``, one pair after another, as ``--column`` takes them."""
    return "; ".join(f"{header}={key}" for header, key in column_map.items())


def plan_slug(options, file_name, title=""):
    """The slug of the plan an import goes into: as given, else from the file name (else the title)."""
    return options.plan_slug or default_slug(file_name, title or file_name)


def default_slug(file_name, title):
    return slugify(Path(file_name).stem, allow_unicode=True) or slugify(title, allow_unicode=True)[:50] or "ledger"


def with_remembered_column_map(options, slug):
    """``options`` with the column mapping the plan kept from its last import, when none is given."""
    from tasks.models import Plan

    if options.column_map:
        return options
    remembered = Plan.objects.filter(slug=slug).values_list("column_map", flat=True).first()
    if not remembered:
        return options
    return replace(options, column_map=dict(remembered), column_map_from_plan=True)
