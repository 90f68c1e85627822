"""Support for tests that run ``manage.py`` as a subprocess against the test database."""

from __future__ import annotations

import os
from collections.abc import Iterable
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
