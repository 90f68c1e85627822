"""gunicorn settings for ``make serve-prod`` and production (docs/deployment.md).

Everything that differs between hosts comes from the environment: ``WEB_WORKERS`` (processes;
default two per core plus one), ``WEB_THREADS`` (threads per process), ``WEB_BIND``,
``WEB_TIMEOUT`` and ``FORWARDED_ALLOW_IPS`` (the reverse proxy's address).
"""

import multiprocessing
import os

wsgi_app = "mira.wsgi:application"
bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
# One request at a time per process (the sync worker): nginx buffers slow clients and uploads,
# and no request waits on anything slow (the pipeline runs in the workers), so threads would
# only share one GIL. WEB_THREADS > 1 makes gunicorn use gthread workers (keep-alive to the
# proxy), for hosts whose proxy keeps upstream connections open.
threads = int(os.environ.get("WEB_THREADS", "1"))
# The web process never runs the pipeline: a story request answers 202 and workers do the
# rest, so 30 s is plenty for any request (uploads are at most 10 MB).
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("WEB_ACCESS_LOG") or None


def child_exit(server, worker):
    """Prometheus multiprocess mode (docs/operations.md): a dead worker's live gauges go with
    it; its counters stay in PROMETHEUS_MULTIPROC_DIR and keep counting in /metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
