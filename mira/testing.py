"""Support for tests: ``manage.py`` as a subprocess against the test database, and pages in
headless Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

from django.conf import settings


def current_test_database_url() -> str:
    """A ``DATABASE_URL`` for the database this test session is using (PostgreSQL or the
    SQLite test file), so a subprocess sees what the test committed."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if user else ""
    return f"postgres://{credentials}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def subprocess_env(extra: dict[str, str] | None = None, drop: Iterable[str] = ()) -> dict[str, str]:
    dropped = set(drop)
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        {
            "DJANGO_ENV": "test",
            "PYTHONPATH": str(settings.BASE_DIR),
            "DATABASE_URL": current_test_database_url(),
            **(extra or {}),
        }
    )
    return env


# --- headless Chromium (Debian's /usr/bin/chromium) for pages people use --------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def needs_chromium():
    """Skip where Chromium is not installed; CI installs it, so there it must run."""
    import pytest

    return pytest.mark.skipif(
        not CHROMIUM and os.environ.get("CI") != "true", reason="Chromium is not installed"
    )


@contextmanager
def chromium_page(
    base_url: str, *, user=None, width: int = 1440, height: int = 900
) -> Iterator[Any]:
    """A playwright page in headless Chromium, logged in as ``user`` (a session cookie made
    with Django's test client, so no login form is typed)."""
    from django.test import Client
    from playwright.sync_api import sync_playwright

    cookies = []
    if user is not None:  # before playwright starts its event loop: the ORM refuses to run in one
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        cookies.append({"name": cookie.key, "value": cookie.value, "url": base_url})
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            context.add_cookies(cookies)
            yield context.new_page()
        finally:
            browser.close()


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than its window (0: nothing to scroll sideways)."""
    return page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )
