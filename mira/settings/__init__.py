"""Settings package: ``base`` holds everything; ``local``, ``test`` and ``production`` adjust it.

``manage.py``, ``wsgi`` and ``asgi`` pick the module from ``DJANGO_ENV`` (default ``local``).
"""

import os


def settings_module() -> str:
    env = os.environ.get("DJANGO_ENV", "local").strip().lower() or "local"
    if env not in {"local", "test", "production"}:
        raise RuntimeError(f"DJANGO_ENV must be local, test or production, not {env!r}")
    return f"mira.settings.{env}"
