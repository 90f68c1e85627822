"""Import and export of runtime settings (django-import-export), e.g. staging → production.

Rows carry ``config_key``, ``config_value`` (JSON) and ``is_active``; they apply to *this*
deployment's environment (``settings.MIRA_ENVIRONMENT``), whatever environment they were
exported from. Every imported row goes through ``services.config_set``/``config_reset``: same
validation (errors name the key, shown per row in the preview), same history, same cache
invalidation. Secrets are never exported and never imported.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from .errors import ConfigValueInvalid
from .models import AppConfiguration, ChangeAction
from .registry import key_find
from .selectors import current_environment
from .services import config_reset, config_set


class StrictJSONWidget(widgets.Widget):
    """JSON in and out; unlike import-export's JSONWidget, ``false`` and ``0`` survive."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        if not isinstance(value, str):
            return value  # JSON/YAML imports already carry typed values
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON ({exc.msg} at character {exc.pos})") from None

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return json.dumps(value, sort_keys=True)


class AppConfigurationResource(resources.ModelResource):
    config_key = fields.Field(attribute="config_key", column_name="config_key")
    config_value = fields.Field(
        attribute="config_value", column_name="config_value", widget=StrictJSONWidget()
    )
    is_active = fields.Field(
        attribute="is_active", column_name="is_active", widget=widgets.BooleanWidget()
    )

    class Meta:
        model = AppConfiguration
        fields = ("config_key", "config_value", "is_active")
        import_id_fields = ("config_key",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = False

    def get_queryset(self):
        return AppConfiguration.objects.filter(environment=current_environment())

    def filter_export(self, queryset, **kwargs):
        secret = [
            name
            for name in queryset.values_list("config_key", flat=True)
            if (key := key_find(name)) is not None and key.secret
        ]
        return queryset.exclude(config_key__in=secret)

    def init_instance(self, row=None):
        return AppConfiguration(environment=current_environment(), version=0, is_active=False)

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        key = key_find(instance.config_key or "")
        if key is None:
            raise ValidationError(
                {"config_key": f"{instance.config_key}: no such runtime setting is declared"}
            )
        if key.secret:
            raise ValidationError(
                {"config_key": f"{key.name}: secret settings are not imported; set it in the admin"}
            )
        if instance.is_active:
            try:
                instance.config_value = key.clean(instance.config_value)
            except ConfigValueInvalid as exc:
                raise ValidationError({"config_value": exc.message}) from None

    def save_instance(self, instance, is_create, row, **kwargs):
        # Never save the instance directly: the services validate, lock, record history and
        # announce the change. In a dry run the surrounding transaction is rolled back.
        author = kwargs.get("user") or "import"
        if instance.is_active:
            config_set(
                key=instance.config_key,
                value=instance.config_value,
                author=author,
                reason="import",
                action=ChangeAction.IMPORT,
            )
        else:
            config_reset(
                key=instance.config_key, author=author, reason="import", action=ChangeAction.IMPORT
            )
