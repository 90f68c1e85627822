import uuid
from decimal import Decimal

import pytest

from usage.errors import LimitExceeded, TierRestricted
from usage.estimates import story_estimate
from usage.models import ReservationKind, ReservationState, UsageAccount, UsageReservation
from usage.selectors import reservation_totals
from usage.services import (
    account_tier_change,
    budget_release,
    budget_reserve,
    budget_settle,
    story_admit,
    story_hold_close,
)

from .factories import family, needs_postgres

pytestmark = pytest.mark.django_db


def books(user):
    account = UsageAccount.objects.get(user=user)
    totals = reservation_totals(user_id=user.pk)
    assert (account.reserved_cost_usd, account.reserved_operations) == (
        totals.cost_usd,
        totals.operations,
    )
    return account


@pytest.fixture
def paid_vendor(monkeypatch):
    """OpenAI counts as configured, so estimates use its prices (no call is made)."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    from mira.config_file import reset_config_document

    reset_config_document()
    yield
    reset_config_document()


def test_estimate_is_zero_cost_offline_and_priced_with_a_vendor(monkeypatch, paid_vendor):
    priced = story_estimate(story_length="long", input_kind="drawing")
    assert (
        priced.cost_usd > Decimal("0.05") and priced.operations == 5
    )  # logical: look, write, check, narrate (+ timing), cover
    no_cover = story_estimate(story_length="long", input_kind="drawing", paid_cover=False)
    assert priced.cost_usd - no_cover.cost_usd == Decimal("0.120000")  # dearest DALL-E price
    assert story_estimate(story_length="short", input_kind="text").cost_usd < priced.cost_usd
    monkeypatch.delenv("OPENAI_API_KEY")
    from mira.config_file import reset_config_document

    reset_config_document()
    offline = story_estimate(story_length="long", input_kind="drawing")
    assert offline.cost_usd == 0 and offline.operations == priced.operations


def test_an_estimate_is_computed_once_per_config_document(paid_vendor):
    from mira.config_file import config_document
    from usage import estimates

    first = story_estimate(story_length="long", input_kind="drawing")
    document, known = estimates._estimates
    assert document is config_document() and known[("long", "drawing", True)] == first
    first.breakdown["image_generation"] = "0"  # a caller's copy: the next is untouched
    again = story_estimate(story_length="long", input_kind="drawing")
    assert again == known[("long", "drawing", True)] and again.breakdown is not first.breakdown
    assert again.breakdown["image_generation"] == "0.120000"


def test_story_calls_draw_from_the_hold_so_money_is_not_held_twice(paid_vendor):
    user = family(daily_cost_limit=Decimal("1.00"))
    story_id = uuid.uuid4()
    hold = story_admit(user_id=user.pk, story_id=story_id, story_length="short", input_kind="text")
    account = books(user)
    assert account.reserved_cost_usd == hold.amount_usd > 0
    assert account.reserved_operations == hold.operations and account.open_story_holds == 1
    # A call within the estimate adds nothing to what is reserved.
    r = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.01"), story_id=story_id)
    account = books(user)
    assert account.reserved_cost_usd == hold.amount_usd
    # Settling below the worst case puts the difference back into the story's hold.
    budget_settle(reservation=r, actual_usd=Decimal("0.004"))
    account = books(user)
    assert account.daily_cost_usd == Decimal("0.0040")
    assert account.reserved_cost_usd == hold.amount_usd - Decimal("0.004")
    # A failed call gives its share back to the hold.
    failed = budget_reserve(user_id=user.pk, amount_usd=Decimal("0.02"))  # no story id given
    budget_release(reservation=failed)
    assert books(user).reserved_cost_usd == hold.amount_usd - Decimal("0.004")
    # The story ends: what it did not use is released, once.
    story_hold_close(story_id=story_id, user_id=user.pk)
    story_hold_close(story_id=story_id, user_id=user.pk)
    account = books(user)
    assert account.reserved_cost_usd == 0 and account.reserved_operations == 0
    assert account.open_story_holds == 0 and account.daily_cost_usd == Decimal("0.0040")
    row = UsageReservation.objects.get(kind=ReservationKind.STORY)
    assert row.state == ReservationState.SETTLED and row.settled_usd == Decimal("0.004")


def test_a_call_beyond_the_hold_is_checked_against_the_limit(paid_vendor):
    user = family(daily_cost_limit=Decimal("1.00"))
    story_id = uuid.uuid4()
    hold = story_admit(user_id=user.pk, story_id=story_id, story_length="short", input_kind="text")
    room = Decimal("1.00") - hold.amount_usd
    with pytest.raises(LimitExceeded) as caught:
        budget_reserve(user_id=user.pk, amount_usd=hold.amount_usd + room + Decimal("0.01"))
    assert caught.value.code == "daily_cost_limit"
    r = budget_reserve(user_id=user.pk, amount_usd=hold.amount_usd + room, story_id=story_id)
    row = UsageReservation.objects.get(pk=r.id)
    assert row.drawn_usd == hold.amount_usd
    budget_release(reservation=r)
    books(user)


def test_story_that_does_not_fit_is_refused_with_the_limit_code(paid_vendor):
    user = family(daily_cost_limit=Decimal("0.01"))
    with pytest.raises(LimitExceeded) as caught:
        story_admit(
            user_id=user.pk, story_id=uuid.uuid4(), story_length="medium", input_kind="drawing"
        )
    assert caught.value.code == "daily_cost_limit"
    assert not UsageReservation.objects.exists()
    user = family(daily_operations_limit=3)
    with pytest.raises(LimitExceeded) as caught:
        story_admit(user_id=user.pk, story_id=uuid.uuid4(), story_length="short", input_kind="text")
    assert caught.value.code == "daily_operation_limit"


def test_tier_restrictions_are_enforced_when_a_story_is_requested(paid_vendor):
    user = family()
    with pytest.raises(TierRestricted) as caught:
        story_admit(user_id=user.pk, story_id=uuid.uuid4(), story_length="long", input_kind="text")
    assert caught.value.code == "tier_restriction" and caught.value.http_status == 403
    assert caught.value.extra == {"restriction": "max_story_length", "allowed": "medium"}
    with pytest.raises(TierRestricted) as caught:
        story_admit(
            user_id=user.pk,
            story_id=uuid.uuid4(),
            story_length="short",
            input_kind="text",
            premium_voice=True,
        )
    assert caught.value.extra == {"restriction": "premium_voices"}
    # Free covers are painted offline, so a free story's estimate holds no paid image.
    free_hold = story_admit(
        user_id=user.pk, story_id=uuid.uuid4(), story_length="medium", input_kind="drawing"
    )
    assert free_hold.breakdown["image_generation"] == "0.000000"
    account_tier_change(user_id=user.pk, tier="premium", actor=None)
    hold = story_admit(
        user_id=user.pk,
        story_id=uuid.uuid4(),
        story_length="long",
        input_kind="drawing",
        premium_voice=True,
    )
    assert Decimal(hold.breakdown["image_generation"]) > 0


def test_expensive_features_switched_off_keep_covers_out_of_the_estimate(paid_vendor, remote):
    user = family()
    account_tier_change(user_id=user.pk, tier="premium", actor=None)
    remote("disable_expensive_features", True)
    hold = story_admit(
        user_id=user.pk, story_id=uuid.uuid4(), story_length="short", input_kind="text"
    )
    assert hold.breakdown["image_generation"] == "0.000000"


def test_admitting_the_same_story_twice_holds_once():
    user = family()
    story_id = uuid.uuid4()
    first = story_admit(user_id=user.pk, story_id=story_id, story_length="short", input_kind="text")
    again = story_admit(user_id=user.pk, story_id=story_id, story_length="short", input_kind="text")
    assert first.id == again.id
    assert books(user).reserved_operations == first.operations


def test_bad_story_length_is_refused():
    user = family()
    with pytest.raises(ValueError, match="story_length"):
        story_admit(user_id=user.pk, story_id=uuid.uuid4(), story_length="epic", input_kind="text")
    assert not UsageReservation.objects.exists()


@needs_postgres
@pytest.mark.parametrize("yesterday", [False, True])
def test_admission_locks_the_account_as_the_orm_lock_does(yesterday):
    """Admission reads the locked row with its own statement: every field must come out as
    ``_lock_account`` gives it (rolled over and synced), and a rollover is not "unchanged"."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from usage.config import usage_limits_override
    from usage.services.accounts import _lock_account
    from usage.services.holds import _hold_and_recent, _lock_account_for_admission, abuse_thresholds

    user = family(daily_cost_limit=Decimal("7.50"))
    story_admit(user_id=user.pk, story_id=uuid.uuid4(), story_length="short", input_kind="text")
    changes = {
        "block_reason": "a note",
        "warning_count": 2,
        "last_warning_date": timezone.now(),
        "daily_operations": 3,
    }
    if yesterday:
        changes["daily_reset_date"] = timezone.now().date() - timedelta(days=1)
    UsageAccount.objects.filter(user=user).update(**changes)
    now = timezone.now()
    story_id, thresholds = uuid.uuid4(), abuse_thresholds()
    with transaction.atomic():
        fast, unchanged, hold_and_recent = _lock_account_for_admission(
            user.pk, now, usage_limits_override(), story_id=story_id, thresholds=thresholds
        )
        orm = _lock_account(user.pk, now, limits_override=usage_limits_override())
        # The hold and burst read sent with the lock answers as the read on its own does.
        alone = _hold_and_recent(user.pk, story_id, now=now, thresholds=thresholds)
        assert hold_and_recent == alone == (None, 1)
    assert unchanged is not yesterday
    assert fast._state.adding is False and fast._state.db == orm._state.db
    for field in UsageAccount._meta.concrete_fields:
        assert getattr(fast, field.attname) == getattr(orm, field.attname), field.name
        assert type(getattr(fast, field.attname)) is type(getattr(orm, field.attname)), field.name


def test_a_logical_operation_counts_on_the_hold_whichever_of_its_calls_settles_first():
    # Narration's chunks are one logical operation: the first chunk holds it, the others hold
    # none. When a chunk that held nothing succeeds first (the chunks run in parallel), it is
    # the one that counts the operation, and the story's hold must still show it as used.
    user = family()
    story_id = uuid.uuid4()
    story_admit(user_id=user.pk, story_id=story_id, story_length="short", input_kind="text")
    key = f"story:{story_id}:narrate:text_to_speech"
    first = budget_reserve(
        user_id=user.pk, amount_usd=Decimal("0"), story_id=story_id, operation_key=key
    )
    second = budget_reserve(
        user_id=user.pk, amount_usd=Decimal("0"), story_id=story_id, operation_key=key
    )
    assert (first.operations, second.operations) == (1, 0)
    budget_settle(reservation=second, actual_usd=Decimal("0"))
    budget_settle(reservation=first, actual_usd=Decimal("0"))
    story_hold_close(story_id=story_id, user_id=user.pk)
    hold = UsageReservation.objects.get(kind=ReservationKind.STORY, story_id=story_id)
    account = books(user)
    assert account.daily_operations == 1 == hold.settled_operations
    assert account.reserved_operations == 0


# A call that draws from a story hold (every call of the story pipeline) takes the ORM path:
# the single-statement attempt finds ``open_story_holds`` > 0 and writes nothing (one round
# trip), then BEGIN, the account lock, the hold lock, the hold, account and reservation writes,
# COMMIT; the settle likewise, with the call's reservation read and closed too. Pinned so the
# counts can only go down (a single-statement path for hold-drawing calls is not built yet).
HOLD_RESERVE_QUERIES = 8
HOLD_SETTLE_QUERIES = 9


@needs_postgres
@pytest.mark.django_db(transaction=True)  # autocommit, as production: BEGIN/COMMIT counted
def test_a_call_drawing_from_a_story_hold_costs_a_fixed_number_of_queries(paid_vendor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from remoteconfig.cache import pinned
    from remoteconfig.selectors import config_snapshot

    user = family(daily_cost_limit=Decimal("1.00"))
    story_id = uuid.uuid4()
    hold = story_admit(user_id=user.pk, story_id=story_id, story_length="short", input_kind="text")
    for _ in range(2):  # the second call: the runtime settings and config copies are warm
        with pinned():
            config_snapshot()
            with CaptureQueriesContext(connection) as reserving:
                r = budget_reserve(
                    user_id=user.pk,
                    amount_usd=Decimal("0.01"),
                    story_id=story_id,
                    purpose="story_generation",
                )
            with CaptureQueriesContext(connection) as settling:
                budget_settle(reservation=r, actual_usd=Decimal("0.004"))
    assert len(reserving) == HOLD_RESERVE_QUERIES, [q["sql"][:80] for q in reserving]
    assert len(settling) == HOLD_SETTLE_QUERIES, [q["sql"][:80] for q in settling]
    account = books(user)
    assert account.daily_cost_usd == Decimal("0.0080")
    assert account.reserved_cost_usd == hold.amount_usd - Decimal("0.008")
