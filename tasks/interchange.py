"""The JSON interchange format of DESIGN.md: one object per measure.

Used by the API, the JSON export and anything else that hands measures to another system.
Numbers are integers; years are strings of four digits. A whole plan travels as one document
(``plan_document``) that ``import_ledger`` reads back through the same dataset as a workbook
(``read_interchange``); its shape is ``docs/interchange.schema.json``.
"""

import json

from .choices import ProgressStatus, UnitRole
from .exporting import result_text
from .models import Measure
from .sheets import Ledger, LedgerError, MeasureRow


def interchange_queryset(queryset=None):
    """Measures with everything ``to_interchange`` reads, fetched in a fixed number of queries."""
    queryset = Measure.objects.all() if queryset is None else queryset
    return queryset.select_related("item__task__section__plan", "person").prefetch_related(
        "units__department", "deadlines__milestones", "progress"
    )


def to_interchange(measure):
    item = measure.item
    task = item.task
    section = task.section
    plan = section.plan
    units = sorted(measure.units.all(), key=lambda unit: unit.order)
    progress = {p.year: p for p in measure.progress.all()}
    reported = progress.get(plan.reporting_year)
    return {
        "id": measure.pk,
        "plan": plan.slug,
        "section": {"number": section.number, "title": section.title},
        "task": {"number": task.number, "title": task.title},
        "item": {"number": item.number, "text": item.text, "upstream_deadline": item.upstream_deadline},
        "measure": {"number": measure.number, "text": measure.text},
        "lead_units": [u.department.name for u in units if u.role == UnitRole.LEAD],
        "responsible_units": [u.department.name for u in units if u.role == UnitRole.RESPONSIBLE],
        "person": measure.person.name if measure.person else "",
        "deadlines": {
            str(deadline.year): {
                "text": deadline.text,
                "milestones": [
                    {"date": m.date.isoformat() if m.date else None, "kind": m.kind, "label": m.label}
                    for m in deadline.milestones.all()
                ],
            }
            for deadline in sorted(measure.deadlines.all(), key=lambda d: d.year)
        },
        "progress": {
            str(year): {"status": p.status, "note": p.note, "version": p.version}
            for year, p in sorted(progress.items())
        },
        "completed": reported is not None and reported.status == ProgressStatus.DONE,
    }


# ---------------------------------------------------------------- the whole plan as one document

#: Bumped when the document changes shape; the importer accepts this version only.
DOCUMENT_VERSION = 1


def plan_document(plan, measures=None):
    """The JSON export of a plan: ``{"format", "version", "plan": {...}, "measures": [...]}``.

    Each measure is its interchange object plus ``source`` (the ledger as written: raw unit
    text, extra columns, the cells it came from) and ``covers_plan`` on each deadline, so an
    import of the document gives back exactly the plan it came from.
    """
    measures = Measure.objects.filter(item__task__section__plan=plan) if measures is None else measures
    ordered = interchange_queryset(measures).order_by(
        "item__task__section__order", "item__task__order", "item__order", "item_id", "number"
    )
    return {
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
        "measures": [document_measure(measure) for measure in ordered.iterator(chunk_size=2000)],
    }


def document_measure(measure):
    obj = to_interchange(measure)
    covers_plan = {str(deadline.year): deadline.covers_plan for deadline in measure.deadlines.all()}
    for year, deadline in obj["deadlines"].items():
        deadline["covers_plan"] = covers_plan[year]
    obj["source"] = {
        "row": measure.source_row,
        "cells": measure.source_cells,
        "extra": measure.extra,
        "lead_text": measure.lead_text,
        "responsible_text": measure.responsible_text,
    }
    return obj


def plan_json(plan, measures=None):
    return json.dumps(plan_document(plan, measures), ensure_ascii=False, indent=1).encode("utf-8")


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
        item_number=int(obj["item"]["number"]),
        item_text=obj["item"]["text"],
        upstream_deadline=obj["item"].get("upstream_deadline") or "",
        measure_number=int(obj["measure"]["number"]),
        measure_text=obj["measure"]["text"],
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
