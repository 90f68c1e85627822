"""POST /api/v1/stories/{id}/rating and /listening: owner-only, validated, and feeding the
story's analytics columns and its experiment exposure."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from experiments.models import PromptAnalytics
from experiments.services import exposure_open, prompt_choice_for
from experiments.tests.factories import make_experiment
from stories.models import InputKind, Story, StoryStatus
from stories.tests.factories import KidFactory, UserFactory

pytestmark = pytest.mark.django_db


def ready_story(owner, **fields) -> Story:
    kid = KidFactory(parent=owner)
    values = {
        "owner": owner,
        "kid": kid,
        "input_kind": InputKind.TEXT,
        "input_text": "a dragon who bakes",
        "status": StoryStatus.READY,
        "audio_duration_seconds": 80.0,
        "prompt_version": "1.2",
    }
    values.update(fields)
    return Story.objects.create(**values)


def exposed(story: Story) -> PromptAnalytics:
    choice = prompt_choice_for(
        prompt_type="story_generation",
        user_id=story.owner_id,
        age_group="4-6",
        story_type=story.story_type,
    )
    return exposure_open(
        choice=choice,
        prompt_type="story_generation",
        user_id=story.owner_id,
        story_id=story.id,
        age_group="4-6",
        story_type=story.story_type,
    )


def rating_url(story):
    return f"/api/v1/stories/{story.id}/rating"


def listening_url(story):
    return f"/api/v1/stories/{story.id}/listening"


def test_rating_fills_the_story_and_its_experiment_row(prompts, api, parent):
    make_experiment()
    story = ready_story(parent)
    row = exposed(story)
    response = api.post(rating_url(story), {"rating": 4, "parent_approved": True}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["user_rating"] == 4 and response.json()["parent_approved"] is True
    story.refresh_from_db()
    row.refresh_from_db()
    assert (story.user_rating, story.parent_approved, row.user_rating) == (4, True, 4)
    # A new rating replaces the old; approval left out stays as it was.
    assert api.post(rating_url(story), {"rating": 2}, format="json").status_code == 200
    story.refresh_from_db()
    row.refresh_from_db()
    assert (story.user_rating, story.parent_approved, row.user_rating) == (2, True, 2)


@pytest.mark.parametrize(
    "body",
    [
        {"rating": 0},
        {"rating": 6},
        {"rating": "four"},
        {"rating": 3.5},
        {"rating": None},
        {},
        {"rating": 3, "parent_approved": "maybe"},
    ],
)
def test_bad_ratings_are_refused_and_nothing_changes(api, parent, body):
    story = ready_story(parent, user_rating=5)
    response = api.post(rating_url(story), body, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "invalid" and set(data["errors"]) <= {"rating", "parent_approved"}
    story.refresh_from_db()
    assert story.user_rating == 5


def test_listening_reports_add_up_and_set_completion(prompts, api, parent):
    make_experiment()
    story = ready_story(parent)
    row = exposed(story)
    first = api.post(
        listening_url(story), {"seconds_listened": 20, "completed": False}, format="json"
    )
    assert first.status_code == 200, first.json()
    row.refresh_from_db()
    assert row.completion_rate == Decimal("25.00") and row.completed is False
    second = api.post(
        listening_url(story),
        {"seconds_listened": 80.4, "completed": True, "replay": True, "highlighting_used": True},
        format="json",
    )
    assert second.json() == {
        "id": str(story.id),
        "user_rating": None,
        "parent_approved": None,
        "listening_time_seconds": 100,
        "replay_count": 1,
        "highlighting_used": True,
    }
    row.refresh_from_db()
    assert row.completion_rate == Decimal("100.00") and row.completed is True
    # A later partial session does not undo a completed one.
    api.post(listening_url(story), {"seconds_listened": 5, "completed": False}, format="json")
    row.refresh_from_db()
    assert row.completion_rate == Decimal("100.00") and row.completed is True


@pytest.mark.parametrize(
    "body",
    [
        {"seconds_listened": -1, "completed": True},
        {"seconds_listened": "NaN", "completed": True},
        {"seconds_listened": "lots", "completed": True},
        {"seconds_listened": 10**9, "completed": True},
        {"seconds_listened": 10},
        {"seconds_listened": 10, "completed": "perhaps"},
        {"seconds_listened": 10, "completed": True, "replay": "twice"},
    ],
)
def test_bad_listening_reports_are_refused_and_nothing_changes(api, parent, body):
    story = ready_story(parent, listening_time_seconds=7, replay_count=1)
    response = api.post(listening_url(story), body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid" and response.json()["errors"]
    story.refresh_from_db()
    assert (story.listening_time_seconds, story.replay_count) == (7, 1)


def test_another_parents_story_is_a_404_and_stays_untouched(api):
    stranger = UserFactory()
    story = ready_story(stranger)
    for url, body in (
        (rating_url(story), {"rating": 1}),
        (listening_url(story), {"seconds_listened": 5, "completed": True}),
    ):
        response = api.post(url, body, format="json")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    story.refresh_from_db()
    assert story.user_rating is None and story.listening_time_seconds == 0


def test_only_ready_stories_take_feedback(api, parent):
    story = ready_story(parent, status=StoryStatus.PROCESSING)
    response = api.post(rating_url(story), {"rating": 5}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "story_not_ready"
    response = api.post(
        listening_url(story), {"seconds_listened": 5, "completed": True}, format="json"
    )
    assert response.status_code == 409


def test_sign_in_is_required(parent):
    story = ready_story(parent)
    response = APIClient().post(rating_url(story), {"rating": 5}, format="json")
    assert response.status_code in (401, 403)


def test_stories_outside_an_experiment_still_record_feedback(api, parent):
    story = ready_story(parent)
    assert api.post(rating_url(story), {"rating": 3}, format="json").status_code == 200
    assert not PromptAnalytics.objects.filter(story_id=story.id).exists()
    story.refresh_from_db()
    assert story.user_rating == 3
