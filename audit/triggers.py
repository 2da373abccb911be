"""Are the append-only triggers of migration 0002 still in place? Read from the catalogue.

The database owner can drop or disable them (and then change rows); the keyed chain shows the
changed rows, and this check shows that the guard itself is gone. A guard dropped, used and put
back is not visible here — only in the chain.
"""

from dataclasses import dataclass

from django.db import connection

TABLE = "audit_auditevent"

# PostgreSQL pg_trigger.tgtype bits (src/include/catalog/pg_trigger.h).
_ROW, _BEFORE, _DELETE, _UPDATE, _TRUNCATE = 1, 2, 8, 16, 32


@dataclass(frozen=True)
class ExpectedTrigger:
    name: str
    refuses: str  # in Japanese, for the report
    tgtype: int = 0  # PostgreSQL: the bits the trigger must have
    sqlite_event: str = ""  # SQLite: the event in its CREATE TRIGGER statement


SQLITE_TRIGGERS = [
    ExpectedTrigger("audit_no_update", "UPDATE", sqlite_event="BEFORE UPDATE"),
    ExpectedTrigger("audit_no_delete", "DELETE", sqlite_event="BEFORE DELETE"),
]
POSTGRES_TRIGGERS = [
    ExpectedTrigger("audit_no_change", "UPDATE・DELETE", tgtype=_ROW | _BEFORE | _DELETE | _UPDATE),
    ExpectedTrigger("audit_no_truncate", "TRUNCATE", tgtype=_BEFORE | _TRUNCATE),
]
POSTGRES_FUNCTION = "audit_refuse_change"


def missing_trigger_problems() -> list[str]:
    """One Japanese sentence per trigger that is missing, disabled or no longer refuses."""
    if connection.vendor == "sqlite":
        return _sqlite_problems()
    if connection.vendor == "postgresql":
        return _postgres_problems()
    return []


def trigger_check_supported() -> bool:
    return connection.vendor in {"sqlite", "postgresql"}


def _missing(trigger: ExpectedTrigger, how: str) -> str:
    return (
        f"追記のみを守るトリガー {trigger.name}（{trigger.refuses} を拒否）が{how}。"
        "データベースの所有者権限で外された可能性があります。"
    )


def _sqlite_problems() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE]
        )
        found = {name: " ".join(sql.upper().split()) for name, sql in cursor.fetchall()}
    problems = []
    for trigger in SQLITE_TRIGGERS:
        sql = found.get(trigger.name)
        if sql is None:
            problems.append(_missing(trigger, "ありません"))
        elif trigger.sqlite_event not in sql or "RAISE(ABORT" not in sql:
            problems.append(_missing(trigger, "書き換えられ、変更を拒否しなくなっています"))
    return problems


def _postgres_problems() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.tgname, t.tgenabled, t.tgtype, p.proname, p.prosrc"
            " FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid"
            " WHERE t.tgrelid = %s::regclass AND NOT t.tgisinternal",
            [TABLE],
        )
        found = {row[0]: row[1:] for row in cursor.fetchall()}
    problems = []
    for trigger in POSTGRES_TRIGGERS:
        if trigger.name not in found:
            problems.append(_missing(trigger, "ありません"))
            continue
        enabled, tgtype, function, source = found[trigger.name]
        # "O" and "A" fire in normal sessions; "D" is disabled, "R" fires only on replicas.
        if enabled not in {"O", "A"}:
            problems.append(_missing(trigger, "無効にされています（DISABLE TRIGGER）"))
        elif (
            tgtype & trigger.tgtype != trigger.tgtype
            or function != POSTGRES_FUNCTION
            or "RAISE EXCEPTION" not in source.upper()
        ):
            problems.append(_missing(trigger, "書き換えられ、変更を拒否しなくなっています"))
    return problems
