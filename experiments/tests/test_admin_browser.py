"""The experiment results page in headless Chromium at 1,280 and 1,920 px: nothing overflows
the window, the Evaluate / Stop buttons are full-size and clickable, chart labels fit inside
their charts, and rate axes stay within 0 to 1."""

import pytest
from django.urls import reverse

from experiments.models import PromptExperiment
from experiments.tests.factories import make_experiment, make_users, simulate_outcomes
from mira.testing import chromium_page, horizontal_overflow, needs_chromium

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium()]

# Every text element of every chart: its box, and its chart's box.
CHART_TEXT = """() => [...document.querySelectorAll('#experiment-results svg')].map(svg => {
    const box = svg.getBoundingClientRect();
    return {
        label: svg.getAttribute('aria-label'),
        width: box.width,
        texts: [...svg.querySelectorAll('text')].map(t => {
            const r = t.getBoundingClientRect();
            return {text: t.textContent, left: r.left - box.left, right: r.right - box.left,
                    axis: t.classList.contains('tick')};
        }),
    };
})"""


@pytest.mark.parametrize("width", [1280, 1920])
def test_results_page_fits_the_window_and_its_buttons_work(
    prompts, admin_user, live_server, tmp_path, width
):
    experiment = make_experiment(minimum_sample_size=100)
    # Failures are rare, so a naive axis around their interval would go below zero.
    simulate_outcomes(experiment, make_users(300), seed=3)
    url = live_server.url + reverse(
        "admin:experiments_promptexperiment_change", args=[experiment.pk]
    )
    with chromium_page(live_server.url, user=admin_user, width=width) as page:
        page.goto(url)
        page.screenshot(path=tmp_path / f"experiment-{width}.png", full_page=True)
        assert horizontal_overflow(page) <= 0
        results = page.locator("#experiment-results").bounding_box()
        assert results["x"] + results["width"] <= width

        charts = page.evaluate(CHART_TEXT)
        assert len(charts) == 5
        for chart in charts:
            for text in chart["texts"]:
                assert text["left"] >= -0.5 and text["right"] <= chart["width"] + 0.5, (
                    chart["label"],
                    text,
                )
            if "rate" in chart["label"].split(":")[0].lower():
                ticks = [float(t["text"]) for t in chart["texts"] if t["axis"]]
                assert ticks and min(ticks) >= 0 and max(ticks) <= 1, (chart["label"], ticks)

        for name in ("Evaluate now", "Stop experiment"):
            box = page.get_by_role("button", name=name).bounding_box()
            assert box["width"] >= 80 and box["height"] >= 24, (name, box)

        page.fill("#experiment-results input[name=reason]", "layout check")
        page.get_by_role("button", name="Stop experiment").click()
        page.wait_for_load_state()
        assert "Experiment stopped." in page.inner_text(".messagelist")
        page.get_by_role("button", name="Evaluate now").click()
        page.wait_for_load_state()
        assert "not active" in page.inner_text(".messagelist")
        page.screenshot(path=tmp_path / f"experiment-{width}-stopped.png", full_page=True)

    experiment = PromptExperiment.objects.get(pk=experiment.pk)
    assert not experiment.is_active
