"""Writes to persons and households, each atomic with its audit rows.

Edits carry the version the worker saw (optimistic locking): a save against a newer version is
refused with StaleVersionError and nothing is written.
"""

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Field
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_record, audit_update
from people.duplicates import Duplicate, find_duplicates, record_candidates
from people.links import FILLABLE_FIELDS, PERSON_LINKS
from people.models import (
    DuplicateCandidate,
    Household,
    HouseholdMembership,
    Person,
    PersonMerge,
    PersonPhone,
)
from people.signals import person_updated
from tsunagu.versioning import StaleVersionError, versioned_edit

STALE_MESSAGE = (
    "ほかの人が先にこの記録を更新しました。最新の内容を確認してから、もう一度保存してください。"
)
STALE_MERGE = (
    "統合しようとした記録を、ほかの人が先に更新しました。統合は行っていません。"
    "最新の内容を確認してください。"
)
PHONE_KIND_WITHOUT_NUMBER = "電話の種別は、電話番号を入力したときに選んでください。"
MERGE_WITH_ITSELF = "同じ記録どうしは統合できません。"
ALREADY_MERGED = "すでに統合された記録です。"
MERGE_ACROSS_ORGANISATIONS = "ほかの機関の記録とは統合できません。"
MERGE_ALREADY_UNDONE = "この統合はすでに取り消されています。"
KEPT_MERGED_FURTHER = (
    "統合先の記録がさらに別の記録に統合されています。先にそちらを取り消してください。"
)
ALREADY_MEMBER = "{person} さんはすでにこの世帯の世帯員です。"
ALREADY_LEFT = "この世帯員はすでに離脱しています。"
LEFT_BEFORE_JOINED = "離脱日は加入日より後の日付にしてください。"
# A restriction (DV, abuse) hides the person from everyone off the team: setting or lifting it is
# an explicit, confirmed and audited change, never a side effect of saving other fields.
RESTRICTION_FIELDS = ("is_restricted", "restriction_reason")
RESTRICTION_REASON_REQUIRED = "制限対象者にする理由を選んでください。"
RESTRICTION_LIFT_UNCONFIRMED = (
    "制限を解除すると、担当チーム以外の職員にも氏名・住所などが表示されます。"
    "解除してよいか確認し、「制限の解除を確認しました」を選んでください。"
)


# The key of PersonMerge.moved_links naming the users a merge added to the kept record's team.
TEAM_LINK = "people.Person.team"
PAIR_ALREADY_DECIDED = "この組はすでに判断済みです。"


class MergeError(Exception):
    """A merge or its undo cannot be done; nothing was changed."""


def person_create(
    *,
    organisation_id: int,
    data: dict[str, Any],
    phone: str = "",
    phone_kind: str = "",
    by: User,
    request: HttpRequest | None = None,
) -> tuple[Person, list[Duplicate]]:
    """Create a person; returns the probable duplicates that were queued for review.

    `phone_kind` is the kind the worker chose (携帯・自宅・勤務先・その他); blank, the number's
    prefix tells it."""
    if phone_kind and not phone:
        raise ValidationError({"phone_kind": PHONE_KIND_WITHOUT_NUMBER})
    with transaction.atomic():
        person = Person(organisation_id=organisation_id, created_by=by, **data)
        if person.estimated_age is not None:
            person.estimated_on = timezone.localdate()
        person.save()
        person.team.add(by)
        phones = set()
        if phone:
            saved_phone = PersonPhone.objects.create(
                person=person,
                number=phone,
                kind=PersonPhone.Kind(phone_kind or PersonPhone.kind_of_number(phone)),
            )
            phones.add(saved_phone.digits)
        scope = Person.objects.current().filter(organisation_id=organisation_id)
        duplicates = find_duplicates(person, phones, scope)
        record_candidates(person, duplicates)
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=person,
            fields=[*(field for field, value in data.items() if value), *(["phone"] * bool(phone))],
        )
    return person, duplicates


def person_update(
    *,
    person: Person,
    data: dict[str, Any],
    version: int,
    by: User,
    request: HttpRequest | None = None,
    confirm_lift_restriction: bool = False,
) -> Person:
    """Change the fields in `data` (and only those). A restriction change must be confirmed when
    it lifts the restriction; it is audited as such."""
    audit = audit_update(actor=by, request=request)
    with transaction.atomic():
        with versioned_edit(
            Person, pk=person.pk, version=version, stale_message=STALE_MESSAGE, audit=audit
        ) as edit:
            current = edit.record
            before = copy.copy(current)
            if current.merged_into_id is not None:
                raise StaleVersionError(STALE_MESSAGE, current_version=current.version)
            restriction = _restriction_change(current, data, confirm_lift_restriction)
            if "estimated_age" in edit.change(data):
                # The estimate grows with time from the day it was made (Person.age).
                estimated = current.estimated_age is not None
                edit.also({"estimated_on": timezone.localdate() if estimated else None})
            if restriction:
                edit.detail["restriction"] = restriction
            if restriction == "set":
                # Whoever restricts a person stays able to see them (the team would be empty else).
                current.team.add(by)
        # In the same transaction: what the layers above derive from the person (case titles).
        person_updated.send(sender=Person, before=before, after=current, by=by, request=request)
    return current


def _restriction_change(current: Person, data: dict[str, Any], confirm_lift: bool) -> str:
    """'set', 'lifted', 'reason' or '' for what `data` does to the person's restriction."""
    restricted = data.get("is_restricted", current.is_restricted)
    reason = data.get("restriction_reason", current.restriction_reason)
    if restricted and not reason:
        raise ValidationError({"restriction_reason": RESTRICTION_REASON_REQUIRED})
    if restricted and not current.is_restricted:
        return "set"
    if current.is_restricted and not restricted:
        if not confirm_lift:
            raise ValidationError({"is_restricted": RESTRICTION_LIFT_UNCONFIRMED})
        return "lifted"
    if restricted and reason != current.restriction_reason:
        return "reason"
    return ""


def household_create(
    *, organisation_id: int, data: dict[str, Any], by: User, request: HttpRequest | None = None
) -> Household:
    with transaction.atomic():
        household = Household.objects.create(organisation_id=organisation_id, **data)
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=household,
            fields=[field for field, value in data.items() if value],
        )
    return household


JOINED_IN_FUTURE = "世帯に加わった日が未来の日付です。今日以前の日付を入れてください。"


def household_add_member(
    *,
    household: Household,
    person: Person,
    data: dict[str, Any],
    version: int,
    by: User,
    request: HttpRequest | None = None,
) -> HouseholdMembership:
    joined_on = data.get("joined_on")
    if joined_on is not None and joined_on > timezone.localdate():
        raise ValidationError({"joined_on": JOINED_IN_FUTURE})
    audit = audit_update(actor=by, request=request)
    with versioned_edit(
        Household, pk=household.pk, version=version, stale_message=STALE_MESSAGE, audit=audit
    ) as edit:
        current = edit.record
        if current.memberships.filter(person=person, left_on__isnull=True).exists():
            raise ValidationError(ALREADY_MEMBER.format(person=person))
        if data.get("is_key_contact"):
            current.memberships.update(is_key_contact=False)
        membership = HouseholdMembership.objects.create(household=current, person=person, **data)
        edit.mark("memberships")
        edit.detail.update(person=person.pk, membership=membership.pk)
    return membership


def validate_membership_end(membership: HouseholdMembership, left_on: Any) -> None:
    """Why `membership` cannot end on `left_on`, if it cannot; asked by the confirm step first."""
    if membership.joined_on and left_on < membership.joined_on:
        raise ValidationError(LEFT_BEFORE_JOINED)


def household_end_membership(
    *,
    membership: HouseholdMembership,
    left_on: Any,
    by: User,
    request: HttpRequest | None = None,
) -> None:
    """End a membership from the household page's list; the household's version moves on, so a
    form opened before is refused."""
    validate_membership_end(membership, left_on)
    audit = audit_update(actor=by, request=request, detail={"membership": membership.pk})
    with versioned_edit(
        Household,
        pk=membership.household_id,
        version=None,
        stale_message=STALE_MESSAGE,
        audit=audit,
    ) as edit:
        ended = HouseholdMembership.objects.filter(pk=membership.pk, left_on__isnull=True).update(
            left_on=left_on
        )
        if not ended:
            raise ValidationError(ALREADY_LEFT)
        edit.mark("memberships.left_on")


def validate_merge(kept: Person, merged: Person) -> None:
    """Why `merged` cannot be merged into `kept`, if it cannot (MergeError): asked by the confirm
    step first, and again by the merge on the locked rows."""
    if kept.pk == merged.pk:
        raise MergeError(MERGE_WITH_ITSELF)
    if kept.merged_into_id or merged.merged_into_id:
        raise MergeError(ALREADY_MERGED)
    if kept.organisation_id != merged.organisation_id:
        raise MergeError(MERGE_ACROSS_ORGANISATIONS)


def merge_fills(kept: Person, merged: Person) -> list[str]:
    """The fields of `kept` a merge would fill from `merged`, for the confirm step."""
    return list(_blanks_to_fill(kept, merged))


def links_to_move(person: Person) -> dict[str, int]:
    """How many rows of each kind point at `person`, by the kind's name (世帯員, 相談受付 …)."""
    counts = {}
    for model_label, field in PERSON_LINKS:
        model = apps.get_model(model_label)
        count = model._default_manager.filter(**{field: person.pk}).count()
        if count:
            counts[str(model._meta.verbose_name)] = count
    return counts


def person_merge(
    *,
    kept: Person,
    merged: Person,
    kept_version: int,
    merged_version: int,
    by: User,
    request: HttpRequest | None = None,
) -> PersonMerge:
    """Merge `merged` into `kept`: move every link, fill kept's blanks, keep what undo needs."""
    if kept.pk == merged.pk:
        raise MergeError(MERGE_WITH_ITSELF)
    audit = audit_update(actor=by, request=request)
    with (
        transaction.atomic(),
        # Both rows locked in id order first, so two merges of the same pair cannot deadlock.
        _locked_pair(kept.pk, merged.pk),
        # Nested so that kept is saved (and audited) before merged.
        versioned_edit(
            Person, pk=merged.pk, version=merged_version, stale_message=STALE_MERGE, audit=audit
        ) as merged_edit,
        versioned_edit(
            Person, pk=kept.pk, version=kept_version, stale_message=STALE_MERGE, audit=audit
        ) as kept_edit,
    ):
        kept_now, merged_now = kept_edit.record, merged_edit.record
        validate_merge(kept_now, merged_now)
        moved = _move_links(merged_now.pk, kept_now.pk)
        filled = kept_edit.change(_blanks_to_fill(kept_now, merged_now))
        # The merged record's team keeps seeing the person; undo takes the added members off.
        kept_team = set(kept_now.team.values_list("pk", flat=True))
        added_team = sorted(set(merged_now.team.values_list("pk", flat=True)) - kept_team)
        kept_now.team.add(*added_team)
        kept_edit.mark("links", *(["team"] if added_team else []))
        if added_team:
            moved[TEAM_LINK] = added_team
        merge = PersonMerge.objects.create(
            kept=kept_now, merged=merged_now, moved_links=moved, filled_fields=filled, merged_by=by
        )
        merged_edit.change({"merged_into": kept_now})
        _set_pair_status(kept_now.pk, merged_now.pk, DuplicateCandidate.Status.MERGED, by)
        summary = {label: len(ids) for label, ids in moved.items() if label != TEAM_LINK}
        for edit, role in ((kept_edit, "kept"), (merged_edit, "merged")):
            edit.detail.update(merge=merge.pk, role=role, moved=summary)
    return merge


@contextmanager
def _locked_pair(first: int, second: int) -> Iterator[None]:
    list(Person.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk"))
    yield


def person_merge_undo(*, merge: PersonMerge, by: User, request: HttpRequest | None = None) -> None:
    """Split a merge: both records and their links are as they were before it."""
    audit = audit_update(actor=by, request=request, detail={"merge_undone": merge.pk})
    with transaction.atomic():
        merge = PersonMerge.objects.select_for_update().get(pk=merge.pk)
        if merge.undone_at is not None:
            raise MergeError(MERGE_ALREADY_UNDONE)
        with (
            _locked_pair(merge.kept_id, merge.merged_id),
            # No version compared: the undo is of the merge, whatever was edited since.
            versioned_edit(
                Person, pk=merge.merged_id, version=None, stale_message=STALE_MERGE, audit=audit
            ) as merged_edit,
            versioned_edit(
                Person, pk=merge.kept_id, version=None, stale_message=STALE_MERGE, audit=audit
            ) as kept_edit,
        ):
            kept, merged = kept_edit.record, merged_edit.record
            if kept.merged_into_id is not None:
                raise MergeError(KEPT_MERGED_FURTHER)
            moved = dict(merge.moved_links)
            kept.team.remove(*moved.pop(TEAM_LINK, []))
            for label, ids in moved.items():
                model_label, field = label.rsplit(".", 1)
                model = apps.get_model(model_label)
                model._default_manager.filter(pk__in=ids, **{field: kept.pk}).update(
                    **{field: merged.pk}
                )
            kept_edit.change(_blanks_to_restore(kept, merged, merge.filled_fields))
            merged_edit.change({"merged_into": None})
            for edit in (kept_edit, merged_edit):
                edit.mark("merged_into", "links", *merge.filled_fields)
            merge.undone_at, merge.undone_by = timezone.now(), by
            merge.save(update_fields=["undone_at", "undone_by"])
            _set_pair_status(kept.pk, merged.pk, DuplicateCandidate.Status.DIFFERENT, by)


def duplicate_mark_different(
    *, candidate: DuplicateCandidate, by: User, request: HttpRequest | None = None
) -> None:
    with transaction.atomic():
        # Two reviewers deciding the same pair: the second is told, not silently overwritten.
        current = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
        if current.status != DuplicateCandidate.Status.OPEN:
            raise ValidationError(PAIR_ALREADY_DECIDED)
        _set_pair_status(
            candidate.first_id, candidate.second_id, DuplicateCandidate.Status.DIFFERENT, by
        )
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=by,
            request=request,
            obj=candidate,
            fields=["status"],
            detail={"persons": [candidate.first_id, candidate.second_id]},
        )


def _move_links(from_id: int, to_id: int) -> dict[str, list[int]]:
    moved = {}
    for model_label, field in PERSON_LINKS:
        model = apps.get_model(model_label)
        rows = model._default_manager.filter(**{field: from_id})
        ids = sorted(rows.values_list("pk", flat=True))
        if ids:
            model._default_manager.filter(pk__in=ids).update(**{field: to_id})
            moved[f"{model_label}.{field}"] = ids
    return moved


def _blanks_to_fill(kept: Person, merged: Person) -> dict[str, Any]:
    """Kept's blank fields that the merged record has, with the merged record's values."""
    fills = {
        field: getattr(merged, field)
        for field in FILLABLE_FIELDS
        if not getattr(kept, field) and getattr(merged, field)
    }
    if merged.is_restricted and not kept.is_restricted:
        # The merged record's restriction (DV, abuse) protects the same person: it carries over.
        fills |= {"is_restricted": True, "restriction_reason": merged.restriction_reason}
    return fills


def _blanks_to_restore(kept: Person, merged: Person, filled_fields: list[str]) -> dict[str, Any]:
    # A value a worker has changed since the merge is theirs now: leave it.
    blanks = {}
    for name in filled_fields:
        if getattr(kept, name) == getattr(merged, name):
            field = Person._meta.get_field(name)
            assert isinstance(field, Field)
            blanks[name] = None if field.null else field.get_default()
    return blanks


def _set_pair_status(first: int, second: int, status: str, by: User) -> None:
    low, high = sorted((first, second))
    candidate, _ = DuplicateCandidate.objects.get_or_create(
        first_id=low, second_id=high, defaults={"score": 0.0}
    )
    candidate.status, candidate.decided_by, candidate.decided_at = status, by, timezone.now()
    candidate.save(update_fields=["status", "decided_by", "decided_at"])
