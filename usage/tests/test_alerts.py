import json
import threading
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.utils import timezone

from stories.tests.factories import UserFactory
from usage.alerts import alert_candidates, alerts_evaluate
from usage.models import AlertEvent, AlertKind, AlertState
from usage.services import account_limits_adjust, budget_reserve, budget_settle

from .factories import family

pytestmark = pytest.mark.django_db


class Hook(BaseHTTPRequestHandler):
    received: list = []
    status = 204

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        Hook.received.append(json.loads(self.rfile.read(length)))
        self.send_response(Hook.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    Hook.received, Hook.status = [], 204
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.MIRA_ALERT_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/alerts"
    settings.MIRA_ALERT_EMAILS = ["ops@example.com"]
    yield Hook
    server.shutdown()
    server.server_close()


def ledger(vendor="openai", operation="story_generation", *, ok=True, ms=800, cost="0", n=1):
    AIOperation = apps.get_model("ai_providers", "AIOperation")
    user = UserFactory()
    AIOperation.objects.bulk_create(
        AIOperation(
            user=user,
            operation_type=operation,
            vendor=vendor,
            cost_usd=Decimal(cost),
            processing_time_ms=ms,
            success=ok,
        )
        for _ in range(n)
    )


def test_quiet_system_raises_nothing(webhook):
    ledger(n=30)
    assert alert_candidates() == []
    assert alerts_evaluate() == [] and not mail.outbox and not webhook.received


def test_user_above_twice_the_limit_is_alerted_by_email_and_webhook_once(webhook):
    user = family(daily_cost_limit=Decimal("5.00"))
    r = budget_reserve(user_id=user.pk, amount_usd=Decimal("4.00"))
    budget_settle(reservation=r, actual_usd=Decimal("4.00"))
    assert alerts_evaluate() == []
    # The limit was lowered below the spend: now above 2x it.
    account_limits_adjust(user_id=user.pk, actor=None, daily_cost_limit=Decimal("1.50"))
    sent = alerts_evaluate()
    assert [e.kind for e in sent] == [AlertKind.USER_OVER_LIMIT]
    event = AlertEvent.objects.get()
    assert event.emailed and event.webhook_status == "204"
    assert str(user.pk) in event.message and user.username not in event.message
    assert mail.outbox[0].to == ["ops@example.com"]
    assert "A family above a multiple of its limit" in mail.outbox[0].subject
    assert webhook.received[0]["kind"] == "user_over_limit"
    assert webhook.received[0]["key"] == event.key
    # Still true a minute later: not repeated within the window.
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        assert alerts_evaluate() == []
    assert AlertEvent.objects.count() == 1 and len(mail.outbox) == 1 and len(webhook.received) == 1
    assert AlertState.objects.get(key=event.key).suppressed == 1
    # After the de-duplication window it is sent again.
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert len(alerts_evaluate()) == 1
    assert AlertEvent.objects.count() == 2 and len(webhook.received) == 2


def test_dedup_window_is_configurable(webhook, settings):
    settings.MIRA_ALERT_DEDUP_MINUTES = 5
    ledger(vendor="anthropic", ok=False, n=5)
    ledger(vendor="anthropic", ok=True, n=15)
    assert len(alerts_evaluate()) == 2  # anthropic errors; story_generation success rate
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        # The ledger rows are still inside the 15 minute look-back.
        assert len(alerts_evaluate()) == 2


def test_error_rate_latency_and_success_rate(webhook):
    ledger(vendor="openai", ok=False, n=2)
    ledger(vendor="openai", ok=True, n=38)  # 5% errors: not above
    ledger(vendor="google", operation="text_to_speech", ok=True, ms=31000, n=20)
    kinds = {(c.kind, c.key) for c in alert_candidates()}
    assert kinds == {(AlertKind.LATENCY, "latency:google")}
    ledger(vendor="openai", ok=False, n=1)  # 3 of 41: above 5%, success 92.7% < 95%
    kinds = {(c.kind, c.key) for c in alert_candidates()}
    assert (AlertKind.ERROR_RATE, "error_rate:openai") in kinds
    assert (AlertKind.SUCCESS_RATE, "success_rate:story_generation") in kinds


def test_too_few_calls_do_not_alert(webhook):
    ledger(vendor="openai", ok=False, n=3)
    assert alert_candidates() == []


def test_old_ledger_rows_are_outside_the_look_back(webhook):
    with time_machine.travel(timezone.now() - timedelta(hours=1)):
        ledger(vendor="openai", ok=False, n=30)
    assert alert_candidates() == []


def test_daily_total_and_vendor_budget(webhook, settings, tmp_path):
    import yaml

    document = yaml.safe_load(settings.MIRA_AI_PROVIDERS_FILE.read_text())
    document["monitoring"]["cost_alerts"]["daily_threshold"] = "1.00"
    document["monitoring"]["cost_alerts"]["vendor_budget_alert"] = "2.00"
    path = tmp_path / "ai.yaml"
    path.write_text(yaml.safe_dump(document))
    settings.MIRA_AI_PROVIDERS_FILE = path
    from mira.config_file import reset_config_document

    reset_config_document()
    for _ in range(2):
        user = family()
        r = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.60"))
        budget_settle(reservation=r, actual_usd=Decimal("0.60"))
    ledger(vendor="openai", cost="0.50", n=5)
    kinds = {c.kind for c in alert_candidates()}
    assert kinds == {AlertKind.DAILY_COST, AlertKind.VENDOR_BUDGET}


def test_a_webhook_that_fails_does_not_stop_the_email(webhook):
    webhook.status = 500
    user = family(daily_cost_limit=Decimal("5.00"))
    r = budget_reserve(user_id=user.pk, amount_usd=Decimal("4.00"))
    budget_settle(reservation=r, actual_usd=Decimal("4.00"))
    account_limits_adjust(user_id=user.pk, actor=None, daily_cost_limit=Decimal("1.00"))
    alerts_evaluate()
    event = AlertEvent.objects.get()
    assert event.emailed and event.webhook_status == "500"


def test_unreachable_webhook_is_recorded(settings):
    settings.MIRA_ALERT_WEBHOOK_URL = "http://127.0.0.1:9/nothing-listens"
    settings.MIRA_ALERT_EMAILS = []
    ledger(vendor="openai", ok=False, n=25)
    alerts_evaluate()
    assert AlertEvent.objects.first().webhook_status == "error: ConnectError"


def _monitoring(settings, tmp_path, **capacity):
    import yaml

    from mira.config_file import reset_config_document

    document = yaml.safe_load(settings.MIRA_AI_PROVIDERS_FILE.read_text())
    document["monitoring"]["capacity_alerts"] = capacity
    path = tmp_path / "ai.yaml"
    path.write_text(yaml.safe_dump(document))
    settings.MIRA_AI_PROVIDERS_FILE = path
    reset_config_document()


def test_capacity_oldest_queued_story(webhook):
    from stories.models import Story
    from stories.tests.factories import KidFactory

    kid = KidFactory()
    story = Story.objects.create(owner=kid.parent, kid=kid, input_kind="text", input_text="x")
    assert AlertKind.QUEUE_AGE not in {c.kind for c in alert_candidates()}
    Story.objects.filter(pk=story.pk).update(created_at=timezone.now() - timedelta(minutes=20))
    (alert,) = [c for c in alert_candidates() if c.kind == AlertKind.QUEUE_AGE]
    assert alert.threshold == "600" and 1190 <= int(alert.value) <= 1210
    Story.objects.filter(pk=story.pk).update(status="processing")
    assert AlertKind.QUEUE_AGE not in {c.kind for c in alert_candidates()}


def test_capacity_queue_depth(webhook, settings, tmp_path):
    from django_q.brokers import get_broker

    _monitoring(settings, tmp_path, queue_depth_threshold=1, oldest_queued_seconds=600)
    broker = get_broker()
    broker.delete_queue()
    try:
        broker.enqueue("task-1")
        assert AlertKind.QUEUE_DEPTH not in {c.kind for c in alert_candidates()}
        broker.enqueue("task-2")
        (alert,) = [c for c in alert_candidates() if c.kind == AlertKind.QUEUE_DEPTH]
        assert alert.value == "2" and alert.threshold == "1"
        sent = alerts_evaluate()
        assert [e.kind for e in sent] == [AlertKind.QUEUE_DEPTH]
    finally:
        broker.delete_queue()


def test_capacity_thresholds_are_checked(settings, tmp_path):
    from usage.config import UsageConfigError, usage_settings

    _monitoring(settings, tmp_path, queue_depth_threshold=-3)
    with pytest.raises(
        UsageConfigError, match=r"monitoring\.capacity_alerts\.queue_depth_threshold"
    ):
        usage_settings()
    _monitoring(settings, tmp_path, queue_depth=3)
    with pytest.raises(UsageConfigError, match="capacity_alerts"):
        usage_settings()
