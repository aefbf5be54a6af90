"""Production settings: the README's environment passes ``check --deploy``; sessions expire; logins are throttled."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

from departments.roles import STAFF, create_account

BASE_DIR = Path(__file__).resolve().parents[2]

#: The production environment documented in README.md (Deploying).
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "ledger.settings",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
    "DJANGO_ALLOWED_HOSTS": "ledger.example.gov.cn",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://ledger.example.gov.cn",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
}


def run(args, **extra):
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(PRODUCTION, **extra)
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_passes_with_the_documented_environment():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_are_secure_and_sessions_expire():
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_AGE)"
    )
    result = run(["-c", script], DJANGO_SESSION_COOKIE_AGE="1800")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("(")[0].split() == ["False", "True", "True", "True", "31536000"]
    assert "('HTTP_X_FORWARDED_PROTO', 'https') 1800" in result.stdout


@pytest.mark.django_db
@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_after_too_many_wrong_passwords_even_the_right_one_is_refused():
    create_account("clerk", STAFF, departments=["政策法规科"], password="the-right-password")
    create_account("other", STAFF, departments=["政策法规科"], password="another-password")
    guesser = Client()
    for guess in ("123456", "password", "clerk2024"):
        response = guesser.post("/accounts/login/", {"username": "clerk", "password": guess})
        assert "_auth_user_id" not in guesser.session
    response = guesser.post("/accounts/login/", {"username": "clerk", "password": "the-right-password"})
    assert response.status_code == 429
    assert "_auth_user_id" not in guesser.session

    colleague = Client()
    response = colleague.post("/accounts/login/", {"username": "other", "password": "another-password"})
    assert response.status_code == 302
    assert colleague.session["_auth_user_id"]


@pytest.mark.django_db
@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_a_mistyped_password_then_the_right_one_logs_in():
    create_account("clerk", STAFF, departments=["政策法规科"], password="the-right-password")
    client = Client()
    client.post("/accounts/login/", {"username": "clerk", "password": "typo"})
    response = client.post("/accounts/login/", {"username": "clerk", "password": "the-right-password"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]
