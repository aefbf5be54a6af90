"""Settings for the test suite: the real settings with a throwaway key and a fast hasher."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key")

from ledger.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_AUTOREFRESH = True
SECURE_SSL_REDIRECT = False  # the test client and the browser tests' live server speak plain http
AXES_ENABLED = False  # the suite logs in with client.login(); tests of throttling switch it on
