"""Serializer fields that take JSON's types at their word.

DRF coerces: ``0`` becomes ``"0"`` for a text field, ``"5"`` becomes 5, ``"yes"`` becomes True.
Form and multipart bodies carry only strings, so coercion is needed there; a JSON body has real
types, and the published schema says which, so a JSON value of the wrong type is refused
(400 ``invalid``) instead of being silently converted.
"""

from __future__ import annotations

from django.http import QueryDict
from rest_framework import serializers


def _sent_as_json(field: serializers.Field) -> bool:
    initial = getattr(field.root, "initial_data", None)
    return initial is not None and not isinstance(initial, QueryDict)


class _JsonTyped:
    json_types: tuple[type, ...] = ()
    type_name = ""

    def to_internal_value(self, data):
        if _sent_as_json(self) and (
            not isinstance(data, self.json_types)
            or (isinstance(data, bool) and bool not in self.json_types)
        ):
            raise serializers.ValidationError(f"Must be {self.type_name}.", code="invalid")
        return super().to_internal_value(data)


class StrictCharField(_JsonTyped, serializers.CharField):
    """Also counts ``max_length`` before trimming whitespace, as the schema's ``maxLength``
    does (DRF trims first, so 50 characters with 10 spaces around them passed a 40 limit)."""

    json_types, type_name = (str,), "a string"

    def to_internal_value(self, data):
        if isinstance(data, str) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class StrictIntegerField(_JsonTyped, serializers.IntegerField):
    json_types, type_name = (int,), "a whole number"


class StrictFloatField(_JsonTyped, serializers.FloatField):
    json_types, type_name = (int, float), "a number"


class StrictBooleanField(_JsonTyped, serializers.BooleanField):
    json_types, type_name = (bool,), "true or false"
