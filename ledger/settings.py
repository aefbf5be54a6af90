"""Settings for the task-ledger tracker, read from the environment.

SQLite is the default so a newcomer needs nothing else; set ``DATABASE_URL``
(``postgres://user@host:5432/name``) for PostgreSQL through psycopg 3.
Production is the default posture: DEBUG is off and SECRET_KEY is required
unless ``DJANGO_DEBUG=1`` asks for a development setup.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    """Read a boolean from the environment; refuse anything that is not clearly one."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name, default=""):
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for development).")
    SECRET_KEY = "development-only-not-secret"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "import_export",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "ledger.apps.AxesConfig",  # django-axes, named in Chinese
    "csp",
    "django_tasks",
    "ledger.apps.TaskResultsConfig",  # django-tasks-db, named in Chinese
    "departments",
    "tasks",
    "notices",
    "jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ledger.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before the password is checked
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "ledger.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notices.context_processors.inbox",
                "tasks.views.context_processors.review_queue",
            ],
        },
    },
]

WSGI_APPLICATION = "ledger.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take SQLite's write lock when their transaction begins, so two people saving the
    # same report queue up (the second then meets the version check: 409) instead of one failing
    # with "database is locked" while upgrading a read lock; a writer waits this long for the lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": int(os.environ.get("LEDGER_SQLITE_TIMEOUT_SECONDS", "20")),
            # Readers go on reading while a writer holds the lock: without the write-ahead log a
            # large import (one transaction) soon takes the whole file for itself, and every page,
            # the login's session included, waits for it and then fails with "database is locked".
            "init_command": "PRAGMA journal_mode=WAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
#: Dates read 2024-12-01 in English too (Django's English is 12/01/2024), and are typed that way first.
FORMAT_MODULE_PATH = ["ledger.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))

#: Evidence files (佐证材料): the largest file accepted, and the kinds accepted (checked by content).
EVIDENCE_MAX_BYTES = int(os.environ.get("LEDGER_EVIDENCE_MAX_MB", "20")) * 1024 * 1024
EVIDENCE_KINDS = env_list("LEDGER_EVIDENCE_KINDS", "pdf,image,word,excel,powerpoint")
EVIDENCE_MAX_FILES = int(os.environ.get("LEDGER_EVIDENCE_MAX_FILES", "10"))

# The evaluation report (评估总结报告, tasks/exporting/evaluation_report.py): the Word file whose styles,
# page setup, header/footer and opening text every report starts from (an admin replaces it),
# and the font its charts are drawn with (one that has Chinese; without one, charts are numbered).
EVALUATION_REPORT_TEMPLATE = Path(
    os.environ.get("LEDGER_REPORT_TEMPLATE", BASE_DIR / "templates" / "reports" / "evaluation_report.docx")
)
REPORT_CHART_FONTS = env_list(
    "LEDGER_REPORT_CHART_FONTS",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc,/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc,"
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc,C:/Windows/Fonts/msyh.ttc",
)

#: Ledger workbooks (imports): checked before any reader parses them (tasks/ledgerfiles/).
LEDGER_MAX_UPLOAD_BYTES = int(os.environ.get("LEDGER_MAX_UPLOAD_MB", "20")) * 1024 * 1024
LEDGER_MAX_UNCOMPRESSED_BYTES = int(os.environ.get("LEDGER_MAX_UNCOMPRESSED_MB", "200")) * 1024 * 1024
LEDGER_MAX_ROWS = int(os.environ.get("LEDGER_MAX_ROWS", "100000"))
LEDGER_MAX_COLUMNS = int(os.environ.get("LEDGER_MAX_COLUMNS", "200"))
# Uploaded workbooks are read in a child process with this much memory and time at most.
LEDGER_READER_MEMORY_BYTES = int(os.environ.get("LEDGER_READER_MEMORY_MB", "1024")) * 1024 * 1024
LEDGER_READER_TIMEOUT = int(os.environ.get("LEDGER_READER_TIMEOUT_SECONDS", "120"))

#: Mail (reminder digests): the console in development, SMTP from the environment in production.
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("DJANGO_EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "任务台账 <ledger@localhost>")
#: The address people open the app at: links in reminder mails start with it.
LEDGER_BASE_URL = os.environ.get("LEDGER_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

#: Background jobs (django-tasks on this database): notification deliveries, the daily reminders
#: and large exports run in ``manage.py worker`` (bin/serve starts one; docs/notifications.md).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
#: A plan export of more measures than this is built by the worker (the page polls until it is ready).
LEDGER_EXPORT_BACKGROUND_ABOVE = int(os.environ.get("LEDGER_EXPORT_BACKGROUND_ABOVE", "2000"))
#: Finished background exports are deleted after this many days.
LEDGER_EXPORT_KEEP_DAYS = int(os.environ.get("LEDGER_EXPORT_KEEP_DAYS", "7"))
#: A ledger of more measures than this, confirmed on the admin's bulk import page, is imported by
#: the worker (the page follows its progress); smaller ones, the demo's and both real ledgers
#: among them, are imported inside the request.
LEDGER_IMPORT_JOB_ABOVE = int(os.environ.get("LEDGER_IMPORT_JOB_ABOVE", "2000"))
#: An upload to the admin's bulk import page larger than this is previewed by the worker too (the
#: page follows its progress, then shows the preview): the measures are counted only by reading
#: the file, its size is known at once. 512 KB is about 2,000 measures of a real ledger's wording
#: (Anshan: 230 bytes a measure) and 6,000 of the benchmark's short ones (docs/importing.md).
LEDGER_PREVIEW_JOB_ABOVE_BYTES = int(os.environ.get("LEDGER_PREVIEW_JOB_ABOVE_KB", "512")) * 1024
#: A running import whose worker gave no sign of life for this long is marked failed.
LEDGER_JOB_STUCK_MINUTES = int(os.environ.get("LEDGER_JOB_STUCK_MINUTES", "10"))
#: How often a running import's worker gives its sign of life (well under the minutes above).
LEDGER_JOB_HEARTBEAT_SECONDS = int(os.environ.get("LEDGER_JOB_HEARTBEAT_SECONDS", "30"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"  # staff land on their to-do, supervisors and admins on the dashboard
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Task-ledger tracker API",
    "DESCRIPTION": "Measures of multi-year action plans, their deadlines and progress (DESIGN.md interchange format).",
    "VERSION": "1",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

#: Content-Security-Policy (django-csp): scripts only from the app's own static files (no inline
#: script or handler anywhere: the admin, django-import-export and DRF's browsable API have none
#: either), no plugins, no framing, forms post only here. Inline ``style`` attributes are allowed:
#: the progress bars are sized by one, the admin uses them, and a style cannot run script.
#: htmx is told not to insert its indicator ``<style>`` (``includeIndicatorStyles``, base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}

IMPORT_EXPORT_USE_TRANSACTIONS = True
#: The admin's row-by-row import page (a before/after preview of each row, about 10 ms a row)
#: takes ledgers up to this many measures; larger ones go through its bulk import (批量导入).
LEDGER_ROW_PREVIEW_LIMIT = int(os.environ.get("LEDGER_ROW_PREVIEW_LIMIT", "1000"))
# Off: it strips a leading "=" (altering the data) and lets +, -, @ through. The exports write
# formula-like text as string cells themselves (tasks/exporting/cells.py).
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False

#: Sessions end after this many seconds (default 8 hours: a working day).
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_COOKIE_AGE", str(8 * 3600)))

#: Login throttling (django-axes): after this many wrong passwords for a user from one address,
#: that login is refused, even with the right password, for AXES_COOLOFF_TIME hours.
AXES_FAILURE_LIMIT = int(os.environ.get("LEDGER_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("LEDGER_LOGIN_COOLOFF_HOURS", "1"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:  # preloading is the domain owner's decision, not the app's
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    # Behind a TLS-terminating proxy: the header it sets, e.g. HTTP_X_FORWARDED_PROTO (value "https").
    if os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER"):
        SECURE_PROXY_SSL_HEADER = (os.environ["DJANGO_SECURE_PROXY_SSL_HEADER"], "https")
