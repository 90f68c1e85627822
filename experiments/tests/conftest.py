import pytest


@pytest.fixture
def prompts(db):
    """The real prompt tree loaded into the database: story_generation 1.2 published, the
    experiment variant 1.3-lean as a draft."""
    from prompts_app.services import prompts_sync

    prompts_sync()
