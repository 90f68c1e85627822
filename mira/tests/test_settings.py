"""Production settings refuse to start without a secret and pass Django's deploy checks."""

import os
import subprocess
import sys

from django.conf import settings


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DJANGO_ENV="production")
    assert result.returncode != 0
    assert "DJANGO_ENV=production needs SECRET_KEY" in result.stderr


def test_production_passes_the_deploy_checks():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_ENV="production", SECRET_KEY="k" * 20 + "-a-real-secret-with-enough-variety-0123456789",
        ALLOWED_HOSTS="mira.example",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_unknown_environment_is_a_clear_error():
    result = manage("check", DJANGO_ENV="staging-eu")
    assert result.returncode != 0
    assert "DJANGO_ENV must be local, test or production" in result.stderr
