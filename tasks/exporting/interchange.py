"""The JSON interchange format of DESIGN.md: one object per measure.

Used by the API, the JSON export and anything else that hands measures to another system.
Numbers are integers; years are strings of four digits. A whole plan travels as one document
(``write_plan_json``) that ``import_ledger`` reads back through the same dataset as a workbook
(``read_interchange``); its shape is ``docs/interchange.schema.json``. The document streams:
its measures come from ``tasks.exporting.rows`` in a fixed number of queries and are written one
at a time, so a plan of 100,000 measures never sits in memory as objects.
"""

import io
import json

from tasks.choices import ProgressStatus, UnitRole
from tasks.exporting.rows import MeasureRecord, measure_records
from tasks.exporting.layout_cells import result_text
from tasks.models import Measure
from tasks.ledgerfiles.errors import LedgerError
from tasks.ledgerfiles.ledger_rows import Ledger, MeasureRow


def interchange_queryset(queryset=None):
    """Measures with everything ``to_interchange`` reads, fetched in a fixed number of queries."""
    queryset = Measure.objects.all() if queryset is None else queryset
    return queryset.select_related("item__task__section__plan", "person").prefetch_related(
        "units__department", "deadlines__milestones", "progress"
    )


def to_interchange(measure):
    """A measure from ``interchange_queryset`` as its interchange object."""
    return interchange_object(MeasureRecord.from_instance(measure))


def interchange_object(record):
    """The interchange object of a ``MeasureRecord`` read with its units and milestones."""
    item = record.item
    task = item.task
    section = task.section
    plan = section.plan
    reported = record.progress.get(plan.reporting_year)
    return {
        "id": record.id,
        "plan": plan.slug,
        "section": {"number": section.number, "title": section.title},
        "task": {"number": task.number, "title": task.title, "label": task.label},
        "item": {"number": item.number, "text": item.text, "upstream_deadline": item.upstream_deadline, "label": item.label},
        "measure": {"number": record.number, "text": record.text, "label": record.label},
        "lead_units": [u.department for u in record.units if u.role == UnitRole.LEAD],
        "responsible_units": [u.department for u in record.units if u.role == UnitRole.RESPONSIBLE],
        "person": record.person,
        "deadlines": {
            str(deadline.year): {
                "text": deadline.text,
                "milestones": [
                    {"date": m.date.isoformat() if m.date else None, "kind": m.kind, "label": m.label}
                    for m in deadline.milestones
                ],
            }
            for deadline in record.deadlines
        },
        "progress": {
            str(year): {"status": p.status, "note": p.note, "version": p.version}
            for year, p in sorted(record.progress.items())
        },
        "completed": reported is not None and reported.status == ProgressStatus.DONE,
        **({"removed": True} if record.removed else {}),
    }


# ---------------------------------------------------------------- the whole plan as one document

#: Bumped when the document changes shape; the importer accepts this version only.
DOCUMENT_VERSION = 1


def plan_json(plan, measures=None, *, include_removed=False):
    """The JSON export of a plan as bytes (see ``write_plan_json``)."""
    output = io.BytesIO()
    write_plan_json(plan, output, measures, include_removed=include_removed)
    return output.getvalue()


def write_plan_json(plan, output, measures=None, *, include_removed=False):
    """Write the JSON export of a plan to ``output`` (a binary file open for writing):
    ``{"format", "version", "plan": {...}, "measures": [...]}`` with one measure per line.

    Each measure is its interchange object plus ``source`` (the ledger as written: raw unit
    text, extra columns, the cells it came from) and ``covers_plan`` on each deadline, so an
    import of the document gives back exactly the plan it came from. The measures are written
    as they are read; without indentation the encoder is the fast one (``indent`` makes
    ``json`` encode in Python, four times slower). ``include_removed`` adds the measures a
    re-import removed, each with ``"removed": true``; importing the document leaves them removed.
    """
    if measures is None:
        manager = Measure.all_objects if include_removed else Measure.objects
        measures = manager.filter(item__task__section__plan=plan)
    head = json.dumps(
        {
            "format": "task-ledger",
            "version": DOCUMENT_VERSION,
            "plan": {
                "slug": plan.slug,
                "title": plan.title,
                "issuing_body": plan.issuing_body,
                "document_number": plan.document_number,
                "start_year": plan.start_year,
                "end_year": plan.end_year,
                "reporting_year": plan.reporting_year,
                "sheet": plan.source_sheet,
            },
            "measures": [],
        },
        ensure_ascii=False,
    )
    output.write(head.removesuffix("]}").encode("utf-8"))
    separator = b"\n"
    for record in measure_records(measures, source=True, units=True, milestones=True):
        output.write(separator + json.dumps(document_measure(record), ensure_ascii=False).encode("utf-8"))
        separator = b",\n"
    output.write(b"]}\n" if separator == b"\n" else b"\n]}\n")


def document_measure(record):
    obj = interchange_object(record)
    covers_plan = {str(deadline.year): deadline.covers_plan for deadline in record.deadlines}
    for year, deadline in obj["deadlines"].items():
        deadline["covers_plan"] = covers_plan[year]
    obj["source"] = {
        "row": record.source_row,
        "cells": record.source_cells,
        "extra": record.extra,
        "lead_text": record.lead_text,
        "responsible_text": record.responsible_text,
    }
    return obj


# ---------------------------------------------------------------- reading a document back


def is_interchange(data, file_name):
    """A ``.json`` file, or content that starts like JSON (``{`` or ``[``)."""
    return str(file_name).lower().endswith(".json") or data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def read_interchange(data, *, file_name):
    """A JSON export (or an array of interchange objects) as the ledger the importer reads.

    Returns ``(ledger, plan slug)``: the same ``Ledger`` of ``MeasureRow``s a workbook gives,
    so the import goes through the same dataset and resource as an xlsx file.
    """
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LedgerError(f"不是可读取的 JSON 文件（{error}）", file=file_name) from error
    plan, objects = document_parts(document, file_name)
    reporting_year = plan.get("reporting_year")
    rows = []
    for index, obj in enumerate(objects, start=1):
        if isinstance(obj, dict) and obj.get("removed") is True:
            continue  # no longer in the ledger: it stays removed
        try:
            rows.append(measure_row(obj, index, reporting_year))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise LedgerError(f"第 {index} 项措施缺少或写错了字段（{error}）", file=file_name) from error
    return (
        Ledger(
            file=file_name,
            sheet=plan.get("sheet") or "",
            title=plan.get("title") or "",
            header_row=0,
            columns={},
            readings=[],
            unknown_columns=[],
            years=document_years(plan, objects),
            title_years=[],
            rows=rows,
        ),
        plan.get("slug") or next((obj.get("plan") for obj in objects if obj.get("plan")), ""),
    )


def document_parts(document, file_name):
    if isinstance(document, list):
        return {}, document
    if isinstance(document, dict) and isinstance(document.get("measures"), list):
        if document.get("version", DOCUMENT_VERSION) != DOCUMENT_VERSION:
            raise LedgerError(f"不支持的文件版本 {document.get('version')!r}（应为 {DOCUMENT_VERSION}）", file=file_name)
        return document.get("plan") or {}, document["measures"]
    raise LedgerError("JSON 应为措施对象的数组，或含 plan 和 measures 的对象", file=file_name)


def document_years(plan, objects):
    if plan.get("start_year") and plan.get("end_year"):
        return list(range(int(plan["start_year"]), int(plan["end_year"]) + 1))
    named = {int(year) for obj in objects for part in ("deadlines", "progress") for year in obj.get(part) or {}}
    return sorted(named)


def measure_row(obj, index, reporting_year):
    """One interchange object as the ``MeasureRow`` a ledger row would give."""
    source = obj.get("source") or {}
    deadlines = {}
    for year, deadline in (obj.get("deadlines") or {}).items():
        deadlines[None if deadline.get("covers_plan") else int(year)] = deadline["text"]
    results, done = {}, None
    for year, progress in (obj.get("progress") or {}).items():
        status, note = progress["status"], progress.get("note") or ""
        if int(year) == reporting_year and status == ProgressStatus.DONE and not note:
            done = True
        elif text := result_text(status, note):
            results[int(year)] = text
    lead, responsible = list(obj.get("lead_units") or []), list(obj.get("responsible_units") or [])
    return MeasureRow(
        row=source.get("row") or index,
        section_number=obj["section"]["number"],
        section_title=obj["section"]["title"],
        task_number=int(obj["task"]["number"]),
        task_title=obj["task"]["title"],
        task_label=obj["task"].get("label") or "",
        item_number=int(obj["item"]["number"]),
        item_text=obj["item"]["text"],
        item_label=obj["item"].get("label") or "",
        upstream_deadline=obj["item"].get("upstream_deadline") or "",
        measure_number=int(obj["measure"]["number"]),
        measure_text=obj["measure"]["text"],
        measure_label=obj["measure"].get("label") or "",
        lead_units=lead,
        responsible_units=responsible,
        lead_text=source.get("lead_text", "、".join(lead)),
        responsible_text=source.get("responsible_text", "、".join(responsible)),
        person=obj.get("person") or "",
        deadlines=deadlines,
        results=results,
        done=done,
        extra=source.get("extra") or {},
        cells={key: tuple(cell) for key, cell in (source.get("cells") or {}).items()},
    )
