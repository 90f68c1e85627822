"""The only way code reaches an AI vendor.

``call(operation, request, ctx)``: remote-config guard → provider chain → for each provider:
reserve the worst-case cost → call → price the reported usage → ``AIOperation`` row →
settle (or release on failure) → next provider if the failure allows it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import time
import uuid
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from mira import metrics
from mira.stamps import watch
from remoteconfig.cache import pin_with_stamp, pinned, stamp_key
from remoteconfig.selectors import config_flag, current_environment, provider_enabled
from usage.selectors import (
    ROUTING_BY_SPEND,
    ROUTING_CHEAPEST,
    ROUTING_QUALITY,
    free_tier_spend_over,
    free_tier_threshold,
    routing_plan,
)
from usage.services import (
    Reservation,
    RowInsert,
    budget_release,
    budget_reserve,
    budget_settle,
)

from . import pricing, resilience
from .config import get_config
from .errors import AIServicesDisabled, ProviderError, ProviderUnavailable, StageBudgetExceeded
from .models import AIOperation
from .providers.base import Provider, VendorCall
from .registry import provider_chain
from .types import CallContext, Operation, Usage

logger = logging.getLogger(__name__)
Result = TypeVar("Result")

# A try that would get less time than this is not started: no vendor answers that fast.
MIN_CALL_SECONDS = 0.5


def vendor_user_hash(user_id: Any) -> str:
    """A stable salted hash of the user id: the only user identifier a vendor ever sees."""
    return _user_hash(settings.MIRA_VENDOR_USER_SALT, str(user_id))


@functools.lru_cache(maxsize=4096)
def _user_hash(salt: str, user_id: str) -> str:
    digest = hmac.new(salt.encode(), user_id.encode(), hashlib.sha256).hexdigest()
    return f"user_{digest[:32]}"


def vendor_metadata(operation: Operation, ctx: CallContext) -> dict[str, str]:
    tags = {
        "feature": operation.value,
        "user_tier": ctx.tier,
        "app_version": ctx.app_version,
        "kid_age_group": ctx.age_group,
        "story_type": ctx.story_type,
        "language": ctx.language,
        "platform": ctx.platform,
    }
    return {k: v for k, v in tags.items() if v}


def _sizes(usage: Usage) -> tuple[int | None, int | None, str]:
    """Input and output size for the ledger, in the unit the vendor bills."""
    if usage.input_tokens or usage.output_tokens:
        return usage.input_tokens, usage.output_tokens, "tokens"
    if usage.characters:
        return usage.characters, None, "characters"
    if usage.audio_seconds:
        return int(usage.audio_seconds.to_integral_value()), None, "seconds"
    if usage.images:
        return None, usage.images, "images"
    return None, None, ""


def _ledger_fields(
    *,
    operation: Operation,
    provider: Provider,
    model: str,
    ctx: CallContext,
    started: float,
    attempt: int,
    usage: Usage | None = None,
    cost: Decimal = Decimal(0),
    error: ProviderError | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``AIOperation`` row of one attempt, as its fields' values (by attribute name)."""
    input_size, output_size, unit = _sizes(usage) if usage else (None, None, "")
    metadata: dict[str, Any] = {"size_unit": unit} if unit else {}
    metadata.update(extra or {})
    return {
        "user_id": ctx.user_id,
        "operation_type": operation.value,
        "vendor": provider.name,
        "model_used": model,
        "input_size": input_size,
        "output_size": output_size,
        "cost_usd": cost,
        "processing_time_ms": max(0, round((time.monotonic() - started) * 1000)),
        "success": error is None,
        "error_message": error.message[:2000] if error else "",
        "error_code": error.code if error else "",
        "prompt_version": ctx.prompt_version,
        "session_id": ctx.session_id,
        "story_id": ctx.story_id,
        "stage": ctx.stage,
        "attempt": attempt,
        "metadata": metadata,
    }


def _record(**fields: Any) -> AIOperation:
    row = AIOperation(**_ledger_fields(**fields))
    row.save(force_insert=True)
    metrics.ai_attempt_recorded(row)
    return row


_LEDGER_FIELDS = tuple(AIOperation._meta.concrete_fields)
_LEDGER_COLUMNS = tuple(f.column for f in _LEDGER_FIELDS)
_LEDGER_ATTNAMES = tuple(f.attname for f in _LEDGER_FIELDS)
_LEDGER_JSON_ENCODER = AIOperation._meta.get_field("metadata").encoder


class _Written(SimpleNamespace):
    """What ``metrics.ai_attempt_recorded`` reads of a ledger row written with the settle."""


def _ledger_insert(fields: dict[str, Any]) -> tuple[RowInsert, _Written]:
    """The ledger row as the INSERT the settle writes with it, and what metrics read of it.

    The settle runs right after the vendor answered, when this process's caches are cold:
    building an ``AIOperation`` and running each field's ``get_db_prep_save`` cost about a
    quarter of a millisecond there, so the values are made directly. They are the plain Python
    values those would prepare on PostgreSQL (the prepared statement's parameters take their
    types from the columns) with the JSON wrapped for the driver;
    ``test_gateway_cost.py::test_the_settles_ledger_values_are_the_models_own`` holds them to
    ``Model.save``'s."""
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the per-attribute proxy
    values = dict(fields, id=uuid.uuid4(), created_at=timezone.now())
    written = _Written(**values)
    if db.vendor == "postgresql":
        values["metadata"] = db.ops.adapt_json_value(values["metadata"], _LEDGER_JSON_ENCODER)
        prepared = tuple(map(values.__getitem__, _LEDGER_ATTNAMES))
    else:  # e.g. SQLite stores UUIDs as text: each field prepares its own value
        prepared = tuple(f.get_db_prep_save(values[f.attname], db) for f in _LEDGER_FIELDS)
    row = RowInsert(table=AIOperation._meta.db_table, columns=_LEDGER_COLUMNS, values=prepared)
    return row, written


def logical_operation_key(operation: Operation, ctx: CallContext) -> str:
    """The key under which this call counts against the operation limits: calls sharing it
    are one logical operation (docs/usage.md). Calls outside a story count one each."""
    if ctx.logical_operation:
        base = ctx.logical_operation
    elif ctx.story_id is not None:
        base = f"{ctx.stage}:{operation.value}"
    else:
        return ""
    return f"story:{ctx.story_id}:{base}" if ctx.story_id is not None else base


def _budget_left(ctx: CallContext) -> float | None:
    return None if ctx.deadline is None else ctx.deadline.remaining()


def _out_of_budget(operation: Operation, ctx: CallContext, failures: list[str]) -> None:
    detail = f"{operation.value} ran out of the {ctx.stage or 'call'} stage's time budget"
    if failures:
        detail += ": " + "; ".join(failures)
    raise StageBudgetExceeded(detail + ".", extra={"failures": failures})


class _Estimates(dict):
    """Each provider's worst-case price for this one call, computed once per call."""

    def __init__(self, operation: Operation, request: Any) -> None:
        super().__init__()
        self.operation, self.request = operation, request

    def __missing__(self, provider: Provider) -> Decimal:
        model = provider.settings.models[self.operation]
        cost = self[provider] = pricing.estimate_cost(model, self.operation, self.request)
        return cost


def _plan_chain(
    operation: Operation,
    request: Any,
    ctx: CallContext,
    estimates: _Estimates | None = None,
) -> tuple[list[Provider], list[Provider] | None]:
    """The switched-on providers for ``operation`` in the user's order, and, when today's
    spend decides the order (a free family), the cheapest-first order to use instead once the
    spend is past the threshold (None when both orders are the same)."""
    if estimates is None:
        estimates = _Estimates(operation, request)
    chain = []
    for provider in provider_chain(operation, get_config()):
        if not provider.serves(operation, request):
            continue  # e.g. the safety judge: the offline rules are no judge
        enabled, reason = provider_enabled(provider.name)
        if enabled:
            chain.append(provider)
        else:
            logger.info(
                "provider switched off by ops", extra={"vendor": provider.name, "reason": reason}
            )
    policy = routing_plan(tier=ctx.tier, operation=operation.value)
    if policy.free_only:
        chain = [p for p in chain if estimates[p] == 0]
    if policy.strategy in (ROUTING_CHEAPEST, ROUTING_BY_SPEND):
        # sorted() is stable: equal prices keep the configured order.
        cheapest = sorted(chain, key=estimates.__getitem__)
        if policy.strategy == ROUTING_CHEAPEST:
            return cheapest, None
        return chain, (None if cheapest == chain else cheapest)
    if policy.strategy == ROUTING_QUALITY:
        chain.sort(key=lambda p: -p.settings.quality_rank)
    return chain, None


def pick_provider_chain(operation: Operation, request: Any, ctx: CallContext) -> list[Provider]:
    """Configured, switched-on providers for ``operation``, ordered by the user's strategy:
    cheapest first, best first, or the configured order (balanced)."""
    chain, cheapest = _plan_chain(operation, request, ctx)
    if cheapest is not None and free_tier_spend_over(user_id=ctx.user_id):
        return cheapest
    return chain


def vendor_in_chain(operation: Operation, request: Any, ctx: CallContext) -> bool:
    """Whether a vendor (not only Mira's offline ``local`` provider) would serve this call."""
    return any(p.name != "local" for p in pick_provider_chain(operation, request, ctx))


def _reserve(
    operation: Operation,
    provider: Provider,
    request: Any,
    ctx: CallContext,
    *,
    if_over: Provider | None = None,
    estimates: _Estimates | None = None,
) -> Reservation:
    """Reserve ``provider``'s worst case for this call; with ``if_over``, that provider's
    instead when the family's spend today is past the free tier's threshold."""
    if estimates is None:
        estimates = _Estimates(operation, request)
    estimate = estimates[provider]
    over: dict[str, Any] = {}
    if if_over is not None:
        over = {"spent_over": free_tier_threshold(), "amount_if_over": estimates[if_over]}
    return budget_reserve(
        user_id=ctx.user_id,
        amount_usd=estimate,
        purpose=operation.value,
        story_id=ctx.story_id,
        operation_key=logical_operation_key(operation, ctx),
        **over,
    )


def _attempt(
    *,
    operation: Operation,
    provider: Provider,
    request: Any,
    ctx: CallContext,
    timeout: float,
    attempt: int,
    extra: dict[str, Any],
    reservation: Reservation | None = None,
    estimates: _Estimates | None = None,
) -> tuple[Any, ProviderError | None, AIOperation | None]:
    """One call to one provider: reserve (unless ``reservation`` was made for it) → call →
    price → ledger row → settle or release."""
    model = provider.settings.models[operation]
    if reservation is None:
        reservation = _reserve(operation, provider, request, ctx, estimates=estimates)
    vendor_call = VendorCall(
        model=model,
        timeout=timeout,
        user_hash=vendor_user_hash(ctx.user_id),
        metadata=vendor_metadata(operation, ctx),
    )
    started = time.monotonic()
    try:
        result = provider.invoke(operation, request, vendor_call)
    except ProviderError as exc:
        row = {"retry_after": exc.retry_after} if exc.retry_after is not None else {}
        if exc.status_code is not None:
            row["status_code"] = exc.status_code
        # The release and the ledger row commit together: one transaction, one commit.
        with transaction.atomic():
            budget_release(reservation=reservation)
            failed = _record(
                operation=operation,
                provider=provider,
                model=model.model,
                ctx=ctx,
                started=started,
                attempt=attempt,
                error=exc,
                extra={**extra, **row},
            )
        return None, exc, failed
    except BaseException:
        budget_release(reservation=reservation)
        raise
    usage: Usage = result.usage
    cost = pricing.cost_of(model, usage)
    ledger, written = _ledger_insert(
        _ledger_fields(
            operation=operation,
            provider=provider,
            model=getattr(result, "model", "") or model.model,
            ctx=ctx,
            started=started,
            attempt=attempt,
            usage=usage,
            cost=cost,
            extra=extra,
        )
    )
    # The settle writes the ledger row in its own transaction: the account row lock, the
    # reservation, the spend and the AIOperation row commit at once (on PostgreSQL, in one
    # round trip).
    budget_settle(reservation=reservation, actual_usd=cost, then=ledger)
    metrics.ai_attempt_recorded(written)
    return result, None, None


def call(operation: Operation, request: Any, ctx: CallContext) -> Any:
    """Run one AI operation with retries and fallback; return the provider's result.

    Each provider in the chain gets up to ``MIRA_AI_RETRY_ATTEMPTS`` tries for retryable errors
    (backoff with full jitter, or the vendor's ``Retry-After`` up to the cap), unless its circuit
    is open; then the next provider. Every try is an ``AIOperation`` row.

    ``ctx.deadline`` bounds the whole call: no try, retry wait or fallback starts once the
    stage's budget is spent, and each vendor call gets at most the time left.

    Raises ``AIServicesDisabled`` when ops switched AI off, ``LimitExceeded`` /
    ``AccountBlocked`` from usage, ``ProviderUnavailable`` when every provider failed, and its
    subclass ``StageBudgetExceeded`` when the deadline came first.

    Runtime settings are pinned for the whole call (shared with the request's pin when there
    is one): the version stamp is checked once, not once per setting read.
    """
    with pinned():
        pending: list[Reservation] = []
        try:
            return _call(operation, request, ctx, pending)
        finally:
            # A reservation made to settle the routing that no try used (its provider's
            # circuit was open, or the deadline came first) is given back.
            for reservation in pending:
                budget_release(reservation=reservation)


def _prefetch(operation: Operation) -> dict[str, Any] | None:
    """At most one cache round trip for what every call reads first: the circuit state of
    each provider on the route, unless this process's copy under the watched circuit stamp
    answers it (``resilience.cached_states``), and, unless this process watches it
    (``mira.stamps``), the runtime-settings stamp the call's settings are pinned to. With the
    watch on and every circuit closed and quiet, no round trip at all."""
    environment = current_environment()
    stamp = stamp_key(environment)
    watched, _ = watch.value(stamp)
    circuit_keys = [
        key
        for name in get_config().routes[operation].chain
        for key in resilience.CircuitBreaker(name, operation).state_keys
    ]
    states = resilience.cached_states(circuit_keys)
    keys = [] if watched else [stamp]
    if states is None:
        keys.append(resilience.CIRCUIT_STAMP_KEY)
        keys.extend(circuit_keys)
    if not keys:
        return states
    try:
        seen = cache.get_many(keys)
    except Exception:  # Redis errors are not one class; each reader below then asks again
        return None
    if not watched:
        pin_with_stamp(environment, seen.get(stamp))
    if states is None:
        seen.pop(stamp, None)
        states = resilience.remember_states(circuit_keys, seen)
    return states


def _call(operation: Operation, request: Any, ctx: CallContext, pending: list[Reservation]) -> Any:
    seen: dict[str, Any] | None = _prefetch(operation)
    if not config_flag("ai_services_enabled", True):
        raise AIServicesDisabled("AI services are switched off for maintenance; try again later.")

    route = get_config().routes[operation]
    estimates = _Estimates(operation, request)
    chain, cheapest = _plan_chain(operation, request, ctx, estimates)
    if not chain:
        raise ProviderUnavailable(f"No provider is configured for {operation.value}.")
    if cheapest is not None:
        # Today's spend picks the order: the first reservation reads it under the account
        # lock, in the same round trip, and holds the first provider of the order it picks.
        left = _budget_left(ctx)
        if left is not None and left <= MIN_CALL_SECONDS:
            _out_of_budget(operation, ctx, [])
        made = _reserve(operation, chain[0], request, ctx, if_over=cheapest[0], estimates=estimates)
        pending.append(made)
        if made.spent_over:
            chain = cheapest

    policy = resilience.RetryPolicy.from_settings()
    failures: list[str] = []
    attempt = 0
    for hop, provider in enumerate(chain, start=1):
        breaker = resilience.CircuitBreaker(provider.name, operation)
        for try_number in range(1, policy.attempts + 1):
            left = _budget_left(ctx)
            if left is not None and left <= MIN_CALL_SECONDS:
                _out_of_budget(operation, ctx, failures)
            # The state read with the stamp serves the call's first try only; later ones
            # (after a failure or a wait) read it again.
            decision = breaker.before_call(seen)
            seen = None
            if not decision.allowed:
                # Failing fast is the point of an open circuit: no vendor call, no ledger row.
                while pending:  # it was made for this provider
                    budget_release(reservation=pending.pop())
                failures.append(f"{provider.name}: circuit {decision.state}")
                logger.info(
                    "AI provider skipped, circuit %s",
                    decision.state,
                    extra={"operation": operation.value, "vendor": provider.name},
                )
                break
            attempt += 1
            result, error, row = _attempt(
                operation=operation,
                provider=provider,
                request=request,
                ctx=ctx,
                timeout=route.timeout_seconds if left is None else min(route.timeout_seconds, left),
                attempt=attempt,
                extra={"hop": hop, "try": try_number, "circuit": decision.state},
                reservation=pending.pop() if pending else None,
                estimates=estimates,
            )
            if error is None:
                breaker.record_success()
                return result
            opened = False
            if error.fallback:
                opened = breaker.record_failure(probe=decision.probe)
            elif decision.probe:
                # Bad input says nothing about the vendor's health: let the next caller probe.
                breaker.release_probe()
            failures.append(f"{provider.name}: {error.message}")
            logger.warning(
                "AI call failed",
                extra={
                    "operation": operation.value,
                    "vendor": provider.name,
                    "code": error.code,
                    "try": try_number,
                },
            )
            if not error.fallback:
                raise ProviderUnavailable(
                    f"{operation.value} failed: {error.message}", code=error.code
                ) from error
            if not error.retryable or opened or try_number == policy.attempts:
                break
            wait = policy.wait_before(try_number, error.retry_after)
            if wait is None:
                logger.info(
                    "Retry-After beyond the cap; falling back",
                    extra={"vendor": provider.name, "retry_after": error.retry_after},
                )
                break
            left = _budget_left(ctx)
            if left is not None and wait + MIN_CALL_SECONDS >= left:
                break  # no time for a retry after the wait; the next hop checks the budget
            # The ledger says how long we waited before the next try, so backoff is auditable.
            row.metadata["wait_seconds"] = round(wait, 3)
            row.save(update_fields=["metadata"])
            resilience.sleep(wait)

    left = _budget_left(ctx)
    if left is not None and left <= MIN_CALL_SECONDS:
        _out_of_budget(operation, ctx, failures)
    raise ProviderUnavailable(
        f"Every provider for {operation.value} failed: " + "; ".join(failures),
        extra={"failures": failures},
    )
