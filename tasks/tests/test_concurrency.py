"""Concurrent writers on PostgreSQL (issue #9): real threads, real transactions, real locks.

The version check in ``tasks.workflow.progress.record_progress`` is the guard that also works on SQLite;
these tests show that on PostgreSQL, where ``select_for_update`` really locks, no accepted change
is lost, every loser is told, and a second import of a plan waits for the first.
SQLite serialises writers on its own (and ``select_for_update`` does nothing there), so the
tests skip on it: ``.ci/run`` runs them on PostgreSQL.
"""

import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction

from tasks.choices import ProgressSource, ProgressStatus
from tasks.importing.errors import ImportFailed
from tasks.importing.options import ImportOptions
from tasks.importing.ledger_import import import_ledger
from tasks.models import Deadline, Item, Measure, Plan, Progress, ProgressEntry, Section, Task
from tasks.workflow.progress import VersionConflict, record_progress
from tasks.workflow.reporting import ReportConflict, report_progress
from tasks.tests.conftest import ANSHAN

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs real row locks and concurrent connections: runs in .ci/run on PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]

N = 8
YEAR = 2025
JOIN_SECONDS = 120


def import_anshan(slug="anshan"):
    return import_ledger(ANSHAN, options=ImportOptions(plan_slug=slug))


def run_together(functions):
    """Run each function in its own thread, released at once by a barrier.

    Returns ``[(result, exception), ...]`` in the order given. Each thread closes its own
    database connections when it ends.
    """
    barrier = threading.Barrier(len(functions))
    outcomes = [None] * len(functions)

    def worker(index, function):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = (function(), None)
        except Exception as error:  # noqa: BLE001 - handed back to the test
            outcomes[index] = (None, error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, f), daemon=True) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a writer thread hung"
    return outcomes


def stored_version(measure, year=YEAR):
    progress = Progress.objects.filter(measure=measure, year=year).first()
    return progress.version if progress else 0


def history(measure, year=YEAR):
    return list(
        ProgressEntry.objects.filter(progress__measure=measure, progress__year=year)
        .order_by("version")
        .values_list("version", "note")
    )


def plan_row_counts(slug="anshan"):
    return {
        "sections": Section.objects.filter(plan__slug=slug).count(),
        "tasks": Task.objects.filter(section__plan__slug=slug).count(),
        "items": Item.objects.filter(task__section__plan__slug=slug).count(),
        "measures": Measure.objects.filter(item__task__section__plan__slug=slug).count(),
        "deadlines": Deadline.objects.filter(measure__item__task__section__plan__slug=slug).count(),
        "progress": Progress.objects.filter(measure__item__task__section__plan__slug=slug).count(),
        "entries": ProgressEntry.objects.filter(progress__measure__item__task__section__plan__slug=slug).count(),
        "plans": Plan.objects.filter(slug=slug).count(),
    }


@pytest.fixture
def measures():
    import_anshan()
    plan = Plan.objects.get(slug="anshan")
    assert YEAR in plan.years
    found = list(Measure.objects.filter(item__task__section__plan=plan).order_by("pk"))
    assert len(found) == 75
    return found


@pytest.fixture
def writers():
    User = get_user_model()
    return [User.objects.create_user(username=f"writer{i}", password="x") for i in range(N)]


@pytest.mark.parametrize("through", ["record_progress", "report_progress"])
def test_of_writers_who_read_the_same_version_exactly_one_wins_and_the_others_are_told(measures, writers, through):
    measure = measures[0]
    record_progress(
        measure,
        YEAR,
        status=ProgressStatus.IN_PROGRESS,
        note="起点",
        source=ProgressSource.WEB,
        expected_version=stored_version(measure),
    )
    version = stored_version(measure)
    before = history(measure)
    assert before[-1] == (version, "起点")

    def write(i):
        def call():
            if through == "record_progress":
                return record_progress(
                    measure,
                    YEAR,
                    status=ProgressStatus.IN_PROGRESS,
                    note=f"写入者 {i}",
                    user=writers[i],
                    source=ProgressSource.WEB,
                    expected_version=version,
                )
            return report_progress(
                measure,
                YEAR,
                user=writers[i],
                status=ProgressStatus.IN_PROGRESS,
                note=f"写入者 {i}",
                expected_version=version,
                source=ProgressSource.WEB,
            )

        return call

    outcomes = run_together([write(i) for i in range(N)])

    conflict = VersionConflict if through == "record_progress" else ReportConflict
    winners = [i for i, (result, error) in enumerate(outcomes) if error is None]
    assert len(winners) == 1, outcomes
    losers = [error for result, error in outcomes if error is not None]
    assert len(losers) == N - 1
    assert all(isinstance(error, conflict) for error in losers), losers
    if through == "record_progress":
        assert {error.stored_version for error in losers} == {version + 1}
    else:
        assert {error.progress.version for error in losers} == {version + 1}  # the loser sees the winner's report
    winner_note = f"写入者 {winners[0]}"
    progress = Progress.objects.get(measure=measure, year=YEAR)
    assert (progress.version, progress.note, progress.updated_by) == (version + 1, winner_note, writers[winners[0]])
    assert history(measure) == before + [(version + 1, winner_note)]


def test_writers_of_different_reports_at_once_all_succeed_and_all_are_in_the_history(measures, writers):
    chosen = measures[:N]
    before = {measure.pk: (stored_version(measure), history(measure)) for measure in chosen}

    def write(i):
        measure = chosen[i]
        return lambda: record_progress(
            measure,
            YEAR,
            status=ProgressStatus.ONGOING,
            note=f"措施 {measure.pk} 的报告",
            user=writers[i],
            source=ProgressSource.WEB,
            expected_version=before[measure.pk][0],
        )

    outcomes = run_together([write(i) for i in range(N)])

    assert [error for _result, error in outcomes] == [None] * N
    for measure in chosen:
        version, entries = before[measure.pk]
        assert stored_version(measure) == version + 1
        assert history(measure) == entries + [(version + 1, f"措施 {measure.pk} 的报告")]


@pytest.mark.parametrize("through", ["record_progress", "report_progress"])
def test_writers_who_retry_after_a_conflict_all_land_in_the_history_in_version_order(measures, writers, through):
    # A measure with no 2025 report yet: the first writers race to create the row, too.
    measure = next(m for m in measures if not Progress.objects.filter(measure=m, year=YEAR).exists())
    conflicts = [0] * N

    def write(i):
        def call():
            while True:
                seen = stored_version(measure)
                try:
                    if through == "record_progress":
                        return record_progress(
                            measure,
                            YEAR,
                            status=ProgressStatus.IN_PROGRESS,
                            note=f"第 {i} 人",
                            user=writers[i],
                            source=ProgressSource.WEB,
                            expected_version=seen,
                        ).version
                    return report_progress(
                        measure,
                        YEAR,
                        user=writers[i],
                        status=ProgressStatus.IN_PROGRESS,
                        note=f"第 {i} 人",
                        expected_version=seen,
                        source=ProgressSource.WEB,
                    ).version
                except (VersionConflict, ReportConflict):
                    conflicts[i] += 1
                    if conflicts[i] > 10 * N:
                        raise

        return call

    outcomes = run_together([write(i) for i in range(N)])

    assert [error for _result, error in outcomes] == [None] * N
    assert sorted(result for result, _error in outcomes) == list(range(1, N + 1))
    entries = history(measure)
    assert [version for version, _note in entries] == list(range(1, N + 1))  # contiguous, none lost
    assert sorted(note for _version, note in entries) == sorted(f"第 {i} 人" for i in range(N))
    # each writer's entry carries the version its call returned
    by_note = {note: version for version, note in entries}
    assert {f"第 {i} 人": outcomes[i][0] for i in range(N)} == by_note
    progress = Progress.objects.get(measure=measure, year=YEAR)
    assert (progress.version, progress.note) == entries[-1]
    assert Progress.objects.filter(measure=measure, year=YEAR).count() == 1


def test_two_reimports_of_a_plan_at_once_both_finish_and_leave_no_duplicates():
    import_anshan()
    single = plan_row_counts()
    assert single["measures"] == 75

    outcomes = run_together([import_anshan, import_anshan])

    assert [error for _result, error in outcomes] == [None, None]
    assert [result.plan for result, _error in outcomes] == ["anshan", "anshan"]
    assert plan_row_counts() == single


def test_two_first_imports_of_a_plan_at_once_never_interleave():
    """No plan row to lock yet: one import may be refused (unique slug), but rows never double."""
    import_anshan("reference")
    single = plan_row_counts("reference")

    outcomes = run_together([import_anshan, import_anshan])

    assert any(error is None for _result, error in outcomes), outcomes
    # the loser, if any, is refused with a message saying why, never half-imported
    for _result, error in outcomes:
        if error is not None:
            assert isinstance(error, ImportFailed), outcomes
            assert "另一项导入正在创建同一台账" in str(error)
    assert plan_row_counts() == single


def waits_for_my_lock(finished):
    """True once another connection is blocked by a lock this one holds (PostgreSQL's
    ``pg_blocking_pids``), False if ``finished`` comes first or nobody waits within JOIN_SECONDS:
    the import is seen waiting on the lock, not merely slow."""
    deadline = time.monotonic() + JOIN_SECONDS
    with connection.cursor() as cursor:
        while time.monotonic() < deadline and not finished.is_set():
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # a transaction sees one snapshot of the activity
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


def test_an_import_waits_while_the_plan_row_is_locked():
    import_anshan()
    single = plan_row_counts()
    finished = threading.Event()
    outcome = {}

    def reimport():
        try:
            outcome["report"] = import_anshan()
        except Exception as error:  # noqa: BLE001 - handed back to the test
            outcome["error"] = error
        finally:
            outcome["finished_at"] = time.monotonic()
            finished.set()
            connections.close_all()

    thread = threading.Thread(target=reimport, daemon=True)
    with transaction.atomic():
        Plan.objects.select_for_update().get(slug="anshan")
        thread.start()
        assert waits_for_my_lock(finished), f"the import did not wait for the plan row's lock: {outcome}"
        assert not finished.is_set(), outcome
        released_at = time.monotonic()
    thread.join(JOIN_SECONDS)

    assert not thread.is_alive(), "the import never finished after the lock was released"
    assert "error" not in outcome, outcome
    assert outcome["finished_at"] > released_at
    assert outcome["report"].plan == "anshan"
    assert plan_row_counts() == single
