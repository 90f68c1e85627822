from decimal import Decimal

import pytest
import yaml

from ai_providers.config import load_config_file, parse_config
from ai_providers.errors import ConfigurationError
from ai_providers.types import Operation


def shipped() -> dict:
    from django.conf import settings

    return yaml.safe_load(settings.MIRA_AI_PROVIDERS_FILE.read_text())


def test_shipped_file_parses_with_every_route(settings):
    config = load_config_file(settings.MIRA_AI_PROVIDERS_FILE)
    assert set(config.routes) == set(Operation)
    assert config.routes[Operation.STORY_GENERATION].chain == ("openai", "anthropic", "local")
    tts = config.providers["openai"].models[Operation.TEXT_TO_SPEECH]
    assert tts.prices["character"] == Decimal("0.000015")


def test_env_interpolation_and_missing_credentials(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    config = parse_config(shipped())
    openai = config.providers["openai"]
    assert not openai.configured and openai.missing_credentials == ("api_key",)
    assert openai.options["base_url"] == "http://127.0.0.1:9/v1"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert parse_config(shipped()).providers["openai"].configured


@pytest.mark.parametrize(
    "mutate, message",
    [
        (
            lambda d: d["operations"]["story_generation"].update(primary="nobody"),
            "operations.story_generation.primary: unknown provider 'nobody'",
        ),
        (
            lambda d: d["operations"]["story_generation"].update(fallbacks="local"),
            "operations.story_generation.fallbacks: expected a list",
        ),
        (lambda d: d["operations"].pop("transcription"), "operations: no route for transcription"),
        (
            lambda d: d["operations"]["content_safety"].update(timeout_seconds=-1),
            "operations.content_safety.timeout_seconds",
        ),
        (
            lambda d: d["providers"]["openai"]["models"]["text_to_speech"]["prices"].update(
                character="cheap"
            ),
            "providers.openai.models.text_to_speech.prices.character: 'cheap' is not a number",
        ),
        (
            lambda d: d["providers"]["openai"]["models"]["text_to_speech"]["prices"].update(
                per_word="1"
            ),
            "providers.openai.models.text_to_speech.prices.per_word: unknown price unit",
        ),
        (
            lambda d: d["providers"]["openai"]["models"].update(dancing={"model": "x"}),
            "providers.openai.models.dancing: unknown operation",
        ),
        (
            lambda d: d["providers"]["local"]["models"]["story_generation"].pop("model"),
            "providers.local.models.story_generation.model: a model name is required",
        ),
        (
            lambda d: d["providers"]["anthropic"]["models"].pop("story_generation"),
            "provider 'anthropic' has no model for story_generation",
        ),
        (lambda d: d.update(providers=[]), "providers: expected a mapping"),
    ],
)
def test_malformed_config_names_the_bad_key(mutate, message):
    document = shipped()
    mutate(document)
    with pytest.raises(ConfigurationError) as caught:
        parse_config(document)
    assert message in str(caught.value)


def test_unreadable_and_invalid_yaml_files(tmp_path):
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_config_file(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("operations: [unclosed")
    with pytest.raises(ConfigurationError, match="not valid YAML"):
        load_config_file(broken)
