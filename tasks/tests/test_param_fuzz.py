"""Every GET endpoint that reads query parameters, fed odd values by Hypothesis: never a 500 (issue #24).

The odd values are the ones that broke pages: ids past 64 bits, digits Python counts as digits
(``²``), dates at the end of the calendar, NUL characters, markup, very long text.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from departments.models import Department
from departments.roles import STAFF, SUPERVISOR

from .helpers import login

pytestmark = pytest.mark.django_db

ODD = st.one_of(
    st.sampled_from(
        ["", "²", "٣", "99999999999999999999999", "-1", "0", "1e100", "NaN", "9999-12-31", "0001-01-01", "2024-02-30",
         "2024-12-01", "true", "x\x00y", "<script>alert(1)</script>", "anshan", "2024", "7", "367", " 30 ", "政策法规科"]
    ),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(max_size=300),
)

SCOPE = ("plan", "year", "as_of", "soon_days", "department")
LIST = SCOPE + ("section", "task", "person", "status", "signal", "overdue", "due_soon", "review", "needs_review",
                "kind", "due_from", "due_to", "q", "page")

ENDPOINTS = {
    "/": SCOPE,
    "/overdue/": SCOPE + ("sort", "page"),
    "/due-soon/": SCOPE + ("sort", "page"),
    "/departments/{department}/": SCOPE,
    "/measures/": LIST,
    "/measures/export/": LIST + ("format",),
    "/plans/anshan/export/": ("year",),
    "/plans/anshan/writeback/": ("year",),
    "/my/": ("page",),
    "/inbox/": ("page",),
    "/api/measures/": LIST,
    "/api/summary/": SCOPE,
    "/api/measures/{measure}/": ("year",),
}

FUZZ = settings(
    max_examples=12, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def parameters(names):
    return st.dictionaries(st.sampled_from(names), ODD, min_size=1, max_size=4)


@pytest.fixture
def clients(anshan):
    return [login("chief", SUPERVISOR), login("fagui", STAFF, ["政策法规科"])]


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_no_parameter_makes_a_server_error(clients, path):
    department = Department.objects.get(name="政策法规科")
    measure = department.measures.order_by("pk").first()
    url = path.format(department=department.pk, measure=measure.pk)
    for client in clients:
        client.raise_request_exception = False

    @FUZZ
    @given(params=parameters(ENDPOINTS[path]), who=st.sampled_from(clients))
    def requested(params, who):
        response = who.get(url, params)
        assert response.status_code < 500, (url, params, response.status_code)

    requested()


@pytest.mark.parametrize("path", ["/measures/{n}/", "/departments/{n}/", "/evidence/{n}/", "/api/measures/{n}/",
                                  "/inbox/{n}/read/", "/extensions/{n}/decision/"])
def test_an_id_past_64_bits_in_the_path_is_a_404(clients, path):
    supervisor = clients[0]
    supervisor.raise_request_exception = False
    url = path.format(n="99999999999999999999999")
    response = supervisor.post(url) if "read" in path or "decision" in path else supervisor.get(url)
    assert response.status_code == 404
