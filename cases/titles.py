"""The automatic title of a case opened for a person (「高橋 勇気さんの支援」).

An alias often ends in an honorific already (「高橋さんの長男さん」): the title then adds none, so
it never reads 「…長男さんさんの支援」. A title that is still the automatic one follows the
person's display name when the real name is entered; a title a worker typed is kept.
"""

from typing import Any

from django.db.models import F, QuerySet

from audit.models import AuditEvent
from audit.services import AuditEntry, audit_records, object_type_of
from cases.models import Case
from people.models import Person
from people.signals import person_updated

# Endings that already address the person; the title adds no second さん after them.
HONORIFICS = ("さん", "様", "さま", "くん", "君", "ちゃん", "氏")


def title_name(person: Person) -> str:
    # Case titles are shown in lists to the whole office: never a restricted person's name.
    return person.restricted_label if person.is_restricted else str(person)


def automatic_title(person: Person) -> str:
    name = title_name(person).strip()
    addressed = name.endswith(HONORIFICS) or person.is_restricted
    return f"{name}の支援" if addressed else f"{name}さんの支援"


def follow_person_name(before: Person, after: Person, *, by: Any, request: Any = None) -> int:
    """Retitle the cases of `after` whose title is the automatic one of `before`; how many.

    Each retitled case gets a new version (an open edit form of it is then refused as stale,
    not silently overwritten) and an audit row of its own."""
    old_title, new_title = automatic_title(before), automatic_title(after)
    if old_title == new_title:
        return 0
    cases: QuerySet[Case] = Case.objects.filter(person_id=after.pk, title=old_title)
    retitled = list(cases.values_list("pk", flat=True))
    Case.objects.filter(pk__in=retitled).update(title=new_title, version=F("version") + 1)
    audit_records(
        [
            AuditEntry(
                action=AuditEvent.Action.UPDATE,
                actor=by,
                request=request,
                object_type=object_type_of(Case),
                object_id=pk,
                fields=("title",),
                detail={"reason": "automatic_title_follows_person"},
            )
            for pk in retitled
        ]
    )
    return len(retitled)


def _person_updated(
    sender: type[Person], *, before: Person, after: Person, by: Any, request: Any, **kwargs: Any
) -> None:
    follow_person_name(before, after, by=by, request=request)


def connect() -> None:
    """Called by CasesConfig.ready: hear `people.signals.person_updated`."""
    person_updated.connect(_person_updated, dispatch_uid="cases-titles-follow-person")
