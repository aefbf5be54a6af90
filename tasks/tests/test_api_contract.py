"""The API against its own schema (``/api/schema/``), driven by Hypothesis from the schema itself:
requests built from each operation's documented parameters (and some outside them), as a staff
member and as a supervisor; every answer must be a status the schema documents for that
operation, never a server error, and a measure must be the interchange object of
docs/interchange.schema.json (issue #24, item 7)."""

import datetime
import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from departments.models import Department
from departments.roles import STAFF, SUPERVISOR

from .helpers import login

pytestmark = pytest.mark.django_db

INTERCHANGE = json.loads((Path(__file__).resolve().parents[2] / "docs" / "interchange.schema.json").read_text("utf-8"))
MEASURE_SCHEMA = {**INTERCHANGE["$defs"]["measure"], "$defs": INTERCHANGE["$defs"]}

CONTRACT = settings(
    max_examples=15, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

OUTSIDE = st.sampled_from(["²", "99999999999999999999999", "9999-12-31", "x\x00", "<b>", "-5", "", "1e9"])


def values(schema):
    """Values a client may send for a parameter of ``schema``, and now and then one it may not."""
    if "enum" in schema:
        documented = st.sampled_from([str(value) for value in schema["enum"]])
    elif schema.get("type") == "integer":
        low, high = schema.get("minimum", -(2**31)), schema.get("maximum", 2**31)
        documented = st.integers(min_value=low, max_value=min(high, low + 10**6)).map(str) | st.just(str(high))
    elif schema.get("type") == "boolean":
        documented = st.sampled_from(["true", "false"])
    elif schema.get("format") == "date":
        documented = st.dates(datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)).map(datetime.date.isoformat)
    else:
        documented = st.text(max_size=schema.get("maxLength", 50)) | st.sampled_from(["anshan", "政策法规科"])
    return documented | OUTSIDE


@pytest.fixture
def api(anshan):
    supervisor, staff = login("chief", SUPERVISOR), login("fagui", STAFF, ["政策法规科"])
    for client in (supervisor, staff):
        client.raise_request_exception = False
    schema = supervisor.get("/api/schema/", {"format": "json"}).json()
    return schema, [supervisor, staff]


def operations(schema, method):
    for path, methods in schema["paths"].items():
        if method in methods and path != "/api/schema/":
            yield path, methods[method]


def documented_statuses(operation):
    return {int(code) for code in operation["responses"]}


def test_every_operation_documents_its_refusals(api):
    schema, _clients = api
    expected = {
        ("get", "/api/measures/"): {200, 400, 401, 403, 404},
        ("get", "/api/measures/{id}/"): {200, 401, 403, 404},
        ("post", "/api/measures/{id}/progress/"): {200, 400, 401, 403, 404, 409},
        ("get", "/api/summary/"): {200, 400, 401, 403},
    }
    for (method, path), statuses in expected.items():
        assert documented_statuses(schema["paths"][path][method]) == statuses, (method, path)
    summary = {p["name"]: p["schema"] for p in schema["paths"]["/api/summary/"]["get"]["parameters"]}
    assert summary["soon_days"] == {"type": "integer", "minimum": 1, "maximum": 366}
    assert summary["year"] == {"type": "integer", "minimum": 2000, "maximum": 2100}
    measures = {p["name"]: p["schema"] for p in schema["paths"]["/api/measures/"]["get"]["parameters"]}
    assert measures["section"]["maximum"] == 2**63 - 1


def test_get_operations_answer_as_documented(api):
    schema, clients = api
    measure = Department.objects.get(name="政策法规科").measures.order_by("pk").first()
    for path, operation in operations(schema, "get"):
        query = {p["name"]: values(p["schema"]) for p in operation.get("parameters", []) if p["in"] == "query"}
        url = path.replace("{id}", str(measure.pk))

        @CONTRACT
        @given(params=st.fixed_dictionaries({}, optional=query), who=st.sampled_from(clients))
        def answers(params, who):
            response = who.get(url, params)
            assert response.status_code in documented_statuses(operation), (url, params, response.status_code)
            body = response.json()
            if response.status_code != 200:
                assert body, (url, params)
            elif path == "/api/measures/":
                for row in body["results"]:
                    jsonschema.validate(row, MEASURE_SCHEMA)
            elif path == "/api/measures/{id}/":
                jsonschema.validate(body, MEASURE_SCHEMA)

        answers()


def test_progress_reports_answer_as_documented(api):
    schema, clients = api
    operation = schema["paths"]["/api/measures/{id}/progress/"]["post"]
    measure = Department.objects.get(name="政策法规科").measures.order_by("pk").first()
    other = Department.objects.get(name="机关党总支").measures.exclude(units__department__name="政策法规科").first()
    report = st.fixed_dictionaries(
        {},
        optional={
            "year": st.sampled_from([2023, 2024, 2025, 2031, "二〇二五", None]),
            "status": st.sampled_from(["not_started", "in_progress", "done", "ongoing", "finished"]),
            "note": st.text(max_size=50),
            "version": st.sampled_from([None, 0, 1, 2, -1, 2**70]),
            "done_on": st.sampled_from([None, "2025-06-30", "9999-12-31", "x"]),
        },
    )

    @CONTRACT
    @given(body=report, who=st.sampled_from(clients), target=st.sampled_from([measure, other]))
    def answers(body, who, target):
        response = who.post(f"/api/measures/{target.pk}/progress/", body, content_type="application/json")
        assert response.status_code in documented_statuses(operation), (body, response.status_code)
        if response.status_code == 409:
            assert set(response.json()) == {"detail", "version"}
        elif response.status_code == 200:
            jsonschema.validate(response.json(), MEASURE_SCHEMA)

    answers()


def test_options_describes_the_progress_report(api):
    _schema, (supervisor, staff) = api
    measure = Department.objects.get(name="政策法规科").measures.order_by("pk").first()
    response = staff.options(f"/api/measures/{measure.pk}/progress/")
    assert response.status_code == 200
    fields = response.json()["actions"]["POST"]
    assert set(fields) == {"year", "status", "note", "done_on", "version"}
    assert [choice["value"] for choice in fields["status"]["choices"]] == ["not_started", "in_progress", "done", "ongoing"]
    assert supervisor.options(f"/api/measures/{measure.pk}/").status_code == 200
