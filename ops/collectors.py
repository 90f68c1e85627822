"""Gauges read from the database, the broker and the cache when ``/metrics`` is scraped.

Counters and histograms of things that happen (AI calls, costs, stage durations) are recorded
as they happen by ``mira.metrics``; the state of the system (stories by status, queue depth,
reservations in flight, circuit breakers) is read here, so every web process reports the same
numbers and no process has to keep them in step.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from ai_providers import resilience
from ai_providers.config import get_config

from . import selectors

logger = logging.getLogger(__name__)

BREAKER_STATES = {resilience.CLOSED: 0, resilience.HALF_OPEN: 1, resilience.OPEN: 2}


def breaker_states() -> list[tuple[str, str, str]]:
    """(vendor, operation, state) for every provider in every operation's chain: the
    breakers are keyed by (provider, operation), as the gateway uses them."""
    found = []
    for operation, route in sorted(get_config().routes.items(), key=lambda i: i[0].value):
        for vendor in route.chain:
            state = resilience.CircuitBreaker(vendor, operation).state()
            found.append((vendor, operation.value, state))
    return found


class SystemStateCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        errors = GaugeMetricFamily(
            "mira_metrics_collect_errors",
            "1 when a part of the scrape-time state could not be read.",
            labels=["part"],
        )
        for part, read in (
            ("stories", self._stories),
            ("queue", self._queue),
            ("reservations", self._reservations),
            ("circuits", self._circuits),
        ):
            try:
                yield from read()
                errors.add_metric([part], 0)
            except Exception:  # one broken dependency must not hide every other metric
                logger.exception("metrics: reading %s failed", part)
                errors.add_metric([part], 1)
        yield errors

    def _stories(self) -> Iterator[GaugeMetricFamily]:
        by_status = GaugeMetricFamily(
            "mira_stories", "Stories by status (all time).", labels=["status"]
        )
        for status, count in selectors.stories_by_status().items():
            by_status.add_metric([status], count)
        yield by_status
        capacity = selectors.in_flight_capacity()
        yield GaugeMetricFamily(
            "mira_stories_in_flight", "Stories queued or processing.", value=capacity.in_flight
        )
        if capacity.limit is not None:
            yield GaugeMetricFamily(
                "mira_stories_in_flight_limit",
                "max_stories_in_flight from remote config.",
                value=capacity.limit,
            )

    def _queue(self) -> Iterator[GaugeMetricFamily]:
        queue = selectors.queue_state(now=timezone.now())
        if queue.broker_depth is not None:
            yield GaugeMetricFamily(
                "mira_queue_depth",
                "Tasks waiting in the django-q2 broker.",
                value=queue.broker_depth,
            )
        yield GaugeMetricFamily(
            "mira_stories_queued", "Stories waiting for a worker.", value=queue.queued_stories
        )
        yield GaugeMetricFamily(
            "mira_oldest_queued_story_age_seconds",
            "Age of the oldest story still queued (0 when none is).",
            value=queue.oldest_queued_seconds,
        )

    def _reservations(self) -> Iterator[GaugeMetricFamily]:
        count = GaugeMetricFamily(
            "mira_reservations_in_flight", "Open usage reservations.", labels=["kind"]
        )
        amount = GaugeMetricFamily(
            "mira_reservations_in_flight_usd",
            "Budget held by open usage reservations, in US dollars.",
            labels=["kind"],
        )
        for kind, (n, usd) in selectors.open_reservations().items():
            count.add_metric([kind], n)
            amount.add_metric([kind], float(usd))
        yield count
        yield amount

    def _circuits(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "mira_circuit_breaker_state",
            "AI provider circuit breaker: 0 closed, 1 half-open, 2 open.",
            labels=["vendor", "operation"],
        )
        for vendor, operation, state in breaker_states():
            gauge.add_metric([vendor, operation], BREAKER_STATES.get(state, 0))
        yield gauge
