from tasks.tests.conftest import anshan  # noqa: F401
