"""The story serializers build their fields once per class (``mira.fields.TemplateFieldsMixin``)
and must answer exactly as DRF's own per-instance fields do."""

import uuid

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from stories.models import Story, StoryStatus
from stories.serializers import StoryInputSerializer, StorySerializer


class DrfStorySerializer(StorySerializer):
    def get_fields(self):
        return serializers.ModelSerializer.get_fields(self)


class DrfStoryInputSerializer(StoryInputSerializer):
    def get_fields(self):
        return serializers.Serializer.get_fields(self)


def _story(**fields) -> Story:
    now = timezone.now()
    return Story(
        id=uuid.uuid4(),
        kid_id=uuid.uuid4(),
        owner_id=uuid.uuid4(),
        input_kind="text",
        language="en",
        created_at=now,
        updated_at=now,
        **fields,
    )


@pytest.mark.parametrize(
    "story",
    [
        _story(status=StoryStatus.QUEUED),
        _story(status=StoryStatus.PROCESSING, current_stage="narrate"),
        _story(status=StoryStatus.FAILED, failure_code="unsafe_input", failure_detail="No."),
        _story(status=StoryStatus.QUEUED, content_warnings=["scary"]),
    ],
)
def test_a_story_is_represented_as_drf_would(story):
    request = Request(APIRequestFactory().get("/api/v1/stories/"))
    ours = StorySerializer(story, context={"request": request}).data
    assert ours == DrfStorySerializer(story, context={"request": request}).data
    many = StorySerializer([story, story], many=True, context={"request": request}).data
    assert many == [ours, ours]


@pytest.mark.parametrize(
    "body",
    [
        {"kid": str(uuid.uuid4()), "text": "a dragon", "story_type": "bedtime"},
        {"kid": str(uuid.uuid4()), "text": 5},  # a JSON number is not text
        {"kid": "not-a-uuid", "text": "a", "story_type": "nope", "story_length": 3},
        {"kid": str(uuid.uuid4())},
        {"kid": str(uuid.uuid4()), "text": "x" * 2001},
    ],
)
def test_a_story_request_is_validated_as_drf_would(body):
    ours, drf = StoryInputSerializer(data=body), DrfStoryInputSerializer(data=body)
    assert ours.is_valid() == drf.is_valid()
    assert ours.errors == drf.errors
    assert dict(ours.validated_data if not ours.errors else {}) == dict(
        drf.validated_data if not drf.errors else {}
    )


def test_each_serializer_binds_fields_of_its_own():
    first, second = StoryInputSerializer(data={}), StoryInputSerializer(data={"text": 1})
    assert first.fields["text"] is not second.fields["text"]
    assert first.fields["text"].root is first and second.fields["text"].root is second
    assert first.fields["text"].validators is second.fields["text"].validators  # shared, read-only


def test_a_subclass_with_nested_fields_keeps_drfs_own():
    from stories.openapi import StoryDocumentedSerializer

    first, second = StoryDocumentedSerializer(), StoryDocumentedSerializer()
    assert first.fields["failure"] is not second.fields["failure"]
    assert first.fields["failure"].parent is first
