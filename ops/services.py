"""Writes of the ops app: only the worker heartbeat."""

from __future__ import annotations

import os
import socket

from django.utils import timezone

from .models import WorkerHeartbeat

HEARTBEAT = "worker"


def heartbeat_record(*, name: str = HEARTBEAT) -> WorkerHeartbeat:
    beat, _ = WorkerHeartbeat.objects.update_or_create(
        name=name,
        defaults={"seen_at": timezone.now(), "host": f"{socket.gethostname()}:{os.getpid()}"},
    )
    return beat
