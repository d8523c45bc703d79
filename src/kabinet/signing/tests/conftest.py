import pytest


@pytest.fixture(scope="session")
def _signing_data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("signing-data")


@pytest.fixture(autouse=True)
def _organisation_key_folder(settings, _signing_data_dir):
    """The generated organisation certificate lives in one folder for the whole session (made once)."""
    settings.DATA_DIR = _signing_data_dir
