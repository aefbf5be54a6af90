from pathlib import Path

import pytest

from departments.roles import ADMIN, create_account
from tasks.importing import ImportOptions, import_ledger

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
ANSHAN = FIXTURES / "anshan.xlsx"
GUANGYUAN = FIXTURES / "guangyuan.xlsx"
GUANGYUAN_OPTIONS = ImportOptions(plan_slug="guangyuan", years=[2023, 2024, 2025])


@pytest.fixture
def anshan(db):
    """The Anshan ledger imported from fixtures/anshan.xlsx; returns the import report."""
    return import_ledger(ANSHAN, options=ImportOptions(plan_slug="anshan"))


@pytest.fixture
def guangyuan(db):
    """The Guangyuan ledger imported from fixtures/guangyuan.xlsx (plan years given: the sheet names none)."""
    return import_ledger(GUANGYUAN, options=GUANGYUAN_OPTIONS)


@pytest.fixture
def admin_client(client):
    """A client logged in as an account with the app's 管理员 role (not pytest-django's bare superuser)."""
    create_account("chief", ADMIN, password="pw")
    client.login(username="chief", password="pw")
    return client
