import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from departments.roles import ADMIN, create_account
from tasks.importing.options import ImportOptions
from tasks.importing.ledger_import import import_ledger

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
ANSHAN = FIXTURES / "anshan.xlsx"
GUANGYUAN = FIXTURES / "guangyuan.xlsx"
GUANGYUAN_OPTIONS = ImportOptions(plan_slug="guangyuan", years=[2023, 2024, 2025])
GUANGYUAN_IMPORTED_ON = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def anshan(db):
    """The Anshan ledger imported from fixtures/anshan.xlsx; returns the import report."""
    return import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"))


@pytest.fixture
def guangyuan(db):
    """The Guangyuan ledger imported from fixtures/guangyuan.xlsx (plan years given: the sheet names
    none) on ``GUANGYUAN_IMPORTED_ON``: it has no result columns, so its reporting year is the
    year it is imported in (2025), not whatever year the suite runs in."""
    with time_machine.travel(GUANGYUAN_IMPORTED_ON, tick=False):
        return import_ledger(GUANGYUAN, options=GUANGYUAN_OPTIONS)


@pytest.fixture
def admin_client(client):
    """A client logged in as an account with the app's 管理员 role (not pytest-django's bare superuser)."""
    create_account("chief", ADMIN, password="pw")
    client.login(username="chief", password="pw")
    return client
