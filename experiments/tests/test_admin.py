import pytest
from django.urls import reverse

from experiments.charts import means_chart_svg
from experiments.models import PromptExperiment
from experiments.services import experiment_evaluate
from experiments.tests.factories import make_experiment, make_users, simulate_outcomes
from prompts_app.models import PromptRelease

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "experiment_name": "refrain test",
        "prompt_type": "story_generation",
        "control_version": "1.2",
        "variant_versions": '["1.3-lean"]',
        "traffic_split": '{"control": 50, "variant_a": 50}',
        "primary_metric": "completion_rate",
        "success_threshold": "5.0",
        "minimum_sample_size": "400",
        "alpha": "0.05",
        "guardrail_margins": "{}",
        "segments": '{"age_groups": ["4-6"]}',
        "start_date_0": "",
        "start_date_1": "",
        "end_date_0": "",
        "end_date_1": "",
    }
    data.update(overrides)
    return data


def test_create_through_the_admin_validates_with_the_service(prompts, admin_client):
    url = reverse("admin:experiments_promptexperiment_add")
    bad = admin_client.post(url, form_data(traffic_split='{"control": 70, "variant_a": 50}'))
    assert bad.status_code == 200
    assert "sum to 100" in bad.content.decode()
    assert not PromptExperiment.objects.exists()

    good = admin_client.post(url, form_data())
    assert good.status_code == 302, good.content.decode()[:2000]
    experiment = PromptExperiment.objects.get()
    assert experiment.is_active and experiment.created_by == "admin"
    assert experiment.segments == {"age_groups": ["4-6"]}
    assert experiment.split_history[0]["split"] == {"control": 50, "variant_a": 50}


def test_change_page_shows_live_results_chart_and_srm(prompts, admin_client):
    experiment = make_experiment(minimum_sample_size=100)
    simulate_outcomes(experiment, make_users(300), seed=3)
    page = admin_client.get(
        reverse("admin:experiments_promptexperiment_change", args=[experiment.pk])
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "Live results" in html and "Sample ratio" in html
    assert html.count("mean and 95% interval per group") == 5  # one chart per metric
    assert "variant_a" in html and "Evaluate now" in html


def test_promote_button_publishes_the_winner(prompts, admin_client):
    experiment = make_experiment(minimum_sample_size=100)
    simulate_outcomes(experiment, make_users(600), rating_shift={"variant_a": 0.8}, seed=4)
    experiment_evaluate(experiment_id=experiment.pk)
    page = admin_client.get(
        reverse("admin:experiments_promptexperiment_change", args=[experiment.pk])
    )
    assert "Promote v1.3-lean" in page.content.decode()
    response = admin_client.post(
        reverse("admin:experiments_promptexperiment_promote", args=[experiment.pk])
    )
    assert response.status_code == 302
    release = PromptRelease.objects.get(prompt__key="system/story_generation")
    assert release.version.version == "1.3-lean"
    experiment.refresh_from_db()
    assert experiment.promoted_by == "admin"


def test_stop_button(prompts, admin_client):
    experiment = make_experiment()
    admin_client.post(
        reverse("admin:experiments_promptexperiment_stop", args=[experiment.pk]),
        {"reason": "copy error in the variant"},
    )
    experiment.refresh_from_db()
    assert not experiment.is_active
    assert "copy error" in experiment.ended_reason


def test_chart_escapes_labels_and_skips_empty_metrics():
    results = {
        "groups": {
            "control": {
                "version": "<b>1.2</b>",
                "metrics": {"m": {"n": 3, "mean": 2.0, "low": 1.0, "high": 3.0}},
            },
            "variant_a": {"version": "1.3", "metrics": {"m": {"n": 0, "mean": None}}},
        }
    }
    svg = means_chart_svg(results, "m", label="Rating")
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert svg.count("<circle") == 1
    assert means_chart_svg({"groups": {}}, "m") == ""


def test_chart_axis_stays_inside_the_metrics_range():
    import re

    results = {
        "groups": {
            "control": {
                "version": "1.2",
                "metrics": {"f": {"n": 9, "mean": 0.01, "low": -0.03, "high": 0.05}},
            },
            "variant_a": {
                "version": "1.3",
                "metrics": {"f": {"n": 9, "mean": 0.97, "low": 0.9, "high": 1.04}},
            },
        }
    }
    svg = means_chart_svg(results, "f", label="Failure rate", bounds=(0.0, 1.0))
    ticks = [float(t) for t in re.findall(r'class="tick"[^>]*>([^<]+)<', svg)]
    assert ticks and min(ticks) == 0 and max(ticks) == 1
    # The bars are clipped to the range too: nothing is drawn left of the 0 tick.
    xs = [float(v) for v in re.findall(r'x[12]="([\d.]+)"', svg)]
    zero = float(re.search(r'class="tick" x="([\d.]+)"[^>]*>0<', svg).group(1))
    assert min(xs) >= zero
