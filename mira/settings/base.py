"""Settings shared by every environment, read from the environment with django-environ.

Defaults make a fresh checkout work offline: SQLite, the django-q2 ORM broker, local-memory
cache, local media and the offline AI providers. ``DATABASE_URL``, ``REDIS_URL`` and vendor keys
switch to the real parts.
"""

from pathlib import Path

import environ

from mira.mail_settings import email_settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# development | staging | production: which remote-config values apply to this deployment.
MIRA_ENVIRONMENT = env("MIRA_ENVIRONMENT", default="development")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "import_export",
    "accounts",
    "remoteconfig",
    "usage",
    "ai_providers",
    "prompts_app",
    "experiments",
    "stories",
    "ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "mira.security.ContentSecurityPolicyMiddleware",
    # Early: during maintenance the API answers 503 before sessions or auth touch the database.
    "mira.middleware.MaintenanceModeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Security headers on every response (tested in mira/tests/test_security_headers.py); HSTS
# and secure cookies are in the production settings.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # signed media links never leave the site as a Referer
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

ROOT_URLCONF = "mira.urls"
WSGI_APPLICATION = "mira.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE makes every
    # transaction take the write lock up front, so read-then-write flows cannot deadlock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis backend keeping one client per pool (mira/cache.py).
            "BACKEND": "mira.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mira",
            # Runtime settings check a stamp here on every read: a Redis outage must fail fast
            # (readers then go to the database) rather than hang requests.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "mira",
        }
    }

# Each process watches the cache stamps that say "runtime settings / tokens changed" instead of
# reading them on every request (mira/stamps.py): a change reaches every process within
# milliseconds, and within MIRA_STAMP_REFRESH_SECONDS even if its notice is lost.
MIRA_STAMP_WATCH = env.bool("MIRA_STAMP_WATCH", default=bool(REDIS_URL))
MIRA_STAMP_REFRESH_SECONDS = env.float("MIRA_STAMP_REFRESH_SECONDS", default=1.0)

# django-q2 1.11, as it really behaves (django_q/worker.py, monitor.py, brokers/):
# - ``timeout``: SIGALRM raises ``TimeoutException`` (a ``SystemExit``, not an ``Exception``)
#   inside the task; the worker records a failure and its process is replaced.
# - ``retry``: the ORM broker hides a delivered task for ``retry`` seconds; a task not
#   acknowledged by then (worker SIGKILLed, or failed with ``ack_failures`` False) is delivered
#   again. ``retry`` > ``timeout``, or a slow task would run twice at once.
# - ``ack_failures`` False: a failed task is not acknowledged, so the ORM broker really retries
#   it; True would acknowledge it and no failure would ever be retried.
# - ``max_attempts``: counts *recorded* results; after that many the task is acknowledged.
#   A SIGKILLed worker records nothing, so this alone never ends a task that kills its worker.
# - The Redis broker pops tasks and has no acknowledgement: a task whose worker died, or that
#   sat in a Redis that restarted without persistence, is gone.
# So the brokers are not what finishes a story. The story row is: its running attempt holds a
# lease renewed by a heartbeat; ``stories.tasks.reap_stories`` (scheduled every
# ``MIRA_PIPELINE_REAP_EVERY_MINUTES``) re-enqueues a story whose lease lapsed or whose task
# went missing, or fails it with a code after ``max_attempts`` attempts
# (stories/pipeline/lease.py). Duplicate deliveries are harmless: an attempt runs only under
# an unexpired lease of its own. One retry layer for AI calls lives in the gateway.
Q_CLUSTER = {
    "name": "mira",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT", default=600),
    "retry": env.int("Q_RETRY", default=660),
    "max_attempts": env.int("Q_MAX_ATTEMPTS", default=3),
    "catch_up": False,
    "save_limit": 500,
    "ack_failures": False,
    # How often the sentinel looks at schedules: every 30 guard cycles.
    "guard_cycle": env.float("Q_GUARD_CYCLE", default=0.5),
    "label": "Tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
# Tests of the real worker choose the broker whatever REDIS_URL says.
if env("Q_BROKER", default="") == "orm":
    Q_CLUSTER.pop("redis", None)
    Q_CLUSTER["orm"] = "default"

# The pipeline's lease on a running story (renewed every heartbeat), the reaper's schedule,
# how long a queued story may wait before its task is presumed lost, and each stage's time
# budget in seconds. The budgets of the stages in a row plus the longer of the concurrent
# branches (narrate + time_words, paint_cover) stay below ``Q_TIMEOUT``; the runner also
# caps every stage at the attempt's own time left, so a stage always ends inside the task.
# check_prompts asks the AI layer which prompt parameters each adapter sends.
MIRA_PROMPT_PARAMETER_SENDERS = "ai_providers.registry.sendable_parameters"

MIRA_PIPELINE_LEASE_SECONDS = env.float("MIRA_PIPELINE_LEASE_SECONDS", default=60)
MIRA_PIPELINE_HEARTBEAT_SECONDS = env.float("MIRA_PIPELINE_HEARTBEAT_SECONDS", default=15)
MIRA_PIPELINE_REAP_EVERY_MINUTES = env.int("MIRA_PIPELINE_REAP_EVERY_MINUTES", default=1)
MIRA_PIPELINE_REAP_EVERY_SECONDS = env.float("MIRA_PIPELINE_REAP_EVERY_SECONDS", default=20)
MIRA_PIPELINE_QUEUED_GRACE_SECONDS = env.float("MIRA_PIPELINE_QUEUED_GRACE_SECONDS", default=180)
MIRA_PIPELINE_STAGE_BUDGETS = {
    "analyse_input": 60,
    "generate_story": 150,
    "check_safety": 150,
    "narrate": 120,
    "time_words": 45,
    "paint_cover": 150,
    **env.json("MIRA_PIPELINE_STAGE_BUDGETS", default={}),
}

# Run tasks in-process (used by tests and by ``tell_story``); never in production.
Q_SYNC = env.bool("Q_SYNC", default=False)
Q_CLUSTER["sync"] = Q_SYNC

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))

DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's token auth with the token → user lookup cached per process (one cache get).
        "accounts.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "mira.pagination.StrictLimitOffsetPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "mira.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's negotiation, without parsing the usual Accept headers (mira/negotiation.py).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "mira.negotiation.ContentNegotiation",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Throttles (mira/throttles.py) count in the default cache: Redis with REDIS_URL, shared by
    # every web process. Story creation uses usage's burst rule instead (docs/usage.md).
    "DEFAULT_THROTTLE_RATES": {
        "login_ip": env("MIRA_THROTTLE_LOGIN_IP", default="30/min"),
        "login_username": env("MIRA_THROTTLE_LOGIN_USERNAME", default="10/hour"),
        "config_anon": env("MIRA_THROTTLE_CONFIG_ANON", default="120/min"),
        "reauthenticate": env("MIRA_THROTTLE_REAUTHENTICATE", default="10/hour"),
    },
    # Reverse proxies in front of gunicorn whose X-Forwarded-For is trusted (0: REMOTE_ADDR).
    "NUM_PROXIES": env.int("MIRA_NUM_PROXIES", default=0),
}

# OpenAPI 3 (drf-spectacular): the schema at /api/schema/, Swagger UI at /api/docs/ with the
# sidecar package's assets, so the docs page loads nothing from another origin.
SPECTACULAR_SETTINGS = {
    "TITLE": "Mira parents' API",
    "DESCRIPTION": (
        "Kid profiles, story requests (a drawing, a recorded idea or a typed idea) and the "
        "finished stories; runtime config for the app; the family's data rights. Every error "
        'is `{"code", "detail", ...}`; field errors add `"errors": {"field": ["message"]}`. '
        "Authenticate with `Authorization: Token <token>` from `POST /api/v1/auth/token/`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "stories.openapi.add_links",
    ],
}

# Mira's own knobs.
MIRA_AI_PROVIDERS_FILE = Path(
    env("MIRA_AI_PROVIDERS_FILE", default=str(BASE_DIR / "config" / "ai_providers.yaml"))
)
MIRA_PROMPTS_DIR = Path(env("MIRA_PROMPTS_DIR", default=str(BASE_DIR / "prompts")))
# The offline storyteller's content (content/stories/README.md).
MIRA_STORY_CONTENT_DIR = Path(
    env("MIRA_STORY_CONTENT_DIR", default=str(BASE_DIR / "content" / "stories"))
)
# Salt for the hashed user ids sent to vendors; never send raw ids or names.
MIRA_VENDOR_USER_SALT = env("MIRA_VENDOR_USER_SALT", default=SECRET_KEY)
MIRA_MAX_DRAWING_BYTES = env.int("MIRA_MAX_DRAWING_BYTES", default=10 * 1024 * 1024)
# Retention (docs/privacy.md): a story's media (drawing, recording, narration, cover) are
# deleted after this many days without use; its text stays. 0 keeps media for ever.
MIRA_MEDIA_RETENTION_DAYS = env.int("MIRA_MEDIA_RETENTION_DAYS", default=180)
MIRA_MEDIA_RETENTION_EVERY_MINUTES = env.int("MIRA_MEDIA_RETENTION_EVERY_MINUTES", default=24 * 60)
# Pixels, checked from the header before decoding: above it a drawing is 400 image_too_large.
MIRA_MAX_DRAWING_PIXELS = env.int("MIRA_MAX_DRAWING_PIXELS", default=4096 * 4096)
# Recorded story ideas (docs/audio-input.md): size and length limits, and the transcription
# confidence (0-1) below which a story fails with `transcription_unclear` instead of guessing.
MIRA_MAX_AUDIO_BYTES = env.int("MIRA_MAX_AUDIO_BYTES", default=10 * 1024 * 1024)
MIRA_MAX_AUDIO_SECONDS = env.float("MIRA_MAX_AUDIO_SECONDS", default=120.0)
MIRA_TRANSCRIPTION_MIN_CONFIDENCE = env.float("MIRA_TRANSCRIPTION_MIN_CONFIDENCE", default=0.1)
# Usage limits (docs/usage.md): the zone whose midnight resets daily and monthly limits, and
# how long a reservation may stay open before the scheduled job reclaims it (a call's must
# outlast the slowest call with retries; a story hold's, the slowest story with retries).
MIRA_USAGE_TIMEZONE = env("MIRA_USAGE_TIMEZONE", default="UTC")
MIRA_USAGE_CALL_RESERVATION_TIMEOUT = env.int("MIRA_USAGE_CALL_RESERVATION_TIMEOUT", default=900)
MIRA_USAGE_STORY_HOLD_TIMEOUT = env.int("MIRA_USAGE_STORY_HOLD_TIMEOUT", default=7200)
MIRA_USAGE_RECLAIM_EVERY_MINUTES = env.int("MIRA_USAGE_RECLAIM_EVERY_MINUTES", default=5)
# The reserve's and the settle's write statements as server-side prepared statements
# (usage/services/reservations.py); off behind a transaction-pooling proxy (no sessions kept).
MIRA_USAGE_PREPARED_STATEMENTS = env.bool("MIRA_USAGE_PREPARED_STATEMENTS", default=True)
# Whether a gateway call's settle waits for the disk before ``call()`` returns (the spend and the
# ledger row on disk): off saves about 0.3 ms a call, and a database crash can then forget the
# last few hundred milliseconds of settles (docs/usage.md "Durability").
MIRA_USAGE_DURABLE_SETTLE = env.bool("MIRA_USAGE_DURABLE_SETTLE", default=True)
# Alerts from config/ai_providers.yaml `monitoring`: who hears about them, and how often.
# Outgoing mail: EMAIL_URL or the EMAIL_HOST set, DEFAULT_FROM_EMAIL (mira/mail_settings.py).
_email = email_settings(env)
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"]
DEFAULT_FROM_EMAIL = _email["DEFAULT_FROM_EMAIL"]
SERVER_EMAIL = _email["SERVER_EMAIL"]
MIRA_ALERT_EMAILS = env.list("MIRA_ALERT_EMAILS", default=[])
MIRA_ALERT_FROM_EMAIL = env("MIRA_ALERT_FROM_EMAIL", default=DEFAULT_FROM_EMAIL)
MIRA_ALERT_WEBHOOK_URL = env("MIRA_ALERT_WEBHOOK_URL", default="")
MIRA_ALERT_WEBHOOK_TIMEOUT = env.float("MIRA_ALERT_WEBHOOK_TIMEOUT", default=5.0)
MIRA_ALERT_EVERY_MINUTES = env.int("MIRA_ALERT_EVERY_MINUTES", default=5)
MIRA_ALERT_DEDUP_MINUTES = env.int("MIRA_ALERT_DEDUP_MINUTES", default=60)
MIRA_ALERT_LOOKBACK_MINUTES = env.int("MIRA_ALERT_LOOKBACK_MINUTES", default=15)
MIRA_ALERT_MIN_CALLS = env.int("MIRA_ALERT_MIN_CALLS", default=20)
# The AI gateway's one retry layer (the SDKs' own retries are off): tries per provider,
# full-jitter exponential backoff, and the longest vendor Retry-After worth waiting for.
MIRA_AI_RETRY_ATTEMPTS = env.int("MIRA_AI_RETRY_ATTEMPTS", default=3)
MIRA_AI_RETRY_BASE_DELAY = env.float("MIRA_AI_RETRY_BASE_DELAY", default=0.5)
MIRA_AI_RETRY_MAX_DELAY = env.float("MIRA_AI_RETRY_MAX_DELAY", default=8.0)
MIRA_AI_RETRY_AFTER_CAP_SECONDS = env.float("MIRA_AI_RETRY_AFTER_CAP_SECONDS", default=60.0)
# Per-provider circuit breaker, shared by every process through the cache.
MIRA_AI_CIRCUIT_FAILURES = env.int("MIRA_AI_CIRCUIT_FAILURES", default=5)
MIRA_AI_CIRCUIT_COOLDOWN_SECONDS = env.float("MIRA_AI_CIRCUIT_COOLDOWN_SECONDS", default=30.0)
MIRA_AI_CIRCUIT_PROBE_TIMEOUT_SECONDS = env.int(
    "MIRA_AI_CIRCUIT_PROBE_TIMEOUT_SECONDS", default=120
)
# Operations (docs/operations.md): who may scrape /metrics (a bearer token, or an address in
# these networks), when /readyz calls the workers gone, and when a story counts as stuck.
MIRA_METRICS_TOKEN = env("MIRA_METRICS_TOKEN", default="")
MIRA_METRICS_ALLOWED_NETWORKS = env.list(
    "MIRA_METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"]
)
MIRA_READYZ_WORKER_MAX_AGE_SECONDS = env.int("MIRA_READYZ_WORKER_MAX_AGE_SECONDS", default=180)
MIRA_WORKER_HEARTBEAT_EVERY_MINUTES = env.int("MIRA_WORKER_HEARTBEAT_EVERY_MINUTES", default=1)
MIRA_OPS_STUCK_MINUTES = env.int("MIRA_OPS_STUCK_MINUTES", default=30)
# The dashboard's daily rollup of the ledger: how often it is recomputed, how long after
# midnight a day's rollup is trusted over the live ledger, how far back gaps are filled.
MIRA_OPS_ROLLUP_EVERY_MINUTES = env.int("MIRA_OPS_ROLLUP_EVERY_MINUTES", default=5)
MIRA_OPS_ROLLUP_GRACE_MINUTES = env.int("MIRA_OPS_ROLLUP_GRACE_MINUTES", default=10)
MIRA_OPS_ROLLUP_FILL_DAYS = env.int("MIRA_OPS_ROLLUP_FILL_DAYS", default=31)

LOG_FORMAT = env("LOG_FORMAT", default="text")  # text | json
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "mira.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django_q": {"level": env("Q_LOG_LEVEL", default="WARNING"), "propagate": True},
        # The vendor SDKs' HTTP clients log every request line at INFO; the ledger has them.
        "httpx": {"level": "WARNING", "propagate": True},
        "httpx2": {"level": "WARNING", "propagate": True},
    },
}
