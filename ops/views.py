"""Thin views: the Operations dashboard and vendor comparison (admin, Ops staff), ``/metrics``,
``/healthz`` and ``/readyz``."""

from __future__ import annotations

import hmac
import ipaddress
import os

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

from accounts.groups import OPS

from . import dashboard, health
from .collectors import SystemStateCollector
from .errors import InvalidDateRange, MetricsForbidden
from .selectors import date_range_parse, roomy_sorts


def _ops_only(request: HttpRequest) -> None:
    user = request.user
    if not (user.is_superuser or user.groups.filter(name=OPS).exists()):
        raise PermissionDenied("The Operations dashboard is for staff in the Ops group.")


def _page(request: HttpRequest, template: str, build) -> TemplateResponse:
    _ops_only(request)
    context = {**admin.site.each_context(request), "ranges": dashboard.RANGE_CHOICES}
    context["is_nav_sidebar_enabled"] = False  # the charts need the page's full width
    status = 200
    try:
        period = date_range_parse(request.GET)
        with roomy_sorts():
            context.update(build(period))
    except InvalidDateRange as exc:
        status = 400
        context.update(error=exc, period=None)
    context.setdefault("title", "Operations")
    context["params"] = request.GET
    return TemplateResponse(request, template, context, status=status)


@never_cache
def dashboard_view(request: HttpRequest) -> TemplateResponse:
    return _page(request, "ops/dashboard.html", dashboard.dashboard_context)


@never_cache
def vendors_view(request: HttpRequest) -> TemplateResponse:
    return _page(request, "ops/vendors.html", dashboard.vendors_context)


# --- /metrics ------------------------------------------------------------------------------------


class _ThisProcess:
    """The default registry's samples, when not in multiprocess mode."""

    def collect(self):
        yield from REGISTRY.collect()


def _allowed(request: HttpRequest) -> bool:
    token = settings.MIRA_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header[len("Bearer ") :].strip().encode(), token.encode())
    try:
        client = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        client in ipaddress.ip_network(net, strict=False)
        for net in settings.MIRA_METRICS_ALLOWED_NETWORKS
    )


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format: this process's (or every process's, in multiprocess mode)
    counters and histograms, then the system state read at scrape time."""
    if not _allowed(request):
        error = MetricsForbidden(
            "Scraping /metrics needs 'Authorization: Bearer <MIRA_METRICS_TOKEN>' or an "
            "address in MIRA_METRICS_ALLOWED_NETWORKS."
        )
        return JsonResponse(error.as_dict(), status=error.http_status)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(SystemStateCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


# --- health --------------------------------------------------------------------------------------


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and answering; checks nothing else (that is /readyz)."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    ready, body = health.readiness()
    return JsonResponse(body, status=200 if ready else 503)
