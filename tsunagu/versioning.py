"""Optimistic locking: a record edited from a stale form is refused, never silently overwritten.

Every service that edits a versioned record (a model with a `version` column) goes through
`versioned_edit`: it locks the row, compares the version the worker saw, lets the service set
what changed, then writes only those columns with `version = version + 1` and the audit row in
the same transaction. This module is the ground layer: it knows no app, so the audit row comes in
as a callable (`audit.services.audit_update` builds one).

A correction (訂正) is a versioned edit that keeps the previous version: the edit remembers each
changed field's value before the change (`VersionedEdit.before`), and the `keep` callable the
service passes (`audit.services.keep_previous_version`) stores them, encrypted, with the reason.
"""

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import models, transaction
from django.db.models import F, QuerySet

VERSION_FIELD = "version"

# Writes the audit row of an edit: (the saved record, the audited field names, the detail).
AuditWriter = Callable[[models.Model, Sequence[str], Mapping[str, Any]], object]
# Keeps the previous version of a correction (訂正) before its audit row is written; what it
# returns (the kept version's id) joins the audit row's detail.
PreviousKeeper = Callable[["VersionedEdit[Any]"], Mapping[str, Any]]


class StaleVersionError(Exception):
    """The record changed since the form was opened; nothing was saved.

    `current_version` is the version saved now (when known), so a page can show both versions and
    let the worker save their input again over the current one knowingly.
    """

    def __init__(self, message: str, *, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version


class VersionedEdit[M: models.Model]:
    """The locked record of a `versioned_edit` and what the service changed on it."""

    def __init__(self, record: M) -> None:
        self.record = record
        self.changed: list[str] = []
        self.detail: dict[str, Any] = {}
        # The version the worker corrected, and each changed field's value before this edit.
        self.version_before: int = getattr(record, VERSION_FIELD)
        self.before: dict[str, Any] = {}
        self._after: dict[str, Any] = {}
        self._also: list[str] = []

    def change(self, data: Mapping[str, Any]) -> list[str]:
        """Set the fields whose value differs; returns their names. They are saved and audited."""
        newly = self._set(data)
        self.changed += [name for name in newly if name not in self.changed]
        return newly

    def also(self, data: Mapping[str, Any]) -> list[str]:
        """Set fields that follow from a change (a date stamp, a cleared reason): saved with the
        change, not audited, and never a change on their own."""
        newly = self._set(data)
        self._also += [name for name in newly if name not in self._also]
        return newly

    def mark(self, *names: str) -> None:
        """Count a change made outside the row's columns (a membership row, a many-to-many set)
        as a change of the record: it is audited under `names` and the version is bumped."""
        self.changed += [name for name in names if name not in self.changed]

    def mark_values(self, name: str, before: Any, after: Any) -> None:
        """`mark` a change made outside the row's columns with its values before and after (the
        ids of a many-to-many set), for a correction's previous version."""
        self.before.setdefault(name, before)
        self._after[name] = after
        self.mark(name)

    def changes(self) -> dict[str, tuple[Any, Any]]:
        """Each audited change as (value before the edit, value after it)."""
        return {
            name: (self.before[name], self._after.get(name, getattr(self.record, name, None)))
            for name in self.changed
            if name in self.before
        }

    def _set(self, data: Mapping[str, Any]) -> list[str]:
        newly = [name for name, value in data.items() if getattr(self.record, name) != value]
        for name in newly:
            self.before.setdefault(name, getattr(self.record, name))
            setattr(self.record, name, data[name])
        return newly

    def _columns(self) -> list[str]:
        fields = self.record._meta.concrete_fields
        concrete = {name for field in fields for name in (field.name, field.attname)}
        stamped = [field.name for field in fields if getattr(field, "auto_now", False)]
        written = [name for name in (*self.changed, *self._also) if name in concrete]
        return list(dict.fromkeys([*written, VERSION_FIELD, *stamped]))

    def _save(self, audit: AuditWriter, keep: PreviousKeeper | None) -> None:
        if not self.changed:
            return
        setattr(self.record, VERSION_FIELD, F(VERSION_FIELD) + 1)
        self.record.save(update_fields=self._columns())
        self.record.refresh_from_db(fields=[VERSION_FIELD])
        if keep is not None:
            self.detail.update(keep(self))
        audit(self.record, list(self.changed), dict(self.detail))


@contextmanager
def versioned_edit[M: models.Model](
    records: QuerySet[M] | type[M],
    *,
    pk: Any,
    version: int | None,
    stale_message: str,
    audit: AuditWriter,
    keep: PreviousKeeper | None = None,
) -> Iterator[VersionedEdit[M]]:
    """Lock the record `pk`, refuse it if its version is not `version`, yield the edit; on a
    clean exit save what changed (nothing, and no audit row, when nothing did).

    `version=None` skips the comparison, for edits that follow from another write (a membership
    ended from the list, a stage moved by a new plan) rather than from a form the worker opened.
    An exception inside the block rolls everything back, the audit row included.

    `keep` makes the edit a correction (訂正): when something changed, it keeps the previous
    version (`audit.services.keep_previous_version`) in the same transaction, and the audit row
    names it.
    """
    queryset = records if isinstance(records, QuerySet) else records._default_manager.all()
    with transaction.atomic():
        record = queryset.select_for_update().get(pk=pk)
        saved_version = getattr(record, VERSION_FIELD)
        if version is not None and saved_version != version:
            raise StaleVersionError(stale_message, current_version=saved_version)
        edit = VersionedEdit(record)
        yield edit
        edit._save(audit, keep)
