"""Test runs: fast hashing, isolated media, tasks run in-process."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import Q_CLUSTER

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="mira-test-media-"))
Q_SYNC = True
Q_CLUSTER["sync"] = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests read the stamps on every request (each test sees exactly the cache it set up); the
# watch itself is tested with it switched on (mira/tests/test_stamps.py).
MIRA_STAMP_WATCH = False

# On SQLite the test database is a file, not shared memory: the pipeline's worker threads open
# their own connections, and a file with WAL and a busy timeout lets them wait for the write
# lock instead of failing with "database table is locked".
_database = DATABASES["default"]  # noqa: F405
if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"mira-test-{os.getpid()}.sqlite3")
    }
