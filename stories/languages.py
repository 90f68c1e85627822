"""Which languages a story may be told in: the vocabulary's list, checked in one place.

A kid profile may name its own language; otherwise the family's (parent preferences) is used,
and a story request may choose another one. Every path (API, admin, ``tell_story``) refuses a
language outside ``mira.vocabulary.LANGUAGES`` with the same message naming the supported ones.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from mira.vocabulary import DEFAULT_LANGUAGE, LANGUAGE_INFO, LANGUAGES

from .errors import UnsupportedLanguage


def supported_languages_text() -> str:
    """``"en (English), es (Spanish), ..."`` for error messages and help texts."""
    return ", ".join(f"{code} ({LANGUAGE_INFO[code].name})" for code in LANGUAGES)


def normalise_language(value: str) -> str:
    """``" ES "`` → ``"es"``; ISO 639-1 codes are lower case."""
    return str(value or "").strip().lower()


def unsupported_message(value: str) -> str:
    return (
        f"Stories cannot be told in {value[:20]!r} yet; supported languages are "
        f"{supported_languages_text()}."
    )


def check_language(value: str, *, field: str = "language") -> str:
    """The normalised code, or ``UnsupportedLanguage`` (400) naming the supported ones."""
    code = normalise_language(value)
    if code not in LANGUAGES:
        raise UnsupportedLanguage(
            unsupported_message(str(value)), field=field, extra={"supported": list(LANGUAGES)}
        )
    return code


def validate_language(value: str) -> None:
    """Model field validator (admin forms, ``full_clean``)."""
    if value and normalise_language(value) not in LANGUAGES:
        raise ValidationError(unsupported_message(value), code="unsupported_language")


def story_language(*, requested: str | None, kid_language: str, family_language: str) -> str:
    """The language a new story is told in: the request's, else the kid's, else the family's."""
    if requested:
        return check_language(requested)
    for value in (kid_language, family_language):
        code = normalise_language(value)
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE
