"""Deterministic bucketing: the same experiment and user always land in the same bucket.

A user's bucket is the first 8 bytes of ``SHA-256("<experiment id>:<user id>")`` modulo
``BUCKETS``; the traffic split cuts ``[0, BUCKETS)`` into consecutive ranges in group order
(control, variant_a, variant_b, ...). Hashing the experiment id in makes buckets independent
across experiments, so the same families are not always the ones who get variants.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

BUCKETS = 10_000  # 0.01 % resolution, enough for any split in whole percent


def bucket_for(experiment_id: object, user_id: object) -> int:
    digest = hashlib.sha256(f"{experiment_id}:{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def group_for_bucket(bucket: int, split: Mapping[str, int | float]) -> str:
    """The group whose range holds ``bucket``; ``split`` is in percent, in group order."""
    if not 0 <= bucket < BUCKETS:
        raise ValueError(f"bucket {bucket} outside [0, {BUCKETS})")
    upper = 0.0
    last = None
    for group, percent in split.items():
        upper += float(percent) * BUCKETS / 100
        last = group
        if bucket < upper:
            return group
    if last is None:
        raise ValueError("empty traffic split")
    return last  # rounding at the very top of the range
