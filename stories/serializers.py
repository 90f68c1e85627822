from __future__ import annotations

from rest_framework import serializers

from mira.errors import InvalidInput
from mira.fields import (
    StrictBooleanField,
    StrictCharField,
    StrictFloatField,
    StrictIntegerField,
    TemplateFieldsMixin,
)

from .access import signed_url
from .models import KidProfile, ReadingLevel, Story, StoryLength, StoryStatus, StoryType


class KidInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=40, trim_whitespace=True)
    age = StrictIntegerField(min_value=2, max_value=12)
    interests = serializers.ListField(
        child=StrictCharField(max_length=40), required=False, default=list, max_length=10
    )
    reading_level = serializers.ChoiceField(
        choices=ReadingLevel.choices, default=ReadingLevel.EARLY
    )
    accessibility_needs = StrictCharField(
        max_length=500, required=False, default="", allow_blank=True
    )
    # Checked by the service, whose error names the supported languages.
    language = serializers.CharField(
        required=False, default="", allow_blank=True, trim_whitespace=True
    )


class KidOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = KidProfile
        fields = [
            "id",
            "name",
            "age",
            "interests",
            "reading_level",
            "accessibility_needs",
            "language",
            "created_at",
        ]


class StoryInputSerializer(TemplateFieldsMixin, serializers.Serializer):
    kid = serializers.UUIDField()
    drawing = serializers.FileField(required=False, allow_empty_file=True)
    audio = serializers.FileField(required=False, allow_empty_file=True)
    text = StrictCharField(required=False, default="", allow_blank=True, max_length=2000)
    story_type = serializers.ChoiceField(choices=StoryType.choices, default=StoryType.ADVENTURE)
    story_length = serializers.ChoiceField(choices=StoryLength.choices, default=StoryLength.SHORT)
    special_requests = StrictCharField(required=False, default="", allow_blank=True, max_length=300)
    # ISO 639-1; empty: the kid's or the family's. The service refuses unsupported ones.
    language = serializers.CharField(
        required=False, default="", allow_blank=True, trim_whitespace=True
    )

    def validate_audio(self, upload):
        from .audio import check_audio_size

        try:  # before the view reads it: an oversized upload is refused unread
            check_audio_size(upload.size)
        except InvalidInput as exc:
            raise serializers.ValidationError(exc.message) from None
        return upload

    def validate(self, attrs):
        given = [
            name
            for name, present in (
                ("drawing", "drawing" in attrs),
                ("audio", "audio" in attrs),
                ("text", bool(attrs["text"].strip())),
            )
            if present
        ]
        if len(given) > 1:
            both = " and ".join(given)
            raise serializers.ValidationError(
                {given[0]: [f"Send one of a drawing, a recording or a text idea, not {both}."]}
            )
        if not given:
            raise serializers.ValidationError(
                {"drawing": ["Send a drawing (PNG or JPEG), a recorded idea, or a text idea."]}
            )
        return attrs


class StorySerializer(TemplateFieldsMixin, serializers.ModelSerializer):
    kid = serializers.UUIDField(source="kid_id")
    status_url = serializers.SerializerMethodField()
    failure = serializers.SerializerMethodField()

    class Meta:
        model = Story
        fields = [
            "id",
            "kid",
            "status",
            "current_stage",
            "status_url",
            "input_kind",
            "story_type",
            "story_length",
            "language",
            "created_at",
            "updated_at",
            "failure",
            "content_warnings",
        ]

    def get_status_url(self, story: Story) -> str:
        return self.context["request"].build_absolute_uri(f"/api/v1/stories/{story.id}/")

    def get_failure(self, story: Story):
        if story.status != StoryStatus.FAILED:
            return None
        return {"code": story.failure_code, "detail": story.failure_detail}

    def to_representation(self, story: Story):
        data = super().to_representation(story)
        if story.status == StoryStatus.READY:
            request = self.context["request"]
            absolute = request.build_absolute_uri
            data.update(
                title=story.title,
                text=story.text,
                audio_url=absolute(signed_url("stories:media", story.id, kind="audio")),
                audio_duration_seconds=story.audio_duration_seconds,
                cover_url=absolute(signed_url("stories:media", story.id, kind="cover")),
                read_along_url=absolute(signed_url("stories:read-along", story.id)),
                word_timestamps=story.word_timestamps,
                total_cost_usd=str(story.total_cost),
                cost_breakdown=story.cost_breakdown,
                processing_breakdown=story.processing_breakdown,
                total_processing_time_ms=story.total_processing_time_ms,
                prompt_version=story.prompt_version,
            )
        return data


class StoryRatingSerializer(serializers.Serializer):
    rating = StrictIntegerField(min_value=1, max_value=5)
    parent_approved = StrictBooleanField(required=False, allow_null=True, default=None)


class StoryListeningSerializer(serializers.Serializer):
    seconds_listened = StrictFloatField(min_value=0, max_value=4 * 3600)
    completed = StrictBooleanField()
    replay = StrictBooleanField(required=False, default=False)
    highlighting_used = StrictBooleanField(required=False, allow_null=True, default=None)

    def validate_seconds_listened(self, value: float) -> float:
        if value != value or value in (float("inf"), float("-inf")):  # NaN passes min/max
            raise serializers.ValidationError("A finite number of seconds is required.")
        return value


class StoryFeedbackSerializer(serializers.ModelSerializer):
    class Meta:
        model = Story
        fields = [
            "id",
            "user_rating",
            "parent_approved",
            "listening_time_seconds",
            "replay_count",
            "highlighting_used",
        ]
