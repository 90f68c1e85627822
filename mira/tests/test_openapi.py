"""The published contract: OpenAPI 3 at /api/schema/ covering every API route, with the error
body and codes, Idempotency-Key, ETag/If-None-Match and auth; Swagger UI at /api/docs/ loads
nothing from another origin."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from stories.services import MAX_IDEMPOTENCY_KEY


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def api_routes() -> set[str]:
    """Every URL pattern under /api/v1/ as an OpenAPI path template."""

    def walk(patterns, prefix=""):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern):
                yield route

    routes = set()
    for route in walk(get_resolver().url_patterns):
        if route.startswith("api/v1/"):
            routes.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))
    return routes


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.read_text().startswith("openapi: 3")


def test_every_api_route_is_in_the_schema(schema):
    assert schema["openapi"].startswith("3.")
    missing = api_routes() - set(schema["paths"])
    assert not missing, f"API routes without an OpenAPI description: {sorted(missing)}"


def test_every_operation_documents_its_errors_with_the_error_body(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        assert "503" in responses, (path, method)
        for status, response in responses.items():
            if int(status) >= 400:
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Error", (path, method, status)
                assert "Codes: `" in response["description"], (path, method, status)
        if operation.get("security") != [] and {} not in operation.get("security", [{}]):
            assert "401" in responses, (path, method)
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "detail"}


def test_story_request_documents_idempotency_codes_and_uploads(schema):
    operation = schema["paths"]["/api/v1/stories/"]["post"]
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert "Idempotency-Key" in headers
    assert {"200", "202", "400", "403", "409", "422", "429", "503"} <= set(operation["responses"])
    key = next(p for p in operation["parameters"] if p["name"] == "Idempotency-Key")
    assert key["schema"]["maxLength"] == MAX_IDEMPOTENCY_KEY
    for code in (
        "image_too_large",
        "invalid_utf8",
        "rapid_requests",
        "daily_cost_limit",
        "idempotency_key_invalid",
        "idempotency_key_reused",
        "idempotency_request_in_progress",
    ):
        assert code in str(operation["responses"])
    assert "Retry-After" in operation["responses"]["429"]["headers"]
    assert "multipart/form-data" in operation["requestBody"]["content"]


def test_config_documents_etag_and_optional_sign_in(schema):
    operation = schema["paths"]["/api/v1/config"]["get"]
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert "If-None-Match" in headers
    assert "ETag" in operation["responses"]["200"]["headers"]
    assert "304" in operation["responses"]
    assert {} in operation["security"]  # anonymous allowed
    token = schema["components"]["securitySchemes"]["tokenAuth"]
    assert token["in"] == "header" and token["name"] == "Authorization"


def test_docs_page_loads_assets_from_this_server_only(db):
    page = APIClient().get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    for url in sources:
        assert not url.startswith(("http:", "https:", "//")), url
    assert "<script>" not in html  # the init script is a separate same-origin file
    bundle = next(u for u in sources if u.endswith("swagger-ui-bundle.js"))
    assert finders.find(bundle.removeprefix("/static/"))  # shipped by the sidecar package
