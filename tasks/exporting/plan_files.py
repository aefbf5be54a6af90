"""A plan's download in one of its formats, written to a file: the ledger layout (xlsx), the flat
list (csv) or the interchange document (json), of the measures given (a staff member's own).
The export page writes it during the request; a large one is written by the worker (``jobs``)."""

from tasks.exporting.ledger_layout import XLSX_TYPE, export_filename, write_ledger
from tasks.exporting.flat import write_flat_export
from tasks.exporting.interchange import write_plan_json

FORMATS = ("xlsx", "csv", "json")


def write_plan_export(plan, measures, fmt, year, output):
    """Write the export to the binary file ``output``; returns its content type."""
    if fmt == "xlsx":
        write_ledger(plan, output, measures=measures, year=year)
        return XLSX_TYPE
    if fmt == "csv":
        content_type, _name = write_flat_export(measures, "csv", output, year=year)
        return content_type
    write_plan_json(plan, output, measures)
    return "application/json"


def plan_export_filename(plan, fmt, year):
    return export_filename(plan, year or plan.reporting_year or plan.start_year, fmt)
