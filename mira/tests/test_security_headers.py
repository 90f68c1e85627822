"""Security headers on every kind of response: nosniff, Referrer-Policy, X-Frame-Options,
a Content-Security-Policy (strict and hash-based on the read-along page, no inline script on
the admin), and HSTS under the production settings."""

import json
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from mira.security import csp_hash
from mira.testing import subprocess_env
from stories import pipeline
from stories.access import signed_url
from stories.models import InputKind, Story
from stories.tests.factories import KidFactory


def assert_common_headers(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def directives(policy: str) -> dict[str, list[str]]:
    parts = (p.strip().split() for p in policy.split(";") if p.strip())
    return {name: values for name, *values in parts}


def test_api_responses_carry_the_headers_and_a_nothing_allowed_policy(db):
    response = APIClient().get("/api/v1/config")
    assert_common_headers(response)
    assert directives(response["Content-Security-Policy"])["default-src"] == ["'none'"]


@pytest.mark.django_db(transaction=True)
def test_read_along_page_allows_only_its_own_hashed_inline_script_and_style():
    kid = KidFactory()
    story = Story.objects.create(
        owner=kid.parent, kid=kid, input_kind=InputKind.TEXT, input_text="a paper boat"
    )
    pipeline.run(story.id)
    response = APIClient().get(signed_url("stories:read-along", story.id))
    assert response.status_code == 200
    assert_common_headers(response)
    policy = directives(response["Content-Security-Policy"])
    html = response.content.decode()
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert len(scripts) == 1 and len(styles) == 1
    assert policy["script-src"] == [csp_hash(scripts[0])]
    assert policy["style-src"] == [csp_hash(styles[0])]
    assert policy["default-src"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert not re.search(r"\son\w+=", html)  # no inline event handlers either


def test_admin_pages_forbid_inline_script(db, client):
    admin = get_user_model().objects.create_superuser("ops", "ops@example.com", "pw-ops-123")
    client.force_login(admin)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert_common_headers(response)
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]


def test_production_sends_hsts_and_secure_cookies(db):
    code = (
        "import django, json; django.setup();"
        "from django.test import Client; from django.conf import settings;"
        "r = Client().get('/healthz', secure=True, HTTP_HOST='mira.example');"
        "print(json.dumps({'hsts': r.headers.get('Strict-Transport-Security'),"
        " 'status': r.status_code, 'session_secure': settings.SESSION_COOKIE_SECURE,"
        " 'csrf_secure': settings.CSRF_COOKIE_SECURE,"
        " 'redirect': Client().get('/healthz', HTTP_HOST='mira.example').status_code}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=subprocess_env(
            {
                "DJANGO_ENV": "production",
                "DJANGO_SETTINGS_MODULE": "mira.settings.production",
                "SECRET_KEY": "k" * 20 + "-a-real-secret-with-enough-variety-0123456789",
                "ALLOWED_HOSTS": "mira.example",
            }
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert seen["session_secure"] and seen["csrf_secure"]
    assert seen["redirect"] == 301  # plain HTTP is redirected to HTTPS
