"""/metrics speaks the Prometheus text format, and its counters move when a story is made."""

import re

import pytest
from django.conf import settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from ai_providers.models import AIOperation
from mira import metrics
from ops.tests.seed import ledger_row
from stories import pipeline
from stories.models import InputKind, Story
from stories.tests.factories import KidFactory

pytestmark = pytest.mark.django_db


def scrape(client, **headers) -> dict[str, dict[tuple, float]]:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/plain")
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            key = tuple(sorted(sample.labels.items()))
            samples.setdefault(sample.name, {})[key] = sample.value
    return samples


def total(samples, name, **labels) -> float:
    want = set(labels.items())
    return sum(v for k, v in samples.get(name, {}).items() if want <= set(k))


@pytest.mark.django_db(transaction=True)  # the pipeline's branches use their own connections
def test_counters_move_when_a_story_is_made(client):
    before = scrape(client)
    kid = KidFactory(name="Ava")
    story = Story.objects.create(
        owner=kid.parent, kid=kid, input_kind=InputKind.TEXT, input_text="a paper boat"
    )
    story = pipeline.run(story.id)
    assert story.status == "ready"
    after = scrape(client)

    calls = total(after, "mira_ai_calls_total") - total(before, "mira_ai_calls_total")
    assert calls == AIOperation.objects.filter(story_id=story.id).count() >= 3
    generated = total(after, "mira_ai_calls_total", operation="story_generation", outcome="ok")
    assert (
        generated - total(before, "mira_ai_calls_total", operation="story_generation", outcome="ok")
        >= 1
    )
    assert (
        total(after, "mira_ai_call_duration_seconds_count")
        - total(before, "mira_ai_call_duration_seconds_count")
        == calls
    )
    stage = "mira_pipeline_stage_duration_seconds_count"
    assert (
        total(after, stage, stage="generate_story") - total(before, stage, stage="generate_story")
        == 1
    )
    assert total(after, stage, stage="store") > total(before, stage, stage="store")
    assert (
        total(after, "mira_stories", status="ready")
        == total(before, "mira_stories", status="ready") + 1
    )
    for gauge in (
        "mira_stories_in_flight",
        "mira_oldest_queued_story_age_seconds",
        "mira_reservations_in_flight",
        "mira_circuit_breaker_state",
    ):
        assert gauge in after, gauge
    assert total(after, "mira_metrics_collect_errors") == 0
    # The sample Grafana dashboard asks only for metrics that exist.
    grafana = (settings.BASE_DIR / "docs" / "grafana-dashboard.json").read_text()
    asked = set(re.findall(r"\b(mira_[a-z_]+)", grafana))
    optional = {"mira_stories_in_flight_limit"}  # only while max_stories_in_flight is set
    assert asked and asked - optional <= set(after), asked - set(after)


def test_cost_counter_is_in_dollars(client):
    kid = KidFactory()
    before = scrape(client)
    row = ledger_row(
        user=kid.parent, at=timezone.now(), operation="story_generation", vendor="openai",
        cost="0.012500", ms=700,
    )  # fmt: skip
    metrics.ai_attempt_recorded(row)
    after = scrape(client)
    spent = total(after, "mira_ai_cost_usd_total", vendor="openai") - total(
        before, "mira_ai_cost_usd_total", vendor="openai"
    )
    assert spent == pytest.approx(0.0125)


def test_outside_the_allowed_networks_it_needs_the_token(client, settings):
    settings.MIRA_METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    settings.MIRA_METRICS_TOKEN = "s3cret-token"
    refused = client.get("/metrics")
    assert refused.status_code == 403
    assert refused.json()["code"] == "metrics_forbidden"
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert "mira_stories" in scrape(client, HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
