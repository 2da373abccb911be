"""Importing a checked plan: everything in one transaction, or nothing.

Rows are written as plain tuples (bulk.py: COPY on PostgreSQL, executemany on SQLite; 100k rows
must import within a minute) keeping the invariants of the services they stand in for: persons
get their matching keys (computed once while planning with people/keys.py KeyCache, the same
computation as Person.save) and the importing worker on their team (as person_create does),
possible duplicates are queued (DuplicateCandidate), referrals get their first ReferralEvent, and
the reports' cached tables of the years imported into are marked stale (reports/cache.py).
The audit log gets one row per kind of record naming the ids created, and one for the batch.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.access import own_organisation_id, require_right
from accounts.models import Organisation, User
from accounts.roles import Right
from audit.models import AuditEvent
from audit.services import audit_record, object_type_of
from collaboration.models import Referral, ReferralEvent
from collaboration.services import agency_create
from consultations.importing.bulk import insert_rows, reserve_ids
from consultations.importing.planning import ImportPlan, out_of_hours, plan_import
from consultations.importing.reading import FileRefused, RowError, read_sheet
from consultations.models import Category, Consultation, ConsulterType, Disposition, ImportBatch
from consultations.signals import consultations_bulk_written
from people.models import DuplicateCandidate, Person
from tsunagu.dates import fiscal_year

# A referral older than this is history: recorded as 終了 instead of waiting for a follow-up.
REFERRAL_HISTORY_DAYS = 90
REFERRAL_FOLLOW_UP_DAYS = 14
IMPORT_NOTE = "表計算ソフトからの取込"
OTHER_ORGANISATION = "取り込めるのは、取り込む職員の所属機関の記録だけです。"


class ImportRefused(Exception):
    """Rows that cannot be imported; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)}件の誤り")
        self.errors = errors


@dataclass
class ImportResult:
    plan: ImportPlan
    batch: ImportBatch | None  # None for a dry run

    @property
    def summary(self) -> dict[str, Any]:
        return self.plan.summary()


def file_digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def refuse_reimport(organisation: Organisation, digest: str) -> None:
    done = (
        ImportBatch.objects.filter(
            organisation=organisation, sha256=digest, status=ImportBatch.Status.IMPORTED
        )
        .order_by("imported_at")
        .first()
    )
    if done is not None and done.imported_at is not None:
        day = timezone.localtime(done.imported_at).date()
        raise FileRefused(
            f"このファイルは {day.year}年{day.month}月{day.day}日に取り込み済みです"
            f"（取込 #{done.pk}）。同じファイルを2回取り込むことはできません。"
        )


def refuse_unless_allowed(
    user: User, organisation: Organisation, request: HttpRequest | None = None
) -> None:
    """The rights check of every door (page, command): the right to write personal records
    (403, audited), and records go only to the importer's own organisation."""
    require_right(user, Right.EDIT_PERSONAL_DATA, request=request)
    if organisation.pk != own_organisation_id(user):
        raise PermissionDenied(OTHER_ORGANISATION)


def check_file(
    *,
    content: bytes,
    file_name: str,
    organisation: Organisation,
    user: User,
    encoding: str = "",
    request: HttpRequest | None = None,
) -> ImportPlan:
    """Read and check a file; FileRefused for the file, ImportRefused listing the bad rows.

    PermissionDenied (before the file is read) unless `user` may import into `organisation`.
    """
    refuse_unless_allowed(user, organisation, request)
    refuse_reimport(organisation, file_digest(content))
    plan = plan_import(read_sheet(content, file_name, encoding), organisation, user)
    if not plan.is_valid:
        raise ImportRefused(plan.errors)
    if not plan.consultations:
        raise FileRefused("取り込む行がありません（見出し行のあとがすべて空です）。")
    return plan


def import_file(
    *,
    content: bytes,
    file_name: str,
    organisation: Organisation,
    user: User,
    encoding: str = "",
    dry_run: bool = False,
    request: HttpRequest | None = None,
) -> ImportResult:
    """Check a file and (unless a dry run) import it at once; the command's path."""
    plan = check_file(
        content=content,
        file_name=file_name,
        organisation=organisation,
        user=user,
        encoding=encoding,
        request=request,
    )
    if dry_run:
        return ImportResult(plan, None)
    batch = ImportBatch(
        organisation=organisation,
        uploaded_by=user,
        file_name=file_name[:255],
        sha256=file_digest(content),
        size=len(content),
        encoding=plan.sheet.encoding,
    )
    write_plan(plan, batch, user=user, request=request)
    return ImportResult(plan, batch)


def preview_upload(
    *,
    content: bytes,
    file_name: str,
    organisation: Organisation,
    user: User,
    encoding: str = "",
    request: HttpRequest | None = None,
) -> ImportBatch:
    """Check an uploaded file and keep it, with what it would create, until it is confirmed."""
    plan = check_file(
        content=content,
        file_name=file_name,
        organisation=organisation,
        user=user,
        encoding=encoding,
        request=request,
    )
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            organisation=organisation,
            uploaded_by=user,
            file_name=file_name[:255],
            sha256=file_digest(content),
            size=len(content),
            encoding=plan.sheet.encoding,
            content=content,
            summary=plan.summary(),
        )
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=user,
            request=request,
            obj=batch,
            fields=["file_name", "content"],
            detail={
                "rows": len(plan.consultations),
                "existing_persons_shown": sorted(plan.existing_labels),
            },
            organisation_id=organisation.pk,
        )
    return batch


def confirm_batch(
    batch: ImportBatch, *, user: User, request: HttpRequest | None = None
) -> ImportBatch:
    """Import a previewed file; it is checked again (the records may have changed meanwhile)."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != ImportBatch.Status.PREVIEWED or batch.content is None:
            raise FileRefused("この取込はすでに確定または取消されています。")
        plan = check_file(
            content=bytes(batch.content),
            file_name=batch.file_name,
            organisation=batch.organisation,
            user=user,
            encoding=batch.encoding,
            request=request,
        )
        write_plan(plan, batch, user=user, request=request)
    return batch


def cancel_batch(batch: ImportBatch, *, user: User, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != ImportBatch.Status.PREVIEWED:
            raise FileRefused("この取込はすでに確定または取消されています。")
        batch.status = ImportBatch.Status.CANCELLED
        batch.content = None
        batch.save(update_fields=["status", "content"])
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=user,
            request=request,
            obj=batch,
            fields=["status"],
            organisation_id=batch.organisation_id,
        )


def write_plan(
    plan: ImportPlan, batch: ImportBatch, *, user: User, request: HttpRequest | None = None
) -> None:
    """Create everything the plan lists, atomically, and mark the batch imported."""
    organisation = plan.organisation
    with transaction.atomic():
        batch.status = ImportBatch.Status.IMPORTED
        batch.imported_at = timezone.now()
        batch.content = None
        batch.summary = plan.summary()
        try:
            with transaction.atomic():
                batch.save()
        except IntegrityError:
            raise FileRefused(
                "このファイルはすでに取り込まれています。同じファイルを2回取り込むことはできません。"
            ) from None
        agency_ids = _create_agencies(plan, user, request)
        person_ids = _create_persons(plan, user)
        candidates = _queue_duplicates(plan, person_ids)
        referral_ids = _create_referrals(plan, person_ids, agency_ids, user)
        consultation_ids = _create_consultations(plan, person_ids, referral_ids, user)
        _reports_changed(plan)
        created = {
            Person: list(person_ids.values()),
            Referral: [pk for pk in referral_ids.values()],
            Consultation: consultation_ids,
            DuplicateCandidate: candidates,
        }
        for model, ids in created.items():
            if ids:
                audit_record(
                    action=AuditEvent.Action.CREATE,
                    actor=user,
                    request=request,
                    object_type=object_type_of(model),
                    detail={"import_batch": batch.pk, "count": len(ids), "ids": ids},
                    organisation_id=organisation.pk,
                )
        counts = {object_type_of(model): len(ids) for model, ids in created.items()}
        batch.summary["created"] = counts
        batch.save(update_fields=["summary"])
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=user,
            request=request,
            obj=batch,
            fields=["status"],
            detail={
                "created": counts,
                "linked_persons": sorted(
                    {p.linked_id for p in plan.persons.values() if p.linked_id is not None}
                ),
            },
            organisation_id=organisation.pk,
        )


def _create_agencies(
    plan: ImportPlan, user: User, request: HttpRequest | None
) -> dict[tuple[str, str], int]:
    ids: dict[tuple[str, str], int] = {}
    local_government = plan.organisation.local_government
    for key, pk in plan.agencies.items():
        if pk is None:
            name, category = key
            pk = agency_create(
                data={"name": name, "category": category, "note": IMPORT_NOTE},
                local_government=local_government,
                by=user,
                request=request,
            ).pk
        ids[key] = pk
    return ids


def _create_persons(plan: ImportPlan, user: User) -> dict[str, int]:
    """The persons of the file not linked to an existing one; file key → id.

    Their keys were computed once while planning (FilePerson.keys, KeyCache: as Person.save
    computes them); the importing worker joins each one's team, as person_create does.
    """
    now = timezone.now()
    today = timezone.localdate()
    file_persons = plan.new_persons()
    ids = reserve_ids(Person, len(file_persons))
    if file_persons:
        field_names = list(file_persons[0].person_fields(today))
        insert_rows(
            Person,
            ["id", "organisation", "created_by", "created_at", *field_names, *Person.KEY_COLUMNS],
            (
                [
                    pk,
                    plan.organisation.pk,
                    user.pk,
                    now,
                    *file_person.person_fields(today).values(),
                    *(file_person.keys[column] for column in Person.KEY_COLUMNS),
                ]
                for pk, file_person in zip(ids, file_persons, strict=True)
            ),
        )
        insert_rows(Person.team.through, ["person", "user"], ((pk, user.pk) for pk in ids))
    person_ids = {fp.key: pk for fp, pk in zip(file_persons, ids, strict=True)}
    for file_person in plan.persons.values():
        if file_person.linked_id is not None:
            person_ids.setdefault(f"linked:{file_person.key}", file_person.linked_id)
    return person_ids


def _person_id(plan: ImportPlan, person_ids: dict[str, int], key: str) -> int:
    linked = plan.persons[key].linked_id
    return linked if linked is not None else person_ids[key]


def _queue_duplicates(plan: ImportPlan, person_ids: dict[str, int]) -> list[int]:
    pairs: dict[tuple[int, int], float] = {}
    for file_person in plan.new_persons():
        own = person_ids[file_person.key]
        for ref, score in file_person.possible:
            other = int(ref[1:]) if ref.startswith("p") else _person_id(plan, person_ids, ref[1:])
            first, second = sorted((own, other))
            if first != second:
                pairs[(first, second)] = max(score, pairs.get((first, second), 0.0))
    # Every pair has a person created now: no earlier candidate row can exist for it.
    ids = reserve_ids(DuplicateCandidate, len(pairs))
    insert_rows(
        DuplicateCandidate,
        ["id", "first", "second", "score"],
        (
            (pk, first, second, score)
            for pk, ((first, second), score) in zip(ids, pairs.items(), strict=True)
        ),
    )
    return ids


def _create_referrals(
    plan: ImportPlan, person_ids: dict[str, int], agency_ids: dict[tuple[str, str], int], user: User
) -> dict[int, int]:
    """One referral per つなぐ row, with its first event; row line → referral id."""
    today = timezone.localdate()
    rows = [c for c in plan.consultations if c.disposition == Disposition.REFER]
    ids = reserve_ids(Referral, len(rows))
    states = []
    referrals = []
    for pk, row in zip(ids, rows, strict=True):
        assert row.agency is not None  # planning requires it for つなぐ
        state, follow_up_on = _referral_state(row.received_on, today)
        states.append(state)
        referrals.append(
            (
                pk,
                plan.organisation.pk,
                _person_id(plan, person_ids, row.person_key),
                agency_ids[row.agency],
                f"取込: {Category(row.categories[0]).label}",
                state,
                row.received_on,
                follow_up_on,
                user.pk,
            )
        )
    insert_rows(
        Referral,
        [
            "id",
            "organisation",
            "person",
            "agency",
            "purpose",
            "state",
            "referred_on",
            "follow_up_on",
            "referred_by",
        ],
        referrals,
    )
    now = timezone.now()
    insert_rows(
        ReferralEvent,
        ["referral", "state", "note", "at", "by"],
        ((pk, state, IMPORT_NOTE, now, user.pk) for pk, state in zip(ids, states, strict=True)),
    )
    return {row.line: pk for row, pk in zip(rows, ids, strict=True)}


def _referral_state(referred_on: date, today: date) -> tuple[str, date]:
    follow_up_on = referred_on + timedelta(days=REFERRAL_FOLLOW_UP_DAYS)
    if (today - referred_on).days > REFERRAL_HISTORY_DAYS:
        return Referral.State.ENDED, follow_up_on
    return Referral.State.PROPOSED, max(follow_up_on, today)


CONSULTATION_FIELDS = [
    "id",
    "organisation",
    "received_at",
    "channel",
    "consulter_type",
    "consulter_relationship",
    "person",
    "age_at_contact",
    "categories",
    "main_concern",
    "content",
    "disposition",
    "referral",
    "is_out_of_hours",
    "taken_by",
]


def _create_consultations(
    plan: ImportPlan, person_ids: dict[str, int], referral_ids: dict[int, int], user: User
) -> list[int]:
    ids = reserve_ids(Consultation, len(plan.consultations))
    holidays: dict[date, bool] = {}
    received_at: dict[date, datetime] = {}
    rows = []
    for pk, row in zip(ids, plan.consultations, strict=True):
        person = plan.persons[row.person_key]
        day = row.received_on
        if day not in received_at:
            received_at[day] = row.received_at()
        rows.append(
            (
                pk,
                plan.organisation.pk,
                received_at[day],
                row.channel,
                row.consulter_type,
                row.consulter_relationship if row.consulter_type == ConsulterType.FAMILY else "",
                _person_id(plan, person_ids, row.person_key),
                row.age if row.age is not None else person.age_on(day),
                row.categories,
                row.categories[0],
                row.memo,
                row.disposition,
                referral_ids.get(row.line),
                out_of_hours(day, holidays),
                user.pk,
            )
        )
    insert_rows(Consultation, CONSULTATION_FIELDS, rows)
    return ids


def _reports_changed(plan: ImportPlan) -> None:
    """The reports' cached tables of the years imported into are stale (no signals were sent)."""
    years = {fiscal_year(row.received_on) for row in plan.consultations}
    consultations_bulk_written.send(sender=Consultation, fiscal_years=years)
