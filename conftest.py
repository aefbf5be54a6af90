import pytest


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded and kept files go to a per-test folder, never into the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
