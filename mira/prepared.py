"""Hot statements as server-side prepared statements with generic plans, still one round trip.

PostgreSQL parses, analyses and plans every statement Django sends (Django's psycopg cursor
binds parameters client-side, so every statement is new text to the server). For the few
small statements a hot request sends, that costs more server CPU than running them: on
``POST /api/v1/stories/`` planning alone was a quarter of the story's PostgreSQL time
(``bench/bench_story_post.py``). The mechanism is the one the usage reserve and settle
statements use (``usage/services/reservations.py``): each statement is sent as a SQL
``EXECUTE`` of a statement this session has ``PREPARE``d, the ``PREPARE`` riding along in the
same round trip the first time a connection sends it, behind ``SET LOCAL plan_cache_mode TO
force_generic_plan`` (for that transaction only, and only prepared statements read it), so the
server plans each statement once per session. Several statements still go in one round trip.

Prepared statements belong to the session and survive a rollback. A round trip that fails
forgets this connection's names for its statements, so the next one prepares them again under
new names rather than guessing what the server kept. One that finds a statement gone (the
session was reset, e.g. ``DISCARD ALL``) is sent again at once, preparing afresh, when it is its
own transaction (inside one, the error is raised: the transaction is aborted anyway).

Off (statements sent as they are) on other databases, with server-side binding, and with
``MIRA_USAGE_PREPARED_STATEMENTS = False`` (for a transaction-pooling proxy in front of
PostgreSQL, which does not keep sessions): the same switch as the usage statements.
"""

from __future__ import annotations

import itertools
import re
import weakref
from collections.abc import Sequence
from typing import Any

from django.conf import settings

_PLACEHOLDER = re.compile(r"%s")
_GENERIC = "SET LOCAL plan_cache_mode TO force_generic_plan"
# statement SQL (with %s) -> (the same with $n, number of parameters)
_numbered: dict[str, tuple[str, int]] = {}
# per database connection (psycopg's, so a reconnect starts afresh): statement SQL -> name,
# and the statements of a round trip (a tuple) -> its SQL once they are all prepared
_prepared: weakref.WeakKeyDictionary[Any, dict[Any, str]] = weakref.WeakKeyDictionary()
_names = itertools.count(1)


def sends_together(connection) -> bool:
    """Whether ``connection`` can take several statements in one ``execute`` (one round trip):
    PostgreSQL with client-side parameter binding, Django's default for psycopg."""
    return (
        connection.vendor == "postgresql"
        and connection.settings_dict.get("OPTIONS", {}).get("server_side_binding") is not True
    )


def enabled(connection) -> bool:
    """Whether ``connection``'s statements go as prepared statements."""
    return sends_together(connection) and getattr(settings, "MIRA_USAGE_PREPARED_STATEMENTS", True)


def _numbered_sql(sql: str) -> tuple[str, int]:
    found = _numbered.get(sql)
    if found is None:
        assert "%%" not in sql and "%(" not in sql  # positional %s only
        count = itertools.count(1)
        text = _PLACEHOLDER.sub(lambda _match: f"${next(count)}", sql)
        found = _numbered[sql] = (text, sql.count("%s"))
    return found


def _text(
    raw, statements: Sequence[tuple[str, Sequence[Any]]]
) -> tuple[str, list[Any], dict[str, str], int]:
    """The round trip's SQL and parameters, this connection's names, and how many results
    come before the first statement's (the PREPAREs' and the SET's)."""
    known = _prepared.get(raw)
    if known is None:
        known = _prepared[raw] = {}
    shape = tuple(sql for sql, _values in statements)
    ready = known.get(shape)  # every statement already prepared: the text, built once
    if ready is not None:
        return ready, [v for _sql, values in statements for v in values], known, 1
    parts = [_GENERIC]
    params: list[Any] = []
    for sql, values in statements:
        numbered, count = _numbered_sql(sql)
        if count != len(values):
            raise ValueError(f"{count} placeholders, {len(values)} parameters: {sql[:80]}")
        name = known.get(sql)
        if name is None:
            name = known[sql] = f"mira_stmt_{next(_names)}"
            parts.insert(0, f"PREPARE {name} AS {numbered}")
        parts.append(f"EXECUTE {name}({', '.join(['%s'] * count)})" if count else f"EXECUTE {name}")
        params += values
    text = ";\n".join(parts)
    before = len(parts) - len(statements)
    if before == 1:
        known[shape] = text
    return text, params, known, before


def _statement_lost(exc: BaseException) -> bool:
    """``exc`` says a prepared statement this session should hold does not exist."""
    return getattr(exc.__cause__, "sqlstate", None) == "26000"  # invalid_sql_statement_name


def execute(cursor, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
    """Run ``statements`` (SQL with ``%s`` placeholders, and parameters) in one round trip
    on ``cursor`` (a Django cursor), as prepared statements where ``enabled``, and leave the
    cursor on the first statement's result (``cursor.nextset()`` moves to the next)."""
    connection = cursor.db
    if not enabled(connection):
        if len(statements) > 1 and not sends_together(connection):
            raise ValueError("several statements at once need sends_together(connection)")
        cursor.execute(
            "; ".join(sql for sql, _ in statements), [v for _, vs in statements for v in vs]
        )
        return
    connection.ensure_connection()
    raw = connection.connection
    text, params, known, before = _text(raw, statements)
    try:
        cursor.execute(text, params)
    except BaseException as exc:
        for sql, _values in statements:
            known.pop(sql, None)
        for shape in [key for key in known if isinstance(key, tuple)]:
            del known[shape]  # built with the names just forgotten
        if not _statement_lost(exc) or connection.in_atomic_block:
            raise
        # The session lost its prepared statements: the failed query wrote nothing (one
        # implicit transaction), so it is sent again, preparing afresh.
        known.clear()
        text, params, _known, before = _text(raw, statements)
        cursor.execute(text, params)
    for _ in range(before):  # the PREPAREs' and the SET's results
        cursor.nextset()
