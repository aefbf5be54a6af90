"""Uploaded workbooks are read in a child process: a reader that dies or hangs cannot take the worker down."""

import os
import time

import pytest

from tasks.importing.ledger_import import read_uploaded_ledger
from tasks.ledgerfiles.isolation import IsolatedRunFailed, run_isolated
from tasks.ledgerfiles.errors import LedgerError
from tasks.ledgerfiles.sheets import read_ledger

from .conftest import ANSHAN


def test_the_child_reads_the_same_ledger_as_the_worker_would(settings):
    data = ANSHAN.read_bytes()
    isolated = read_uploaded_ledger(data, file_name="anshan.xlsx")
    assert isolated == read_ledger(data, file_name="anshan.xlsx")
    assert len(isolated.rows) == 75


def test_the_readers_own_error_comes_back_with_its_message():
    with pytest.raises(LedgerError, match="notes.xlsx"):
        read_uploaded_ledger(b"not a workbook at all", file_name="notes.xlsx")


def test_a_reader_that_crashes_the_process_is_an_error_not_a_dead_worker():
    with pytest.raises(IsolatedRunFailed, match="exit code"):
        run_isolated(os.abort, memory_bytes=512 * 1024 * 1024, timeout=30)


def test_a_reader_that_hangs_is_stopped():
    started = time.monotonic()
    with pytest.raises(IsolatedRunFailed, match="no answer"):
        run_isolated(time.sleep, 60, memory_bytes=512 * 1024 * 1024, timeout=2)
    assert time.monotonic() - started < 30


def test_a_reader_that_exhausts_its_memory_is_stopped():
    with pytest.raises(MemoryError):
        run_isolated(bytearray, 900 * 1024 * 1024, memory_bytes=512 * 1024 * 1024, timeout=30)


def test_an_upload_that_exhausts_the_readers_memory_is_refused_by_name(monkeypatch):
    def out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr("tasks.importing.ledger_import.run_isolated", out_of_memory)
    with pytest.raises(LedgerError, match="anshan.xlsx.*内存"):
        read_uploaded_ledger(ANSHAN.read_bytes(), file_name="anshan.xlsx")
