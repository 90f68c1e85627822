"""django-q2 schedules declared by each app, registered idempotently after every ``migrate``."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

# (name, task, setting holding its interval in minutes, default minutes)
ScheduleSpec = tuple[str, str, str, int]


def schedules_register(schedules: Iterable[ScheduleSpec], *, using: str = "default") -> None:
    """Create or update each schedule, keyed by its task; duplicates a person added by hand
    are removed, so running it again changes nothing."""
    from django_q.models import Schedule

    for name, func, setting, default in schedules:
        minutes = int(getattr(settings, setting, default))
        wanted = (name, Schedule.MINUTES, minutes, -1)
        rows = list(Schedule.objects.using(using).filter(func=func).order_by("id"))
        if not rows:
            Schedule.objects.using(using).create(
                name=name, func=func, schedule_type=Schedule.MINUTES, minutes=minutes, repeats=-1
            )
            continue
        keep, *extra = rows
        for row in extra:
            row.delete()
        if (keep.name, keep.schedule_type, keep.minutes, keep.repeats) != wanted:
            keep.name, keep.schedule_type, keep.minutes, keep.repeats = wanted
            keep.save()
