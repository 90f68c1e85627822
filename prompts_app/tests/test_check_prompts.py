"""``manage.py check_prompts``: the shipped tree passes; broken copies fail naming file and line."""

import io

import pytest
from django.core.management import CommandError, call_command

from prompts_app.checks import check_tree

from .helpers import SHIPPED, copy_tree, replace_in


def test_the_shipped_tree_passes(capsys):
    call_command("check_prompts")
    assert "prompts OK" in capsys.readouterr().out


def _line_of(path, text):
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def _fails(root, capsys) -> str:
    with pytest.raises(CommandError, match=r"problem\(s\) in"):
        call_command("check_prompts", "--path", str(root))
    return capsys.readouterr().err


def test_a_template_syntax_error_names_file_and_line(tmp_path, capsys):
    root = copy_tree(tmp_path)
    path = root / "system" / "story_generation.yaml"
    replace_in(
        path,
        "- Opening: {{ story_guide.structure.opening | trim }}",
        "- Opening: {{ story_guide.structure.opening | trim }",
    )
    line = _line_of(path, "- Opening:")

    err = _fails(root, capsys)

    assert (
        f"prompts/system/story_generation.yaml, line {line}: prompts.story_generation.system: template syntax"
        in err
    )


def test_a_missing_variable_names_file_line_and_variable(tmp_path, capsys):
    root = copy_tree(tmp_path)
    path = root / "system" / "image_recognition.yaml"
    replace_in(path, "artist_age: {{ kid_age }}", "artist_age: {{ kid_age_in_months }}")
    line = _line_of(path, "kid_age_in_months")

    err = _fails(root, capsys)

    assert (
        f"prompts/system/image_recognition.yaml, line {line}: prompts.image_recognition.user_template: 'kid_age_in_months' is undefined"
        in err
    )


def test_typed_text_in_the_system_role_is_refused(tmp_path, capsys):
    root = copy_tree(tmp_path)
    replace_in(
        root / "system" / "story_generation.yaml",
        "THE LISTENER\n",
        "THE LISTENER\n      - Name: {{ kid_name }}\n",
    )
    err = _fails(root, capsys)
    assert "prompts.story_generation.system uses 'kid_name', text a parent typed" in err


def test_typed_text_outside_the_data_block_is_refused(tmp_path, capsys):
    root = copy_tree(tmp_path)
    replace_in(
        root / "system" / "story_generation.yaml",
        "Write the {{ story_type_label }} story now, for the child named in the data block.",
        "Write the {{ story_type_label }} story now, for {{ kid_name }}.",
    )
    err = _fails(root, capsys)
    assert "user_template uses 'kid_name' outside <data>...</data>" in err


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    temperature: 0.8\n  local",
            "    temperature: 1.7\n  local",
            "parameters.anthropic.temperature must be a number between 0.0 and 1.0, not 1.7",
        ),
        (
            "    max_tokens: 1800\n    temperature: 0.8\n    top_p",
            "    max_tokns: 1800\n    temperature: 0.8\n    top_p",
            "'max_tokns' is not a openai parameter",
        ),
        (
            "  local: {}\n  fallback",
            "  locall: {}\n  fallback",
            "'locall' is not a provider in config/ai_providers.yaml",
        ),
        (
            "    short: [150, 300]",
            "    short: [300, 150]",
            "length_bands.short must be [low, high] with 0 < low < high",
        ),
        (
            "    long: [600, 1000]",
            "    long: [600, 1500]",
            "length_bands.long ends above max_word_count (1200)",
        ),
        (
            '"10-12": {max_long_word_share: 0.26',
            '"10-12": {max_long_word_share: 0.05',
            "vocabulary.10-12.max_long_word_share is stricter than for a younger age group",
        ),
        (
            "    - family_friendly",
            "    - no_dragons",
            "'no_dragons' in quality_checks.content_filters is not a known check",
        ),
        ('version: "1.2"', "version: 1.2", "'version' must be a quoted string"),
    ],
)
def test_bad_values_are_named(tmp_path, capsys, old, new, message):
    root = copy_tree(tmp_path)
    path = root / "system" / "story_generation.yaml"
    replace_in(path, old, new)
    line = _line_of(path, new.strip().splitlines()[0])
    err = _fails(root, capsys)
    assert f"prompts/system/story_generation.yaml, line {line}: {message}" in err


def test_broken_yaml_names_the_line(tmp_path, capsys):
    root = copy_tree(tmp_path)
    path = root / "user_context" / "kid_profiles.yaml"
    replace_in(path, '    label: "preschooler"', '    label: "preschooler\n    oops: [')
    err = _fails(root, capsys)
    assert "prompts/user_context/kid_profiles.yaml, line" in err and "not valid YAML" in err


def test_a_story_type_missing_an_age_group_is_refused(tmp_path, capsys):
    root = copy_tree(tmp_path)
    path = root / "story_types" / "bedtime.yaml"
    text = path.read_text()
    path.write_text(text[: text.index('  "10-12":')])
    err = _fails(root, capsys)
    assert "prompts/story_types/bedtime.yaml, line" in err
    assert "age_adaptations needs exactly the age groups 2-3, 4-6, 7-9, 10-12" in err


def test_a_missing_required_file_is_named(tmp_path, capsys):
    root = copy_tree(tmp_path)
    (root / "user_context" / "accessibility.yaml").unlink()
    err = _fails(root, capsys)
    assert "user_context/accessibility.yaml: required prompt file is missing" in err


def test_the_current_pointer_must_exist(tmp_path):
    root = copy_tree(tmp_path)
    (root / "versions" / "current").unlink()
    assert [str(i) for i in check_tree(root)] == [
        "prompts/versions/current: missing: it must point at the newest release directory (v<version>)"
    ]


def test_make_test_runs_check_prompts():
    makefile = (SHIPPED.parent / "Makefile").read_text()
    test_target = makefile[makefile.index("\ntest:") :].split("\n\n", 1)[0]
    assert "manage.py check_prompts" in test_target


def test_a_parameter_the_adapter_cannot_send_is_reported(tmp_path, capsys):
    root = copy_tree(tmp_path)
    path = root / "system" / "story_generation.yaml"
    # Valid for Google's API, but Mira's Google adapter writes no stories: it would be ignored.
    replace_in(path, "  local: {}", "  local: {}\n  google:\n    max_output_tokens: 900")
    line = _line_of(path, "max_output_tokens")

    err = _fails(root, capsys)

    assert (
        f"prompts/system/story_generation.yaml, line {line}: parameters.google.max_output_tokens "
        "is declared but the google adapter cannot send it for story_generation (it sends: none)"
    ) in err


@pytest.mark.parametrize(
    "content, message",
    [
        ("unsafe: []\n", "'unsafe' must be a non-empty list"),
        ("unsafe:\n  - {lang: en, category: violence}\n", "unsafe[0] lacks text"),
        ("unsafe: [\n", "while parsing"),
    ],
)
def test_a_broken_training_only_unsafe_file_fails_check_prompts(
    tmp_path, monkeypatch, content, message
):
    from ai_providers.content_rules import model as learned

    bad = tmp_path / "unsafe.yaml"
    bad.write_text(content, encoding="utf-8")
    monkeypatch.setattr(learned, "EXTRA_UNSAFE", bad)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_prompts", stderr=err)
    assert message in err.getvalue()
