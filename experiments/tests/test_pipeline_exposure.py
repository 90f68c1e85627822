"""A story made under an experiment renders its group's version and writes one exposure row
with cost, time and success; failures after exposure are recorded too."""

import pytest
from django.core.files.base import ContentFile

from experiments.models import ExperimentAssignment, PromptAnalytics
from experiments.tests.factories import make_experiment
from stories import pipeline
from stories.models import InputKind, Story, StoryStatus
from stories.pipeline import runner, stages
from stories.pipeline.lease import lease_take, new_owner
from stories.tests.factories import KidFactory, drawing_bytes

pytestmark = pytest.mark.django_db(transaction=True)  # the pipeline's threads


@pytest.fixture
def synced(transactional_db):
    from prompts_app.services import prompts_sync

    prompts_sync()


def make_story(kid=None, **fields) -> Story:
    kid = kid or KidFactory(age=5)
    story = Story(owner=kid.parent, kid=kid, input_kind=InputKind.DRAWING, **fields)
    story.drawing.save("drawing.png", ContentFile(drawing_bytes()), save=False)
    story.save()
    return story


def test_story_under_an_experiment_uses_its_group_version_and_records_the_outcome(synced):
    experiment = make_experiment(segments={"story_types": ["adventure"]})
    story = pipeline.run(make_story(story_type="adventure").id)
    assert story.status == StoryStatus.READY, story.failure_detail

    assignment = ExperimentAssignment.objects.get(experiment=experiment, user=story.owner)
    expected = experiment.groups[assignment.group]
    assert story.prompt_version == expected
    (row,) = PromptAnalytics.objects.filter(story_id=story.id)
    assert row.experiment_id == experiment.pk
    assert (row.experiment_group, row.prompt_version) == (assignment.group, expected)
    assert (row.user_age_group, row.story_type) == ("4-6", "adventure")
    assert row.success is True and row.failure_code == "" and row.safety_rejected is False
    assert row.cost_usd == story.total_cost_usd
    assert row.processing_time_ms == story.total_processing_time_ms > 0
    assert row.operation is not None and row.operation.operation_type == "story_generation"
    assert row.operation.prompt_version == expected


def test_story_outside_the_segment_gets_the_current_version_and_no_row(synced):
    make_experiment(segments={"story_types": ["bedtime"]})
    story = pipeline.run(make_story(story_type="adventure").id)
    assert story.status == StoryStatus.READY
    assert story.prompt_version == "1.2"
    assert not PromptAnalytics.objects.filter(story_id=story.id).exists()
    assert not ExperimentAssignment.objects.exists()


def test_a_failure_after_exposure_is_recorded(synced):
    experiment = make_experiment()
    story = make_story()
    lease_take(story.id, new_owner())  # what run() does before its first stage
    for _stage, function in runner.SEQUENTIAL[:3]:  # through generate_story
        function(story.id)
    runner.story_fail(story.id, "narration_failed", "The narrator was unavailable.")
    (row,) = PromptAnalytics.objects.filter(story_id=story.id)
    assert row.experiment_id == experiment.pk
    assert row.success is False and row.failure_code == "narration_failed"
    assert row.processing_time_ms is not None and row.finished_at is not None
    # A retried generate stage does not count the story twice.
    stages.story_prompt_choice(Story.objects.select_related("kid").get(pk=story.id))
    assert PromptAnalytics.objects.filter(story_id=story.id).count() == 1
