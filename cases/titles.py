"""The automatic title of a case opened for a person (「高橋 勇気さんの支援」).

An alias often ends in an honorific already (「高橋さんの長男さん」): the title then adds none, so
it never reads 「…長男さんさんの支援」. A title that is still the automatic one follows the
person's display name when the real name is entered; a title a worker typed is kept.
"""

from django.db.models import QuerySet

from cases.models import Case
from people.models import Person

# Endings that already address the person; the title adds no second さん after them.
HONORIFICS = ("さん", "様", "さま", "くん", "君", "ちゃん", "氏")


def title_name(person: Person) -> str:
    # Case titles are shown in lists to the whole office: never a restricted person's name.
    return person.restricted_label if person.is_restricted else str(person)


def automatic_title(person: Person) -> str:
    name = title_name(person).strip()
    addressed = name.endswith(HONORIFICS) or person.is_restricted
    return f"{name}の支援" if addressed else f"{name}さんの支援"


def follow_person_name(before: Person, after: Person) -> int:
    """Retitle the cases of `after` whose title is the automatic one of `before`; how many."""
    old_title, new_title = automatic_title(before), automatic_title(after)
    if old_title == new_title:
        return 0
    cases: QuerySet[Case] = Case.objects.filter(person_id=after.pk, title=old_title)
    return cases.update(title=new_title)
