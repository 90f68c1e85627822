"""The Operations dashboard in headless Chromium: the charts render, are visible and have
bars. Saves a screenshot (MIRA_DOCS_SCREENSHOT=1 writes docs/operations-dashboard.png)."""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from ops.services import rollup_refresh
from ops.tests.seed import ops_user, seed_demo
from remoteconfig.services import config_set

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM and os.environ.get("CI") != "true", reason="Chromium is not installed"
    ),
]


def test_dashboard_charts_are_present_and_visible(live_server, tmp_path):
    from playwright.sync_api import sync_playwright

    seed_demo()
    rollup_refresh(days=7)  # as the schedule keeps it: the page reads the rollup and a tail
    user = ops_user(username="ops-demo")
    config_set(key="max_stories_in_flight", value=10, author=user, reason="capacity drill")
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    shot = (
        Path(settings.BASE_DIR) / "docs" / "operations-dashboard.png"
        if os.environ.get("MIRA_DOCS_SCREENSHOT") == "1"
        else tmp_path / "operations-dashboard.png"
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--no-first-run"],
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
            )
            page = context.new_page()
            errors = []
            # Every resource the page loads answers (the browser's own favicon probe aside).
            page.on(
                "response",
                lambda r: (
                    errors.append(f"{r.status} {r.url}")
                    if r.status >= 400 and not r.url.endswith("/favicon.ico")
                    else None
                ),
            )
            page.goto(live_server.url + "/admin/operations/?range=7d")
            assert page.locator("#ops-dashboard").is_visible()
            charts = page.locator("svg.chart")
            assert charts.count() >= 6
            for index in range(charts.count()):
                chart = charts.nth(index)
                chart.scroll_into_view_if_needed()
                assert chart.is_visible(), index
                box = chart.bounding_box()
                assert box["width"] > 200 and box["height"] > 40, (index, box)
            # Bars drawn with real size, stacked segments in both spend charts.
            assert page.locator("svg.stacked").count() == 2
            assert page.locator("svg.stacked rect.segment").count() >= 14
            heights = page.eval_on_selector_all(
                "svg.stacked rect.segment", "els => els.map(e => e.getBBox().height)"
            )
            assert max(heights) > 50
            # The stylesheet loaded (a file, not inline style): the cards are laid out in a grid.
            display = page.eval_on_selector(".ops-grid", "e => getComputedStyle(e).display")
            assert display == "grid"
            assert not errors, errors
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert shot.stat().st_size > 20_000
