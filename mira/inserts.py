"""Insert one new row with a prepared INSERT, for the hot paths that create wide rows.

Django builds an INSERT's SQL anew on every ``save()``: it compiles and quotes each column and
placeholder, which for a model of 40-odd fields costs several times the statement itself
(``bench/bench_story_post.py``). ``insert_new`` sends the same statement with the SQL built
once per model, and does what ``save()`` does around it for a new row of a plain model:
related objects checked, ``pre_save`` and ``post_save`` sent, every field's ``pre_save``
(``auto_now``, files) and ``get_db_prep_save``, the instance marked as saved. A database
error marks the enclosing atomic block for rollback, as ``save()`` does.

For models with no parents (multi-table inheritance) whose primary key is set in Python (no
column the database must return); ``insert_new`` refuses other models.
"""

from __future__ import annotations

import functools

from django.db import connections, router, transaction
from django.db.models import Model
from django.db.models.signals import post_save, pre_save

from mira import prepared
from mira.prepared import sends_together

__all__ = ["insert_new", "sends_together"]


@functools.cache
def _insert_sql(model: type[Model], using: str) -> str:
    meta = model._meta
    if meta.parents or meta.proxy or meta.db_returning_fields:
        raise TypeError(f"insert_new cannot insert {meta.label}: it has parents or returns columns")
    connection = connections[using]
    if any(hasattr(field, "get_placeholder") for field in meta.local_concrete_fields):
        raise TypeError(f"insert_new cannot insert {meta.label}: a field has its own placeholder")
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in meta.local_concrete_fields)
    placeholders = ", ".join(["%s"] * len(meta.local_concrete_fields))
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608 (the model's own names)


def insert_new(instance: Model, *, preceded_by: tuple[str, list] | None = None) -> None:
    """``instance.save(force_insert=True)`` with the INSERT's SQL built once per model, and
    sent as a server-side prepared statement where ``mira.prepared`` is enabled.

    ``preceded_by``: a statement (``%s`` placeholders) and its parameters to run just before
    the INSERT, in the same round trip where the database allows it (``sends_together``),
    else on its own."""
    model = type(instance)
    using = router.db_for_write(model, instance=instance)
    connection = connections[using]
    sql = _insert_sql(model, using)
    if instance.pk is None:
        raise ValueError(f"insert_new needs the primary key of {model._meta.label} set")
    instance._prepare_related_fields_for_save(operation_name="save")
    pre_save.send(sender=model, instance=instance, raw=False, using=using, update_fields=None)
    with transaction.mark_for_rollback_on_error(using=using):
        params = [
            field.get_db_prep_save(field.pre_save(instance, True), connection)
            for field in model._meta.local_concrete_fields
        ]
        with connection.cursor() as cursor:
            if prepared.enabled(connection) or (
                preceded_by is not None and sends_together(connection)
            ):
                before = [] if preceded_by is None else [preceded_by]
                prepared.execute(cursor, [*before, (sql, params)])
            else:
                if preceded_by is not None:
                    cursor.execute(*preceded_by)
                cursor.execute(sql, params)
    instance._state.adding = False
    instance._state.db = using
    post_save.send(
        sender=model, instance=instance, created=True, update_fields=None, raw=False, using=using
    )
