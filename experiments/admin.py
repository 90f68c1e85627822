"""The content team's experiment console: create and edit with the service's validation,
live results per group (table and an interval chart), SRM status, and evaluate / stop /
promote. Every write goes through ``services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.safestring import mark_safe

from mira.errors import ApplicationError

from .analysis import GUARDRAILS, METRICS, PRIMARY_SOURCE
from .charts import means_chart_svg
from .errors import ExperimentInvalid
from .models import PromptAnalytics, PromptExperiment
from .selectors import assignment_counts
from .services import (
    EDITABLE_FIELDS,
    experiment_analyse,
    experiment_create,
    experiment_evaluate,
    experiment_promote,
    experiment_stop,
    experiment_update,
    experiment_validate,
)

PUBLISH_PERMISSION = "prompts_app.publish_prompt"
FORM_FIELDS = [f for f in EDITABLE_FIELDS if f != "is_active"]


class PromptExperimentForm(forms.ModelForm):
    class Meta:
        model = PromptExperiment
        fields = FORM_FIELDS

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        merged: dict[str, Any] = {}
        if self.instance.pk:
            merged.update({f: getattr(self.instance, f) for f in EDITABLE_FIELDS})
        else:
            merged["is_active"] = True
        merged.update({f: data.get(f) for f in FORM_FIELDS})
        problems = experiment_validate(merged, instance=self.instance if self.instance.pk else None)
        for field, messages_ in problems.items():
            self.add_error(field if field in self.fields else None, messages_)
        return data


def _lift_text(primary: dict[str, Any] | None) -> str:
    if not primary or primary.get("lift") is None:
        return "—"
    low, high = primary.get("lift_low"), primary.get("lift_high")
    interval = f" ({low:+.1%} to {high:+.1%})" if low is not None and high is not None else ""
    return f"{primary['lift']:+.1%}{interval}"


@admin.register(PromptExperiment)
class PromptExperimentAdmin(admin.ModelAdmin):
    form = PromptExperimentForm
    change_form_template = "admin/experiments/promptexperiment/change_form.html"
    list_display = (
        "experiment_name",
        "prompt_type",
        "control_version",
        "primary_metric",
        "minimum_sample_size",
        "is_active",
        "winner_version",
        "srm_status",
        "evaluated_at",
        "start_date",
        "end_date",
    )
    list_filter = ("is_active", "prompt_type", "primary_metric")
    search_fields = ("experiment_name", "prompt_type", "created_by")
    readonly_fields = (
        "id",
        "is_active",
        "winner_version",
        "stopped_variants",
        "split_history",
        "evaluated_at",
        "ended_reason",
        "promoted_at",
        "promoted_by",
        "created_by",
        "created_at",
    )
    actions = ("evaluate_now", "stop_experiments")

    @admin.display(description="SRM")
    def srm_status(self, obj: PromptExperiment) -> str:
        srm = (obj.results or {}).get("srm") or {}
        if not srm:
            return "not evaluated"
        return "MISMATCH" if srm.get("flagged") else "ok"

    def save_model(self, request, obj, form, change):
        fields = {f: form.cleaned_data.get(f) for f in FORM_FIELDS}
        actor = request.user.get_username()
        try:
            if change:
                saved = experiment_update(experiment=obj, actor_name=actor, **fields)
            else:
                saved = experiment_create(actor_name=actor, **fields)
        except ExperimentInvalid as exc:  # lost a race with another editor
            self.message_user(request, exc.message, messages.ERROR)
            raise
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    # --- results on the change page -----------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        experiment = PromptExperiment.objects.filter(pk=object_id).first()
        extra = dict(extra_context or {})
        if experiment is not None:
            extra.update(self._results_context(experiment, request))
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def _results_context(self, experiment: PromptExperiment, request) -> dict[str, Any]:
        analysis = experiment_analyse(experiment).as_json()
        primary = PRIMARY_SOURCE[experiment.primary_metric]
        metrics = [primary, *[m for m in METRICS if m != primary]]
        assigned = assignment_counts(experiment)
        rows = []
        for group, data in analysis["groups"].items():
            comparison = analysis["comparisons"].get(group, {})
            rows.append(
                {
                    "group": group,
                    "version": data["version"],
                    "assigned": assigned.get(group, 0),
                    "stopped": (experiment.stopped_variants or {}).get(group),
                    "metrics": [
                        {"name": m, "label": METRICS[m].label, **data["metrics"][m]}
                        for m in metrics
                    ],
                    "primary": comparison.get("primary"),
                    "lift_text": _lift_text(comparison.get("primary")),
                    "guardrails": [
                        {"name": g, "label": METRICS[g].label, **comparison["guardrails"][g]}
                        for g in GUARDRAILS
                    ]
                    if comparison
                    else [],
                }
            )
        charts = [
            mark_safe(  # noqa: S308 (escaped in charts)
                means_chart_svg(analysis, m, label=METRICS[m].label, bounds=METRICS[m].bounds)
            )
            for m in metrics
        ]
        return {
            "results": analysis,
            "result_rows": rows,
            "charts": [c for c in charts if c],
            "primary_label": METRICS[primary].label,
            "can_promote": bool(
                experiment.winner_version
                and experiment.promoted_at is None
                and request.user.has_perm(PUBLISH_PERMISSION)
            ),
            "can_stop": experiment.is_active,
        }

    # --- buttons and actions ------------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<uuid:experiment_id>/stop/",
                wrap(self.stop_view),
                name="experiments_promptexperiment_stop",
            ),
            path(
                "<uuid:experiment_id>/promote/",
                wrap(self.promote_view),
                name="experiments_promptexperiment_promote",
            ),
            path(
                "<uuid:experiment_id>/evaluate/",
                wrap(self.evaluate_view),
                name="experiments_promptexperiment_evaluate",
            ),
            *super().get_urls(),
        ]

    def _back(self, experiment_id) -> HttpResponse:
        return HttpResponseRedirect(
            reverse("admin:experiments_promptexperiment_change", args=[experiment_id])
        )

    def stop_view(self, request: HttpRequest, experiment_id) -> HttpResponse:
        experiment = get_object_or_404(PromptExperiment, pk=experiment_id)
        if request.method != "POST":
            return self._back(experiment_id)
        if not self.has_change_permission(request, experiment):
            raise PermissionDenied
        try:
            experiment_stop(
                experiment=experiment,
                actor_name=request.user.get_username(),
                reason=request.POST.get("reason", "")[:200],
            )
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, "Experiment stopped.", messages.SUCCESS)
        return self._back(experiment_id)

    def promote_view(self, request: HttpRequest, experiment_id) -> HttpResponse:
        experiment = get_object_or_404(PromptExperiment, pk=experiment_id)
        if request.method != "POST":
            return self._back(experiment_id)
        if not request.user.has_perm(PUBLISH_PERMISSION):
            raise PermissionDenied
        try:
            experiment_promote(experiment=experiment, actor=request.user)
        except ApplicationError as exc:
            self.message_user(request, f"Not promoted: {exc.message}", messages.ERROR)
        else:
            self.message_user(
                request,
                f"v{experiment.winner_version} is now the current version.",
                messages.SUCCESS,
            )
        return self._back(experiment_id)

    def evaluate_view(self, request: HttpRequest, experiment_id) -> HttpResponse:
        experiment = get_object_or_404(PromptExperiment, pk=experiment_id)
        if request.method == "POST":
            if not self.has_change_permission(request, experiment):
                raise PermissionDenied
            self._evaluate(request, experiment)
        return self._back(experiment_id)

    def _evaluate(self, request, experiment: PromptExperiment) -> None:
        analysis = experiment_evaluate(experiment_id=experiment.pk)
        if analysis is None:
            self.message_user(request, f"{experiment}: not active.", messages.WARNING)
            return
        experiment.refresh_from_db()
        summary = "; ".join(analysis.reasons) or "no decision yet"
        if analysis.breaches:
            summary += f"; stopped: {', '.join(analysis.breaches)}"
        self.message_user(request, f"{experiment}: {summary}.", messages.INFO)

    @admin.action(description="Evaluate now (guardrails, winner)")
    def evaluate_now(self, request, queryset):
        for experiment in queryset:
            self._evaluate(request, experiment)

    @admin.action(description="Stop the selected experiments")
    def stop_experiments(self, request, queryset):
        for experiment in queryset.filter(is_active=True):
            experiment_stop(experiment=experiment, actor_name=request.user.get_username())
        self.message_user(request, "Stopped.", messages.SUCCESS)


@admin.register(PromptAnalytics)
class PromptAnalyticsAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "prompt_type",
        "prompt_version",
        "experiment",
        "experiment_group",
        "user_age_group",
        "story_type",
        "user_rating",
        "completion_rate",
        "cost_usd",
        "success",
        "safety_rejected",
    )
    list_filter = (
        "prompt_type",
        "prompt_version",
        "experiment_group",
        "user_age_group",
        "story_type",
        "success",
    )
    search_fields = ("prompt_type", "prompt_version", "story_id", "user__username")
    raw_id_fields = ("user", "operation", "experiment")
    list_select_related = ("experiment",)

    def has_add_permission(self, request):
        return False  # rows come from the pipeline and the outcome endpoints

    def has_change_permission(self, request, obj=None):
        return False
