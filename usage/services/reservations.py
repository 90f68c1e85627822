"""Call-level reservations (the gateway), and reclaiming what crashed workers left behind."""

from __future__ import annotations

import itertools
import logging
import re
import uuid
import weakref
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone
from psycopg import sql as pg_sql

from mira.config_file import config_document

from .. import abuse
from ..config import tier_get, tier_limits, usage_limits_override, usage_settings
from ..errors import TierRestricted
from ..models import EventKind, ReservationKind, ReservationState, UsageAccount, UsageReservation
from ..windows import current_windows
from .accounts import (
    SUM_PLACES,
    ZERO,
    _check_limits,
    _lock_account,
    _validate_amount,
    _validate_count,
)
from .holds import _close_hold

# The name the module had before it became a package, so log records keep their logger name.
logger = logging.getLogger("usage.services")


@dataclass(frozen=True)
class Reservation:
    id: uuid.UUID
    user_id: uuid.UUID
    amount_usd: Decimal
    operations: int
    spent_over: bool = False  # today's spend was above ``budget_reserve``'s ``spent_over``


def _call_timeout() -> timedelta:
    return timedelta(seconds=getattr(settings, "MIRA_USAGE_CALL_RESERVATION_TIMEOUT", 900))


_known: tuple[int, frozenset[str]] | None = None


def _known_operations() -> frozenset[str]:
    """The operation names of the current config document, computed once per document."""
    global _known
    document = config_document()
    cached = _known
    if cached is None or cached[0] != id(document):
        cached = _known = (id(document), frozenset((document.get("operations") or {}).keys()))
    return cached[1]


@dataclass(frozen=True)
class RowInsert:
    """One row a caller needs committed together with a settle (the gateway's ledger row):
    the table, its column names and the values already prepared for the database
    (``field.get_db_prep_save``). ``budget_settle`` writes it in the settle's transaction."""

    table: str
    columns: tuple[str, ...]
    values: tuple[Any, ...]


# --- one round trip per reserve and per settle (PostgreSQL) ----------------------------------
#
# The common call (no story hold to draw from, windows current, limits in sync, not blocked,
# no cost spike to record) is reserved and settled with one multi-statement query each: the
# first statement takes the account row lock, the second (a fresh READ COMMITTED snapshot,
# taken under that lock) checks and writes everything. A multi-statement query runs as one
# implicit transaction, so the lock is held to its end and nothing is committed half-way. The
# lock order is the ORM path's (account, then reservation rows), so the two cannot deadlock.
# Whatever the single statement does not cover leaves no row (no write happened) and the
# ORM path below handles the call, with its exact refusals and events. The query needs client-
# side binding (psycopg's ClientCursor, Django's default) to send both statements at once;
# other databases and server-side binding take the ORM path.

_RESERVE_SQL = """WITH pick AS (
    SELECT CASE WHEN %(key)s <> '' AND %(ops)s > 0 AND EXISTS (
        SELECT 1 FROM usage_usagereservation
        WHERE account_id = %(user)s AND kind = 'call' AND operation_key = %(key)s
          AND ((state = 'settled' AND settled_operations > 0) OR (state = 'open' AND operations > 0))
    ) THEN 0 ELSE %(ops)s END AS ops,
    COALESCE((
        SELECT daily_cost_usd > %(threshold)s FROM user_usage_tracking WHERE user_id = %(user)s
    ), FALSE) AS over
), held AS (
    SELECT ops, over,
        CASE WHEN over THEN %(amount_over)s::numeric ELSE %(amount)s::numeric END AS amount
    FROM pick
), account AS (
    UPDATE user_usage_tracking a
    SET reserved_cost_usd = a.reserved_cost_usd + held.amount,
        reserved_operations = a.reserved_operations + held.ops,
        updated_at = %(now)s
    FROM held
    WHERE a.user_id = %(user)s AND NOT a.is_blocked AND a.open_story_holds = 0
      AND a.daily_reset_date = %(day)s AND a.monthly_reset_date = %(month)s
      AND ({tiers})
      AND (held.amount = 0 OR (
          a.daily_cost_usd + a.reserved_cost_usd + held.amount <= a.daily_cost_limit
          AND a.monthly_cost_usd + a.reserved_cost_usd + held.amount <= a.monthly_cost_limit))
      AND (held.ops = 0 OR (
          a.daily_operations + a.reserved_operations + held.ops <= a.daily_operations_limit
          AND a.monthly_operations + a.reserved_operations + held.ops
              <= a.monthly_operations_limit))
    RETURNING a.user_id, held.ops, held.amount, held.over
), call AS (
    INSERT INTO usage_usagereservation (
        id, account_id, kind, amount_usd, operations, purpose, story_id, operation_key,
        remaining_usd, remaining_operations, hold_id, drawn_usd, drawn_operations, state,
        settled_usd, settled_operations, created_at, expires_at, closed_at)
    SELECT %(id)s, user_id, 'call', amount, ops, %(purpose)s, %(story)s, %(key)s,
        0, 0, NULL, 0, 0, 'open', NULL, NULL, %(now)s, %(expires)s, NULL
    FROM account
    RETURNING operations
)
SELECT call.operations, account.over FROM call, account
"""

# The reservation's commit does not wait for its WAL record to reach the disk
# (``synchronous_commit`` off for that transaction only). Other sessions see it, and the row
# lock is released, at commit either way, so limits stay exact under concurrency. What is given
# up is only that a database crash during the vendor call could forget the reservation (with its
# share of ``reserved_*``: one transaction) instead of leaving it for the reclaim job; such a
# crash breaks this connection, so the settle fails in both cases and the end state is the same:
# nothing held, nothing spent recorded. The settle commits synchronously, and flushing its WAL
# flushes the reservation's before it: when ``call()`` returns, both are on disk.
#
# ``MIRA_USAGE_DURABLE_SETTLE = False`` relaxes the settle's commit too, for about 0.3 ms a call
# here (``bench/bench_gateway_peers.py`` prints both): then a database crash (PostgreSQL or its
# machine) in the moment before the WAL writer flushes (``wal_writer_delay``, 200 ms by default;
# at most three times that) can forget the last settles, as if they had rolled back. Their
# reservations stay for the reclaim job, and those calls' spend and ledger rows are lost (the
# vendor's invoice still has them). A crash of the app loses nothing committed either way, and
# any later synchronous commit flushes them first (WAL is written in order). Only in autocommit:
# inside a caller's transaction, the relaxed commit would be the caller's too, so it stays
# synchronous.
_ASYNC_COMMIT = "SET LOCAL synchronous_commit TO OFF;\n"

_SETTLE_SQL = """WITH call AS (
    UPDATE usage_usagereservation r
    SET state = 'settled', settled_usd = %(actual)s, closed_at = %(now)s,
        settled_operations = CASE
            WHEN r.operation_key = '' THEN %(ops)s
            WHEN EXISTS (
                SELECT 1 FROM usage_usagereservation o
                WHERE o.account_id = r.account_id AND o.kind = 'call'
                  AND o.operation_key = r.operation_key
                  AND o.state = 'settled' AND o.settled_operations > 0
            ) THEN 0
            ELSE 1 END
    WHERE r.id = %(id)s AND r.account_id = %(user)s AND r.kind = 'call' AND r.state = 'open'
      AND (r.hold_id IS NULL OR (r.drawn_usd = 0 AND r.drawn_operations = 0))
      AND EXISTS (
          SELECT 1 FROM user_usage_tracking a
          WHERE a.user_id = %(user)s
            AND a.daily_reset_date = %(day)s AND a.monthly_reset_date = %(month)s
            AND ({no_spike}))
    RETURNING r.amount_usd, r.operations, r.settled_operations
), settled AS (
    UPDATE user_usage_tracking a
    SET reserved_cost_usd = GREATEST(0, a.reserved_cost_usd - call.amount_usd),
        reserved_operations = GREATEST(0, a.reserved_operations - call.operations),
        daily_cost_usd = a.daily_cost_usd + %(spent)s,
        monthly_cost_usd = a.monthly_cost_usd + %(spent)s,
        total_lifetime_cost = a.total_lifetime_cost + %(spent)s,
        daily_operations = a.daily_operations + call.settled_operations,
        monthly_operations = a.monthly_operations + call.settled_operations,
        total_lifetime_operations = a.total_lifetime_operations + call.settled_operations,
        first_operation_date = CASE WHEN call.settled_operations > 0 OR %(spent)s > 0
            THEN COALESCE(a.first_operation_date, %(now)s) ELSE a.first_operation_date END,
        last_operation_date = CASE WHEN call.settled_operations > 0 OR %(spent)s > 0
            THEN %(now)s ELSE a.last_operation_date END,
        updated_at = %(now)s
    FROM call
    WHERE a.user_id = %(user)s
    RETURNING a.user_id
)
{then}
"""
# No cost spike to record: flagged today already, or today's spend stays under the threshold.
_NO_SPIKE = (
    "a.cost_spike_flagged_on IS NOT DISTINCT FROM a.daily_reset_date"
    " OR a.daily_cost_usd + %(spent)s"
    " <= GREATEST(%(spike_floor)s, %(spike_multiplier)s * a.trailing_median_daily_cost)"
)


def _single_statements() -> bool:
    """Whether this connection can send the two statements of a reserve or settle at once."""
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the per-attribute proxy
    options = db.settings_dict.get("OPTIONS") or {}
    return db.vendor == "postgresql" and not options.get("server_side_binding")


# Server-side prepared statements for the lock and the write of a reserve or settle.
#
# PostgreSQL plans the write statement in about half a millisecond, more than it takes to run
# it. A multi-statement query cannot be prepared through the protocol, but its statements can
# be SQL ``EXECUTE``s of statements the session has ``PREPARE``d: the lock and the write still
# go in one round trip, in one implicit transaction, and the server parses and plans neither.
# The prepared lock also sets the transaction's settings (``set_config(..., true)``, so for this
# transaction only): a generic plan for the write (the server would otherwise plan it afresh on
# each run, its custom plans looking cheaper to it) and, for a reservation in autocommit, the
# commit that does not wait for the disk (``_ASYNC_COMMIT``). Only prepared statements look at
# ``plan_cache_mode``. When the account row is missing the lock returns no row, sets nothing
# and the write writes nothing (the ORM path then runs in a transaction of its own).
#
# The ``PREPARE``s ride along in the same round trip the first time a connection sends a
# statement of that shape. Prepared statements belong to the session and are not undone by a
# rollback; a run that fails forgets every name of this connection, so the next run prepares
# afresh under new names rather than guessing what the server kept. A run that finds its
# statement gone (the session was reset) is sent again at once when it is its own transaction.
# ``MIRA_USAGE_PREPARED_STATEMENTS = False`` sends the statements as text (for a
# transaction-pooling proxy in front of PostgreSQL, which does not keep sessions).
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_LOCK_SQL = "SELECT 1 FROM user_usage_tracking WHERE user_id = %(user)s FOR UPDATE;\n"
_PREPARED_LOCK = (
    "SELECT set_config('plan_cache_mode', 'force_generic_plan', true){settings}"
    " FROM user_usage_tracking WHERE user_id = $1 FOR UPDATE"
)
_PREPARED_LOCKS = {
    False: _PREPARED_LOCK.format(settings=""),
    True: _PREPARED_LOCK.format(settings=", set_config('synchronous_commit', 'off', true)"),
}
# body SQL -> (body with $n placeholders, parameter names in $n order)
_numbered: dict[str, tuple[str, tuple[str, ...]]] = {}
# per database connection (psycopg's, so a reconnect starts afresh): statement -> its name
_prepared: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()
_names = itertools.count(1)
# Parameters whose values change only with the configuration or the day (tier limits, spike
# thresholds, windows, the purpose, ledger columns such as the vendor): their SQL literals are
# made once (psycopg's quoting) and sent inline in the ``EXECUTE``, not quoted on every call.
_literals: dict[tuple[type, Any], str] = {}
_MAX_LITERALS = 1024


def _numbered_body(body: str) -> tuple[str, tuple[str, ...]]:
    found = _numbered.get(body)
    if found is None:
        names: list[str] = []

        def number(match: re.Match) -> str:
            name = match.group(1)
            if name not in names:
                names.append(name)
            return f"${names.index(name) + 1}"

        assert "%%" not in body  # a literal % would need unescaping
        found = _numbered[body] = (_PLACEHOLDER.sub(number, body), tuple(names))
    return found


def _literal(value: Any, raw: Any) -> str:
    """``value`` as an SQL literal for a query psycopg binds client-side (``%`` doubled)."""
    key = (type(value), value)
    found = _literals.get(key)
    if found is None:
        if len(_literals) >= _MAX_LITERALS:
            _literals.clear()
        found = _literals[key] = pg_sql.Literal(value).as_string(raw).replace("%", "%%")
    return found


def _prepared_sql(
    db: Any,
    sql_text: str,
    params: dict[str, Any],
    *,
    async_commit: bool,
    constants: frozenset[str],
) -> tuple[str, dict[str, str]] | None:
    """``sql_text`` (the account lock, then the write) as ``EXECUTE``s of prepared statements
    (with their ``PREPARE``s in front the first time), plus this connection's names for
    ``_run`` to forget on failure; None: send it as text."""
    if not getattr(settings, "MIRA_USAGE_PREPARED_STATEMENTS", True):
        return None
    raw = db.connection
    if raw is None or not sql_text.startswith(_LOCK_SQL):
        return None
    body = sql_text[len(_LOCK_SQL) :]
    known = _prepared.get(raw)
    if known is None:
        known = _prepared[raw] = {}
    prepare = []
    lock = _PREPARED_LOCKS[async_commit]
    lock_name = known.get(lock)
    if lock_name is None:
        lock_name = known[lock] = f"mira_usage_{next(_names)}"
        prepare.append(f"PREPARE {lock_name} AS {lock};\n")
    text, names = _numbered_body(body)
    name = known.get(body)
    if name is None:
        name = known[body] = f"mira_usage_{next(_names)}"
        prepare.append(f"PREPARE {name} AS {text};\n")
    literals = _literals
    arguments = []
    for n in names:
        value = params[n]
        if value is not None and n in constants:
            arguments.append(literals.get((value.__class__, value)) or _literal(value, raw))
        else:
            arguments.append(f"%({n})s")
    return (
        f"{''.join(prepare)}EXECUTE {lock_name}(%(user)s);\nEXECUTE {name}({', '.join(arguments)})",
        known,
    )


def _statement_lost(exc: BaseException) -> bool:
    """``exc`` says a prepared statement this session should hold does not exist."""
    return getattr(exc.__cause__, "sqlstate", None) == "26000"  # invalid_sql_statement_name


def _run(
    sql_text: str,
    params: dict[str, Any],
    *,
    async_commit: bool = False,
    constants: frozenset[str] = frozenset(),
) -> tuple | None:
    """Run a lock-then-write query; the last statement's first row (None: it wrote nothing).
    ``async_commit``: its commit does not wait for the disk (only outside a transaction)."""
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the per-attribute proxy
    async_commit = async_commit and not db.in_atomic_block
    with db.cursor() as cursor:
        prepared = _prepared_sql(
            db, sql_text, params, async_commit=async_commit, constants=constants
        )
        if prepared is None:
            cursor.execute((_ASYNC_COMMIT if async_commit else "") + sql_text, params)
        else:
            text, known = prepared
            try:
                cursor.execute(text, params)
            except BaseException as exc:
                known.clear()
                if not _statement_lost(exc) or db.in_atomic_block:
                    raise
                # The session lost its prepared statements (``DISCARD ALL``, a pooler handing
                # out another session): the failed query wrote nothing (one implicit
                # transaction), so it is sent again, preparing afresh.
                text, _known = _prepared_sql(
                    db, sql_text, params, async_commit=async_commit, constants=constants
                )
                cursor.execute(text, params)
        # The results are all in (a client-side cursor reads them with the query): walk them on
        # psycopg's cursor itself, past Django's per-call wrappers.
        results = cursor.cursor
        while results.nextset():
            pass
        return results.fetchone()


# (purpose, the remote-config limits as text) -> (the settings and operations they were made
# under, the condition, its parameters): made again when the config document changes.
_tier_conditions: dict[tuple[str, str], tuple[Any, Any, str, dict[str, Any]]] = {}


def _tier_condition(purpose: str, override: Any, params: dict[str, Any]) -> str:
    """SQL true when the account's tier allows ``purpose`` and its stored limits are the ones
    in force (ops' custom limits, or the tier's from file and remote config): otherwise the ORM
    path refuses the call or brings the limits up to date."""
    current, operations = usage_settings(), _known_operations()
    key = (purpose, repr(override))
    found = _tier_conditions.get(key)
    if found is None or found[0] is not current or found[1] is not operations:
        if len(_tier_conditions) >= 256:
            _tier_conditions.clear()
        made: dict[str, Any] = {}
        found = _tier_conditions[key] = (
            current,
            operations,
            _make_tier_condition(purpose, override, made),
            made,
        )
    params.update(found[3])
    return found[2]


def _make_tier_condition(purpose: str, override: Any, params: dict[str, Any]) -> str:
    known = purpose in _known_operations()
    allowed = [
        name
        for name, tier in usage_settings().tiers.items()
        if not known or tier.allows_operation(purpose)
    ]
    if not allowed:
        return "FALSE"
    terms = []
    for i, name in enumerate(allowed):
        limits = tier_limits(name, override)
        params[f"tier{i}"] = name
        params[f"tier{i}_dc"] = limits.daily_cost_limit
        params[f"tier{i}_mc"] = limits.monthly_cost_limit
        params[f"tier{i}_do"] = limits.daily_operations_limit
        params[f"tier{i}_mo"] = limits.monthly_operations_limit
        terms.append(
            f"(a.current_tier = %(tier{i})s AND (a.custom_limits OR ("
            f"a.daily_cost_limit = %(tier{i}_dc)s AND a.monthly_cost_limit = %(tier{i}_mc)s"
            f" AND a.daily_operations_limit = %(tier{i}_do)s"
            f" AND a.monthly_operations_limit = %(tier{i}_mo)s)))"
        )
    return " OR ".join(terms)


def _reserve_at_once(
    *,
    user_id: uuid.UUID,
    amount_usd: Decimal,
    operations: int,
    purpose: str,
    story_id: uuid.UUID | None,
    operation_key: str,
    spent_over: Decimal | None,
    amount_if_over: Decimal,
    override: Any,
    now: datetime,
) -> Reservation | None:
    """The common reservation in one round trip, or None when the ORM path must decide."""
    windows = current_windows(now)
    params: dict[str, Any] = {
        "user": user_id,
        "amount": amount_usd,
        "threshold": spent_over,
        "amount_over": amount_if_over,
        "ops": operations,
        "key": operation_key[:150],
        "purpose": purpose[:50],
        "story": story_id,
        "day": windows.day,
        "month": windows.month,
        "now": now,
        "expires": now + _call_timeout(),
        "id": uuid.uuid4(),
    }
    sql_text = _LOCK_SQL + _RESERVE_SQL.format(tiers=_tier_condition(purpose, override, params))
    row = _run(sql_text, params, async_commit=True, constants=_RESERVE_CONSTANTS)
    if row is None:
        return None
    operations, over = row
    return Reservation(
        id=params["id"],
        user_id=user_id,
        amount_usd=amount_if_over if over else amount_usd,
        operations=operations,
        spent_over=over,
    )


def _settle_at_once(
    reservation: Reservation, *, actual_usd: Decimal, operations: int, then: RowInsert | None
) -> bool:
    """The common settle (and ``then``) in one round trip; False when the ORM path must."""
    now = timezone.now()
    windows = current_windows(now)
    abuse_settings = usage_settings().abuse
    params: dict[str, Any] = {
        "user": reservation.user_id,
        "id": reservation.id,
        "actual": actual_usd,
        "spent": actual_usd.quantize(SUM_PLACES),
        "ops": operations,
        "day": windows.day,
        "month": windows.month,
        "now": now,
    }
    no_spike = "TRUE"
    if abuse_settings.abuse_detection and abuse_settings.cost_spike_detection:
        no_spike = _NO_SPIKE
        params["spike_floor"] = abuse_settings.cost_spike_floor_usd
        params["spike_multiplier"] = abuse_settings.cost_spike_multiplier
    if then is not None:
        params.update(zip(_row_names(len(then.values)), then.values, strict=True))
    shape = (no_spike, None if then is None else (then.table, then.columns))
    found = _settle_sql.get(shape)
    if found is None:
        found = _settle_sql[shape] = (_settle_text(no_spike, then), _settle_constants(then))
    sql_text, constants = found
    durable = getattr(settings, "MIRA_USAGE_DURABLE_SETTLE", True)
    return _run(sql_text, params, async_commit=not durable, constants=constants) is not None


# The settle's SQL text and constant parameters per (spike clause, ledger table and columns):
# a handful of shapes per process, built once instead of on every call.
_settle_sql: dict[tuple, tuple[str, frozenset[str]]] = {}
# Parameters of a reserve or settle sent as cached literals (``_literal``): what changes only
# with the configuration, the day or the month.
_TIER_CONSTANTS = tuple(
    f"tier{i}{suffix}" for i in range(32) for suffix in ("", "_dc", "_mc", "_do", "_mo")
)
_RESERVE_CONSTANTS = frozenset(("threshold", "purpose", "ops", "day", "month", *_TIER_CONSTANTS))
_SETTLE_CONSTANTS = frozenset(("spike_floor", "spike_multiplier", "ops", "day", "month"))
# Columns of a row written with a settle whose values repeat from call to call (the gateway's
# ledger: operation, vendor, model, outcome, prompt version, stage, attempt).
_REPEATING_COLUMNS = frozenset(
    (
        "operation_type",
        "vendor",
        "model_used",
        "success",
        "error_message",
        "error_code",
        "prompt_version",
        "stage",
        "attempt",
    )
)


def _settle_constants(then: RowInsert | None) -> frozenset[str]:
    if then is None:
        return _SETTLE_CONSTANTS
    names = _row_names(len(then.values))
    repeating = (n for n, c in zip(names, then.columns, strict=True) if c in _REPEATING_COLUMNS)
    return _SETTLE_CONSTANTS | frozenset(repeating)


def _row_names(count: int) -> tuple[str, ...]:
    return tuple(f"row{i}" for i in range(count))


def _settle_text(no_spike: str, then: RowInsert | None) -> str:
    if then is None:
        tail = "SELECT 1 FROM settled"
    else:
        quote = connection.ops.quote_name
        names = ", ".join(f"%({name})s" for name in _row_names(len(then.values)))
        # Names come from the caller's model (quoted); every value is a parameter.
        tail = (
            f"INSERT INTO {quote(then.table)} ({', '.join(map(quote, then.columns))}) "  # noqa: S608
            f"SELECT {names} FROM settled RETURNING 1"
        )
    return _LOCK_SQL + _SETTLE_SQL.format(no_spike=no_spike, then=tail)


def _insert(row: RowInsert) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(row.table)} ({', '.join(map(quote, row.columns))}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(row.values))})",
            row.values,
        )


# --- call-level reservations (the gateway) -----------------------------------------------------


def _story_hold_for_call(account: UsageAccount, story_id: uuid.UUID | None):
    if not account.open_story_holds:
        return None
    holds = UsageReservation.objects.select_for_update().filter(
        account=account, kind=ReservationKind.STORY, state=ReservationState.OPEN
    )
    if story_id is not None:
        return holds.filter(story_id=story_id).first()
    # The gateway does not say which story a call is for; any open hold of the same family
    # is the same family's money, so the oldest one with something left pays.
    return holds.exclude(remaining_usd=0, remaining_operations=0).order_by("created_at").first()


def budget_reserve(
    *,
    user_id: uuid.UUID,
    amount_usd: Decimal,
    operations: int = 1,
    purpose: str = "",
    story_id: uuid.UUID | None = None,
    operation_key: str = "",
    spent_over: Decimal | None = None,
    amount_if_over: Decimal | None = None,
) -> Reservation:
    """Hold ``amount_usd`` and ``operations`` against the user's limits, or raise
    ``LimitExceeded`` / ``AccountBlocked`` / ``TierRestricted``. Draws first from the story
    hold (``story_id``'s, else the family's oldest open one).

    ``operation_key`` names the logical operation the call is part of: once one call with the
    key holds or has spent its operation, the others hold none (and settle none).

    ``spent_over``: when the family's spend today is above this amount, hold
    ``amount_if_over`` instead (the gateway's routing: a free family past its threshold goes to
    the cheapest provider). The spend is read under the account lock, in the same round trip;
    ``Reservation.spent_over`` says which amount was held."""
    amount_usd = _validate_amount(amount_usd, "amount_usd")
    operations = _validate_count(operations, "operations")
    if spent_over is not None:
        spent_over = _validate_amount(spent_over, "spent_over")
    amount_if_over = (
        amount_usd if amount_if_over is None else _validate_amount(amount_if_over, "amount_if_over")
    )
    override = usage_limits_override()
    known_operations = _known_operations()
    now = timezone.now()
    if _single_statements():
        done = _reserve_at_once(
            user_id=user_id,
            amount_usd=amount_usd,
            operations=operations,
            purpose=purpose,
            story_id=story_id,
            operation_key=operation_key,
            spent_over=spent_over,
            amount_if_over=amount_if_over,
            override=override,
            now=now,
        )
        if done is not None:
            return done
    with transaction.atomic():
        account = _lock_account(user_id, now, limits_override=override)
        if account.is_blocked:
            raise abuse.blocked_error(account)
        over = spent_over is not None and account.daily_cost_usd > spent_over
        if over:
            amount_usd = amount_if_over
        tier = tier_get(account.current_tier)
        if purpose in known_operations and not tier.allows_operation(purpose):
            raise TierRestricted(
                f"{purpose.replace('_', ' ').capitalize()} is not part of the {tier.name} plan.",
                code="operation_not_allowed",
                extra={"restriction": "allowed_operations", "operation": purpose},
            )
        if (
            operation_key
            and operations
            and _operation_counted(account, operation_key, open_too=True)
        ):
            operations = 0
        hold = _story_hold_for_call(account, story_id)
        drawn_usd = min(amount_usd, hold.remaining_usd) if hold else ZERO
        drawn_ops = min(operations, hold.remaining_operations) if hold else 0
        _check_limits(account, amount_usd - drawn_usd, operations - drawn_ops, now)
        if hold is not None and (drawn_usd or drawn_ops):
            hold.remaining_usd -= drawn_usd
            hold.remaining_operations -= drawn_ops
            hold.save(update_fields=["remaining_usd", "remaining_operations"])
        if hold is not None and hold.story_id != story_id and not (drawn_usd or drawn_ops):
            hold = None  # another story's hold that paid nothing: not this call's
        account.reserved_cost_usd += amount_usd - drawn_usd
        account.reserved_operations += operations - drawn_ops
        account.save()
        row = UsageReservation.objects.create(
            account=account,
            kind=ReservationKind.CALL,
            amount_usd=amount_usd,
            operations=operations,
            purpose=purpose[:50],
            story_id=story_id,
            operation_key=operation_key[:150],
            hold=hold,
            drawn_usd=drawn_usd,
            drawn_operations=drawn_ops,
            expires_at=now + _call_timeout(),
        )
    return Reservation(
        id=row.id,
        user_id=user_id,
        amount_usd=amount_usd,
        operations=operations,
        spent_over=over,
    )


def _operation_counted(account: UsageAccount, key: str, *, open_too: bool) -> bool:
    """Has a call of logical operation ``key`` already spent (or, with ``open_too``, does one
    hold) its operation? Runs under the account lock, so calls of one family are serialised."""
    counted = Q(state=ReservationState.SETTLED, settled_operations__gt=0)
    if open_too:
        counted |= Q(state=ReservationState.OPEN, operations__gt=0)
    return (
        UsageReservation.objects.filter(
            account=account, kind=ReservationKind.CALL, operation_key=key[:150]
        )
        .filter(counted)
        .exists()
    )


def _record_spend(account: UsageAccount, spent: Decimal, operations: int, now: datetime) -> None:
    account.daily_cost_usd += spent
    account.monthly_cost_usd += spent
    account.total_lifetime_cost += spent
    account.daily_operations += operations
    account.monthly_operations += operations
    account.total_lifetime_operations += operations
    if operations or spent:
        account.first_operation_date = account.first_operation_date or now
        account.last_operation_date = now


def _give_back_call(
    account: UsageAccount, row: UsageReservation, used_usd: Decimal, used_ops: int
) -> None:
    """Remove an open call reservation from the account's reserved totals; what it drew from a
    story hold and did not use goes back to the hold while the story runs."""
    account.reserved_cost_usd = max(ZERO, account.reserved_cost_usd - row.amount_usd)
    account.reserved_operations = max(0, account.reserved_operations - row.operations)
    if row.hold_id is None or not (row.drawn_usd or row.drawn_operations):
        return
    hold = UsageReservation.objects.select_for_update().get(pk=row.hold_id)
    if hold.state != ReservationState.OPEN:
        return
    back_usd = max(ZERO, row.drawn_usd - used_usd)
    back_ops = max(0, row.drawn_operations - used_ops)
    hold.remaining_usd += back_usd
    hold.remaining_operations += back_ops
    hold.save(update_fields=["remaining_usd", "remaining_operations"])
    account.reserved_cost_usd += back_usd
    account.reserved_operations += back_ops


def _close_call(
    reservation: Reservation, *, state: str, actual_usd: Decimal | None, operations: int
) -> None:
    now = timezone.now()
    # ``savepoint=False``: inside the caller's transaction (the gateway writes its ledger row in
    # the same one) this joins it instead of adding a savepoint round trip; alone, it is one.
    with transaction.atomic(savepoint=False):
        account = _lock_account(reservation.user_id, now)
        row = UsageReservation.objects.select_for_update().get(pk=reservation.id)
        spent = actual_usd.quantize(SUM_PLACES) if actual_usd is not None else None
        if spent is not None and row.operation_key:
            # One logical operation counts once: the first of its calls to succeed counts it,
            # whichever of them held the operation (that one may have failed since).
            operations = 0 if _operation_counted(account, row.operation_key, open_too=False) else 1
        if row.state == ReservationState.OPEN:
            _give_back_call(
                account, row, actual_usd or ZERO, operations if spent is not None else 0
            )
        elif not (row.state == ReservationState.EXPIRED and spent is not None):
            return  # already settled or released: closing twice must not count twice
        # An expired reservation that settles after all: the reclaim job already gave its hold
        # back, but the money was really spent, so it is recorded now.
        if spent is not None:
            _record_spend(account, spent, operations, now)
            abuse.cost_spike_check(account, now=now, thresholds=usage_settings().abuse)
        account.save()
        row.state = state
        row.settled_usd = actual_usd
        row.settled_operations = operations if spent is not None else 0
        row.closed_at = now
        row.save(update_fields=["state", "settled_usd", "settled_operations", "closed_at"])


def budget_settle(
    *,
    reservation: Reservation,
    actual_usd: Decimal,
    operations: int | None = None,
    then: RowInsert | None = None,
) -> None:
    """Replace the held worst case with what the call really cost; ``then`` (the gateway's
    ledger row) is written in the same transaction, so both commit or neither does.

    Settling twice does not count twice: only an open (or expired) reservation is settled."""
    actual_usd = _validate_amount(actual_usd, "actual_usd")
    if operations is not None:
        _validate_count(operations, "operations")
    operations = reservation.operations if operations is None else operations
    if _single_statements() and _settle_at_once(
        reservation, actual_usd=actual_usd, operations=operations, then=then
    ):
        return
    with transaction.atomic(savepoint=False):
        _close_call(
            reservation,
            state=ReservationState.SETTLED,
            actual_usd=actual_usd,
            operations=operations,
        )
        if then is not None:
            _insert(then)


def budget_release(*, reservation: Reservation) -> None:
    """Give back a reservation whose call failed without cost."""
    _close_call(reservation, state=ReservationState.RELEASED, actual_usd=None, operations=0)


# --- reclaiming what crashed workers left behind ------------------------------------------------


def reservations_reclaim(*, now: datetime | None = None, batch: int = 500) -> int:
    """Expire open reservations past their time-out (a worker died between reserve and
    settle): call reservations give their hold back, story holds give back what is left.
    Returns how many were reclaimed. Safe to run concurrently with live traffic."""
    now = now or timezone.now()
    stale = list(
        UsageReservation.objects.filter(state=ReservationState.OPEN, expires_at__lt=now)
        .order_by("expires_at")
        .values_list("id", "account_id")[:batch]
    )
    by_account: dict[Any, list[uuid.UUID]] = defaultdict(list)
    for reservation_id, account_id in stale:
        by_account[account_id].append(reservation_id)
    reclaimed = 0
    for account_id, ids in by_account.items():
        with transaction.atomic():
            account = _lock_account(account_id, now)
            count, amount = 0, ZERO
            # Calls first: what they drew goes back to a hold that is still open.
            rows = UsageReservation.objects.select_for_update().filter(pk__in=ids).order_by("kind")
            for row in rows:
                if row.state != ReservationState.OPEN or row.expires_at >= now:
                    continue  # settled while we were looking
                if row.kind == ReservationKind.CALL:
                    _give_back_call(account, row, ZERO, 0)
                    amount += row.amount_usd
                    row.state, row.closed_at = ReservationState.EXPIRED, now
                    row.save(update_fields=["state", "closed_at"])
                else:
                    amount += row.remaining_usd
                    _close_hold(account, row, state=ReservationState.EXPIRED, now=now)
                count += 1
            if count:
                account.save()
                abuse.event_record(
                    account,
                    EventKind.RESERVATIONS_RECLAIMED,
                    f"{count} reservation(s) open past their time-out were reclaimed.",
                    data={"count": count, "amount_usd": str(amount)},
                )
            reclaimed += count
    if reclaimed:
        logger.warning("stale usage reservations reclaimed", extra={"count": reclaimed})
    return reclaimed
