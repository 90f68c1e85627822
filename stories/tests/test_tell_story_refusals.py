"""``tell_story`` in process: the family's limits, and refusals as one line with exit 2 (the
subprocess paths are in test_tell_story.py)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from remoteconfig.models import AppConfiguration
from stories.management.commands.tell_story import CLI_USERNAME
from stories.models import Story, StoryStatus
from usage.models import UsageAccount
from usage.services import account_limits_adjust
from usage.tests.factories import needs_postgres

pytestmark = [pytest.mark.django_db(transaction=True), needs_postgres]

ARGS = ("--drawing", "samples/drawing.png", "--kid-name", "Mia", "--age", "5", "--json")


def tell(tmp_path, n: int) -> None:
    call_command("tell_story", *ARGS, "--out", str(tmp_path / f"story-{n}"), stdout=None)


@pytest.mark.slow
def test_the_demo_runs_six_times_in_a_row_and_a_refusal_is_one_line_exit_2(tmp_path, capsys):
    for n in range(6):
        tell(tmp_path, n)
    assert Story.objects.filter(status=StoryStatus.READY).count() == 6
    account = UsageAccount.objects.get(user__username=CLI_USERNAME)
    assert account.current_tier == "free"
    assert account.daily_operations == 30  # five logical operations a story
    # Ops lower the family's limit to what it has used: the next story is refused.
    account_limits_adjust(user_id=account.user_id, actor=None, daily_operations_limit=30)
    with pytest.raises(CommandError) as refused:
        tell(tmp_path, 7)
    assert refused.value.returncode == 2
    message = str(refused.value)
    assert message.startswith("daily_operation_limit: ") and "\n" not in message
    assert not (tmp_path / "story-7").exists()


def test_ai_switched_off_is_one_line_exit_2(tmp_path, settings):
    AppConfiguration.objects.create(
        config_key="ai_services_enabled", config_value=False, environment=settings.MIRA_ENVIRONMENT
    )
    with pytest.raises(CommandError) as refused:
        tell(tmp_path, 0)
    assert refused.value.returncode == 2
    assert str(refused.value).startswith("ai_services_disabled: ")
    assert not Story.objects.exists()
