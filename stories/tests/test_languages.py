"""Stories in the family's language: the request's language over the API and its defaults,
an unsupported language refused naming the supported ones, the prompt, the offline story,
its narration timed word for word, the read-along page, the quality checks and the voices."""

from __future__ import annotations

import re

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from ai_providers.config import parse_config
from ai_providers.errors import ConfigurationError
from ai_providers.providers.common import language_voice
from ai_providers.types import Operation
from mira.language_data import LanguageDataError, check_language_files, parse_language_file
from mira.vocabulary import LANGUAGE_INFO, LANGUAGES, Language
from stories import pipeline, readalong
from stories.models import ParentPreferences, Story, StoryStatus
from stories.quality import story_failures, vocabulary_measures
from stories.services import story_request
from stories.tests.factories import KidFactory

# Words only each language's own stories are full of (articles and "and").
MARKERS = {
    "es": re.compile(r"\b(?:el|la|los|las|y|con|una)\b"),
    "fr": re.compile(r"\b(?:le|la|les|et|avec|une|dans)\b"),
    "de": re.compile(r"\b(?:der|die|das|und|mit|eine|ein)\b"),
    "en": re.compile(r"\b(?:the|and|with|was)\b"),
}


def assert_told_in(text: str, language: str) -> None:
    own = len(MARKERS[language].findall(text))
    english = len(MARKERS["en"].findall(text))
    assert own > 20 and english < own / 10, (language, own, english, text[:300])


def assert_timed_word_for_word(story: Story) -> None:
    words = story.text.split()
    assert [mark["word"] for mark in story.word_timestamps] == words
    starts = [mark["start"] for mark in story.word_timestamps]
    assert starts == sorted(starts) and starts[-1] > 0


# --- the API path ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_spanish_story_over_the_api_is_written_narrated_and_timed_in_spanish():
    kid = KidFactory(name="Lucía", age=5)
    client = APIClient()
    client.force_authenticate(kid.parent)
    response = client.post(
        "/api/v1/stories/",
        {"kid": str(kid.id), "text": "un zorro que quiere volar", "language": "es"},
        format="json",
    )
    assert response.status_code == 202, response.data
    body = client.get(f"/api/v1/stories/{response.data['id']}/").data
    assert body["status"] == StoryStatus.READY, body
    assert body["language"] == "es"
    assert "Lucía" in body["text"]
    assert_told_in(body["text"], "es")
    story = Story.objects.get(pk=body["id"])
    assert_timed_word_for_word(story)
    assert story.generation_metadata or story.cost_breakdown  # the pipeline ran to the end


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["xx", "klingon", "EN-US-but-longer-than-ten", "zh"])
def test_an_unsupported_language_is_a_400_naming_the_supported_ones(api, parent, value):
    kid = KidFactory(parent=parent)
    response = api.post(
        "/api/v1/stories/", {"kid": str(kid.id), "text": "a fox", "language": value}, format="json"
    )
    assert response.status_code == 400
    assert response.data["code"] == "unsupported_language"
    assert response.data["supported"] == list(LANGUAGES)
    for code in LANGUAGES:
        assert f"{code} ({LANGUAGE_INFO[code].name})" in response.data["detail"]
    assert list(response.data["errors"]) == ["language"]
    assert not Story.objects.exists()

    refused = api.post("/api/v1/kids/", {"name": "Ana", "age": 6, "language": value}, format="json")
    assert refused.status_code == 400 and refused.data["code"] == "unsupported_language"


@pytest.mark.django_db
def test_the_language_defaults_to_the_kid_then_the_family(api, parent):
    ParentPreferences.objects.create(parent=parent, language="de")
    family_kid = KidFactory(parent=parent, name="Jonas")
    created = api.post("/api/v1/kids/", {"name": "Léa", "age": 6, "language": "FR"}, format="json")
    assert created.status_code == 201 and created.data["language"] == "fr"

    def language_of(kid_id, **extra):
        story, _ = story_request(owner=parent, kid_id=kid_id, text="a fox", enqueue=False, **extra)
        return story.language

    assert language_of(family_kid.id) == "de"  # the family's
    assert language_of(created.data["id"]) == "fr"  # the kid's own
    assert language_of(created.data["id"], language=" es ") == "es"  # the request's


# --- the prompt --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_story_prompt_asks_the_llm_for_the_story_language():
    from ai_providers.types import StoryContext
    from prompts_app.rendering import prompt_render, prompt_resolve
    from stories.pipeline.stages.writing import _prompt_variables

    context = StoryContext(kid_name="Lucía", kid_age=5, language="es", story_type="fantasy")
    extra = {"reading_level": "early", "accessibility_needs": "none", "content_preferences": "none"}
    definition = prompt_resolve("story_generation")
    variables, _ = _prompt_variables(context, extra, definition.quality_checks)
    prompt = prompt_render("story_generation", variables, version=definition.version)
    assert "Language: es." in prompt.system
    assert "Write the whole story in the language code es" in prompt.system


# --- offline stories in every language, timed word for word ------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["fr", "de"])
def test_offline_stories_in_french_and_german_are_timed_word_for_word(language):
    kid = KidFactory(name="Emma", age=8)
    story, _ = story_request(
        owner=kid.parent,
        kid_id=kid.id,
        text="a dragon",
        story_type="bedtime",
        story_length="medium",
        language=language,
        enqueue=False,
    )
    story = pipeline.run(story.id)
    assert story.status == StoryStatus.READY, (story.failure_code, story.content_warnings)
    assert 300 <= len(story.text.split()) <= 600
    assert_told_in(story.text, language)
    assert_timed_word_for_word(story)


@pytest.mark.django_db
def test_tell_story_refuses_an_unsupported_language_in_one_line(tmp_path):
    with pytest.raises(CommandError) as refused:
        call_command(
            "tell_story",
            *("--text", "a fox", "--kid-name", "Mia", "--age", "5", "--language", "xx"),
            "--out",
            str(tmp_path / "story"),
        )
    assert refused.value.returncode == 2
    message = str(refused.value)
    assert message.startswith("--language must be one of en (English), es (Spanish)")
    assert "'xx'" in message and "\n" not in message
    assert not (tmp_path / "story").exists()


# --- the read-along page -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_read_along_page_is_in_the_story_language(monkeypatch):
    kid = KidFactory(name="Lucía")
    story, _ = story_request(
        owner=kid.parent, kid_id=kid.id, text="a fox", language="es", enqueue=False
    )
    story = pipeline.run(story.id)
    client = Client()
    client.force_login(story.owner)
    page = client.get(f"/stories/{story.id}/read/").content.decode()
    assert '<html lang="es" dir="ltr">' in page
    assert "Un cuento para Lucía" in page and "Portada de" in page
    assert page.count('class="w"') == len(story.text.split())

    # A right-to-left language in the vocabulary sets dir="rtl".
    arabic = Language(
        code="ar", name="Arabic", native_name="العربية", direction="rtl", offline=False
    )
    monkeypatch.setattr(readalong, "LANGUAGE_INFO", {**LANGUAGE_INFO, "ar": arabic})
    assert readalong.page_language("ar") == {"lang": "ar", "dir": "rtl"}
    assert readalong.page_language("de") == {"lang": "de", "dir": "ltr"}


# --- quality checks per language ---------------------------------------------------------------


SPANISH = (
    "Lucía caminó por el prado con su amigo Pipo. Vieron flores y mariposas.\n\n"
    "Al final volvieron a casa, felices y juntos."
)


def test_quality_checks_read_the_story_language():
    assert story_failures(SPANISH, kid_name="Lucía", length="short", language="es") == [
        "length: 21 words, need 150-300 for a short story"
    ]
    sad = SPANISH.replace("felices y juntos.", "felices, pero al final Pipo lloró.")
    assert "the last sentence ends on a sad or worried note; end warmly" in story_failures(
        sad, kid_name="Lucía", length="short", language="es"
    )
    flat = SPANISH.replace("felices y juntos.", "por la tarde.")
    assert "the ending is not clearly positive and encouraging" in story_failures(
        flat, kid_name="Lucía", length="short", language="es"
    )
    # English words would not count as a positive ending in a German story.
    german = "Mia ging in den Wald.\n\nAm Ende war Mia happy."
    assert "the ending is not clearly positive and encouraging" in story_failures(
        german, kid_name="Mia", length="short", language="de"
    )
    # "mariposa" (4 syllables) is long in Spanish only from four syllables on; accented
    # letters belong to the word.
    share, _ = vocabulary_measures("Una mariposa pequeña.", language="es")
    assert share == pytest.approx(1 / 3)


def test_a_broken_language_file_is_named_with_its_line(tmp_path):
    text = (tmp_path / "x").parent.joinpath("es.yaml")
    text.write_text(
        "language: es\nread_along: {story_for: 'Un cuento', cover_of: 'Portada de {title}'}\n"
        "quality:\n  long_word_syllables: 9\n  vowels: aeiou\n"
        "  positive_words: [feliz]\n  negative_endings: [triste]\n",
        encoding="utf-8",
    )
    with pytest.raises(LanguageDataError) as error:
        parse_language_file(text.read_text(), name="es.yaml", code="es")
    assert str(error.value).startswith("es.yaml line 2: read_along.story_for:")
    problems = check_language_files(tmp_path)
    assert any("en.yaml: missing" in p for p in problems)
    assert any(p.startswith(f"{text} line 2: read_along.story_for") for p in problems)
    assert check_language_files() == []


# --- voices per language -----------------------------------------------------------------------


def test_each_language_gets_its_configured_voice(settings):
    document = yaml.safe_load(settings.MIRA_AI_PROVIDERS_FILE.read_text())
    config = parse_config(document)
    for provider in ("openai", "google", "azure", "local"):
        options = config.providers[provider].models[Operation.TEXT_TO_SPEECH].options
        for code in LANGUAGES:
            assert options["voices"][code], (provider, code)
    azure = config.providers["azure"].models[Operation.TEXT_TO_SPEECH].options
    assert language_voice("", azure, "de", "en-US-AnaNeural") == "de-DE-KatjaNeural"
    assert language_voice("", azure, "es-MX", "x") == "es-ES-ElviraNeural"
    assert language_voice("", azure, "it", "en-US-AnaNeural") == "en-US-AnaNeural"
    assert language_voice("fr-FR-HenriNeural", azure, "de", "x") == "fr-FR-HenriNeural"

    document["providers"]["google"]["models"]["text_to_speech"]["voices"] = ["es-ES-Neural2-A"]
    with pytest.raises(
        ConfigurationError, match=r"providers\.google\.models\.text_to_speech\.voices"
    ):
        parse_config(document)


def test_the_offline_voice_reads_each_language_word_for_word(settings):
    from ai_providers.providers.local.speech import synthesize

    config = parse_config(yaml.safe_load(settings.MIRA_AI_PROVIDERS_FILE.read_text()))
    voices = config.providers["local"].models[Operation.TEXT_TO_SPEECH].options["voices"]
    samples = {
        "es": "¡Hola, Lucía! —dijo Pipo, y los dos se rieron mucho.",
        "fr": "« Bonjour, Léa ! » dit Filou, et ils s'assirent dans l'herbe.",
        "de": "„Guten Morgen, Jonas!“, sagte Frau Sommer und lächelte fröhlich.",
    }
    for code, text in samples.items():
        spoken = synthesize(text, language=code, voice=voices[code])
        assert spoken.voice == voices[code]
        assert [m.word for m in spoken.word_marks] == text.split()
