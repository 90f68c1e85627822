"""The one-round-trip reserve and settle (PostgreSQL) keep the books the ORM path keeps.

Every test runs on every path: ``single`` (the lock-then-write query of
``usage.services.reservations``, its write a prepared statement), ``text`` (the same query sent
as text, ``MIRA_USAGE_PREPARED_STATEMENTS`` off) and ``orm`` (the path SQLite and server-side
binding take, and the one the single statements hand over to for anything they do not cover).
"""

from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from remoteconfig.cache import pinned
from remoteconfig.selectors import config_snapshot
from stories.tests.factories import UserFactory
from usage.errors import AccountBlocked, LimitExceeded
from usage.models import EventKind, ReservationState, UsageAccount, UsageEvent, UsageReservation
from usage.selectors import reservation_totals
from usage.services import (
    RowInsert,
    account_block,
    account_get_or_create,
    budget_release,
    budget_reserve,
    budget_settle,
)

from .factories import family

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["single", "text", "orm"])
def path(request, monkeypatch, settings):
    if request.param == "orm":
        options = connection.settings_dict.setdefault("OPTIONS", {})
        monkeypatch.setitem(options, "server_side_binding", True)
    if request.param == "text":
        settings.MIRA_USAGE_PREPARED_STATEMENTS = False
        return "single"
    return request.param


@contextmanager
def one_round_trip(path):
    """On the single-statement path, the block is one query (runtime settings loaded first)."""
    with pinned():
        config_snapshot()
        with CaptureQueriesContext(connection) as queries:
            yield
    if path == "single" and connection.vendor == "postgresql":
        assert len(queries) == 1, [q["sql"][:80] for q in queries]


def balanced(user) -> UsageAccount:
    account = UsageAccount.objects.get(user=user)
    totals = reservation_totals(user_id=user.pk)
    assert (account.reserved_cost_usd, account.reserved_operations) == (
        totals.cost_usd,
        totals.operations,
    )
    return account


def test_reserve_and_settle_write_the_same_books_on_both_paths(path):
    user = UserFactory()
    account_get_or_create(user_id=user.pk)
    with one_round_trip(path):  # lock, checks, update and insert
        r = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.50"), purpose="story_generation")
    account = balanced(user)
    assert account.reserved_cost_usd == Decimal("0.50") and account.reserved_operations == 1
    row = UsageReservation.objects.get(pk=r.id)
    assert (row.state, row.amount_usd, row.operations, row.purpose) == (
        ReservationState.OPEN,
        Decimal("0.50"),
        1,
        "story_generation",
    )
    assert row.expires_at > timezone.now() + timedelta(minutes=10)
    with one_round_trip(path):  # lock, checks, both updates
        budget_settle(reservation=r, actual_usd=Decimal("0.123456"))
    budget_settle(reservation=r, actual_usd=Decimal("0.123456"))  # twice counts once
    account = balanced(user)
    assert account.reserved_cost_usd == 0 and account.reserved_operations == 0
    assert account.daily_cost_usd == account.monthly_cost_usd == Decimal("0.123456")
    assert account.total_lifetime_cost == Decimal("0.123456")
    assert (account.daily_operations, account.monthly_operations) == (1, 1)
    assert account.total_lifetime_operations == 1
    assert account.first_operation_date == account.last_operation_date is not None
    row.refresh_from_db()
    assert (row.state, row.settled_usd, row.settled_operations) == (
        ReservationState.SETTLED,
        Decimal("0.123456"),
        1,
    )
    assert row.closed_at is not None


def test_a_logical_operation_counts_once_on_both_paths(path):
    user = UserFactory()
    account_get_or_create(user_id=user.pk)
    key = "story:1:writing:story_generation"
    first = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.10"), operation_key=key)
    with one_round_trip(path):
        second = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.10"), operation_key=key)
    assert (first.operations, second.operations) == (1, 0)
    budget_release(reservation=first)  # the one holding the operation failed
    with one_round_trip(path):
        budget_settle(reservation=second, actual_usd=Decimal("0.05"))  # the first success counts
    third = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.10"), operation_key=key)
    assert third.operations == 0
    budget_settle(reservation=third, actual_usd=Decimal("0.05"))
    account = balanced(user)
    assert account.daily_operations == 1 and account.daily_cost_usd == Decimal("0.10")


def test_spend_past_the_routing_threshold_holds_the_other_amount(path):
    user = UserFactory()
    account_get_or_create(user_id=user.pk)
    UsageAccount.objects.filter(user=user).update(daily_cost_usd=Decimal("2.00"))
    under = budget_reserve(
        user_id=user.pk,
        amount_usd=Decimal("0.30"),
        spent_over=Decimal("3.00"),
        amount_if_over=Decimal("0"),
    )
    assert (under.spent_over, under.amount_usd) == (False, Decimal("0.30"))
    budget_release(reservation=under)
    UsageAccount.objects.filter(user=user).update(daily_cost_usd=Decimal("3.01"))
    with one_round_trip(path):
        over = budget_reserve(
            user_id=user.pk,
            amount_usd=Decimal("0.30"),
            spent_over=Decimal("3.00"),
            amount_if_over=Decimal("0"),
        )
    assert (over.spent_over, over.amount_usd) == (True, Decimal("0"))
    assert UsageReservation.objects.get(pk=over.id).amount_usd == 0
    assert balanced(user).reserved_cost_usd == 0


def test_what_one_statement_does_not_cover_is_still_refused_or_rolled_over(path):
    user = family(daily_cost_limit=Decimal("1.00"))
    with pytest.raises(LimitExceeded) as refused:
        budget_reserve(user_id=user.pk, amount_usd=Decimal("1.01"))
    assert refused.value.code == "daily_cost_limit"
    yesterday = timezone.now().date() - timedelta(days=1)
    UsageAccount.objects.filter(user=user).update(
        daily_reset_date=yesterday, daily_cost_usd=Decimal("0.90")
    )
    r = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.50"))  # a new day: room again
    account = balanced(user)
    assert account.daily_reset_date == timezone.now().date() and account.daily_cost_usd == 0
    budget_settle(reservation=r, actual_usd=Decimal("0.50"))
    account_block(user_id=user.pk, actor=None, reason="test")
    with pytest.raises(AccountBlocked):
        budget_reserve(user_id=user.pk, amount_usd=Decimal("0.01"))
    assert balanced(user).reserved_cost_usd == 0


def test_a_cost_spike_is_recorded_by_the_settle_on_both_paths(path):
    user = family(daily_cost_limit=Decimal("50.00"))
    r = budget_reserve(user_id=user.pk, amount_usd=Decimal("5.00"))
    budget_settle(reservation=r, actual_usd=Decimal("4.00"))  # above the $1 floor, median 0
    assert UsageEvent.objects.filter(account_id=user.pk, kind=EventKind.COST_SPIKE).count() == 1
    assert balanced(user).daily_cost_usd == Decimal("4.00")


def _event_row(user) -> RowInsert:
    event = UsageEvent(account_id=user.pk, kind=EventKind.WARNING, detail="written with")
    fields = UsageEvent._meta.concrete_fields
    return RowInsert(
        table=UsageEvent._meta.db_table,
        columns=tuple(f.column for f in fields),
        values=tuple(f.get_db_prep_save(f.pre_save(event, True), connection) for f in fields),
    )


def test_the_row_written_with_a_settle_commits_with_it(path):
    user = UserFactory()
    account_get_or_create(user_id=user.pk)
    r = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.20"))
    with one_round_trip(path):
        budget_settle(reservation=r, actual_usd=Decimal("0.10"), then=_event_row(user))
    assert UsageEvent.objects.filter(account_id=user.pk, detail="written with").count() == 1
    # A settle that finds the reservation closed still writes its row, and counts nothing.
    budget_settle(reservation=r, actual_usd=Decimal("0.10"), then=_event_row(user))
    assert UsageEvent.objects.filter(account_id=user.pk, detail="written with").count() == 2
    assert balanced(user).daily_cost_usd == Decimal("0.10")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_inside_a_callers_transaction_its_commit_stays_synchronous(path):
    user = UserFactory()
    account_get_or_create(user_id=user.pk)
    budget_reserve(user_id=user.pk, amount_usd=Decimal("0.10"))  # in the test's transaction
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('synchronous_commit')")
        assert cursor.fetchone() == ("on",)


def reserve_and_settle(user) -> list[str]:
    """The SQL of one gateway-shaped reserve and settle (a pinned config snapshot, as in
    ``gateway.call``): exactly two statements."""
    with pinned():
        config_snapshot()
        with CaptureQueriesContext(connection) as queries:
            r = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.10"), purpose="x")
            budget_settle(reservation=r, actual_usd=Decimal("0.05"))
    assert len(queries) == 2
    return [q["sql"] for q in queries]


@pytest.mark.django_db(transaction=True)  # each reserve and settle its own transaction
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_the_write_is_prepared_once_per_connection_and_a_lost_statement_is_prepared_again():
    user = UserFactory()
    account_get_or_create(user_id=user.pk)

    reserve_and_settle(user)  # this connection may have prepared them in an earlier test
    again = reserve_and_settle(user)
    # The lock and the write are both prepared: two EXECUTEs, no statement text to parse.
    assert all(q.count("EXECUTE mira_usage_") == 2 and "PREPARE" not in q for q in again)
    assert all("user_usage_tracking" not in q for q in again)
    # A session that lost its prepared statements (DISCARD ALL, a pooler): a reserve or settle
    # that is its own transaction prepares again and is sent again (nothing was written by the
    # failed run); inside a caller's transaction it fails, and the next one prepares again.
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    with CaptureQueriesContext(connection) as queries:
        r = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.10"), purpose="x")
    assert len(queries) == 2 and "PREPARE mira_usage_" in queries[1]["sql"]
    budget_settle(reservation=r, actual_usd=Decimal("0.05"))
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    with pytest.raises(DatabaseError), transaction.atomic():
        budget_reserve(user_id=user.pk, amount_usd=Decimal("0.10"), purpose="x")
    with CaptureQueriesContext(connection) as queries:
        r = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.10"), purpose="x")
    assert len(queries) == 1 and "PREPARE mira_usage_" in queries[0]["sql"]  # forgotten
    with CaptureQueriesContext(connection) as queries:
        budget_settle(reservation=r, actual_usd=Decimal("0.05"))
    # The failure forgot every name of the connection: the settle prepares its own afresh.
    assert len(queries) == 1 and "PREPARE mira_usage_" in queries[0]["sql"]
    assert all("PREPARE" not in q for q in reserve_and_settle(user))
    account = balanced(user)
    assert account.daily_cost_usd == Decimal("0.25") and account.daily_operations == 5
    assert account.reserved_cost_usd == 0


def index_entries(table: str, pk) -> set[str]:
    """The indexes of ``table`` that hold an entry for row ``pk`` (partial ones only where
    their predicate holds): each is an index insertion when the row is written."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(i.indpred, i.indrelid) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass",
            [table],
        )
        indexes = cursor.fetchall()
        held = set()
        for name, predicate in indexes:
            # The predicate is PostgreSQL's own text of the index's WHERE clause.
            cursor.execute(
                f"SELECT 1 FROM {table} WHERE id = %s AND ({predicate or 'TRUE'})",  # noqa: S608
                [pk],
            )
            if cursor.fetchone():
                held.add(name)
    return held


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's catalogue")
def test_a_settled_call_outside_a_story_is_in_two_indexes_only():
    user = UserFactory()
    account_get_or_create(user_id=user.pk)
    r = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.10"), purpose="x")
    # An open call: its id, its account's calls, and the reclaim job's open time-outs.
    assert index_entries("usage_usagereservation", r.id) == {
        "usage_usagereservation_pkey",
        "reservation_account_kind",
        "reservation_open_expires",
    }
    budget_settle(reservation=r, actual_usd=Decimal("0.05"))
    # The settle moves the row's state (a new row version in every index it belongs to).
    assert index_entries("usage_usagereservation", r.id) == {
        "usage_usagereservation_pkey",
        "reservation_account_kind",
    }


def test_limits_ops_change_at_run_time_hold_from_the_next_call(path, remote):
    user = UserFactory()
    account_get_or_create(user_id=user.pk)
    budget_reserve(user_id=user.pk, amount_usd=Decimal("0.01"))  # under the file's limits
    remote("usage_limits", {"free": {"daily_cost_limit": "0.05"}})
    with pytest.raises(LimitExceeded):  # 0.06 of 0.05: the new limit holds at once
        budget_reserve(user_id=user.pk, amount_usd=Decimal("0.05"))
    remote("usage_limits", {"free": {"daily_cost_limit": "0.10"}})
    budget_reserve(user_id=user.pk, amount_usd=Decimal("0.05"))
    account = balanced(user)
    assert account.daily_cost_limit == Decimal("0.10")
    assert account.reserved_cost_usd == Decimal("0.06")


@pytest.mark.django_db(transaction=True)  # each reserve and settle its own transaction
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
@pytest.mark.parametrize("prepared", [True, False], ids=["prepared", "text"])
@pytest.mark.parametrize("durable", [None, False], ids=["default", "async-settle"])
def test_the_settle_waits_for_the_disk_unless_relaxed_and_the_reserve_never(
    settings, prepared, durable
):
    settings.MIRA_USAGE_PREPARED_STATEMENTS = prepared
    if durable is None:
        durable = settings.MIRA_USAGE_DURABLE_SETTLE
        assert durable is True  # the ledger is on disk when call() returns
    else:
        settings.MIRA_USAGE_DURABLE_SETTLE = durable
    user = UserFactory()
    account_get_or_create(user_id=user.pk)
    reserve, settle = reserve_and_settle(user)

    def relaxed(sql: str) -> bool:
        """Whether the query's transaction commits without waiting for the disk."""
        if not prepared:
            return sql.startswith("SET LOCAL synchronous_commit TO OFF;")
        lock = sql.split("EXECUTE ", 1)[1].split("(", 1)[0]  # the first EXECUTE: the lock
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements WHERE name = %s", [lock])
            (statement,) = cursor.fetchone()
        return "set_config('synchronous_commit', 'off', true)" in statement

    assert relaxed(reserve)
    assert relaxed(settle) is not durable
    assert balanced(user).daily_cost_usd == Decimal("0.05")
