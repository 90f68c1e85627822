"""The Operations dashboard renders the seeded figures, and every figure links to its list."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.db.models import Sum

from ai_providers.models import AIOperation
from ops.selectors import date_range_parse, ledger_total, spend_per_day
from ops.tests.seed import ops_user, seed_small
from stories.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_client(client):
    client.force_login(ops_user())
    return client


def _page(client, query="range=7d"):
    response = client.get(f"/admin/operations/?{query}")
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def test_spend_per_day_adds_up_to_the_ledger_and_error_rate_is_failed_over_all(ops_client):
    seeded = seed_small()
    html = _page(ops_client)
    day_costs = [Decimal(c) for c in re.findall(r'data-cost="([0-9.]+)"', html)]
    assert len(day_costs) == 7
    ledger = AIOperation.objects.aggregate(s=Sum("cost_usd"))["s"]
    assert sum(day_costs) == ledger == Decimal("0.141")
    assert sum(day_costs) == ledger_total(date_range_parse({"range": "7d"}))
    assert "$0.1410" in html  # the spend KPI

    # Per vendor and operation: error rate = failed / all attempts.
    row = re.search(
        r'<tr data-vendor="openai" data-operation="story_generation">(.*?)</tr>', html, re.S
    ).group(1)
    calls = int(re.search(r'class="calls">(\d+)<', row).group(1))
    rate = re.search(r'class="error-rate[^"]*"[^>]*>([^<]+)<', row).group(1)
    failed = AIOperation.objects.filter(
        vendor="openai", operation_type="story_generation", success=False
    ).count()
    assert calls == 4 and failed == 1
    assert rate == f"{failed / calls:.1%}" == "25.0%"
    overall = re.search(r'id="kpi-error-rate">([^<]+)<', html).group(1)
    assert overall == f"{2 / 9:.1%}"
    # One anthropic attempt was a fallback hop: 100% of anthropic's story_generation calls.
    anthropic = re.search(
        r'<tr data-vendor="anthropic" data-operation="story_generation">(.*?)</tr>', html, re.S
    ).group(1)
    assert 'class="fallback-rate" title="1 fallback attempts">100.0%' in anthropic

    # Cost per story: median of 0.20 and 0.60 is 0.40, below the $0.50 target.
    assert re.search(r'id="kpi-median">\$0.4000<', html)
    assert 'id="kpi-in-flight">1<' in html
    assert "content_unsafe" in html
    for family in seeded["families"]:
        assert family.username in html
    # The charts are inline SVG with one linked segment per (day, series) with spend.
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart') >= 6
    assert "<script" not in html.split('id="ops-dashboard"')[1]
    assert ' style="' not in html.split('id="ops-dashboard"')[1]


def test_today_range_and_selector_agree(ops_client):
    seed_small()
    period = date_range_parse({"range": "today"})
    spend = spend_per_day(period)
    assert spend.total == ledger_total(period) == Decimal("0.057")
    html = _page(ops_client, "range=today")
    assert [Decimal(c) for c in re.findall(r'data-cost="([0-9.]+)"', html)] == [spend.total]


def test_every_number_links_to_an_admin_list_that_opens(ops_client):
    seed_small()
    html = _page(ops_client)
    body = html.split('id="ops-dashboard"')[1]
    hrefs = {unescape(h) for h in re.findall(r'href="(/admin/[^"]+)"', body)}
    assert len(hrefs) > 20
    for href in sorted(hrefs):
        response = ops_client.get(href)
        assert response.status_code == 200, href
        assert "?e=1" not in response.get("Location", ""), href


def test_the_linked_list_counts_what_the_figure_counted(ops_client):
    seed_small()
    html = _page(ops_client)
    row = re.search(
        r'<tr data-vendor="openai" data-operation="story_generation">(.*?)</tr>', html, re.S
    ).group(1)
    failed_href = unescape(re.search(r'<a href="([^"]+)" class="error-rate', row).group(1))
    listing = ops_client.get(failed_href)
    assert listing.context["cl"].result_count == 1
    stuck = unescape(re.search(r'<a href="([^"]+)" class="ops-big', html).group(1))
    assert ops_client.get(stuck).context["cl"].result_count == 1  # processing for 2 hours


@pytest.mark.parametrize(
    "query, field",
    [
        ("range=yesterday", "range"),
        ("range=custom&start=2026-13-01&end=2026-12-01", "start"),
        ("range=custom&start=2026-11-05", "end"),
        ("range=custom&start=2026-11-05&end=2026-11-01", "end"),
        ("range=custom&start=2020-01-01&end=2026-01-01", "start"),
    ],
)
def test_a_bad_range_is_a_400_with_its_code(ops_client, query, field):
    response = ops_client.get(f"/admin/operations/?{query}")
    assert response.status_code == 400
    assert "invalid_date_range" in response.content.decode()
    assert response.context["error"].field == field


def test_custom_range(ops_client):
    seed_small()
    period = date_range_parse({"range": "today"})
    day = period.first_day.isoformat()
    html = _page(ops_client, f"range=custom&start={day}&end={day}")
    assert [Decimal(c) for c in re.findall(r'data-cost="([0-9.]+)"', html)] == [Decimal("0.057")]


def test_only_ops_staff_see_it(client):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/operations/").status_code == 403
    client.force_login(UserFactory())  # not staff: the admin's login page
    assert client.get("/admin/operations/").status_code == 302


def test_vendor_comparison_puts_vendors_side_by_side(ops_client):
    seed_small()
    response = ops_client.get("/admin/operations/vendors/?range=7d")
    assert response.status_code == 200
    html = response.content.decode()
    section = html.split('id="op-story_generation"')[1].split('id="op-')[0]
    assert 'data-vendor="openai"' in section and 'data-vendor="anthropic"' in section
    # openai: 0.036 over 4 attempts.
    assert "$0.009000" in section
    assert "Mean rating" in section
    tts = html.split('id="op-text_to_speech"')[1]
    assert 'data-vendor="google"' in tts


def test_open_alerts_are_those_fired_within_the_window(ops_client):
    from usage.models import AlertEvent, AlertState

    AlertEvent.objects.create(
        kind="error_rate", key="error_rate:openai", message="openai: 9 of 20 calls failed",
        value="0.45", threshold="0.05",
    )  # fmt: skip
    AlertState.objects.create(key="error_rate:openai", suppressed=3)
    old = AlertEvent.objects.create(
        kind="latency", key="latency:google", message="google slow", value="1", threshold="0"
    )
    AlertEvent.objects.filter(pk=old.pk).update(created_at=old.created_at.replace(year=2020))
    html = _page(ops_client)
    assert 'id="kpi-alerts">1<' in html
    assert "openai: 9 of 20 calls failed" in html and "google slow" not in html


def test_the_admin_index_links_to_the_dashboard(ops_client):
    html = ops_client.get("/admin/").content.decode()
    assert 'href="/admin/operations/"' in html and 'href="/admin/operations/vendors/"' in html
