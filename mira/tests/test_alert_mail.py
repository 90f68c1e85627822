"""Alert mail configured from the environment and delivered through a real SMTP server
(aiosmtpd) that the test starts on 127.0.0.1, with SMTP AUTH."""

from __future__ import annotations

import socket
from decimal import Decimal
from email import message_from_bytes

import environ
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from django.core.exceptions import ImproperlyConfigured

from mira.mail_settings import CONSOLE_BACKEND, SMTP_BACKEND, email_settings

EMAIL_VARIABLES = (
    "EMAIL_URL",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_BACKEND",
    "EMAIL_TIMEOUT",
    "DEFAULT_FROM_EMAIL",
    "SERVER_EMAIL",
)


@pytest.fixture
def mail_env(monkeypatch):
    for name in EMAIL_VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def read(**values: str) -> dict:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        return email_settings(environ.Env())

    return read


def test_nothing_configured_prints_mail_instead_of_trying_localhost(mail_env):
    config = mail_env()
    assert config["EMAIL_BACKEND"] == CONSOLE_BACKEND
    assert config["DEFAULT_FROM_EMAIL"] == "Mira <mira@mira.invalid>"


def test_email_url_sets_host_credentials_and_tls(mail_env):
    config = mail_env(
        EMAIL_URL="smtp+tls://alerts%40example.com:app%2Fpass@smtp.example.com:587",
        DEFAULT_FROM_EMAIL="Mira alerts <alerts@example.com>",
    )
    assert config["EMAIL_BACKEND"] == SMTP_BACKEND
    assert (config["EMAIL_HOST"], config["EMAIL_PORT"]) == ("smtp.example.com", 587)
    assert (config["EMAIL_HOST_USER"], config["EMAIL_HOST_PASSWORD"]) == (
        "alerts@example.com",
        "app/pass",
    )
    assert config["EMAIL_USE_TLS"] is True and not config.get("EMAIL_USE_SSL")
    assert (
        config["DEFAULT_FROM_EMAIL"] == config["SERVER_EMAIL"] == "Mira alerts <alerts@example.com>"
    )


def test_the_email_host_set_is_read_without_email_url(mail_env):
    config = mail_env(
        EMAIL_HOST="mail.internal",
        EMAIL_PORT="465",
        EMAIL_HOST_USER="mira",
        EMAIL_HOST_PASSWORD="s3cret",
        EMAIL_USE_SSL="true",
        EMAIL_TIMEOUT="3",
    )
    assert config["EMAIL_BACKEND"] == SMTP_BACKEND
    assert (config["EMAIL_HOST"], config["EMAIL_PORT"], config["EMAIL_USE_SSL"]) == (
        "mail.internal",
        465,
        True,
    )
    assert config["EMAIL_TIMEOUT"] == 3.0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"EMAIL_URL": "gopher://mail.example.com"}, "EMAIL_URL: Invalid email schema gopher"),
        ({"EMAIL_HOST": "m", "EMAIL_PORT": "twenty-five"}, "invalid literal"),
        (
            {"EMAIL_HOST": "m", "EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"},
            "EMAIL_USE_TLS and EMAIL_USE_SSL exclude each other",
        ),
    ],
)
def test_bad_mail_settings_are_refused_naming_the_variable(mail_env, values, message):
    with pytest.raises((ImproperlyConfigured, ValueError), match=message):
        mail_env(**values)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.logins: list[tuple[str, str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "message": message_from_bytes(envelope.content),
                "login": session.login_data,
            }
        )
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        login = (auth_data.login.decode(), auth_data.password.decode())
        self.logins.append(login)
        return AuthResult(success=login == ("alerts@example.com", "app-pass"))


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    # aiosmtpd checks its server is up by connecting to the port it was given: pick a free one.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        inbox.port = probe.getsockname()[1]
    # AUTH over plain text is fine on loopback; a real relay would insist on TLS.
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=inbox.port,
        authenticator=inbox.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    yield inbox
    controller.stop()


@pytest.mark.django_db
def test_an_alert_is_delivered_through_the_smtp_server_from_email_url(
    mail_env, smtp_server, settings
):
    from usage.alerts import alerts_evaluate
    from usage.models import AlertEvent, AlertKind
    from usage.services import account_limits_adjust, budget_reserve, budget_settle
    from usage.tests.factories import family

    config = mail_env(
        EMAIL_URL=f"smtp://alerts%40example.com:app-pass@127.0.0.1:{smtp_server.port}",
        DEFAULT_FROM_EMAIL="Mira alerts <alerts@example.com>",
    )
    for name, value in config.items():
        setattr(settings, name, value)
    settings.MIRA_ALERT_FROM_EMAIL = config["DEFAULT_FROM_EMAIL"]
    settings.MIRA_ALERT_EMAILS = ["ops@example.com", "oncall@example.com"]
    settings.MIRA_ALERT_WEBHOOK_URL = ""

    user = family(daily_cost_limit=Decimal("5.00"))
    reservation = budget_reserve(user_id=user.pk, amount_usd=Decimal("4.00"))
    budget_settle(reservation=reservation, actual_usd=Decimal("4.00"))
    account_limits_adjust(user_id=user.pk, actor=None, daily_cost_limit=Decimal("1.50"))
    sent = alerts_evaluate()

    assert [e.kind for e in sent] == [AlertKind.USER_OVER_LIMIT]
    assert AlertEvent.objects.get().emailed
    assert smtp_server.logins == [("alerts@example.com", "app-pass")]
    [delivered] = smtp_server.messages
    assert delivered["from"] == "alerts@example.com"
    assert delivered["to"] == ["ops@example.com", "oncall@example.com"]
    message = delivered["message"]
    assert message["From"] == "Mira alerts <alerts@example.com>"
    assert message["Subject"].startswith("[Mira alert] ")
    assert str(user.pk) in message.get_payload()


@pytest.mark.django_db
def test_wrong_smtp_password_is_logged_and_the_alert_kept(mail_env, smtp_server, settings):
    from usage.alerts import alerts_evaluate
    from usage.models import AlertEvent
    from usage.services import account_limits_adjust, budget_reserve, budget_settle
    from usage.tests.factories import family

    config = mail_env(EMAIL_URL=f"smtp://alerts%40example.com:wrong@127.0.0.1:{smtp_server.port}")
    for name, value in config.items():
        setattr(settings, name, value)
    settings.MIRA_ALERT_EMAILS = ["ops@example.com"]
    settings.MIRA_ALERT_WEBHOOK_URL = ""
    user = family(daily_cost_limit=Decimal("5.00"))
    reservation = budget_reserve(user_id=user.pk, amount_usd=Decimal("4.00"))
    budget_settle(reservation=reservation, actual_usd=Decimal("4.00"))
    account_limits_adjust(user_id=user.pk, actor=None, daily_cost_limit=Decimal("1.50"))

    assert len(alerts_evaluate()) == 1
    event = AlertEvent.objects.get()
    assert not event.emailed  # stored, visible in the admin, not marked as mailed
    assert smtp_server.messages == []
