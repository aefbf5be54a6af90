import pytest

from departments.roles import STAFF, SUPERVISOR, create_account
from tasks.tests.conftest import anshan, guangyuan  # noqa: F401
from tasks.tests.helpers import login


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
