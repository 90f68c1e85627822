"""Typed editors for runtime settings: the form field follows the key's declared type, and the
registry's validation errors appear next to the field (naming the key)."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from .errors import ConfigValueInvalid
from .registry import ConfigKey, IntType, TextType
from .services import MAX_REASON


class PrettyJSONField(forms.JSONField):
    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def value_field(key: ConfigKey) -> forms.Field:
    kind = key.type.editor
    if kind == "bool":
        return forms.BooleanField(required=False, label="On")
    if kind == "int":
        spec = key.type
        assert isinstance(spec, IntType)
        return forms.IntegerField(
            required=not spec.nullable,
            min_value=spec.minimum,
            max_value=spec.maximum,
            help_text="Leave empty for none." if spec.nullable else "",
        )
    if kind == "text":
        max_length = key.type.max_length if isinstance(key.type, TextType) else 2000
        if key.secret:
            return forms.CharField(
                required=False,
                max_length=max_length,
                widget=forms.PasswordInput(render_value=False),
                help_text="Secret: the current value is never shown. Leave empty to keep it.",
            )
        return forms.CharField(required=False, max_length=max_length, strip=True)
    return PrettyJSONField(widget=forms.Textarea(attrs={"rows": 12, "cols": 80}))


class SettingForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=MAX_REASON,
        widget=forms.TextInput(attrs={"size": 80}),
        help_text="Why — recorded in the history with your name.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, key: ConfigKey, has_value: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.key = key
        self.has_value = has_value
        self.fields = {"value": value_field(key), **self.fields}
        self.fields["value"].help_text = " ".join(
            t
            for t in (key.help, f"Type: {key.type.describe()}.", self.fields["value"].help_text)
            if t
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "value" not in data:
            return data
        value = data["value"]
        if self.key.secret and value == "" and self.has_value:
            self.keep_secret = True
            return data
        self.keep_secret = False
        try:
            data["value"] = self.key.clean(value)
        except ConfigValueInvalid as exc:
            self.add_error("value", exc.message)
        return data
