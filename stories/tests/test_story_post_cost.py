"""What one ``POST /api/v1/stories/`` (a text idea with an ``Idempotency-Key``) costs in database
and cache round trips, so the request path cannot creep.

Runs outside a test transaction (``transaction=True``), as production does, with real token
authentication and the task really pushed to the broker (not run in-process): the counts are
the request's own, including its BEGIN/COMMIT.
"""

import uuid

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_q.brokers import get_broker
from django_q.conf import Conf
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from remoteconfig.cache import store
from stories.models import Story, StoryStatus
from stories.tests.factories import KidFactory
from usage.models import ReservationKind, UsageAccount, UsageReservation

pytestmark = pytest.mark.django_db(transaction=True)

# The throttle: whether the family is blocked and how many stories it asked for within the
# burst window, one unlocked read (1). Then one transaction: BEGIN; the Idempotency-Key's
# advisory lock, the story already made with the key, the kid and the family's language, one
# statement; usage admission: lock the account row and, under that lock, read the story's hold
# and the recent story requests (one round trip, two statements), then update the account and
# insert the hold (one round trip, two statements); insert the story; COMMIT (6). Every one is
# a round trip to the database.
QUERIES_PER_STORY_POST = 7
# The ORM broker stores the task in the database (one more insert); Redis takes an RPUSH.
ORM_BROKER_QUERIES = 1
# With the test settings' stamp watch off (``MIRA_STAMP_WATCH``): the remote-config stamp for
# the maintenance-mode check (a GET, in the middleware before authentication), the token's
# auth stamp with the remote-config stamp again (an MGET); and the task pushed to the broker
# (an RPUSH). In production the process's stamp watch answers the two stamp reads.
CACHE_ROUND_TRIPS_PER_STORY_POST = 3


class RedisCommands:
    def __init__(self, monkeypatch) -> None:
        self.count = 0
        self.names: list = []
        original = redis.Redis.execute_command

        def counting(client, *args, **kwargs):
            self.count += 1
            self.names.append(args[0])
            return original(client, *args, **kwargs)

        monkeypatch.setattr(redis.Redis, "execute_command", counting)


def test_one_story_post_costs_a_fixed_number_of_round_trips(monkeypatch):
    kid = KidFactory()
    token = Token.objects.create(user=kid.parent)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    # The task goes to the broker as in production; the test settings run it in-process.
    monkeypatch.setattr(Conf, "SYNC", False)
    broker = get_broker()
    body = {"kid": str(kid.id), "text": "a dragon who is afraid of the dark"}

    def post():
        return client.post(
            "/api/v1/stories/", body, format="json", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex
        )

    queued = broker.queue_size()
    try:
        assert post().status_code == 202  # warm: token cache, config copy, broker client
        loads = store.loads
        commands = RedisCommands(monkeypatch)
        with CaptureQueriesContext(connection) as queries:
            response = post()
        assert response.status_code == 202, response.content
        expected = QUERIES_PER_STORY_POST + (ORM_BROKER_QUERIES if Conf.ORM else 0)
        assert len(queries) == expected, "\n".join(q["sql"][:120] for q in queries)
        assert store.loads == loads  # the remote-config copy was current: no reload
        if "redis" in settings.CACHES["default"]["BACKEND"].lower() and not Conf.ORM:
            assert commands.count == CACHE_ROUND_TRIPS_PER_STORY_POST, commands.names
        # On PostgreSQL every statement of a story POST is a prepared statement
        # (mira.prepared), prepared once per connection: by now none is prepared again.
        if connection.vendor == "postgresql":
            with CaptureQueriesContext(connection) as queries:
                assert post().status_code == 202
            statements = [q["sql"] for q in queries if q["sql"] not in ("BEGIN", "COMMIT")]
            assert len(queries) == expected and statements
            assert all("EXECUTE mira_stmt_" in q and "PREPARE" not in q for q in statements)
        # And the work is all there: the queued story, its hold on the account, its task.
        story = Story.objects.get(pk=response.data["id"])
        assert story.status == StoryStatus.QUEUED and story.enqueued_at is not None
        hold = UsageReservation.objects.get(kind=ReservationKind.STORY, story_id=story.id)
        account = UsageAccount.objects.get(user=kid.parent)
        posts = 3 if connection.vendor == "postgresql" else 2
        assert account.open_story_holds == posts
        assert account.reserved_cost_usd == posts * hold.amount_usd
        assert broker.queue_size() == queued + posts
    finally:
        broker.purge_queue()
