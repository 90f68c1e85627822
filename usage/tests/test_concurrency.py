"""Limits hold under real concurrency (PostgreSQL): many threads race to spend at once.

200 threads start together behind a barrier. Each opens its own database connection; a
semaphore keeps at most ``USAGE_TEST_DB_CONNECTIONS`` (default 30) connected at once, because
the shared test server allows 100 connections and other suites use some too. That is also how
production behaves: more requests in flight than database connections.
"""

import os
import random
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from usage.errors import LimitExceeded
from usage.models import ReservationState, UsageAccount, UsageReservation
from usage.selectors import reservation_totals
from usage.services import (
    budget_release,
    budget_reserve,
    budget_settle,
    reservations_reclaim,
    story_admit,
    story_hold_close,
)

from .factories import CENT, family, needs_postgres

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]

THREADS = 200
CONNECTIONS = int(os.environ.get("USAGE_TEST_DB_CONNECTIONS", "30"))


def race(worker, count=THREADS):
    """Run ``worker(i)`` in ``count`` threads released at once; return their results."""
    barrier = threading.Barrier(count)
    gate = threading.BoundedSemaphore(CONNECTIONS)
    results: list = [None] * count

    def run(i):
        barrier.wait()
        with gate:
            try:
                results[i] = worker(i)
            except Exception as exc:  # collected and asserted on by the test
                results[i] = exc
            finally:
                connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return results


def assert_books_balance(user):
    account = UsageAccount.objects.get(user=user)
    totals = reservation_totals(user_id=user.pk)
    assert account.reserved_cost_usd == totals.cost_usd
    assert account.reserved_operations == totals.operations
    return account


def test_200_threads_spending_a_cent_against_a_dollar_admit_exactly_100():
    user = family(daily_cost_limit=Decimal("1.00"), daily_operations_limit=1000)

    def spend(i):
        reservation = budget_reserve(user_id=user.pk, amount_usd=CENT, purpose="story_generation")
        budget_settle(reservation=reservation, actual_usd=CENT)
        return "ok"

    results = race(spend)
    admitted = results.count("ok")
    refused = [r for r in results if isinstance(r, LimitExceeded)]
    assert admitted == 100
    assert len(refused) == 100 and {r.code for r in refused} == {"daily_cost_limit"}
    account = assert_books_balance(user)
    assert account.daily_cost_usd == Decimal("1.00")
    assert account.total_lifetime_cost == Decimal("1.00")
    assert account.daily_operations == 100 and account.reserved_cost_usd == 0
    assert UsageReservation.objects.filter(state=ReservationState.SETTLED).count() == 100


def test_200_threads_against_an_operation_limit_of_100_admit_exactly_100():
    user = family(daily_operations_limit=100, daily_cost_limit=Decimal("100.00"))

    def spend(i):
        reservation = budget_reserve(user_id=user.pk, amount_usd=CENT)
        budget_settle(reservation=reservation, actual_usd=CENT)
        return "ok"

    results = race(spend)
    assert results.count("ok") == 100
    assert {r.code for r in results if isinstance(r, LimitExceeded)} == {"daily_operation_limit"}
    account = assert_books_balance(user)
    assert account.daily_operations == 100 and account.daily_cost_usd == Decimal("1.00")


def test_calls_that_succeed_fail_and_time_out_leave_exact_books_and_nothing_reserved():
    user = family(daily_cost_limit=Decimal("1.00"), daily_operations_limit=1000)
    outcomes: dict[int, str] = {}

    def call(i):
        # Worst case reserved; what happens next differs by thread.
        reservation = budget_reserve(user_id=user.pk, amount_usd=CENT * 2)
        kind = ("succeeds", "fails", "times_out", "crashes")[i % 4]
        outcomes[i] = kind
        if kind == "succeeds":
            budget_settle(reservation=reservation, actual_usd=CENT)
        elif kind in ("fails", "times_out"):  # the gateway releases on both
            budget_release(reservation=reservation)
        # "crashes": the worker died between reserve and settle; the job reclaims it
        return kind

    results = race(call)
    settled = results.count("succeeds")
    refused = [r for r in results if isinstance(r, LimitExceeded)]
    assert (
        settled
        + results.count("fails")
        + results.count("times_out")
        + results.count("crashes")
        + len(refused)
        == THREADS
    )
    account = UsageAccount.objects.get(user=user)
    # Never more than the limit committed at once, even with crashed reservations held.
    assert account.daily_cost_usd + account.reserved_cost_usd <= Decimal("1.00")
    assert reservations_reclaim(now=timezone.now() + timedelta(hours=1)) == results.count("crashes")
    account = assert_books_balance(user)
    assert account.reserved_cost_usd == 0 and account.reserved_operations == 0
    assert not UsageReservation.objects.filter(state=ReservationState.OPEN).exists()
    assert account.daily_cost_usd == CENT * settled
    assert account.daily_operations == settled
    assert UsageReservation.objects.filter(state=ReservationState.EXPIRED).count() == (
        results.count("crashes")
    )


def test_story_holds_and_their_calls_racing_keep_reserved_equal_to_open_rows():
    """Stories admitted while their calls draw from holds, settle and release in parallel
    (narration runs paragraphs in parallel): the account's reserved totals always equal what
    the open rows add up to, and everything is given back when the stories end."""
    user = family(daily_cost_limit=Decimal("50.00"), daily_operations_limit=10000)
    story_ids = [__import__("uuid").uuid4() for _ in range(5)]
    for story_id in story_ids:
        story_admit(user_id=user.pk, story_id=story_id, story_length="short", input_kind="text")
    rng = random.Random(7)
    plan = [(rng.choice(story_ids), rng.random() < 0.7) for _ in range(60)]

    def call(i):
        story_id, succeeds = plan[i]
        reservation = budget_reserve(user_id=user.pk, amount_usd=CENT, story_id=story_id)
        if succeeds:
            budget_settle(reservation=reservation, actual_usd=CENT / 2)
        else:
            budget_release(reservation=reservation)
        return succeeds

    results = race(call, count=len(plan))
    assert all(isinstance(r, bool) for r in results), results
    assert_books_balance(user)
    for story_id in story_ids:
        story_hold_close(story_id=story_id, user_id=user.pk)
    account = assert_books_balance(user)
    assert account.reserved_cost_usd == 0 and account.reserved_operations == 0
    assert account.daily_cost_usd == (CENT / 2 * results.count(True)).quantize(Decimal("0.0001"))
    assert account.open_story_holds == 0
    assert connection.vendor == "postgresql"
