import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_accounts():
    call_command("load_demo")


def test_the_login_page_answers_in_chinese(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_the_login_page_speaks_english_when_asked(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert 'lang="en"' in response.content.decode()


def test_every_page_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_demo_admin_reaches_the_admin_site(client, demo_accounts):
    assert client.login(username="admin", password="demo-admin")
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/tasks/measure/").status_code == 200
    assert client.get("/admin/tasks/deadline/?needs_review__exact=1").status_code == 200


def test_demo_staff_is_kept_out_of_the_admin_site(client, demo_accounts):
    assert client.login(username="fagui", password="demo-staff")
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_demo_supervisor_sees_the_home_page(client, demo_accounts, django_assert_max_num_queries):
    assert client.login(username="supervisor", password="demo-supervisor")
    with django_assert_max_num_queries(16):
        response = client.get("/")
    assert response.status_code == 200
