"""``mira.inserts.insert_new`` stores exactly the row ``save()`` would."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from mira.inserts import insert_new
from stories.models import Story
from stories.tests.factories import KidFactory
from usage.models import UsageAccount, UsageDay, UsageReservation

pytestmark = pytest.mark.django_db


def row(model, pk) -> dict:
    values = model.objects.filter(pk=pk).values().get()
    return {k: v for k, v in values.items() if k not in {"id", "created_at", "updated_at"}}


ENQUEUED = timezone.now()


def new_story(kid, key: str) -> Story:
    return Story(
        owner=kid.parent,
        kid_id=kid.id,
        input_kind="text",
        story_type="adventure",
        story_length="short",
        language="en",
        input_text="a friendly whale",
        idempotency_key=key,
        request_fingerprint="f" * 64,
        enqueued_at=ENQUEUED,
    )


def test_a_story_inserted_is_the_row_save_makes():
    kid = KidFactory()
    saved, inserted = new_story(kid, "a"), new_story(kid, "b")
    saved.save(force_insert=True)
    insert_new(inserted)
    assert inserted._state.adding is False and inserted._state.db == "default"
    expected = {**row(Story, saved.pk), "idempotency_key": "b"}
    assert row(Story, inserted.pk) == expected
    stored = Story.objects.get(pk=inserted.pk)
    assert stored.created_at == inserted.created_at and stored.updated_at == inserted.updated_at


def test_a_reservation_inserted_is_the_row_save_makes():
    kid = KidFactory()
    account = UsageAccount.objects.create(user=kid.parent)
    expires = timezone.now() + timedelta(hours=2)
    fields = dict(
        account=account,
        kind="story",
        amount_usd=Decimal("0.012345"),
        operations=4,
        remaining_usd=Decimal("0.012345"),
        remaining_operations=4,
        purpose="story:short",
        expires_at=expires,
    )
    saved = UsageReservation(**fields, story_id=Story().id)
    saved.save(force_insert=True)
    inserted = UsageReservation(**fields, story_id=Story().id)
    insert_new(inserted)
    assert row(UsageReservation, inserted.pk) == {
        **row(UsageReservation, saved.pk),
        "story_id": inserted.story_id,
    }


def test_signals_are_sent_and_errors_roll_back_as_with_save():
    kid = KidFactory()
    seen = []

    def record(signal):
        return lambda sender, instance, **kwargs: seen.append((signal, kwargs.get("created")))

    on_pre, on_post = record("pre"), record("post")
    pre_save.connect(on_pre, sender=Story)
    post_save.connect(on_post, sender=Story)
    try:
        insert_new(new_story(kid, "same"))
    finally:
        pre_save.disconnect(on_pre, sender=Story)
        post_save.disconnect(on_post, sender=Story)
    assert seen == [("pre", None), ("post", True)]
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_new(new_story(kid, "same"))  # the unique (owner, key) constraint
    assert Story.objects.filter(idempotency_key="same").count() == 1


def test_a_model_whose_key_the_database_makes_is_refused():
    account = UsageAccount.objects.create(user=KidFactory().parent)
    with pytest.raises(TypeError, match="returns columns"):
        insert_new(UsageDay(account=account, day=timezone.now().date()))


def test_a_statement_sent_before_the_insert_runs_in_the_same_round_trip():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    kid = KidFactory()
    story = new_story(kid, "with-update")
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        insert_new(
            story,
            preceded_by=(
                "UPDATE stories_kidprofile SET name = %s WHERE id = %s",
                ["Renamed", kid.id],
            ),
        )
    kid.refresh_from_db()
    assert kid.name == "Renamed" and Story.objects.filter(pk=story.pk).exists()
    inserts = [q for q in queries if "INSERT" in q["sql"]]
    assert len(inserts) == 1 and "UPDATE stories_kidprofile" in inserts[0]["sql"]
