"""The benchmark's generator gives importable ledgers of exactly the size asked for; its tables read results.

    .venv/bin/python -m pytest -n 0 -q bench/test_bench.py
"""

import io
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tasks.importing.places import number_unnumbered
from tasks.models import Measure
from tasks.ledgerfiles.sheets import read_ledger

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402
import report  # noqa: E402


@pytest.mark.parametrize("layout", generate.LAYOUTS)
@pytest.mark.parametrize("measures", [1, 7, 300])
def test_generated_ledger_reads_as_exactly_that_many_measures(tmp_path, layout, measures):
    path = tmp_path / "ledger.xlsx"
    summary = generate.write_ledger(path, measures, layout=layout, seed=3)
    ledger = read_ledger(path)
    assert len(ledger.rows) == measures == summary["measures"]
    assert ledger.title_years == [2023, 2024, 2025]
    assert not ledger.unknown_columns
    tasks, items = number_unnumbered(ledger.rows)
    assert len({(*numbers, row.measure_number) for numbers, row in zip(zip(tasks, items), ledger.rows)}) == measures


def test_anshan_layout_keys_values_per_measure_and_merges_tasks(tmp_path):
    path = tmp_path / "ledger.xlsx"
    generate.write_ledger(path, 400, layout="anshan")
    rows = read_ledger(path).rows
    assert all(40 <= len(row.measure_text) <= 150 for row in rows)
    assert 0.2 < sum(row.done for row in rows) / len(rows) < 0.4
    assert all(row.responsible_units and row.person for row in rows)
    assert all(set(row.deadlines) == {2024, 2025} for row in rows)
    tasks = {}
    for row in rows:
        tasks.setdefault(row.task_number, set()).add(row.item_number)
    assert max(len(items) for items in tasks.values()) > 1  # task cells merged down over several items


def test_guangyuan_layout_carries_merged_units_and_deadlines(tmp_path):
    path = tmp_path / "ledger.xlsx"
    generate.write_ledger(path, 400, layout="guangyuan")
    ledger = read_ledger(path)
    assert ledger.sheet == "附件2"
    assert all(row.lead_units and row.responsible_units and row.deadlines[None] for row in ledger.rows)
    carried = [row for row in ledger.rows if row.cells["lead"][0] != row.row]
    assert carried  # continuation rows read the merged value above


def test_same_seed_same_bytes_other_seed_other_ledger(tmp_path):
    first, second, other = (tmp_path / name for name in ("a.xlsx", "b.xlsx", "c.xlsx"))
    generate.write_ledger(first, 200, seed=1)
    generate.write_ledger(second, 200, seed=1)
    generate.write_ledger(other, 200, seed=2)
    assert first.read_bytes() == second.read_bytes() != other.read_bytes()


def test_departments_scale_with_size_within_bounds():
    words = generate.Words(generate.random.Random(0), 100_000)
    assert len(words.departments) == len(set(words.departments)) == 2000
    assert len(generate.Words(generate.random.Random(0), 100).departments) == 30


@pytest.mark.django_db
@pytest.mark.parametrize("layout", generate.LAYOUTS)
def test_generated_ledger_imports_without_errors_and_reimports_unchanged(tmp_path, layout):
    path = tmp_path / "ledger.xlsx"
    generate.write_ledger(path, 250, layout=layout)
    out = io.StringIO()
    call_command("import_ledger", str(path), "--plan", "bench", stdout=out)
    assert "250 created" in out.getvalue()
    assert "flagged" not in out.getvalue()
    assert Measure.objects.count() == 250
    out = io.StringIO()
    call_command("import_ledger", str(path), "--plan", "bench", stdout=out)
    assert "250 unchanged" in out.getvalue()


def step(seconds, peak=50.0, **extra):
    return {"seconds": seconds, "peak_mb": peak, "ok": True, "extra": extra}


def fake_result(database, page_seconds):
    sizes = {}
    for size, scale in ((1000, 1), (100_000, 100)):
        sizes[str(size)] = {"ledger": {"layout": "anshan", "measures": size}, "steps": {
            "read_floor": step(0.01 * scale), "read_openpyxl": step(0.06 * scale), "insert_floor": step(0.01 * scale),
            "import": step(0.05 * scale, peak=400), "reimport": step(0.04 * scale),
            "write_floor_xlsxwriter": step(0.2 * scale), "write_floor_openpyxl": step(0.3 * scale),
            "export_xlsx": step(0.3 * scale, peak=350), "json_floor": step(0.01 * scale), "export_json": step(0.02 * scale),
            "page_dashboard": step(1, median=page_seconds[size], queries=16, times=[page_seconds[size]] * 7),
            "page_overdue": step(1, median=0.1, queries=9 if size == 1000 else 10, times=[0.1] * 7),
            "page_summary": step(1, median=0.1, queries=7, times=[0.1] * 7),
            **({"library": step(1.5)} if size == 1000 else {}),
        }}
    return {
        "database": database, "date": "2024-01-01T00:00:00+00:00", "commit": "abc1234",
        "machine": {"cpu": "a CPU", "cores": 2, "memory_gb": 24, "os": "Linux", "python": "3.11", "sqlite": "3.40"},
        "options": {"layout": "anshan", "seed": 0, "repeat": 7, "library_max": 10000, "as_of": "2024-12-01",
                    "settings": "ledger.settings, DEBUG off"},
        "sizes": sizes,
    }


def test_tables_apply_the_goals_at_100k_and_extrapolate_the_row_by_row_import():
    rows = {row[0]: row for row in report.size_rows(fake_result("postgres", {1000: 0.1, 100_000: 0.5}), 100_000)}
    assert rows["import (import_ledger)"][2] == "2.50" and rows["import (import_ledger)"][6] == "yes"
    assert rows["export xlsx (export_ledger)"][6] == "no"  # 1.5× floor, but 350 MB
    library = next(row for label, row in rows.items() if label.startswith("row-by-row"))
    assert "extrapolated" in library[0] and library[1] == "≈ 150" and library[6] == "yes"
    assert rows["page / (dashboard)"][6] == "no"  # 5× the time at 1,000
    assert rows["page /overdue/ (first page)"][6] == "no"  # one query more
    assert rows["page /api/summary/"][6] == "yes"
    small = {row[0]: row for row in report.size_rows(fake_result("postgres", {1000: 0.1, 100_000: 0.5}), 1000)}
    assert small["import (import_ledger)"][6] == "(yes here; goal at 100k)"


def test_docs_keep_the_hand_written_sections(tmp_path):
    docs = tmp_path / "benchmarks.md"
    docs.write_text(f"# Benchmarks\n\nintro\n\n{report.BEGIN}\nold\n{report.END}\n\n## Why this reader\n\nkept\n")
    report.write_docs([fake_result("sqlite", {1000: 0.1, 100_000: 0.2})], docs)
    text = docs.read_text()
    assert text.startswith("# Benchmarks\n\nintro\n\n") and text.endswith("## Why this reader\n\nkept\n")
    assert "old" not in text and "### SQLite, 100,000 measures" in text
