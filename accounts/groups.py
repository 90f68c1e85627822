"""Staff groups and what they may touch in the admin, kept in step with the models.

"Content team" edits prompts and experiments and nothing of usage or remote config; "Ops"
is the reverse. Permissions are assigned by *app label*, after every ``migrate`` (and every
test-database flush), so a model another engineer adds to one of these apps is covered the
moment its migration runs, with no data migration to remember.
"""

from __future__ import annotations

from typing import Any

CONTENT_TEAM = "Content team"
OPS = "Ops"
GROUP_APPS: dict[str, tuple[str, ...]] = {
    CONTENT_TEAM: ("prompts_app", "experiments"),
    OPS: ("usage", "remoteconfig"),
}
# Read-only extras: the Operations dashboard links Ops to the ledger and the stories behind
# each figure.
GROUP_VIEW_APPS: dict[str, tuple[str, ...]] = {
    OPS: ("ai_providers", "stories"),
}


def _forbidden(group: str) -> set[str]:
    return {label for other, labels in GROUP_APPS.items() if other != group for label in labels}


def sync_staff_groups(*, using: str = "default") -> None:
    """Create the groups; give each every permission of its apps and none of the other's."""
    from django.contrib.auth.models import Group, Permission

    for name, labels in GROUP_APPS.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        own = Permission.objects.using(using).filter(content_type__app_label__in=labels)
        group.permissions.add(*own)
        view_only = Permission.objects.using(using).filter(
            content_type__app_label__in=GROUP_VIEW_APPS.get(name, ()), codename__startswith="view_"
        )
        group.permissions.add(*view_only)
        stray = group.permissions.filter(content_type__app_label__in=_forbidden(name))
        if stray.exists():
            group.permissions.remove(*stray)


def on_post_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    # post_migrate is sent once per app; auth's create_permissions (connected earlier) has
    # made that app's permissions by the time this runs. Re-syncing on each app that a group
    # covers keeps the groups right on a fresh database and after new models.
    labels = {label for apps in GROUP_APPS.values() for label in apps} | {"auth", "accounts"}
    labels |= {label for apps in GROUP_VIEW_APPS.values() for label in apps}
    if getattr(sender, "label", None) in labels:
        sync_staff_groups(using=using)
