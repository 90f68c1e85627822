"""Outgoing mail settings from the environment (imports no app; ``settings.base`` calls it).

``EMAIL_URL`` (django-environ's ``email_url``) says it in one variable, e.g.
``smtp+tls://alerts%40example.com:app-password@smtp.example.com:587``; without it the
classic ``EMAIL_HOST`` / ``EMAIL_PORT`` / ``EMAIL_HOST_USER`` / ``EMAIL_HOST_PASSWORD`` /
``EMAIL_USE_TLS`` / ``EMAIL_USE_SSL`` set is read. With neither, mail is printed to the
console: a fresh checkout never tries a mail server on localhost:25. ``docs/operations.md``
("Alert mail") has the details.
"""

from __future__ import annotations

from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


def email_settings(env: environ.Env) -> dict[str, Any]:
    """The ``EMAIL_*`` and sender settings this environment asks for."""
    url = env("EMAIL_URL", default="")
    if url:
        try:
            config: dict[str, Any] = environ.Env.email_url_config(url)
        except ImproperlyConfigured as exc:
            schemes = ", ".join(sorted(environ.Env.EMAIL_SCHEMES))
            raise ImproperlyConfigured(f"EMAIL_URL: {exc} (one of {schemes})") from None
        config.pop("EMAIL_FILE_PATH", None)
    elif env("EMAIL_HOST", default=""):
        config = {
            "EMAIL_BACKEND": SMTP_BACKEND,
            "EMAIL_HOST": env("EMAIL_HOST"),
            "EMAIL_PORT": env.int("EMAIL_PORT", default=25),
            "EMAIL_HOST_USER": env("EMAIL_HOST_USER", default=""),
            "EMAIL_HOST_PASSWORD": env("EMAIL_HOST_PASSWORD", default=""),
            "EMAIL_USE_TLS": env.bool("EMAIL_USE_TLS", default=False),
            "EMAIL_USE_SSL": env.bool("EMAIL_USE_SSL", default=False),
        }
    else:
        config = {"EMAIL_BACKEND": CONSOLE_BACKEND}
    if config.get("EMAIL_USE_TLS") and config.get("EMAIL_USE_SSL"):
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL exclude each other")
    config["EMAIL_BACKEND"] = env("EMAIL_BACKEND", default=config["EMAIL_BACKEND"])
    # A mail relay that does not answer must not hold a worker for minutes.
    config["EMAIL_TIMEOUT"] = env.float("EMAIL_TIMEOUT", default=10.0)
    config["DEFAULT_FROM_EMAIL"] = env("DEFAULT_FROM_EMAIL", default="Mira <mira@mira.invalid>")
    config["SERVER_EMAIL"] = env("SERVER_EMAIL", default=config["DEFAULT_FROM_EMAIL"])
    return config
