import pytest

from remoteconfig.services import config_set


@pytest.fixture
def remote():
    """Set a remote-config value the way ops do (through remoteconfig's service)."""

    def set_value(key, value):
        return config_set(key=key, value=value, author="tests", reason="test")

    return set_value
