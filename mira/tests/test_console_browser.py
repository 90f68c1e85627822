"""Small things in the ops console, in headless Chromium at 1,440 px: the emergency panel is
one click from the admin index, a switch in its normal position is not painted alarm red, and
the usage-account and story lists show their cost columns without sideways scrolling."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from mira.testing import chromium_page, horizontal_overflow, needs_chromium

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium()]

RED = "rgb(186, 33, 33)"


def test_index_links_the_emergency_panel_and_normal_states_are_not_red(
    admin_user, live_server, tmp_path
):
    with chromium_page(live_server.url, user=admin_user, width=1440) as page:
        page.goto(live_server.url + reverse("admin:index"))
        page.screenshot(path=tmp_path / "admin-index.png", full_page=True)
        page.get_by_role("link", name="Emergency panel").click()
        page.wait_for_load_state()
        assert page.url.endswith(reverse("admin:remoteconfig_emergency"))
        page.screenshot(path=tmp_path / "emergency-normal.png", full_page=True)

        def state(name: str) -> tuple[str, str]:
            cell = page.locator("tr", has=page.locator(f"code:text-is('{name}')")).locator("td")
            cell = cell.nth(1)
            return cell.inner_text().strip(), cell.evaluate("c => getComputedStyle(c).color")

        # Normal positions: AI on, maintenance off, providers on: none of them red.
        assert state("ai_services_enabled") == ("ON", state("ai_services_enabled")[1])
        assert state("ai_services_enabled")[1] != RED
        assert state("maintenance_mode")[0] == "off" and state("maintenance_mode")[1] != RED
        assert state("providers.local")[1] != RED

        # Away from normal they are: maintenance on, AI off.
        for name in ("maintenance_mode", "ai_services_enabled"):
            row = page.locator("tr", has=page.locator(f"code:text-is('{name}')"))
            row.locator("input[name=reason]").fill("browser check")
            row.locator("input[type=submit]").click()
            page.wait_for_load_state()
        page.screenshot(path=tmp_path / "emergency-alarm.png", full_page=True)
        assert state("maintenance_mode") == ("ON", RED)
        assert state("ai_services_enabled") == ("off", RED)


def _results_scroll_sideways(page) -> int:
    """Pixels of the result table hidden in its own scroll box (Django wraps it in one)."""
    return page.evaluate(
        "() => { const r = document.querySelector('#changelist .results');"
        " return r.scrollWidth - r.clientWidth; }"
    )


def _right_edge_of_column(page, header: str) -> float:
    box = page.locator("#result_list thead th", has_text=header).first.bounding_box()
    return box["x"] + box["width"]


def test_usage_and_story_lists_show_costs_within_1440px(admin_user, live_server, tmp_path):
    from stories.models import InputKind, Story, StoryStatus
    from stories.tests.factories import KidFactory
    from usage.services import budget_reserve, budget_settle

    kids = [KidFactory(name=name) for name in ("Mia", "Leo", "Zoe")]
    for kid in kids:
        reservation = budget_reserve(user_id=kid.parent.pk, amount_usd=Decimal("0.40"))
        budget_settle(reservation=reservation, actual_usd=Decimal("0.3125"))
        Story.objects.create(
            owner=kid.parent,
            kid=kid,
            input_kind=InputKind.TEXT,
            input_text="a dragon who is afraid of the dark",
            status=StoryStatus.READY,
            title="The Dragon Who Was Afraid of the Dark and the Very Brave Little Firefly",
            total_cost_usd=Decimal("0.3125"),
            total_processing_time_ms=48211,
            prompt_version="1.3-lean",
        )
    with chromium_page(live_server.url, user=admin_user, width=1440) as page:
        page.goto(live_server.url + reverse("admin:usage_usageaccount_changelist"))
        page.screenshot(path=tmp_path / "usage-accounts.png", full_page=True)
        assert horizontal_overflow(page) <= 0
        assert _results_scroll_sideways(page) <= 0
        for header in ("today", "this month", "reserved"):
            assert _right_edge_of_column(page, header) <= 1440, header
        assert "0.3125" in page.inner_text("#result_list")

        page.goto(live_server.url + reverse("admin:stories_story_changelist"))
        page.screenshot(path=tmp_path / "stories.png", full_page=True)
        assert horizontal_overflow(page) <= 0
        assert _results_scroll_sideways(page) <= 0
        assert _right_edge_of_column(page, "cost") <= 1440
        assert "0.3125" in page.inner_text("#result_list")
