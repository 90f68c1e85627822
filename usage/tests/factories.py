from decimal import Decimal

import pytest
from django.db import connection

from stories.tests.factories import UserFactory
from usage.services import account_limits_adjust


def family(**limits):
    """A parent whose account has the given limits (ops-adjusted, so the tier leaves them)."""
    user = UserFactory()
    if limits:
        account_limits_adjust(user_id=user.pk, actor=None, **limits)
    return user


DOLLAR = Decimal("1.00")
CENT = Decimal("0.01")

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks and real concurrency need PostgreSQL; SQLite serialises every writer",
)
