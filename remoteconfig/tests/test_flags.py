"""Feature flags: deterministic sticky rollout, segments, platform and version conditions."""

import uuid

import pytest
from django.contrib.auth.models import Group

from remoteconfig import services
from remoteconfig.flags import FlagSubject, flag_evaluate, rollout_bucket
from remoteconfig.registry import key_get
from remoteconfig.selectors import flag_enabled, flags_evaluate
from stories.tests.factories import UserFactory

USERS = [str(uuid.UUID(int=n * 7919 + 13)) for n in range(10_000)]


def rule(**fields):
    return key_get("feature_flags.background_music").clean(fields)


def enabled_users(flag: str, percentage) -> set[str]:
    r = rule(rollout_percentage=percentage)
    return {u for u in USERS if flag_evaluate(flag, r, FlagSubject(user_id=u))}


def test_a_30_percent_rollout_lands_within_one_and_a_half_points_and_is_sticky():
    at_30 = enabled_users("background_music", 30)
    assert 0.285 <= len(at_30) / len(USERS) <= 0.315
    at_50 = enabled_users("background_music", 50)
    assert 0.485 <= len(at_50) / len(USERS) <= 0.515
    assert at_30 <= at_50  # raising the percentage never takes the feature away
    assert enabled_users("background_music", 30) == at_30  # deterministic
    assert enabled_users("background_music", 0) == set()
    assert enabled_users("background_music", 100) == set(USERS)


def test_flags_bucket_users_independently():
    a = enabled_users("background_music", 30)
    b = enabled_users("multi_language", 30)
    # Same users in both would mean one unlucky 30 % gets every experiment.
    assert 0.05 <= len(a & b) / len(USERS) <= 0.13


def test_buckets_are_stable_numbers():
    # Pinned: a change of hash would silently reshuffle every rollout in production.
    assert rollout_bucket("word_highlighting", "00000000-0000-0000-0000-000000000001") == 3726


def test_segments_restrict_to_the_listed_tiers_and_groups():
    r = rule(user_segments=["premium", "beta_testers"])
    assert flag_evaluate("f", r, FlagSubject(user_id=USERS[0], tier="premium"))
    assert flag_evaluate(
        "f", r, FlagSubject(user_id=USERS[1], tier="free", groups=frozenset({"beta_testers"}))
    )
    assert not flag_evaluate("f", r, FlagSubject(user_id=USERS[2], tier="free"))
    assert not flag_evaluate("f", r, FlagSubject(user_id=USERS[3], tier="enterprise"))
    assert not flag_evaluate("f", r, FlagSubject())  # anonymous is in no segment


def test_segments_and_rollout_combine():
    r = rule(user_segments=["premium"], rollout_percentage=50)
    premium = [
        u for u in USERS[:2000] if flag_evaluate("f", r, FlagSubject(user_id=u, tier="premium"))
    ]
    free = [u for u in USERS[:2000] if flag_evaluate("f", r, FlagSubject(user_id=u, tier="free"))]
    assert 900 <= len(premium) <= 1100 and free == []


def test_listed_users_get_it_whatever_their_segment_or_bucket():
    user = USERS[42]
    r = rule(user_segments=["enterprise"], rollout_percentage=0, users=[user])
    assert flag_evaluate("f", r, FlagSubject(user_id=user, tier="free"))
    assert not flag_evaluate("f", r, FlagSubject(user_id=USERS[43], tier="enterprise"))


def test_off_is_off_for_everyone_even_listed_users():
    r = rule(enabled=False, users=[USERS[0]])
    assert not flag_evaluate("f", r, FlagSubject(user_id=USERS[0], tier="premium"))


def test_platform_and_app_version_conditions():
    r = rule(platforms=["ios"], min_app_version="2.1", max_app_version="3")
    ios = FlagSubject(user_id=USERS[0], platform="ios", app_version="2.1.0")
    assert flag_evaluate("f", r, ios)
    assert flag_evaluate("f", r, FlagSubject(user_id=USERS[0], platform="ios", app_version="3.0.0"))
    assert not flag_evaluate(
        "f", r, FlagSubject(user_id=USERS[0], platform="ios", app_version="3.0.1")
    )
    assert not flag_evaluate(
        "f", r, FlagSubject(user_id=USERS[0], platform="ios", app_version="2.0.9")
    )
    assert not flag_evaluate(
        "f", r, FlagSubject(user_id=USERS[0], platform="android", app_version="2.5")
    )
    assert not flag_evaluate("f", r, FlagSubject(user_id=USERS[0], platform="ios", app_version=""))
    assert not flag_evaluate("f", r, FlagSubject(user_id=USERS[0], platform="ios", app_version="x"))
    # Versions compare as numbers, not text.
    r = rule(min_app_version="2.10")
    assert flag_evaluate("f", r, FlagSubject(user_id=USERS[0], app_version="2.10.1"))
    assert not flag_evaluate("f", r, FlagSubject(user_id=USERS[0], app_version="2.9"))


def test_anonymous_callers_only_get_flags_rolled_out_to_everyone():
    assert flag_evaluate("f", rule(), FlagSubject())
    assert not flag_evaluate("f", rule(rollout_percentage=99.99), FlagSubject())


@pytest.mark.django_db
def test_stored_rules_are_evaluated_with_the_files_defaults_for_the_rest():
    group = Group.objects.create(name="beta_testers")
    tester = UserFactory()
    tester.groups.add(group)
    services.config_set(
        key="feature_flags.background_music",
        value={"enabled": True, "user_segments": ["beta_testers"]},
        author="ops",
    )
    tester_subject = FlagSubject(
        user_id=str(tester.pk), tier="free", groups=frozenset({"beta_testers"})
    )
    assert flag_enabled("background_music", tester_subject)
    assert not flag_enabled("background_music", FlagSubject(user_id=str(uuid.uuid4()), tier="free"))
    flags = flags_evaluate(tester_subject)
    assert flags["word_highlighting"] is True and flags["multi_language"] is False
