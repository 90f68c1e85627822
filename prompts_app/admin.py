"""The content team's console: prompts with their current version, new versions from any
version in a text editor, live preview, diffs, publish and roll back, import/export.

Every write goes through ``services`` (validation, row locks, history, cache invalidation);
versions themselves are read-only here because they are immutable.
"""

from __future__ import annotations

import difflib
from typing import Any

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from import_export import fields, resources, widgets
from import_export.admin import ImportExportMixin

from mira.admin import ReadOnlyAdminMixin
from mira.vocabulary import AGE_GROUPS, LENGTH_BANDS, STORY_LENGTHS, STORY_TYPES

from .documents import parse_document
from .errors import PromptError, PromptInvalid
from .models import Prompt, PromptRelease, PromptReleaseEvent, PromptVersion
from .rendering import prompt_render, story_guidance, story_type_get, story_variables
from .selectors import (
    environment_name,
    prompt_current,
    prompt_release_get,
    prompt_release_history,
    prompt_versions,
)
from .services import (
    prompt_publish,
    prompt_rollback,
    prompt_rollback_target,
    prompt_validate,
    prompt_version_create,
)
from .types import PromptDefinition

PUBLISH_PERMISSION = "prompts_app.publish_prompt"


class PromptVersionResource(resources.ModelResource):
    """Import creates versions through the service (validated, deduplicated by hash); rows
    that already exist are skipped, because versions never change."""

    prompt = fields.Field(
        attribute="prompt", column_name="prompt", widget=widgets.ForeignKeyWidget(Prompt, "key")
    )

    class Meta:
        model = PromptVersion
        fields = (
            "prompt",
            "version",
            "status",
            "author",
            "change_note",
            "content",
            "content_hash",
            "created_at",
        )
        export_order = fields
        import_id_fields = ("prompt", "content_hash")
        skip_unchanged = True
        report_skipped = True

    def before_import_row(self, row, **kwargs):
        # A new prompt key in the file creates the prompt; the service does the rest.
        key = row.get("prompt")
        if key and not Prompt.objects.filter(key=key).exists():
            Prompt.objects.create(key=key)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # Existing versions are immutable: a row that matches one is skipped, never "updated".
        return original is not None and not original._state.adding

    def save_instance(self, instance, is_create, row, **kwargs):
        if self._is_dry_run(kwargs) and not self._is_using_transactions(kwargs):
            # Nothing may be written: validate only.
            issues = prompt_validate(key=row["prompt"], content=row["content"])
            if issues:
                raise PromptInvalid(issues)
            return
        # With transactions (PostgreSQL) a dry run goes through the service too and is rolled
        # back, so the preview shows exactly what the import would do.
        user = kwargs.get("user")
        version, _ = prompt_version_create(
            key=row["prompt"],
            content=row["content"],
            author=getattr(user, "username", "") or str(row.get("author") or ""),
            change_note=str(row.get("change_note") or "imported"),
            created_by=user if getattr(user, "pk", None) else None,
        )
        instance.pk = version.pk


class NewVersionForm(forms.Form):
    content = forms.CharField(
        widget=forms.Textarea(
            attrs={
                "rows": 40,
                "cols": 110,
                "spellcheck": "false",
                "style": "font-family: monospace",
            }
        ),
        help_text="The whole YAML document. Bump 'version' for a new release.",
    )
    change_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "cols": 110}), help_text="Why this change?"
    )
    publish = forms.BooleanField(required=False, help_text="Make it current right away.")


class PreviewForm(forms.Form):
    kid = forms.ChoiceField(
        required=False, label="Kid profile", help_text="Or leave empty to use a sample child."
    )
    age_group = forms.ChoiceField(choices=[(g, g) for g in AGE_GROUPS], initial="4-6")
    story_type = forms.ChoiceField(choices=[(t, t) for t in STORY_TYPES], initial="adventure")
    story_length = forms.ChoiceField(
        choices=[(length, length) for length in STORY_LENGTHS], initial="short"
    )

    def __init__(self, *args, kids: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kid"].choices = [("", "— sample child —"), *kids]


def _kid_model():
    # Read-only lookup through the app registry: prompts_app sits below stories and must not
    # import it; the preview only needs a kid's age, interests and notes.
    try:
        return apps.get_model("stories", "KidProfile")
    except LookupError:
        return None


def _preview_context(definition: PromptDefinition, data: dict[str, Any]) -> dict[str, Any]:
    from .guidance import sample_context

    group, story_type, length = data["age_group"], data["story_type"], data["story_length"]
    kid_model = _kid_model()
    kid = (
        kid_model.objects.filter(pk=data["kid"]).first() if data.get("kid") and kid_model else None
    )
    name = definition.document.name
    if kid is None:
        context = sample_context(
            prompt_current, name, group=group, story_type=story_type, story_length=length
        )
    else:
        from .rendering import USER_TEXT_LIMITS, clean_user_text

        elements = story_type_get(story_type)
        interests = ", ".join(clean_user_text(i, limit=40) for i in kid.interests) or "none given"
        context = {
            "kid_age": kid.age,
            "kid_interests": interests,
            "text": "(the text under review)",
        }
        if name == "story_generation":
            kid_name = clean_user_text(kid.name, limit=USER_TEXT_LIMITS["kid_name"])
            context = story_variables(
                kid_name=kid_name,
                kid_age=kid.age,
                reading_level=kid.reading_level,
                kid_interests=interests,
                story_type=story_type,
                story_type_label=elements.get("label", story_type),
                story_length=length,
                length_band=tuple(
                    (definition.quality_checks.get("length_bands") or {}).get(length)
                    or LENGTH_BANDS[length]
                ),
                accessibility_needs=clean_user_text(kid.accessibility_needs, limit=300) or "none",
                image_description="(the drawing's description)",
                story_elements=elements,
            )
            context.update(
                story_guidance(
                    kid_age=kid.age,
                    story_type=story_type,
                    accessibility_needs=kid.accessibility_needs,
                    story_length=length,
                ).variables
            )
    context.update(definition.data.get("sample_context") or {})
    return context


@admin.register(Prompt)
class PromptAdmin(admin.ModelAdmin):
    list_display = ("key", "kind", "current_version", "current_since", "description")
    list_filter = ("kind",)
    search_fields = ("key", "description")
    readonly_fields = ("key", "kind", "description", "created_at")
    change_form_template = "admin/prompts_app/prompt/change_form.html"

    def has_add_permission(self, request):
        return False  # prompts come from the tree (sync_prompts) or an import

    def has_delete_permission(self, request, obj=None):
        return False  # stories point at their versions

    @admin.display(description="current version")
    def current_version(self, obj: Prompt) -> str:
        release = prompt_release_get(obj)
        return release.version.version if release else "— (file)"

    @admin.display(description="since")
    def current_since(self, obj: Prompt):
        release = prompt_release_get(obj)
        return release.updated_at if release else None

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<uuid:prompt_id>/new-version/",
                wrap(self.new_version_view),
                name="prompts_app_prompt_new_version",
            ),
            path(
                "<uuid:prompt_id>/preview/<uuid:version_id>/",
                wrap(self.preview_view),
                name="prompts_app_prompt_preview",
            ),
            path("<uuid:prompt_id>/diff/", wrap(self.diff_view), name="prompts_app_prompt_diff"),
            path(
                "<uuid:prompt_id>/publish/<uuid:version_id>/",
                wrap(self.publish_view),
                name="prompts_app_prompt_publish",
            ),
            path(
                "<uuid:prompt_id>/rollback/",
                wrap(self.rollback_view),
                name="prompts_app_prompt_rollback",
            ),
            *super().get_urls(),
        ]

    # --- pages ----------------------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        prompt = get_object_or_404(Prompt, pk=object_id)
        release = prompt_release_get(prompt)
        try:
            rollback_to = prompt_rollback_target(prompt)
        except PromptError:
            rollback_to = None
        extra = {
            "environment": environment_name(),
            "release": release,
            "versions": prompt_versions(prompt),
            "history": prompt_release_history(prompt)[:50],
            "rollback_to": rollback_to,
            "can_publish": request.user.has_perm(PUBLISH_PERMISSION),
            "can_add_version": request.user.has_perm("prompts_app.add_promptversion"),
        }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def _context(self, request, prompt: Prompt, **extra) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": prompt,
            "prompt": prompt,
            "title": extra.pop("title", str(prompt)),
            **extra,
        }

    def new_version_view(self, request: HttpRequest, prompt_id) -> HttpResponse:
        if not request.user.has_perm("prompts_app.add_promptversion"):
            raise PermissionDenied
        prompt = get_object_or_404(Prompt, pk=prompt_id)
        base = None
        if request.GET.get("from"):
            base = get_object_or_404(PromptVersion, pk=request.GET["from"], prompt=prompt)
        else:
            release = prompt_release_get(prompt)
            base = release.version if release else prompt.versions.order_by("-created_at").first()
        issues = []
        if request.method == "POST":
            form = NewVersionForm(request.POST)
            if form.is_valid():
                wants_publish = form.cleaned_data["publish"]
                if wants_publish and not request.user.has_perm(PUBLISH_PERMISSION):
                    raise PermissionDenied
                try:
                    version, created = prompt_version_create(
                        key=prompt.key,
                        content=form.cleaned_data["content"],
                        author=request.user.get_username(),
                        change_note=form.cleaned_data["change_note"],
                        created_by=request.user,
                    )
                    if wants_publish:
                        prompt_publish(
                            version=version,
                            actor=request.user,
                            note=form.cleaned_data["change_note"],
                        )
                except PromptInvalid as exc:
                    issues = exc.issues
                else:
                    verb = "Saved" if created else "This content already exists as"
                    self.message_user(
                        request,
                        f"{verb} v{version.version}"
                        + (" and published it." if wants_publish else "."),
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:prompts_app_prompt_change", args=[prompt.pk])
                    )
        else:
            form = NewVersionForm(initial={"content": base.content if base else ""})
        return TemplateResponse(
            request,
            "admin/prompts_app/prompt/new_version.html",
            self._context(
                request,
                prompt,
                title=f"New version of {prompt.key}",
                form=form,
                base=base,
                issues=issues,
            ),
        )

    def preview_view(self, request: HttpRequest, prompt_id, version_id) -> HttpResponse:
        prompt = get_object_or_404(Prompt, pk=prompt_id)
        version = get_object_or_404(PromptVersion, pk=version_id, prompt=prompt)
        kid_model = _kid_model()
        kids = (
            [(str(k.pk), f"{k.name} ({k.age})") for k in kid_model.objects.order_by("name")[:200]]
            if kid_model
            else []
        )
        form = PreviewForm(request.GET or None, kids=kids)
        rendered, error, fragments = None, None, None
        doc = parse_document(prompt.key, version.content)
        if doc.kind != "system":
            error = "Only system prompts render on their own; fragments show up in the story_generation preview."
        elif form.is_valid():
            from .selectors import definition_from_version

            definition = definition_from_version(version)
            try:
                context = _preview_context(definition, form.cleaned_data)
                rendered = prompt_render(doc.name, context, version=version.version)
            except PromptError as exc:
                error = exc.message
            else:
                fragments = {
                    k: v
                    for k, v in context.items()
                    if k in ("age_group", "accommodations", "preference_rules")
                }
        return TemplateResponse(
            request,
            "admin/prompts_app/prompt/preview.html",
            self._context(
                request,
                prompt,
                title=f"Preview {prompt.key} v{version.version}",
                version=version,
                form=form,
                rendered=rendered,
                error=error,
                fragments=fragments,
            ),
        )

    def diff_view(self, request: HttpRequest, prompt_id) -> HttpResponse:
        prompt = get_object_or_404(Prompt, pk=prompt_id)
        versions = list(prompt_versions(prompt))
        by_id = {str(v.pk): v for v in versions}
        left = by_id.get(request.GET.get("a", "")) or (versions[1] if len(versions) > 1 else None)
        right = by_id.get(request.GET.get("b", "")) or (versions[0] if versions else None)
        table = None
        if left and right:
            table = difflib.HtmlDiff(wrapcolumn=90).make_table(
                left.content.splitlines(),
                right.content.splitlines(),
                fromdesc=f"v{left.version}",
                todesc=f"v{right.version}",
                context=True,
                numlines=3,
            )
        return TemplateResponse(
            request,
            "admin/prompts_app/prompt/diff.html",
            self._context(
                request,
                prompt,
                title=f"Compare versions of {prompt.key}",
                versions=versions,
                left=left,
                right=right,
                table=table,
            ),
        )

    def publish_view(self, request: HttpRequest, prompt_id, version_id) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseRedirect(
                reverse("admin:prompts_app_prompt_change", args=[prompt_id])
            )
        if not request.user.has_perm(PUBLISH_PERMISSION):
            raise PermissionDenied
        version = get_object_or_404(PromptVersion, pk=version_id, prompt_id=prompt_id)
        try:
            prompt_publish(version=version, actor=request.user, note=request.POST.get("note", ""))
        except PromptInvalid as exc:
            self.message_user(request, f"Not published: {exc.message}", messages.ERROR)
        else:
            self.message_user(
                request,
                f"v{version.version} is now current in {environment_name()}.",
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:prompts_app_prompt_change", args=[prompt_id]))

    def rollback_view(self, request: HttpRequest, prompt_id) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseRedirect(
                reverse("admin:prompts_app_prompt_change", args=[prompt_id])
            )
        if not request.user.has_perm(PUBLISH_PERMISSION):
            raise PermissionDenied
        prompt = get_object_or_404(Prompt, pk=prompt_id)
        try:
            release = prompt_rollback(
                prompt=prompt, actor=request.user, note=request.POST.get("note", "")
            )
        except PromptError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(
                request,
                f"Rolled back: v{release.version.version} is current again.",
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:prompts_app_prompt_change", args=[prompt_id]))


@admin.register(PromptVersion)
class PromptVersionAdmin(ImportExportMixin, admin.ModelAdmin):
    resource_classes = [PromptVersionResource]
    list_display = (
        "prompt",
        "version",
        "status",
        "author",
        "created_at",
        "short_hash",
        "actions_links",
    )
    list_filter = ("status", "prompt__kind", "prompt")
    search_fields = ("prompt__key", "version", "author", "change_note", "content_hash")
    readonly_fields = (
        "prompt",
        "version",
        "declared_version",
        "status",
        "author",
        "created_by",
        "change_note",
        "content_hash",
        "created_at",
        "content",
    )
    list_select_related = ("prompt",)

    def has_add_permission(self, request):
        return False  # new versions come from the prompt's "new version" editor or an import

    def has_change_permission(self, request, obj=None):
        return False  # immutable

    def has_delete_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        return request.user.has_perm("prompts_app.add_promptversion")

    @admin.display(description="hash")
    def short_hash(self, obj: PromptVersion) -> str:
        return obj.content_hash[:10]

    @admin.display(description="")
    def actions_links(self, obj: PromptVersion) -> str:
        return format_html(
            '<a href="{}">preview</a> · <a href="{}">edit as new</a>',
            reverse("admin:prompts_app_prompt_preview", args=[obj.prompt_id, obj.pk]),
            reverse("admin:prompts_app_prompt_new_version", args=[obj.prompt_id])
            + f"?from={obj.pk}",
        )


@admin.register(PromptRelease)
class PromptReleaseAdmin(admin.ModelAdmin):
    list_display = ("prompt", "environment", "version", "updated_at", "updated_by")
    list_filter = ("environment",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # moved only by publish/rollback, which keep the history

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PromptReleaseEvent)
class PromptReleaseEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "prompt",
        "environment",
        "action",
        "from_version",
        "to_version",
        "actor_name",
    )
    list_filter = ("action", "environment")
    search_fields = ("prompt__key", "actor_name", "note")
    list_select_related = ("prompt", "from_version", "to_version")
