"""Token auth from the per-process copy: no query on a repeat, and a deleted token or a
deactivated parent is refused on the very next request.

``transaction=True``: outside a test transaction, as in production, so copies are really kept
and the stamps written after commit are the ones that invalidate them.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.authentication import copies
from remoteconfig import services
from stories.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/config"


@pytest.fixture
def token_client():
    copies.clear()
    user = UserFactory()
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client, user, token


def test_a_repeat_request_with_a_token_does_no_query_and_its_304_neither(token_client):
    client, _user, _token = token_client
    first = client.get(URL)
    assert first.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        again = client.get(URL)
        not_modified = client.get(URL, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 200 and again.content == first.content
    assert again.json()["config"]["feature_flags"] == first.json()["config"]["feature_flags"]
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified["ETag"] == first["ETag"]
    assert len(queries) == 0, [q["sql"] for q in queries]


def test_a_deleted_token_is_refused_on_the_next_request(token_client):
    client, _user, token = token_client
    assert client.get("/api/v1/kids/").status_code == 200
    token.delete()
    response = client.get("/api/v1/kids/")
    assert response.status_code == 401


def test_a_deactivated_parent_is_refused_on_the_next_request(token_client):
    client, user, _token = token_client
    assert client.get("/api/v1/kids/").status_code == 200
    user.is_active = False
    user.save()
    assert client.get("/api/v1/kids/").status_code == 401
    user.is_active = True
    user.save()
    assert client.get("/api/v1/kids/").status_code == 200


def test_a_wrong_token_is_refused_and_never_kept(token_client):
    client, _user, _token = token_client
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    for _ in range(2):
        response = client.get("/api/v1/kids/")
        assert response.status_code == 401
        assert response.json()["code"]


def test_a_setting_change_reaches_the_cached_config_answer(token_client):
    client, _user, _token = token_client
    first = client.get(URL)
    services.config_set(key="maintenance_message", value="Back soon", author="ops")
    changed = client.get(URL, headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200
    assert changed.json()["config"]["maintenance_message"] == "Back soon"


@pytest.mark.parametrize("header", ["Token", "Token two parts", "Token ünïcode", "token  x"])
def test_a_malformed_token_header_is_refused_with_a_reason(token_client, header):
    client, _user, _token = token_client
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/kids/")
    assert response.status_code == 401
    assert response.json()["code"]


def test_the_scheme_is_case_insensitive_and_other_schemes_are_not_ours(token_client):
    client, _user, token = token_client
    client.credentials(HTTP_AUTHORIZATION=f"token {token.key}")
    assert client.get("/api/v1/kids/").status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    assert client.get("/api/v1/kids/").status_code in (401, 403)


def test_a_first_request_reads_the_token_and_its_user_in_one_query(token_client):
    client, user, token = token_client
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    lookups = [q["sql"] for q in queries if "authtoken_token" in q["sql"]]
    assert len(lookups) == 1, lookups
    # The copy kept is the user and token as the ORM reads them.
    (kept_user, kept_token) = next(iter(copies._entries.values()))
    assert kept_token.pk == token.pk and kept_token.user_id == user.pk
    assert kept_user.pk == user.pk and kept_user.username == user.username
    assert kept_user.date_joined == user.date_joined and kept_user.is_active


def test_an_inactive_parents_token_is_refused_on_a_first_request(token_client):
    client, user, _token = token_client
    user.is_active = False
    user.save()
    response = client.get("/api/v1/kids/")
    assert response.status_code == 401
    assert "inactive" in response.json()["detail"]
