"""Budget reservations, story holds and ops actions on usage accounts.

Reserve, then settle: before an AI call the gateway reserves its worst-case cost and one
operation, unless another call of the same logical operation already holds or spent it
(``budget_reserve``); after it, ``budget_settle`` replaces the hold with the actual
cost, or ``budget_release`` gives it back. Before a story starts, ``story_admit`` holds the
story's estimated total; the story's calls draw from that hold instead of reserving again, so
the same money is never counted twice, and ``story_hold_close`` gives back what the story did
not use when it ends.

Every change to an account happens under that account's row lock, taken first (see
``accounts``, which names the race the lock prevents).

- ``accounts``: the account row lock, window rollover, limit checks, amount validation.
- ``reservations``: call reservations (``budget_*``) and the reclaim job.
- ``holds``: story admission and story holds.
- ``operations``: ops' admin actions on an account.
"""

from .accounts import COST_PLACES, NO_SYNC, SUM_PLACES, ZERO, account_get_or_create
from .holds import (
    StoryHold,
    story_admit,
    story_admit_in_transaction,
    story_calls_abandon,
    story_hold_close,
    story_request_check,
)
from .operations import (
    LIMIT_FIELDS,
    account_block,
    account_counters_reset,
    account_limits_adjust,
    account_limits_reset,
    account_tier_change,
    account_unblock,
)
from .reservations import (
    Reservation,
    RowInsert,
    budget_release,
    budget_reserve,
    budget_settle,
    reservations_reclaim,
)

__all__ = [
    "COST_PLACES",
    "LIMIT_FIELDS",
    "NO_SYNC",
    "SUM_PLACES",
    "ZERO",
    "Reservation",
    "RowInsert",
    "StoryHold",
    "account_block",
    "account_counters_reset",
    "account_get_or_create",
    "account_limits_adjust",
    "account_limits_reset",
    "account_tier_change",
    "account_unblock",
    "budget_release",
    "budget_reserve",
    "budget_settle",
    "reservations_reclaim",
    "story_admit",
    "story_admit_in_transaction",
    "story_calls_abandon",
    "story_hold_close",
    "story_request_check",
]
