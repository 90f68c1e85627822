"""The ops console for runtime settings.

- *Runtime settings* (``settings/``): every declared key with its value or default; each opens a
  typed editor (``settings/<key>/``) whose validation errors appear next to the field.
- *Emergency panel* (``emergency/``): the big switches, who flipped each last and when.
- *Setting changes*: the immutable history with a diff per change and a one-click revert of a
  key's latest change.
- Import/export (django-import-export) of this environment's values; secrets stay out.

Everything edits ``settings.MIRA_ENVIRONMENT`` only; rows of other environments are read-only.
All writes go through ``remoteconfig.services``.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, OuterRef, Subquery, Value
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin

from mira.admin import ReadOnlyAdminMixin
from mira.errors import ApplicationError

from .forms import SettingForm
from .models import AppConfiguration, AppConfigurationChange
from .registry import (
    CATEGORY_EMERGENCY,
    CATEGORY_FLAGS,
    CATEGORY_LIMITS,
    CATEGORY_OPS,
    CATEGORY_PROVIDERS,
    ConfigKey,
    key_find,
)
from .resources import AppConfigurationResource
from .selectors import configuration_get, current_environment, setting_states
from .services import config_reset, config_revert, config_set

MASK = "••••••"
CATEGORY_TITLES = {
    CATEGORY_EMERGENCY: "Emergency controls",
    CATEGORY_PROVIDERS: "AI providers",
    CATEGORY_LIMITS: "Limits",
    CATEGORY_FLAGS: "Feature flags",
    "app": "Mobile app",
    CATEGORY_OPS: "Operations",
}


def value_text(key_name: str, value: Any, *, limit: int = 120) -> str:
    key = key_find(key_name)
    if key is not None and key.secret:
        return f"{MASK} (set)" if value else "(empty)"
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pretty(key_name: str, active: bool, value: Any) -> list[str]:
    if not active:
        return ["(default)"]
    key = key_find(key_name)
    if key is not None and key.secret:
        return [MASK + " (secret)"]
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).splitlines()


def change_diff_html(change: AppConfigurationChange) -> str:
    """A unified diff of the pretty-printed old and new values (secrets masked)."""
    old = _pretty(change.config_key, change.old_active, change.old_value)
    new = _pretty(change.config_key, change.new_active, change.new_value)
    lines = list(difflib.unified_diff(old, new, "before", "after", lineterm="", n=3))
    if not lines:
        lines = ["  " + line for line in new]
    styles = {"+": "color:#0a6b0a;background:#e6ffe6", "-": "color:#a40000;background:#ffecec"}
    rows = format_html_join(
        "\n",
        '<span style="{}">{}</span>',
        (
            (styles.get(line[:1], "") if not line.startswith(("+++", "---")) else "", line)
            for line in lines
        ),
    )
    return format_html('<pre style="margin:0;white-space:pre-wrap">{}</pre>', rows)


@admin.register(AppConfiguration)
class AppConfigurationAdmin(ImportExportMixin, admin.ModelAdmin):
    resource_classes = [AppConfigurationResource]
    # import-export's own list template extends ``change_list_template``, so ours goes in its
    # place and extends the import-export one (setting ``change_list_template`` made the
    # template extend itself: a 500 on the list).
    import_export_change_list_template = "admin/remoteconfig/appconfiguration/change_list.html"
    list_display = (
        "config_key",
        "environment",
        "shown_value",
        "is_active",
        "version",
        "updated_by",
        "updated_at",
    )
    list_filter = ("environment", "is_active")
    search_fields = ("config_key", "updated_by", "created_by")
    readonly_fields = (
        "config_key",
        "environment",
        "shown_value",
        "is_active",
        "version",
        "created_by",
        "updated_by",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields

    @admin.display(description="value")
    def shown_value(self, obj: AppConfiguration) -> str:
        return value_text(obj.config_key, obj.config_value) if obj.is_active else "(default)"

    # Values are added and changed in the typed editors, never deleted (reset instead).
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.environment == current_environment())

    def get_export_queryset(self, request: HttpRequest):
        return super().get_export_queryset(request).filter(environment=current_environment())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        row = self.get_object(request, object_id)
        if row is not None and row.environment == current_environment():
            return HttpResponseRedirect(self._edit_url(row.config_key))
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("settings/", wrap(self.overview_view), name="remoteconfig_settings"),
            path("settings/<str:key>/", wrap(self.edit_view), name="remoteconfig_setting_edit"),
            path("emergency/", wrap(self.emergency_view), name="remoteconfig_emergency"),
            *super().get_urls(),
        ]

    def _edit_url(self, key: str) -> str:
        return reverse("admin:remoteconfig_setting_edit", args=[key])

    def _context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "environment": current_environment(),
            "can_change": self.has_change_permission(request),
            **extra,
        }

    def _require(self, request: HttpRequest, *, change: bool = False) -> None:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if change and not self.has_change_permission(request):
            raise PermissionDenied

    def overview_view(self, request: HttpRequest) -> HttpResponse:
        self._require(request)
        groups: dict[str, list[dict[str, Any]]] = {}
        for state in setting_states():
            groups.setdefault(CATEGORY_TITLES[state.key.category], []).append(
                {
                    "state": state,
                    "value": value_text(state.key.name, state.value),
                    "url": self._edit_url(state.key.name),
                }
            )
        return render(
            request,
            "admin/remoteconfig/settings_overview.html",
            self._context(request, "Runtime settings", groups=groups),
        )

    def edit_view(self, request: HttpRequest, key: str) -> HttpResponse:
        self._require(request)
        declared = key_find(key)
        if declared is None:
            raise Http404(f"No runtime setting {key!r}")
        row = configuration_get(key=key)
        has_value = bool(row and row.is_active)
        current = row.config_value if has_value else declared.default_value()
        version = row.version if row else 0
        if request.method == "POST":
            self._require(request, change=True)
            if "reset" in request.POST:
                return self._reset(request, declared, request.POST.get("version"))
            form = SettingForm(request.POST, key=declared, has_value=has_value)
            if form.is_valid():
                if getattr(form, "keep_secret", False):
                    messages.info(request, f"Unchanged: {key}.")
                    return HttpResponseRedirect(self._edit_url(key))
                try:
                    config_set(
                        key=key,
                        value=form.cleaned_data["value"],
                        author=request.user,
                        reason=form.cleaned_data["reason"],
                        expected_version=form.cleaned_data["version"],
                    )
                except ApplicationError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, f"Saved: {key}; every process uses it from now on.")
                    return HttpResponseRedirect(self._edit_url(key))
        else:
            initial = {"value": "" if declared.secret else current, "version": version}
            form = SettingForm(initial=initial, key=declared, has_value=has_value)
        history = AppConfigurationChange.objects.filter(
            config_key=key, environment=current_environment()
        )[:20]
        return render(
            request,
            "admin/remoteconfig/setting_edit.html",
            self._context(
                request,
                f"Edit {key}",
                key=declared,
                form=form,
                has_value=has_value,
                default=value_text(key, declared.default_value(), limit=400),
                version=version,
                history=[(c, change_diff_html(c)) for c in history],
            ),
        )

    def _reset(self, request: HttpRequest, key: ConfigKey, version: str | None) -> HttpResponse:
        try:
            config_reset(
                key=key.name,
                author=request.user,
                reason=request.POST.get("reason", ""),
                expected_version=int(version) if version and version.isdigit() else None,
            )
        except ApplicationError as exc:
            messages.error(request, f"Not reset: {exc.message}")
        else:
            messages.success(request, f"Reset: {key.name} is back to its default.")
        return HttpResponseRedirect(self._edit_url(key.name))

    def emergency_view(self, request: HttpRequest) -> HttpResponse:
        self._require(request)
        if request.method == "POST":
            self._require(request, change=True)
            return self._flip(request)
        states = setting_states(emergency_only=True)
        return render(
            request,
            "admin/remoteconfig/emergency.html",
            self._context(
                request,
                "Emergency panel",
                switches=[s for s in states if s.key.type.editor == "bool"],
                providers=[s for s in states if s.key.category == CATEGORY_PROVIDERS],
                numbers=[s for s in states if s.key.type.editor == "int"],
            ),
        )

    def _flip(self, request: HttpRequest) -> HttpResponse:
        name = request.POST.get("key", "")
        key = key_find(name)
        if key is None or not key.emergency:
            messages.error(request, f"Not saved: {name} is not an emergency control")
            return HttpResponseRedirect(reverse("admin:remoteconfig_emergency"))
        raw = request.POST.get("value", "")
        reason = request.POST.get("reason", "")
        value: Any
        if key.category == CATEGORY_PROVIDERS:
            value = {"enabled": raw == "on", "reason": reason}
        elif key.type.editor == "bool":
            value = raw == "on"
        else:
            raw = raw.strip()
            value = None if raw == "" else raw  # IntType accepts digits and says what is wrong
        try:
            config_set(key=name, value=value, author=request.user, reason=reason)
        except ApplicationError as exc:
            # Prefixed: the admin capitalises messages, and the key must read as it is spelt.
            messages.error(request, f"Not saved: {exc.message}")
        else:
            messages.success(request, f"Saved: {name} is now {value_text(name, value)}.")
        return HttpResponseRedirect(reverse("admin:remoteconfig_emergency"))


@admin.register(AppConfigurationChange)
class AppConfigurationChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    change_list_template = "admin/remoteconfig/appconfigurationchange/change_list.html"
    change_form_template = "admin/remoteconfig/appconfigurationchange/change_form.html"
    list_display = (
        "changed_at",
        "config_key",
        "environment",
        "action",
        "author",
        "summary",
        "reason",
        "revert_button",
    )
    list_filter = ("environment", "action")
    search_fields = ("config_key", "author", "reason")
    date_hierarchy = "changed_at"
    fields = (
        "config_key",
        "environment",
        "action",
        "version",
        "author",
        "changed_at",
        "reason",
        "diff",
        "reverts",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        current = AppConfiguration.objects.filter(
            config_key=OuterRef("config_key"), environment=OuterRef("environment")
        ).values("version")[:1]
        # List columns cannot see the request, so whether this user may revert rides along
        # on each row (the admin instance is shared by every thread).
        may_change = request.user.has_perm("remoteconfig.change_appconfiguration")
        return (
            super()
            .get_queryset(request)
            .annotate(
                current_version=Subquery(current),
                may_revert=Value(may_change, output_field=BooleanField()),
            )
        )

    @staticmethod
    def _revertable(change: AppConfigurationChange) -> bool:
        """Only a key's latest change, in this environment, by someone who may change keys."""
        return (
            change.environment == current_environment()
            and getattr(change, "current_version", None) == change.version
            and bool(getattr(change, "may_revert", False))
        )

    @admin.display(description="change")
    def summary(self, obj: AppConfigurationChange) -> str:
        old = value_text(obj.config_key, obj.old_value, limit=40) if obj.old_active else "default"
        new = value_text(obj.config_key, obj.new_value, limit=40) if obj.new_active else "default"
        return f"{old} → {new}"

    @admin.display(description="diff")
    def diff(self, obj: AppConfigurationChange) -> str:
        return change_diff_html(obj)

    @admin.display(description="")
    def revert_button(self, obj: AppConfigurationChange) -> str:
        if not self._revertable(obj):
            return ""
        return format_html(
            '<button type="submit" form="revert-form" formaction="{}" class="button">Revert'
            "</button>",
            reverse("admin:remoteconfig_appconfigurationchange_revert", args=[obj.pk]),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        change = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "can_revert": bool(change and self._revertable(change)),
            "revert_url": reverse(
                "admin:remoteconfig_appconfigurationchange_revert", args=[object_id]
            ),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<uuid:change_id>/revert/",
                self.admin_site.admin_view(require_POST(self.revert_view)),
                name="remoteconfig_appconfigurationchange_revert",
            ),
            *super().get_urls(),
        ]

    def revert_view(self, request: HttpRequest, change_id) -> HttpResponse:
        if not request.user.has_perm("remoteconfig.change_appconfiguration"):
            raise PermissionDenied
        change = get_object_or_404(AppConfigurationChange, pk=change_id)
        if change.environment != current_environment():
            messages.error(
                request, f"Not reverted: {change.config_key} belongs to {change.environment}."
            )
        else:
            try:
                config_revert(change_id=change.pk, author=request.user)
            except ApplicationError as exc:
                messages.error(request, f"Not reverted: {exc.message}")
            else:
                messages.success(request, f"Reverted: {change.config_key} is back as it was.")
        return HttpResponseRedirect(reverse("admin:remoteconfig_appconfigurationchange_changelist"))
