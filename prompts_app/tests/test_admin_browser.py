"""The prompt console in headless Chromium: the rollback button really rolls back (it is its
own form, not a button inside the change form), and the diff of long lines wraps."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.groups import CONTENT_TEAM
from mira.testing import chromium_page, horizontal_overflow, needs_chromium
from prompts_app.models import Prompt, PromptReleaseEvent
from prompts_app.selectors import prompt_release_get
from prompts_app.services import prompt_version_create
from stories.tests.factories import UserFactory

from .helpers import sync

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium()]


@pytest.fixture
def editor():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=CONTENT_TEAM))
    return user


@pytest.fixture
def image_prompt():
    sync()
    return Prompt.objects.get(key="system/image_recognition")


def test_clicking_roll_back_moves_the_current_version_and_records_it(
    live_server, editor, image_prompt, tmp_path
):
    assert prompt_release_get(image_prompt).version.version == "1.1"
    url = live_server.url + reverse("admin:prompts_app_prompt_change", args=[image_prompt.pk])
    with chromium_page(live_server.url, user=editor) as page:
        page.goto(url)
        button = page.get_by_role("button", name="Roll back to v1.0")
        # The button's form is the rollback form, not the admin's change form around it.
        assert button.evaluate("b => b.form.action").endswith(
            reverse("admin:prompts_app_prompt_rollback", args=[image_prompt.pk])
        )
        page.fill("#rollback-form input[name=note]", "1.1 misreads crayons")
        button.click()
        page.wait_for_load_state()
        page.screenshot(path=tmp_path / "prompt-rolled-back.png", full_page=True)
        assert page.url == url
        assert "Rolled back: v1.0 is current again." in page.inner_text(".messagelist")
        assert "changed successfully" not in page.content()

    assert prompt_release_get(image_prompt).version.version == "1.0"
    event = PromptReleaseEvent.objects.filter(prompt=image_prompt).first()
    assert (event.action, event.from_version.version, event.to_version.version) == (
        "rollback",
        "1.1",
        "1.0",
    )
    assert (event.actor, event.note) == (editor, "1.1 misreads crayons")


def test_the_diff_of_long_lines_wraps_inside_the_window(
    live_server, editor, image_prompt, tmp_path
):
    current = prompt_release_get(image_prompt).version
    long_line = "  # " + " ".join(["a-very-long-explanation-without-breaks"] * 12)
    content = current.content.replace('version: "1.1"', 'version: "1.2"', 1) + long_line + "\n"
    newer, _ = prompt_version_create(
        key=image_prompt.key, content=content, author="editor", change_note="long comment"
    )
    url = (
        live_server.url
        + reverse("admin:prompts_app_prompt_diff", args=[image_prompt.pk])
        + f"?a={current.pk}&b={newer.pk}"
    )
    with chromium_page(live_server.url, user=editor, width=1440) as page:
        page.goto(url)
        page.screenshot(path=tmp_path / "prompt-diff.png", full_page=True)
        assert page.locator("table.diff .diff_add").count() >= 1
        assert horizontal_overflow(page) <= 0
        table = page.locator("table.diff").bounding_box()
        assert table["x"] + table["width"] <= 1440
