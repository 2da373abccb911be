"""The confirm steps of the people pages (tsunagu.confirm): what ending a household membership
and merging two persons will do, shown before anything changes."""

from datetime import date

from django.db.models import Field
from django.urls import reverse

from accounts.models import User
from people.access import can_see_identity
from people.models import DuplicateCandidate, HouseholdMembership, Person
from people.services import (
    STALE_MERGE,
    MergeError,
    links_to_move,
    merge_fills,
    validate_membership_end,
    validate_merge,
)
from tsunagu.confirm import Confirmation
from tsunagu.templatetags.japanese_dates import wareki

# The restriction carries over as a warning of its own, not as a filled field.
RESTRICTION_FIELDS = ("is_restricted", "restriction_reason")
RESTRICTION_CARRIES_OVER = (
    "統合する記録は制限対象者です。統合すると残す記録も制限対象者になり、"
    "担当チーム以外の職員には氏名・住所などが表示されなくなります。"
)


def person_label(user: User, person: Person) -> str:
    """The name, or 制限対象者 #id for who may not see who the person is."""
    return str(person) if can_see_identity(user, person) else person.restricted_label


def membership_end_confirmation(
    user: User, membership: HouseholdMembership, left_on: date
) -> Confirmation:
    """Refused (ValidationError) as ending the membership itself would be."""
    validate_membership_end(membership, left_on)
    household = membership.household
    name = person_label(user, membership.person)
    return Confirmation(
        heading=f"{name}さんの世帯からの離脱を記録します",
        details=[
            ("世帯", str(household)),
            ("世帯員", f"{name}（{membership.get_relationship_display()}）"),
            ("加入日", wareki(membership.joined_on) if membership.joined_on else "—"),
            ("離脱日", wareki(left_on)),
        ],
        consequences=[
            f"{wareki(left_on)}に離脱した世帯員として記録され、いまの世帯員の一覧から外れます。",
            "この世帯のケースの世帯員の欄からも外れます。",
            "これまでの記録（相談・ケース・世帯にいた期間）は消えません。",
        ],
        button="離脱を記録する",
        back_url=reverse("household_detail", args=[household.pk]),
    )


def field_label(name: str) -> str:
    field = Person._meta.get_field(name)
    assert isinstance(field, Field)
    return str(field.verbose_name)


def merge_confirmation(
    user: User,
    candidate: DuplicateCandidate,
    kept: Person,
    merged: Person,
    versions: tuple[int, int],
) -> Confirmation:
    """Refused (MergeError) as the merge itself would be, and when either record changed since
    the coordinator compared them (`versions`: kept's, merged's)."""
    validate_merge(kept, merged)
    if versions != (kept.version, merged.version):
        raise MergeError(STALE_MERGE)
    kept_name, merged_name = person_label(user, kept), person_label(user, merged)
    fills = [
        field_label(name) for name in merge_fills(kept, merged) if name not in RESTRICTION_FIELDS
    ]
    moved = "、".join(f"{kind}{count}件" for kind, count in links_to_move(merged).items())
    return Confirmation(
        heading=f"#{merged.pk} を #{kept.pk} に統合します",
        details=[
            ("残す記録", f"#{kept.pk} {kept_name}（版 {kept.version}）"),
            ("統合する記録", f"#{merged.pk} {merged_name}（版 {merged.version}）"),
            ("移す記録", moved or "なし"),
            ("残す記録の空欄に写す項目", "、".join(fills) or "なし"),
        ],
        warnings=(
            [RESTRICTION_CARRIES_OVER] if merged.is_restricted and not kept.is_restricted else []
        ),
        consequences=[
            f"#{merged.pk} の記録は #{kept.pk} に統合され、一覧や検索には出なくなります。",
            *([f"{moved}を #{kept.pk} に移します。"] if moved else []),
            *(
                [f"#{kept.pk} の空欄（{'、'.join(fills)}）を #{merged.pk} の内容で埋めます。"]
                if fills
                else []
            ),
            f"#{merged.pk} の担当チームの職員も、#{kept.pk} を担当チームとして見られます。",
            f"あとから #{kept.pk} のページの「統合を取り消す」で、元の二つの記録に戻せます。",
        ],
        button="統合する",
        back_url=reverse("duplicate_compare", args=[candidate.pk]),
    )
