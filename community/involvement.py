"""What the household page shows of the community area: the family groups and ibasho sessions
its members attended (registered attendance, or a nickname linked to the member).
"""

from collections import defaultdict

from django.db.models import Q

from accounts.access import visible_to
from accounts.models import User
from community.access import can_run
from community.models import Attendance


def household_attendance(user: User, person_ids: list[int]) -> dict[int, list[Attendance]]:
    """Per member, their attendance (newest first, at most 10), for users who may run places or
    read personal data; the caller's page is already audited for the members (1 query)."""
    if not person_ids or not can_run(user):
        return {}
    rows = (
        visible_to(user, Attendance.objects.all())
        .filter(Q(person_id__in=person_ids) | Q(nickname__linked_person_id__in=person_ids))
        .select_related("session__place", "session__curriculum_unit", "nickname")
        .order_by("-session__date", "-id")
    )
    by_person: dict[int, list[Attendance]] = defaultdict(list)
    for row in rows:
        person_id = row.person_id or (row.nickname.linked_person_id if row.nickname else None)
        if person_id is not None and len(by_person[person_id]) < 10:
            by_person[person_id].append(row)
    return dict(by_person)
