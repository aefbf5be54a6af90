from tasks.tests.conftest import admin_client, anshan  # noqa: F401
