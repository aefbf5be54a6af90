"""Dates read 2024-12-01 (or 2024年12月1日) in both languages, in text and in the pages' date
fields, which read what people type year first (2024-12-01, 2024/12/1, 2024年12月1日)."""

import datetime

import pytest
from django.utils import formats, translation

from departments.roles import STAFF, SUPERVISOR, create_account
from tasks.tests.helpers import measures_of
from tasks.workflow.forms import ExtensionRequestForm, ProgressForm

DAY = datetime.date(2024, 12, 1)
SCOPE = "/?plan=anshan&year=2024&as_of=2024-12-01"


@pytest.mark.parametrize("language, long_date", [("zh-hans", "2024年12月1日"), ("en", "2024-12-01")])
def test_dates_are_written_year_first_in_both_languages(language, long_date):
    with translation.override(language):
        assert formats.date_format(DAY) == long_date
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == long_date
        assert formats.localize_input(DAY) == "2024-12-01"
        assert "/" not in formats.date_format(datetime.datetime(2024, 12, 1, 9, 30), "SHORT_DATETIME_FORMAT")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("typed", ["2024-12-01", "2024/12/01", "2024/12/1", "2024年12月1日"])
def test_a_date_typed_year_first_is_read(language, typed):
    with translation.override(language):
        form = ProgressForm(data={"status": "done", "done_on": typed})
        form.is_valid()
        assert form.cleaned_data["done_on"] == DAY


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_date_fields_are_text_fields_showing_the_date_year_first(language):
    """Not the browser's own date control, which writes 12/01/2024 in an English browser."""
    with translation.override(language):
        html = str(ProgressForm(initial={"done_on": DAY})["done_on"])
        assert 'type="text"' in html and 'value="2024-12-01"' in html
        assert 'type="date"' not in str(ExtensionRequestForm()["new_date"])


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_pages_date_fields_hold_the_date_year_first(client, anshan, language):
    create_account("chief", SUPERVISOR, password="pw")
    client.login(username="chief", password="pw")
    client.cookies["django_language"] = language
    dashboard = client.get(SCOPE).content.decode()
    assert 'name="as_of" value="2024-12-01"' in dashboard and 'type="date"' not in dashboard
    measures = client.get("/measures/?plan=anshan&due_from=2024-06-01").content.decode()
    assert 'name="due_from" value="2024-06-01"' in measures and 'type="date"' not in measures


@pytest.mark.django_db
def test_the_measure_page_has_no_browser_date_control(client, anshan):
    create_account("fagui", STAFF, departments=["政策法规科"], password="pw")
    client.login(username="fagui", password="pw")
    page = client.get(f"/measures/{measures_of('政策法规科').first().pk}/").content.decode()
    assert 'name="2025-done_on"' in page and 'type="date"' not in page
