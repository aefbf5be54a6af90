"""Where each row of a ledger sits in the plan: task and item numbers as written, or counted
1, 2, 3 where the ledger has none, and the rule that two measures never share one place."""

from collections import Counter

from tasks.importing import columns
from tasks.importing.errors import RowError


def number_unnumbered(rows):
    """Task and item numbers per row: as written, or counted 1, 2, 3 where the ledger has none.

    Unnumbered tasks count within their section, unnumbered items within their task.
    """
    task_numbers, item_numbers = [], []
    tasks_seen, items_seen = {}, {}
    tasks_in_section, items_in_task = Counter(), Counter()
    for row in rows:
        task_key = (row.section_number, row.task_number, row.task_title)
        if task_key not in tasks_seen:
            tasks_in_section[row.section_number] += 1
            siblings = tasks_in_section[row.section_number]
            tasks_seen[task_key] = row.task_number if row.task_number is not None else siblings
        task_number = tasks_seen[task_key]
        item_key = (task_key, row.item_number, row.item_text)
        if item_key not in items_seen:
            items_in_task[task_key] += 1
            siblings = items_in_task[task_key]
            items_seen[item_key] = row.item_number if row.item_number is not None else siblings
        task_numbers.append(task_number)
        item_numbers.append(items_seen[item_key])
    return task_numbers, item_numbers


def ledger_places(rows):
    """(section number, task number, item number, measure number) of each row, counted where unnumbered."""
    task_numbers, item_numbers = number_unnumbered(rows)
    return [(row.section_number or "", task_numbers[i], item_numbers[i], row.measure_number) for i, row in enumerate(rows)]


def check_unique_places(places):
    """``places``: (place, source row) per measure; two measures at one place is an error."""
    seen = {}
    for place, source_row in places:
        if place in seen:
            raise RowError(
                columns.MEASURE_NUMBER,
                f"第 {source_row} 行与第 {seen[place]} 行是同一项措施"
                f"（部分{place[0]} 序号{place[1]} 要求{place[2]} 措施{place[3]}），编号重复",
            )
        seen[place] = source_row
