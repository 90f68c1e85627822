"""The only way code reaches an AI vendor.

``call(operation, request, ctx)``: remote-config guard → provider chain → for each provider:
reserve the worst-case cost → call → price the reported usage → ``AIOperation`` row →
settle (or release on failure) → next provider if the failure allows it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings

from remoteconfig.selectors import config_flag, provider_enabled
from usage.selectors import ROUTING_CHEAPEST, ROUTING_QUALITY, routing_policy
from usage.services import budget_release, budget_reserve, budget_settle

from . import pricing
from .config import get_config
from .errors import AIServicesDisabled, ProviderError, ProviderUnavailable
from .models import AIOperation
from .providers.base import Provider, VendorCall
from .registry import provider_chain
from .types import CallContext, Operation, Usage

logger = logging.getLogger(__name__)
Result = TypeVar("Result")


def vendor_user_hash(user_id: Any) -> str:
    """A stable salted hash of the user id: the only user identifier a vendor ever sees."""
    digest = hmac.new(
        settings.MIRA_VENDOR_USER_SALT.encode(), str(user_id).encode(), hashlib.sha256
    ).hexdigest()
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


def _record(
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
) -> AIOperation:
    input_size, output_size, unit = _sizes(usage) if usage else (None, None, "")
    metadata: dict[str, Any] = {"size_unit": unit} if unit else {}
    metadata.update(extra or {})
    return AIOperation.objects.create(
        user_id=ctx.user_id,
        operation_type=operation.value,
        vendor=provider.name,
        model_used=model,
        input_size=input_size,
        output_size=output_size,
        cost_usd=cost,
        processing_time_ms=max(0, round((time.monotonic() - started) * 1000)),
        success=error is None,
        error_message=error.message[:2000] if error else "",
        error_code=error.code if error else "",
        prompt_version=ctx.prompt_version,
        session_id=ctx.session_id,
        story_id=ctx.story_id,
        stage=ctx.stage,
        attempt=attempt,
        metadata=metadata,
    )


def pick_provider_chain(operation: Operation, request: Any, ctx: CallContext) -> list[Provider]:
    """Configured, switched-on providers for ``operation``, ordered by the user's strategy:
    cheapest first, best first, or the configured order (balanced)."""
    chain = []
    for provider in provider_chain(operation, get_config()):
        enabled, reason = provider_enabled(provider.name)
        if enabled:
            chain.append(provider)
        else:
            logger.info(
                "provider switched off by ops", extra={"vendor": provider.name, "reason": reason}
            )
    policy = routing_policy(user_id=ctx.user_id, tier=ctx.tier, operation=operation.value)
    if policy.free_only:
        chain = [
            p
            for p in chain
            if pricing.estimate_cost(p.settings.models[operation], operation, request) == 0
        ]
    if policy.strategy == ROUTING_CHEAPEST:
        # sorted() is stable: equal prices keep the configured order.
        chain.sort(
            key=lambda p: pricing.estimate_cost(p.settings.models[operation], operation, request)
        )
    elif policy.strategy == ROUTING_QUALITY:
        chain.sort(key=lambda p: -p.settings.quality_rank)
    return chain


def call(operation: Operation, request: Any, ctx: CallContext) -> Any:
    """Run one AI operation with fallback; return the provider's result.

    Raises ``AIServicesDisabled`` when ops switched AI off, ``LimitExceeded`` /
    ``AccountBlocked`` from usage, ``ProviderUnavailable`` when every provider failed.
    """
    if not config_flag("ai_services_enabled", True):
        raise AIServicesDisabled("AI services are switched off for maintenance; try again later.")

    route = get_config().routes[operation]
    chain = pick_provider_chain(operation, request, ctx)
    if not chain:
        raise ProviderUnavailable(f"No provider is configured for {operation.value}.")

    failures: list[str] = []
    for attempt, provider in enumerate(chain, start=1):
        model = provider.settings.models[operation]
        estimate = pricing.estimate_cost(model, operation, request)
        reservation = budget_reserve(
            user_id=ctx.user_id, amount_usd=estimate, purpose=operation.value
        )
        vendor_call = VendorCall(
            model=model,
            timeout=route.timeout_seconds,
            user_hash=vendor_user_hash(ctx.user_id),
            metadata=vendor_metadata(operation, ctx),
        )
        started = time.monotonic()
        try:
            result = provider.invoke(operation, request, vendor_call)
        except ProviderError as exc:
            budget_release(reservation=reservation)
            _record(
                operation=operation,
                provider=provider,
                model=model.model,
                ctx=ctx,
                started=started,
                attempt=attempt,
                error=exc,
            )
            failures.append(f"{provider.name}: {exc.message}")
            logger.warning(
                "AI call failed",
                extra={"operation": operation.value, "vendor": provider.name, "code": exc.code},
            )
            if not exc.fallback:
                raise ProviderUnavailable(
                    f"{operation.value} failed: {exc.message}", code=exc.code
                ) from exc
            continue
        except BaseException:
            budget_release(reservation=reservation)
            raise
        usage: Usage = result.usage
        cost = pricing.cost_of(model, usage)
        budget_settle(reservation=reservation, actual_usd=cost)
        _record(
            operation=operation,
            provider=provider,
            model=getattr(result, "model", "") or model.model,
            ctx=ctx,
            started=started,
            attempt=attempt,
            usage=usage,
            cost=cost,
        )
        return result

    raise ProviderUnavailable(
        f"Every provider for {operation.value} failed: " + "; ".join(failures),
        extra={"failures": failures},
    )
