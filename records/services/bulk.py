"""Insert many rows with PostgreSQL COPY: the importer's first load of a source's records.

Django's bulk_create builds one statement with a placeholder per value, and psycopg then
parses that statement and escapes the values in Python; for batches of large FHIR
documents that dominated the import. COPY streams the rows instead. Primary keys are
reserved from the table's sequence first, so related rows can point at them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from django.db import connection, models
from psycopg import sql

ModelT = TypeVar("ModelT", bound=models.Model)


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, count]
        )
        return [row[0] for row in cursor.fetchall()]


def copy_insert(model: type[ModelT], objects: Sequence[ModelT]) -> list[ModelT]:
    """Insert `objects` (new, unsaved) in one COPY; they come back saved, with their primary keys."""
    if not objects:
        return []
    meta = model._meta
    if isinstance(meta.pk, models.AutoField | models.BigAutoField):
        for obj, pk in zip(objects, _reserve_ids(model, len(objects)), strict=True):
            obj.pk = pk
    fields = list(meta.concrete_fields)
    columns = [sql.Identifier(str(field.column)) for field in fields]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(meta.db_table), sql.SQL(", ").join(columns))
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        for obj in objects:
            copy.write_row([f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields])
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias
    return list(objects)
