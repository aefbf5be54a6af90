"""The bulk import's preview as its page shows it: what ``import_ledger(preview=True)`` found, in
plain JSON values, so that the page renders the same preview whether the request compared the
file or the worker did (``jobs.previews`` keeps this in the job, ``ImportJob.preview``).

The lists a page shows only the start of (the changed measures, the unread rows, the deadlines
to look at) keep that start and their length.
"""

from tasks.importing.column_table import column_rows, columns_as_read

def preview_shown(report):
    """``report`` (an ``ImportReport`` of a preview) as the page shows it: each list cut at
    ``ImportReport.SHOWN`` lines, as the page shows them."""
    shown = report.SHOWN
    rows = column_rows(report.readings, report.years)
    columns = [
        {
            "number": row.number,
            "letter": row.letter,
            "header": row.header,
            "field": row.field,
            "field_name": str(row.field_name),
            "reason": row.reason,
            "key": row.key,
            "choices": [[key, str(name)] for key, name in row.choices],
            "by_hand": row.by_hand,
        }
        for row in rows
    ]
    return {
        "file": report.file,
        "sheet": report.sheet,
        "plan": report.plan,
        "counts": dict(report.counts),
        "changed": report.changed,
        "measures_in_file": report.measures_in_file,
        "kept_app_progress": report.kept_app_progress,
        "unknown_columns": list(report.unknown_columns),
        "column_map_used": dict(report.column_map_used),
        "column_map_from_plan": report.column_map_from_plan,
        "columns": columns,
        "columns_as_read": columns_as_read(rows),
        "shown_changes": [
            {
                "kind": line.kind,
                "row": line.row,
                "where": line.where,
                "old_where": line.old_where,
                "text": line.text,
                "old_text": line.old_text,
                "reworded": line.reworded,
            }
            for line in report.shown_changes
        ],
        "flagged": list(report.flagged[:shown]),
        "flagged_count": len(report.flagged),
        "unread_rows": list(report.unread_rows[:shown]),
        "unread_count": len(report.unread_rows),
    }
