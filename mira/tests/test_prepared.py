"""``mira.prepared``: hot statements as prepared statements with generic plans, prepared once
per connection, several in one round trip, recovered when the session lost them, and off
with ``MIRA_USAGE_PREPARED_STATEMENTS = False``."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from mira import prepared

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements"),
]

ADD = "SELECT %s::int + %s::int"
NAME = "SELECT username FROM accounts_user WHERE username = %s"


def run(statements) -> tuple[list, list[str]]:
    """The first statement's rows, then each next one's, and the SQL sent."""
    rows = []
    with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
        prepared.execute(cursor, statements)
        rows.append(cursor.fetchall() if cursor.description else None)
        while cursor.nextset():
            rows.append(cursor.fetchall() if cursor.description else None)
    return rows, [q["sql"] for q in queries]


def test_a_statement_is_prepared_once_per_connection_with_a_generic_plan():
    first, sent = run([(ADD + " + 0", [40, 2])])
    assert first == [[(42,)]]
    assert len(sent) == 1 and "PREPARE mira_stmt_" in sent[0]
    for _ in range(3):
        again, sent = run([(ADD + " + 0", [1, 2])])
        assert again == [[(3,)]]
        assert len(sent) == 1 and "PREPARE" not in sent[0] and "EXECUTE mira_stmt_" in sent[0]
    name = sent[0].rsplit("EXECUTE ", 1)[1].split("(")[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = %s",
            [name],
        )
        generic, custom = cursor.fetchone()
    assert generic == 4 and custom == 0  # planned once, never per run


def test_several_statements_go_in_one_round_trip_each_with_its_result(django_user_model):
    django_user_model.objects.create(username="mia")
    rows, sent = run([(ADD, [1, 1]), (NAME, ["mia"]), (NAME, ["nobody"])])
    assert rows == [[(2,)], [("mia",)], []]
    assert len(sent) == 1
    rows, sent = run([(ADD, [2, 2]), (NAME, ["mia"])])  # another combination, known statements
    assert rows == [[(4,)], [("mia",)]] and "PREPARE" not in sent[0]


def test_a_failed_round_trip_prepares_its_statements_again_under_new_names(django_user_model):
    insert = (
        "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name,"
        " email, is_staff, is_active, date_joined, id)"
        " VALUES ('', false, %s, '', '', '', false, true, now(), gen_random_uuid())"
    )
    run([(insert, ["pip"])])
    with pytest.raises(IntegrityError), transaction.atomic():
        run([(insert, ["pip"])])  # the unique username: the same error as without preparing
    _rows, sent = run([(insert, ["pip2"])])
    assert "PREPARE mira_stmt_" in sent[0]
    assert django_user_model.objects.filter(username__in=["pip", "pip2"]).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_session_that_lost_its_statements_prepares_them_again():
    run([(ADD, [1, 1])])
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # as DISCARD ALL or a pooler would
    rows, sent = run([(ADD, [1, 2])])  # its own transaction: sent again, preparing afresh
    assert rows == [[(3,)]] and len(sent) == 2 and "PREPARE mira_stmt_" in sent[1]
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    with pytest.raises(DatabaseError), transaction.atomic():
        run([(ADD, [1, 3])])  # inside a transaction: it fails (the transaction is aborted)
    rows, sent = run([(ADD, [1, 4])])
    assert rows == [[(5,)]] and len(sent) == 1 and "PREPARE mira_stmt_" in sent[0]


def test_the_switch_sends_the_statements_as_they_are(settings):
    settings.MIRA_USAGE_PREPARED_STATEMENTS = False
    rows, sent = run([(ADD, [1, 1]), (ADD, [2, 2])])
    assert rows == [[(2,)], [(4,)]]
    assert len(sent) == 1 and "PREPARE" not in sent[0] and "EXECUTE" not in sent[0]
