"""Load at boot what a web process would otherwise load on its first requests.

Several things are built once per process, on first use: the configuration file
(``config/ai_providers.yaml``, parsed YAML) and the usage settings read from it, the runtime
settings' snapshot (one query) and the watch on their stamp, the shared-cache client and its
connection, the task broker (a Redis client and connection), the database connection, the
URL patterns' regular expressions, the API serializers' field templates
(``mira.fields.TemplateFieldsMixin``), the models' relation tree, the session and message
storage modules. Left to the first request, they cost it about 80 ms of CPU in each gunicorn
worker (``bench/bench_story_post.py``); ``mira.wsgi`` calls ``warm_up()`` as it is imported,
which gunicorn does in every worker before it accepts connections.

A step that fails (the database or Redis unreachable at boot) is logged and skipped: what it
would have loaded is loaded on first use, as before, so a worker never refuses to start
because of the warm-up.

The pipeline's worker cluster (django-q2's ``qcluster``) runs ``pipeline_preload()`` instead,
in its own process before it starts (``stories.apps``): the safety classifiers, which only
the pipeline uses (every language's content rules, YAML parsed and patterns compiled, and
the learned model, loaded from its disk cache or fitted once there), the configuration file
and the relation tree. django-q2 forks its workers from that process, so every worker, and
every worker it starts again after a crash, a kill or a timeout, inherits them: loaded once
per cluster, not once per worker. Left to each worker's first story, they cost its input
screening 3 to 9 s of CPU here (each language's rules 0.6 to 3.5 s, the model 0.3 to 0.6 s;
measured with another process busy). Nothing that holds a connection, a socket or a thread
is made before the fork (the runtime settings, the broker): those stay per worker, on first
use.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)


def _configuration_file() -> None:
    from mira.config_file import config_document
    from usage.config import abuse_thresholds, tier_get, usage_limits_override, usage_settings

    config_document()
    settings = usage_settings()
    abuse_thresholds()
    usage_limits_override()
    for name in settings.tiers:
        tier_get(name)


def _runtime_settings() -> None:
    # Opens the database and shared-cache connections, reads the stamp (and starts its
    # watch), loads this environment's values.
    from remoteconfig.selectors import config_snapshot

    config_snapshot()


def _story_admission() -> None:
    from mira.vocabulary import STORY_LENGTHS
    from stories.models import InputKind
    from usage.estimates import story_estimate

    for length in STORY_LENGTHS:
        for kind in InputKind.values:
            story_estimate(story_length=length, input_kind=kind, paid_cover=True)


def _task_broker() -> None:
    from stories.services import _broker

    _broker().ping()


def _urls() -> None:
    # Each pattern's regular expression is compiled the first time a request is matched
    # against it; the resolver itself (every view imported) is loaded by mira.wsgi.
    from django.urls import URLPattern, URLResolver, get_resolver

    def compile_all(resolver: URLResolver) -> None:
        for entry in resolver.url_patterns:
            entry.pattern.regex  # noqa: B018 (compiled and kept by the pattern)
            if isinstance(entry, URLResolver):
                compile_all(entry)
            elif not isinstance(entry, URLPattern):  # pragma: no cover
                continue

    root = get_resolver()
    root.pattern.regex  # noqa: B018
    compile_all(root)


def _middleware_modules() -> None:
    from django.conf import settings
    from django.utils.module_loading import import_string

    import_string(settings.MESSAGE_STORAGE)
    import_string(settings.SESSION_SERIALIZER)
    import_string(f"{settings.SESSION_ENGINE}.SessionStore")


def _serializers() -> None:
    from mira.fields import TemplateFieldsMixin

    pending = list(TemplateFieldsMixin.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        cls().fields  # noqa: B018 (builds the class's field templates once)


def _models() -> None:
    from django.apps import apps

    for model in apps.get_models():
        model._meta.related_objects  # noqa: B018 (the relation tree, built for all at once)


STEPS: tuple[Callable[[], None], ...] = (
    _urls,
    _middleware_modules,
    _models,
    _serializers,
    _configuration_file,
    _runtime_settings,
    _story_admission,
    _task_broker,
)


def _safety_classifiers() -> None:
    from ai_providers.content_rules import check_text
    from ai_providers.content_rules.model import unsafe_score
    from mira.vocabulary import LANGUAGES

    for language in LANGUAGES:
        check_text("A dragon naps in the sun.", language)
    unsafe_score("A dragon naps in the sun.")


def _configuration_document() -> None:
    # The file only: the usage sections read the runtime settings (a query) as well.
    from mira.config_file import config_document

    config_document()


# What a forked worker may inherit: pure data, no connections, sockets or threads.
PIPELINE_STEPS: tuple[Callable[[], None], ...] = (
    _models,
    _configuration_document,
    _safety_classifiers,
)


def warm_up(steps: tuple[Callable[[], None], ...] = STEPS) -> None:
    """Run every warm-up step; one that fails is logged and left to first use."""
    for step in steps:
        try:
            step()
        except Exception:  # anything: a worker must start whatever its first use would do
            logger.warning(
                "warm-up step %s failed; left to first use", step.__name__, exc_info=True
            )


def pipeline_preload() -> None:
    """Load, in the ``qcluster`` process before it forks its workers, what every pipeline
    task uses; a step that fails is logged and left to each worker's first use."""
    warm_up(PIPELINE_STEPS)
