"""Inserting many rows of one model without building model instances (an import's 100k rows).

`bulk_create` spends most of its time creating a model instance per row and compiling each value
into SQL; here rows are plain tuples. Ids are reserved first (so that rows of other tables can
point at them before anything is written), then the rows go in with COPY on PostgreSQL and one
`executemany` on SQLite. No model `save()` and no signals run: callers keep the invariants the
services would (keys, audit rows, the reports cache) themselves.

Call inside `transaction.atomic()`: on SQLite the reservation relies on the transaction's write
lock (taken by the caller's first write), on PostgreSQL on the table's sequence.
"""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from django.utils import timezone

Row = Sequence[Any]


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """`count` new primary keys of `model`'s table, not used before and not given out again."""
    if count == 0:
        return []
    table = model._meta.db_table
    assert model._meta.pk is not None
    pk_column = _column(model._meta.pk)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), pk_column, count],
            )
            return [pk for (pk,) in cursor.fetchall()]
        # SQLite AUTOINCREMENT: never reuse an id, even of a deleted row (sqlite_sequence).
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT MAX({connection.ops.quote_name(pk_column)}) "  # noqa: S608
            f"FROM {connection.ops.quote_name(table)}), 0), "
            "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        (last,) = cursor.fetchone()
    return list(range(last + 1, last + 1 + count))


def insert_rows(model: type[Model], field_names: Sequence[str], rows: Iterable[Row]) -> int:
    """Insert `rows` (values in the order of `field_names`, Python values as on the model).

    The model's other concrete fields get their defaults. Dates, datetimes and JSON are
    converted by their field, as `save()` converts them, and encrypted fields are encrypted.
    Returns the number of rows.
    """
    fields = [_concrete_field(model, name) for name in field_names]
    others = [
        field
        for field in model._meta.concrete_fields
        if field.name not in field_names and not field.primary_key
    ]
    defaults = tuple(field.get_db_prep_save(_default_of(field), connection) for field in others)
    convert = _converters(fields)
    columns = [_column(field) for field in [*fields, *others]]
    prepared = [
        (
            *(
                value if to_db is None else to_db(value)
                for value, to_db in zip(row, convert, strict=True)
            ),
            *defaults,
        )
        for row in rows
    ]
    if not prepared:
        return 0
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for values in prepared:
                    copy.write_row(values)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({placeholders})",  # noqa: S608
                prepared,
            )
    return len(prepared)


def _concrete_field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.concrete:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return field


def _column(field: Field[Any, Any]) -> str:
    assert field.column is not None  # concrete fields have a column
    return field.column


def _default_of(field: Any) -> Any:
    """The value `save()` would store for a field the caller does not give (auto_now: now)."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        now = timezone.now()
        return now if field.get_internal_type() == "DateTimeField" else timezone.localdate(now)
    return field.get_default()


# Field types whose Python values the database driver does not take as they are.
_CONVERTED_TYPES = {"DateField", "DateTimeField", "JSONField", "DecimalField", "TimeField"}


def _converters(fields: Sequence[Any]) -> list[Callable[[Any], Any] | None]:
    converters: list[Callable[[Any], Any] | None] = []
    for field in fields:
        if getattr(field, "encrypted", False):
            converters.append(_encrypt(field))
        elif isinstance(field, Field) and field.get_internal_type() in _CONVERTED_TYPES:
            converters.append(_prep_save(field))
        else:
            converters.append(None)
    return converters


def _encrypt(field: Field[Any, Any]) -> Callable[[Any], Any]:
    # Encrypted at rest (tsunagu/fields.py): each value is its own token, never cached — equal
    # texts must not give equal tokens, and the memos of 100k rows are not to be kept around.
    def to_db(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    return to_db


def _prep_save(field: Field[Any, Any]) -> Callable[[Any], Any]:
    # Imported rows repeat the same few thousand dates and category lists: convert each once.
    converted: dict[Any, Any] = {}

    def to_db(value: Any) -> Any:
        key = (type(value), tuple(value)) if isinstance(value, list) else value
        try:
            return converted[key]
        except KeyError:
            result = converted[key] = field.get_db_prep_save(value, connection)
            return result
        except TypeError:  # unhashable: a list of lists, a dict
            return field.get_db_prep_save(value, connection)

    return to_db
