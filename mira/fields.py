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


class TemplateFieldsMixin:
    """A serializer whose fields are built once per class and copied cheaply per instance.

    DRF makes every field of a serializer anew for each serializer instance: a ``Serializer``
    deep-copies its declared fields (each copy calls the field's ``__init__`` again), a
    ``ModelSerializer`` also builds the model's fields from the model's metadata. On a hot
    endpoint that costs more than the request's own work. Here the fields DRF would build are
    made once per class (unbound templates) and each instance binds shallow copies of them:
    the same classes, arguments, validators and error messages, and a ``parent`` and
    ``field_name`` of the instance's own, so ``root``, ``context`` and ``partial`` are the
    instance's as before.

    For fields whose state after ``__init__`` is read-only (validators, choices, messages):
    a class with a field holding another field or serializer (lists, nested serializers, as in
    schema-only subclasses) keeps DRF's own per-instance fields.
    """

    def get_fields(self):
        cls = type(self)
        templates = cls.__dict__.get("_field_templates")
        if templates is None:
            templates = super().get_fields()
            if any(
                isinstance(field, serializers.BaseSerializer) or hasattr(field, "child")
                for field in templates.values()
            ):
                cls._field_templates = False
                return templates
            for field in templates.values():
                field.validators  # noqa: B018 (computed once here, shared by the copies)
            cls._field_templates = templates
        if templates is False:
            return super().get_fields()
        return {name: _shallow_copy(field) for name, field in templates.items()}


def _shallow_copy(field: serializers.Field) -> serializers.Field:
    duplicate = field.__class__.__new__(field.__class__)
    duplicate.__dict__.update(field.__dict__)
    return duplicate
