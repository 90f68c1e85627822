"""Content negotiation: the usual Accept headers take the shortcut and get JSON, anything else
is DRF's negotiation as before (a type no renderer makes is 406 in the error shape)."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/json, */*"])
def test_json_for_the_usual_accept_headers(accept):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = APIClient().get("/api/v1/config", REMOTE_ADDR="10.0.0.40", **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["config"]


def test_a_type_no_renderer_makes_is_406_in_the_error_shape():
    client = APIClient()
    client.force_authenticate(None)
    response = client.get("/api/v1/kids/", HTTP_ACCEPT="text/html", REMOTE_ADDR="10.0.0.40")
    assert response.status_code == 406
    assert response.json()["code"]
