"""API token authentication without a database query on every request.

Each process keeps the users of the tokens it has seen, valid under one *auth stamp* in the
shared cache (Redis with ``REDIS_URL``). Deleting a token, and saving or deleting a user (which
is how a user is deactivated), writes a new stamp after the commit; every process then drops
its copy on its next request and reads the token again. With Redis the stamps are watched from
each process (``mira.stamps``), so a signed-in request costs no round trip at all instead of a
token + user query; a revoked token or a deactivated parent is refused on the very next request
in the process that made the change and within milliseconds everywhere else (at most
``MIRA_STAMP_REFRESH_SECONDS`` if a change notice is lost). Without the watch a request costs
one cache ``get_many`` and the refusal is on the very next request anywhere.

Why the order matters (as for runtime settings, ``remoteconfig.cache``): the stamp is read
*before* the token row and a copy is kept only under the stamp it was read with, so a copy can
never hold a row older than the last change.

Not seen by this: bulk ``QuerySet.update(is_active=False)`` and raw SQL, which send no signals;
call ``auth_stamp_bump()`` after them.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connections, router, transaction
from django.db.models.base import ModelState
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from mira.stamps import stamp_set, watch

logger = logging.getLogger(__name__)

AUTH_STAMP_KEY = "accounts:auth:stamp"
MAX_CACHED_TOKENS = 10_000


def auth_stamp_bump() -> None:
    """Tell every process that a token or user changed: now, and again after the current
    transaction commits (a request that read the old row between the two must not keep it)."""

    def bump() -> None:
        try:
            stamp_set(AUTH_STAMP_KEY, uuid.uuid4().hex)
        except Exception as exc:  # Redis errors are not one class
            # Without the cache no process keeps a copy (see _read_stamp), so nothing is stale.
            logger.warning("auth stamp not written", extra={"error": type(exc).__name__})

    bump()
    transaction.on_commit(bump)


def _read_stamp() -> str | None:
    """The auth stamp. The runtime-settings stamp comes in the same round trip (an MGET) and
    pins this request's settings, so a signed-in request that reads settings (all of them do:
    maintenance mode, ``GET /api/v1/config``) pays one cache round trip, not two."""
    # Imported here: DRF imports this module while loading its settings, before the apps.
    from remoteconfig.cache import pin_with_stamp, stamp_key

    environment = settings.MIRA_ENVIRONMENT
    # Both stamps watched (mira.stamps): no round trip at all.
    known, stamp = watch.value(AUTH_STAMP_KEY)
    if known:
        known, settings_stamp = watch.value(stamp_key(environment))
        if known:
            pin_with_stamp(environment, settings_stamp)
            return stamp
    try:
        found = cache.get_many([AUTH_STAMP_KEY, stamp_key(environment)])
        pin_with_stamp(environment, found.get(stamp_key(environment)))
        stamp = found.get(AUTH_STAMP_KEY)
        if stamp is None:
            cache.add(AUTH_STAMP_KEY, uuid.uuid4().hex, timeout=None)
            stamp = cache.get(AUTH_STAMP_KEY)
        return stamp
    except Exception:  # cache down: every request reads the database, never a stale copy
        return None


class _TokenCopies:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamp: str | None = None
        self._entries: OrderedDict[str, tuple] = OrderedDict()

    def get(self, key: str, stamp: str) -> tuple | None:
        with self._lock:
            if self._stamp != stamp:
                self._entries.clear()
                self._stamp = stamp
                return None
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, stamp: str, entry: tuple) -> None:
        with self._lock:
            if self._stamp != stamp:
                return  # the stamp moved while we read the row: do not keep it
            self._entries[key] = entry
            while len(self._entries) > MAX_CACHED_TOKENS:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._stamp = None


copies = _TokenCopies()


def _fresh(instance):
    """A copy for one request: views may cache related rows on it, or change it. Built by hand
    (``copy.copy`` of a model goes through pickling's reduce protocol, several times slower):
    the same field values, a new ``_state`` with no related rows cached, no prefetches."""
    cls = instance.__class__
    duplicate = cls.__new__(cls)
    duplicate.__dict__.update(instance.__dict__)
    duplicate.__dict__.pop("_prefetched_objects_cache", None)
    state = ModelState()
    state.db, state.adding = instance._state.db, instance._state.adding
    duplicate._state = state
    return duplicate


def _token_sql(using: str) -> str | None:
    """The token and its user in one plain statement built once from the models' columns:
    the ORM's ``select_related`` query costs more to build than to run. None where the rows
    would need the ORM's value converters (PostgreSQL needs none for these fields)."""
    from rest_framework.authtoken.models import Token

    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    quote = connection.ops.quote_name
    token_fields = Token._meta.concrete_fields
    user_fields = get_user_model()._meta.concrete_fields
    if any(f.get_db_converters(connection) for f in (*token_fields, *user_fields)):
        return None
    token_table, user_table = Token._meta.db_table, get_user_model()._meta.db_table
    columns = ", ".join(
        [f"t.{quote(f.column)}" for f in token_fields]
        + [f"u.{quote(f.column)}" for f in user_fields]
    )
    user_pk = quote(get_user_model()._meta.pk.column)
    return (
        f"SELECT {columns} FROM {quote(token_table)} t"  # noqa: S608 (the models' own names)
        f" JOIN {quote(user_table)} u ON u.{user_pk} = t.{quote(Token._meta.get_field('user').column)}"
        f" WHERE t.{quote(Token._meta.pk.column)} = %s"
    )


_token_sqls: dict[str, str | None] = {}


def _token_with_user(key: str):
    """``Token.objects.select_related("user").get(key=key)``, or None for an unknown key."""
    from rest_framework.authtoken.models import Token  # DRF imports this module before the apps

    using = router.db_for_read(Token)
    if using not in _token_sqls:
        _token_sqls[using] = _token_sql(using)
    sql = _token_sqls[using]
    if sql is None:
        return Token.objects.using(using).select_related("user").filter(key=key).first()
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(Token._meta.concrete_fields)
    token = Token.from_db(using, None, row[:split])
    token.user = get_user_model().from_db(using, None, row[split:])
    return token


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's ``Authorization: Token <key>``, answered from the process's copy when the auth
    stamp is unchanged. Refusals (unknown token, inactive user) are never cached."""

    def authenticate(self, request):
        # DRF reads the header through ``request.headers``, which builds a dict of every
        # header first. No header, or the plain ``Token <letters and digits>`` form, is read
        # from ``META`` here with the same outcome; anything else gets DRF's own parsing and
        # error messages.
        header = getattr(request, "_request", request).META.get("HTTP_AUTHORIZATION")
        if not header:
            return None
        scheme, _, key = header.partition(" ")
        if scheme.lower() == self.keyword.lower() and key.isascii() and key.isalnum():
            return self.authenticate_credentials(key)
        return super().authenticate(request)

    def authenticate_credentials(self, key: str):
        stamp = _read_stamp()
        if stamp is not None:
            entry = copies.get(key, stamp)
            if entry is not None:
                user, token = entry
                return _fresh(user), _fresh(token)
        # DRF's lookup and refusals, with the query built once (``_token_with_user``).
        token = _token_with_user(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        user = token.user
        if stamp is not None:
            token.user = user
            copies.put(key, stamp, (_fresh(user), _fresh(token)))
        return user, token


def on_token_or_user_change(sender, **kwargs) -> None:
    auth_stamp_bump()
