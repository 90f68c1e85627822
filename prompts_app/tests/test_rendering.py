"""Which version renders: current, named, the file before the first sync; and the caches."""

import pytest

from prompts_app import sandbox
from prompts_app.errors import PromptNotFound
from prompts_app.models import Prompt, PromptVersion
from prompts_app.rendering import prompt_render, prompt_resolve
from prompts_app.services import prompt_publish, prompt_rollback, prompt_version_create

from .helpers import sync

pytestmark = pytest.mark.django_db
CTX = {"kid_age": 6, "kid_interests": "owls"}


def test_before_the_first_sync_the_file_renders():
    rendered = prompt_render("image_recognition", CTX)
    assert rendered.version == "1.1"
    assert prompt_resolve("image_recognition").source == "file"
    assert "artist_interests: owls" in rendered.user


def test_explicit_versions_render_exactly_that_version():
    sync()
    old = prompt_render("image_recognition", CTX, version="1.0")
    new = prompt_render("image_recognition", CTX)
    assert (old.version, new.version) == ("1.0", "1.1")
    assert old.system != new.system
    assert (
        old.content_hash
        == PromptVersion.objects.get(
            prompt__key="system/image_recognition", version="1.0"
        ).content_hash
    )
    with pytest.raises(PromptNotFound, match=r"system/image_recognition has no version '9\.9'"):
        prompt_render("image_recognition", CTX, version="9.9")


def test_publish_and_rollback_take_effect_on_the_next_render_in_this_process():
    sync()
    assert prompt_render("image_recognition", CTX).version == "1.1"
    old = PromptVersion.objects.get(prompt__key="system/image_recognition", version="1.0")
    prompt_publish(version=old, actor_name="tester")
    assert prompt_render("image_recognition", CTX).version == "1.0"
    prompt_rollback(prompt=Prompt.objects.get(key="system/image_recognition"), actor_name="tester")
    assert prompt_render("image_recognition", CTX).version == "1.1"


def test_templates_are_compiled_once_per_content_hash():
    sync()
    prompt_render("image_recognition", CTX)
    key = f"{prompt_resolve('image_recognition').content_hash}:prompts.image_recognition.system"
    first = sandbox._compiled[key]
    prompt_render("image_recognition", {"kid_age": 9, "kid_interests": "boats"})
    assert sandbox._compiled[key] is first


def test_a_draft_is_not_rendered_until_published():
    sync()
    current = PromptVersion.objects.get(prompt__key="system/image_recognition", version="1.1")
    draft, created = prompt_version_create(
        key="system/image_recognition",
        content=current.content.replace('version: "1.1"', 'version: "1.2"').replace(
            "warmly", "very warmly"
        ),
        author="ana",
        change_note="warmer",
    )
    assert created and draft.status == "draft"
    assert prompt_render("image_recognition", CTX).version == "1.1"
    assert "very warmly" in prompt_render("image_recognition", CTX, version="1.2").system


def test_versions_cannot_be_edited_in_place():
    from django.core.exceptions import ValidationError

    sync()
    version = PromptVersion.objects.get(prompt__key="system/content_safety", version="1.0")
    version.content = version.content.replace("careful", "sloppy")
    with pytest.raises(ValidationError, match="immutable"):
        version.save()
