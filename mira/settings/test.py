"""Test runs: fast hashing, isolated media, tasks run in-process."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import Q_CLUSTER

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="mira-test-media-"))
Q_SYNC = True
Q_CLUSTER["sync"] = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
