"""Authorization probes driven by the published schema, so a new endpoint is probed the day it
is added: every operation that needs sign-in answers 401 without it, and every operation on a
story answers another family exactly as it answers a story that does not exist (404). The
browser pages (read-along, media) are probed the same way."""

import uuid

import pytest
from rest_framework.test import APIClient

from stories import pipeline
from stories.access import signed_url
from stories.models import InputKind, Story
from stories.tests.factories import KidFactory

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def schema(db):
    return APIClient().get("/api/schema/", {"format": "json"}).json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


# Valid bodies, so a refusal is about who asks, not about what they sent.
BODIES = {
    "stories_rating": {"rating": 4},
    "stories_listening": {"seconds_listened": 3, "completed": False},
}


def call(client, method, path, operation_id=""):
    return getattr(client, method)(path, BODIES.get(operation_id, {}), format="json")


def signed_in_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_every_signed_in_operation_refuses_anonymous_callers(schema):
    probed = 0
    for path, method, operation in operations(schema):
        security = operation.get("security", [{}])  # none listed: no sign-in needed
        anonymous_allowed = security == [] or {} in security
        response = call(APIClient(), method, path.replace("{story_id}", str(uuid.uuid4())))
        if anonymous_allowed:
            assert response.status_code != 401, (method, path)
            continue
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json()["code"] == "not_authenticated"
        probed += 1
    assert probed >= 8


@pytest.mark.django_db(transaction=True)
def test_another_familys_story_is_indistinguishable_from_a_missing_one(schema):
    kid = KidFactory()
    story = Story.objects.create(
        owner=kid.parent, kid=kid, input_kind=InputKind.TEXT, input_text="a paper boat"
    )
    pipeline.run(story.id)
    stranger = signed_in_client(KidFactory().parent)
    probed = 0
    for path, method, operation in operations(schema):
        if "{story_id}" not in path:
            continue
        op = operation["operationId"]
        theirs = call(stranger, method, path.replace("{story_id}", str(story.id)), op)
        missing = call(stranger, method, path.replace("{story_id}", str(uuid.uuid4())), op)
        assert theirs.status_code == missing.status_code == 404, (method, path)
        assert theirs.json() == missing.json()
        mine = call(
            signed_in_client(kid.parent), method, path.replace("{story_id}", str(story.id)), op
        )
        assert mine.status_code == 200, (method, path, mine.content)  # the probe's body is valid
        probed += 1
    assert probed >= 3
    # The browser pages: only the owner's session or the signed link opens them.
    for name, kwargs in (("stories:read-along", {}), ("stories:media", {"kind": "audio"})):
        url = signed_url(name, story.id, **kwargs)
        bare = url.split("?")[0]
        assert APIClient().get(url).status_code == 200
        assert APIClient().get(bare).status_code == 404
        other = signed_url(name, uuid.uuid4(), **kwargs).split("?t=")[1]
        assert APIClient().get(f"{bare}?t={other}").status_code == 404  # another story's link
        session = APIClient()
        session.force_login(KidFactory().parent)
        assert session.get(bare).status_code == 404
    # And the family's own data stays the family's: the stranger's export holds none of it.
    export = stranger.get("/api/v1/account/export")
    assert str(story.id).encode() not in b"".join(export.streaming_content)
