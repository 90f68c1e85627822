"""The content team's admin, driven with the Django test client, and the staff groups."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.groups import CONTENT_TEAM, OPS, sync_staff_groups
from prompts_app.models import Prompt, PromptReleaseEvent, PromptVersion
from prompts_app.rendering import prompt_render
from stories.tests.factories import KidFactory, UserFactory

from .helpers import sync

pytestmark = pytest.mark.django_db
CTX = {"kid_age": 6, "kid_interests": "owls"}


def staff(group: str):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(client):
    user = staff(CONTENT_TEAM)
    client.force_login(user)
    return user


@pytest.fixture
def image_prompt():
    sync()
    return Prompt.objects.get(key="system/image_recognition")


def test_the_prompt_list_shows_current_versions(client, editor, image_prompt):
    page = client.get(reverse("admin:prompts_app_prompt_changelist"))
    assert page.status_code == 200
    assert b"system/image_recognition" in page.content and b"1.1" in page.content


def test_publish_and_rollback_through_the_admin_are_recorded(client, editor, image_prompt):
    old = image_prompt.versions.get(version="1.0")
    page = client.get(reverse("admin:prompts_app_prompt_change", args=[image_prompt.pk]))
    assert page.status_code == 200 and b"Roll back to v1.0" in page.content

    response = client.post(
        reverse("admin:prompts_app_prompt_publish", args=[image_prompt.pk, old.pk]),
        {"note": "compare"},
    )
    assert response.status_code == 302
    assert prompt_render("image_recognition", CTX).version == "1.0"
    event = PromptReleaseEvent.objects.filter(prompt=image_prompt).first()
    assert (event.action, event.actor, event.actor_name, event.note) == (
        "publish",
        editor,
        editor.username,
        "compare",
    )
    assert event.from_version.version == "1.1" and event.to_version == old

    response = client.post(
        reverse("admin:prompts_app_prompt_rollback", args=[image_prompt.pk]), {"note": "undo"}
    )
    assert response.status_code == 302
    assert prompt_render("image_recognition", CTX).version == "1.1"
    event = PromptReleaseEvent.objects.filter(prompt=image_prompt).first()
    assert (event.action, event.actor, event.to_version.version, event.from_version.version) == (
        "rollback",
        editor,
        "1.1",
        "1.0",
    )
    assert event.created_at is not None
    statuses = dict(image_prompt.versions.values_list("version", "status"))
    assert statuses == {"1.0": "archived", "1.1": "published"}


def test_a_get_never_publishes(client, editor, image_prompt):
    old = image_prompt.versions.get(version="1.0")
    client.get(reverse("admin:prompts_app_prompt_publish", args=[image_prompt.pk, old.pk]))
    assert prompt_render("image_recognition", CTX).version == "1.1"


def test_new_version_from_an_old_one_in_the_editor(client, editor, image_prompt):
    base = image_prompt.versions.get(version="1.0")
    url = (
        reverse("admin:prompts_app_prompt_new_version", args=[image_prompt.pk]) + f"?from={base.pk}"
    )
    page = client.get(url)
    assert page.status_code == 200 and b"Starting from <strong>v1.0" in page.content
    content = base.content.replace('version: "1.0"', 'version: "1.2"').replace(
        "warmly", "warmly and simply"
    )

    response = client.post(url, {"content": content, "change_note": "simpler", "publish": "on"})

    assert response.status_code == 302
    created = image_prompt.versions.get(version="1.2")
    assert (created.author, created.created_by, created.change_note) == (
        editor.username,
        editor,
        "simpler",
    )
    assert prompt_render("image_recognition", CTX).version == "1.2"


def test_an_invalid_edit_shows_file_and_line_and_stores_nothing(client, editor, image_prompt):
    base = image_prompt.versions.get(version="1.1")
    bad = base.content.replace('version: "1.1"', 'version: "1.2"').replace(
        "{{ kid_age }}", "{{ kid_age.__class__ }}"
    )
    count = PromptVersion.objects.count()
    response = client.post(
        reverse("admin:prompts_app_prompt_new_version", args=[image_prompt.pk]),
        {"content": bad, "change_note": "oops", "publish": "on"},
    )
    assert response.status_code == 200
    assert b"system/image_recognition.yaml, line 27" in response.content
    assert b"dunder or private" in response.content
    assert PromptVersion.objects.count() == count
    assert prompt_render("image_recognition", CTX).version == "1.1"


def test_live_preview_with_a_kid_profile_and_with_a_sample(client, editor):
    sync()
    story = Prompt.objects.get(key="system/story_generation")
    version = story.versions.get(version="1.2")
    kid = KidFactory(name="Pip", age=8, interests=["volcanoes"], accessibility_needs="dyslexic")
    url = reverse("admin:prompts_app_prompt_preview", args=[story.pk, version.pk])

    page = client.get(
        url,
        {"kid": str(kid.pk), "age_group": "4-6", "story_type": "bedtime", "story_length": "short"},
    )

    assert page.status_code == 200, page.content[:500]
    text = page.content.decode()
    assert "child_first_name: Pip" in text and "volcanoes" in text
    assert "The child finds reading hard" in text  # the dyslexia accommodation, in the system role
    sample = client.get(
        url, {"kid": "", "age_group": "2-3", "story_type": "fantasy", "story_length": "long"}
    )
    assert "between 600 and 1000 words" in sample.content.decode()


def test_diff_between_two_versions(client, editor, image_prompt):
    a, b = image_prompt.versions.get(version="1.0"), image_prompt.versions.get(version="1.1")
    page = client.get(
        reverse("admin:prompts_app_prompt_diff", args=[image_prompt.pk]), {"a": a.pk, "b": b.pk}
    )
    assert page.status_code == 200
    assert b'class="diff"' in page.content and b"v1.0" in page.content and b"v1.1" in page.content


def test_export_and_import_of_versions(editor, image_prompt):
    from prompts_app.admin import PromptVersionResource

    resource = PromptVersionResource()
    exported = resource.export(PromptVersion.objects.filter(prompt=image_prompt))
    assert "system/image_recognition" in exported.csv and "1.1" in exported.csv
    base = image_prompt.versions.get(version="1.1")
    good = base.content.replace('version: "1.1"', 'version: "1.3"').replace("warmly", "kindly")
    exported.append(["system/image_recognition", "", "", "", "from the agency", good, "", ""])

    result = resource.import_data(exported, dry_run=False, user=editor)

    assert not result.has_errors(), [e.error for row in result.row_errors() for e in row[1]]
    assert [r.import_type for r in result.rows].count(
        "skip"
    ) == 2  # existing versions are immutable
    created = image_prompt.versions.get(version="1.3")
    assert (created.author, created.change_note, created.status) == (
        editor.username,
        "from the agency",
        "draft",
    )

    broken = resource.export(PromptVersion.objects.none())
    broken.append(
        [
            "system/image_recognition",
            "",
            "",
            "",
            "x",
            good.replace("{{ kid_age }}", "{{ kid_age|attr('x') }}").replace('"1.3"', '"1.4"'),
            "",
            "",
        ]
    )
    count = PromptVersion.objects.count()
    result = resource.import_data(broken, dry_run=False, user=editor)
    assert result.has_errors()
    assert "the |attr filter is refused" in str(result.row_errors()[0][1][0].error)
    assert PromptVersion.objects.count() == count


def test_content_team_may_edit_prompts_and_not_usage_or_remote_config(client):
    sync()
    client.force_login(staff(CONTENT_TEAM))
    assert client.get(reverse("admin:prompts_app_prompt_changelist")).status_code == 200
    assert client.get(reverse("admin:experiments_promptexperiment_changelist")).status_code == 200
    assert client.get(reverse("admin:usage_usageaccount_changelist")).status_code == 403
    assert client.get(reverse("admin:remoteconfig_appconfiguration_changelist")).status_code == 403


def test_ops_may_edit_usage_and_remote_config_and_not_prompts(client):
    sync()
    user = staff(OPS)
    client.force_login(user)
    assert client.get(reverse("admin:usage_usageaccount_changelist")).status_code == 200
    assert user.has_perm("remoteconfig.change_appconfiguration")
    assert client.get(reverse("admin:prompts_app_prompt_changelist")).status_code == 403
    prompt = Prompt.objects.get(key="system/image_recognition")
    old = prompt.versions.get(version="1.0")
    assert (
        client.post(
            reverse("admin:prompts_app_prompt_publish", args=[prompt.pk, old.pk])
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("admin:prompts_app_prompt_rollback", args=[prompt.pk])).status_code
        == 403
    )
    assert prompt_render("image_recognition", CTX).version == "1.1"


def test_groups_follow_every_model_of_their_apps():
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    content, ops = Group.objects.get(name=CONTENT_TEAM), Group.objects.get(name=OPS)
    content_labels = set(content.permissions.values_list("content_type__app_label", flat=True))
    ops_labels = set(ops.permissions.values_list("content_type__app_label", flat=True))
    assert content_labels == {"prompts_app", "experiments"}
    # Ops may also view (only view) the ledger and the stories the dashboard links to.
    assert ops_labels == {"usage", "remoteconfig", "ai_providers", "stories"}
    viewed = ops.permissions.filter(content_type__app_label__in=["ai_providers", "stories"])
    assert viewed.exists() and not viewed.exclude(codename__startswith="view_").exists()
    assert content.permissions.filter(codename="publish_prompt").exists()
    # A model another engineer adds later: its permissions join the group on the next sync,
    # and a permission of the other side given by hand is taken away.
    new_type = ContentType.objects.create(app_label="usage", model="spendingforecast")
    new_perm = Permission.objects.create(
        content_type=new_type, codename="view_spendingforecast", name="x"
    )
    content.permissions.add(new_perm)
    sync_staff_groups()
    assert ops.permissions.filter(pk=new_perm.pk).exists()
    assert not content.permissions.filter(pk=new_perm.pk).exists()
