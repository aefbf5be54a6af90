import importlib

import pytest
from django.apps import apps

from departments.roles import STAFF, SUPERVISOR, create_account
from tasks.tests.conftest import anshan, guangyuan  # noqa: F401
from tasks.tests.helpers import login


@pytest.fixture(autouse=True)
def default_rules(db):
    """The reminder rules the migration installs. A transactional test elsewhere (PostgreSQL
    concurrency, backup, browser, dashboard cache) empties every table when it ends, migration
    data included; whichever test runs after it on the same worker gets the rules back here."""
    from notices.models import ReminderRule

    if not ReminderRule.objects.exists():
        importlib.import_module("notices.migrations.0001_initial").default_rules(apps, None)


@pytest.fixture
def fagui(anshan):
    """Staff of 政策法规科 with an e-mail address."""
    return create_account("fagui", STAFF, departments=["政策法规科"], email="fagui@example.cn")[0]


@pytest.fixture
def renfang(anshan):
    """Staff of 人防管理科 with an e-mail address."""
    return create_account("renfang", STAFF, departments=["人防管理科"], email="renfang@example.cn")[0]


@pytest.fixture
def chief_client(anshan):
    return login("chief", SUPERVISOR, csrf=True)
