"""Small SQL expressions that the ORM lacks, written once for SQLite and PostgreSQL."""

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import DateField, Func, Model, QuerySet
from django.db.models.sql.compiler import SQLCompiler


class AddDays(Func):
    """`date + days` in SQL, both columns of the row (e.g. the last contact + the interval).

    PostgreSQL adds an integer to a date; SQLite, which stores dates as ISO text, needs the
    `date()` function with a '+N days' modifier. Either way the result is a date, so a
    watch list can filter and sort on it in the database instead of in Python.
    """

    arity = 2
    output_field = DateField()

    def _compiled(self, compiler: SQLCompiler) -> tuple[str, str, tuple[Any, ...]]:
        date_sql, date_params = compiler.compile(self.source_expressions[0])
        days_sql, days_params = compiler.compile(self.source_expressions[1])
        return date_sql, days_sql, (*date_params, *days_params)

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        date_sql, days_sql, params = self._compiled(compiler)
        return f"({date_sql} + {days_sql})", params

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        date_sql, days_sql, params = self._compiled(compiler)
        return f"date({date_sql}, '+' || {days_sql} || ' days')", params


def ids_first[M: Model](queryset: QuerySet[M], *, limit: int, offset: int = 0) -> list[M]:
    """One page of an ordered queryset, its ids chosen first: the rows with their joins and
    annotations whose ids a narrow subquery picked (`id IN (SELECT id … ORDER BY … LIMIT n)`),
    in the same order.

    Sorting thousands of wide joined rows (a case with its person, household and worker) to keep
    fifty is most of a list's time on PostgreSQL; sorting their keys alone takes a few
    milliseconds. One query, whatever the size of the list and whether the page is empty.
    """
    page = queryset.values("pk")[offset : offset + limit]
    return list(queryset.filter(pk__in=page))
