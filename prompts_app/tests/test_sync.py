"""Files ⇄ database: idempotent sync, file changes as new versions, export back to the tree."""

import pytest
from django.core.management import call_command

from prompts_app.checks import check_tree
from prompts_app.errors import PromptInvalid
from prompts_app.models import (
    Prompt,
    PromptRelease,
    PromptReleaseEvent,
    PromptVersion,
    VersionStatus,
)
from prompts_app.rendering import prompt_render, prompt_resolve
from prompts_app.services import prompt_publish, prompt_rollback, prompts_export, prompts_sync

from .helpers import copy_tree, replace_in, sync

pytestmark = pytest.mark.django_db


def test_sync_loads_the_tree_with_its_history_and_publishes_the_current_files(settings):
    report = sync()

    story = Prompt.objects.get(key="system/story_generation")
    labels = set(story.versions.values_list("version", flat=True))
    assert {"1.0", "1.1", "1.2", "1.3-lean"} <= labels
    release = PromptRelease.objects.get(prompt=story, environment=settings.MIRA_ENVIRONMENT)
    assert release.version.version == "1.2"
    statuses = dict(story.versions.values_list("version", "status"))
    assert statuses["1.2"] == VersionStatus.PUBLISHED
    assert statuses["1.0"] == statuses["1.1"] == VersionStatus.ARCHIVED
    assert statuses["1.3-lean"] == VersionStatus.DRAFT  # experiment variants are never published
    assert "system/story_generation v1.2" in report.published
    assert prompt_resolve("story_generation").source == "database"


def test_sync_twice_makes_nothing_new():
    sync()
    versions, events = PromptVersion.objects.count(), PromptReleaseEvent.objects.count()

    report = sync()

    assert report.created == [] and report.published == []
    assert report.unchanged > 0
    assert PromptVersion.objects.count() == versions
    assert PromptReleaseEvent.objects.count() == events


def test_a_changed_file_becomes_a_new_published_version(tmp_path):
    root = copy_tree(tmp_path)
    sync(root)
    path = root / "system" / "image_recognition.yaml"
    replace_in(path, 'version: "1.1"', 'version: "1.2"')
    replace_in(path, "Always be encouraging.", "Always be encouraging and specific.")

    report = sync(root)

    assert report.created == ["system/image_recognition v1.2"]
    assert report.published == ["system/image_recognition v1.2"]
    rendered = prompt_render("image_recognition", {"kid_age": 5, "kid_interests": "cats"})
    assert rendered.version == "1.2"
    assert "encouraging and specific" in rendered.system
    event = PromptReleaseEvent.objects.filter(prompt__key="system/image_recognition").first()
    assert (event.from_version.version, event.to_version.version, event.actor_name) == (
        "1.1",
        "1.2",
        "sync_prompts",
    )


def test_an_edit_without_a_version_bump_gets_an_unambiguous_label(tmp_path):
    root = copy_tree(tmp_path)
    sync(root)
    path = root / "system" / "content_safety.yaml"
    replace_in(path, "You are careful, but", "You are careful but")
    # The archive still holds the old 1.1, so check_prompts (and so sync) refuses the tree...
    with pytest.raises(
        PromptInvalid, match=r"content_safety\.yaml, line 1: declares version '1\.1'"
    ):
        sync(root)
    # ...until the archive copy is updated too (what export_prompts does for admin edits).
    (root / "versions" / "v1.1" / "system" / "content_safety.yaml").write_text(path.read_text())
    new = PromptVersion.objects.filter(prompt__key="system/content_safety").count()
    sync(root)
    labels = sorted(
        PromptVersion.objects.filter(prompt__key="system/content_safety").values_list(
            "version", flat=True
        )
    )
    assert len(labels) == new + 1
    edited = [label for label in labels if label not in {"1.0", "1.1"}]
    assert len(edited) == 1 and edited[0].startswith("1.1+") and len(edited[0]) == 11
    assert prompt_resolve("content_safety").version == edited[0]


def test_an_admin_rollback_survives_the_next_deploy_sync(tmp_path):
    root = copy_tree(tmp_path)
    sync(root)
    prompt_rollback(prompt=Prompt.objects.get(key="system/story_generation"), actor_name="tester")
    assert prompt_resolve("story_generation").version == "1.1"

    sync(root)  # the tree still says 1.2, but 1.2 is not new: the pointer stays where ops left it

    assert prompt_resolve("story_generation").version == "1.1"


def test_a_broken_tree_changes_nothing(tmp_path):
    root = copy_tree(tmp_path)
    replace_in(
        root / "story_types" / "fantasy.yaml",
        "{{ kid_name }} finds a door",
        "{{ kid_name } finds a door",
    )
    with pytest.raises(PromptInvalid, match=r"story_types/fantasy\.yaml, line \d+"):
        sync(root)
    assert not PromptVersion.objects.exists()


def test_export_writes_admin_versions_back_to_a_tree_that_passes_the_checks(tmp_path):
    root = copy_tree(tmp_path)
    sync(root)
    base = PromptVersion.objects.get(prompt__key="user_context/kid_profiles", version="1.1")
    content = base.content.replace('version: "1.1"', 'version: "1.2"').replace(
        "Toddlers love repetition", "Toddlers adore repetition"
    )
    from prompts_app.services import prompt_version_create

    version, created = prompt_version_create(
        key="user_context/kid_profiles", content=content, author="ana"
    )
    assert created
    prompt_publish(version=version, actor_name="ana")

    written = prompts_export(root=root)

    assert (root / "user_context" / "kid_profiles.yaml").read_text() == content
    assert (
        root / "versions" / "v1.2" / "user_context" / "kid_profiles.yaml"
    ).read_text() == content
    assert root / "user_context" / "kid_profiles.yaml" in written
    assert check_tree(root) == []
    assert prompts_export(root=root) == []  # nothing left to write
    assert prompts_sync(root=root).created == []  # and the tree and database agree


def test_sync_and_export_commands(tmp_path, capsys):
    root = copy_tree(tmp_path)
    call_command("sync_prompts", "--path", str(root))
    assert "new version: system/story_generation v1.2" in capsys.readouterr().out
    call_command("sync_prompts", "--path", str(root))
    assert "0 new version(s), 0 published" in capsys.readouterr().out
    call_command("export_prompts", "--path", str(root))
    assert "0 file(s) changed" in capsys.readouterr().out
