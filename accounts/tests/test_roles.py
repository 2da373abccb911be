"""Every role × every right, written out as a table so that a change shows here first."""

import pytest

from accounts.roles import ROLE_RIGHTS, Right, Role, rights_of

R = Right
EXPECTED: dict[Role, set[Right]] = {
    Role.ADMINISTRATOR: {R.MANAGE_STAFF, R.VIEW_STATISTICS},
    Role.CONSULTATION_WORKER: {
        R.VIEW_PERSONAL_DATA,
        R.EDIT_PERSONAL_DATA,
        R.EXPORT_PERSONAL_DATA,
        R.VIEW_STATISTICS,
    },
    Role.OUTREACH_WORKER: {
        R.VIEW_PERSONAL_DATA,
        R.EDIT_PERSONAL_DATA,
        R.EXPORT_PERSONAL_DATA,
        R.VIEW_STATISTICS,
    },
    Role.COORDINATOR: {
        R.VIEW_PERSONAL_DATA,
        R.EDIT_PERSONAL_DATA,
        R.EXPORT_PERSONAL_DATA,
        R.CONVENE_MEETINGS,
        R.MERGE_RECORDS,
        R.VIEW_STATISTICS,
    },
    Role.IBASHO_STAFF: {R.RUN_IBASHO, R.VIEW_STATISTICS},
    Role.SUPPORTER: {R.VIEW_OWN_DISPATCHES},
    Role.STATISTICS_CLERK: {R.VIEW_STATISTICS},
    Role.AUDITOR: {R.VIEW_AUDIT_LOG},
    Role.CENTRE_SPECIALIST: {
        R.VIEW_PERSONAL_DATA,
        R.EDIT_PERSONAL_DATA,
        R.GIVE_SPECIALIST_ADVICE,
        R.VIEW_STATISTICS,
    },
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("right", list(Right))
def test_each_role_has_exactly_its_rights(role: Role, right: Right) -> None:
    assert (right in ROLE_RIGHTS[role]) == (right in EXPECTED[role])


def test_every_role_is_in_the_table() -> None:
    assert set(ROLE_RIGHTS) == set(Role)


def test_only_the_statistics_roles_lack_personal_data() -> None:
    without = {role for role in Role if R.VIEW_PERSONAL_DATA not in ROLE_RIGHTS[role]}
    assert without == {
        Role.ADMINISTRATOR,
        Role.IBASHO_STAFF,
        Role.SUPPORTER,
        Role.STATISTICS_CLERK,
        Role.AUDITOR,
    }


def test_rights_of_several_roles_is_their_union() -> None:
    rights = rights_of({Role.ADMINISTRATOR, Role.AUDITOR})
    assert rights == {R.MANAGE_STAFF, R.VIEW_STATISTICS, R.VIEW_AUDIT_LOG}


def test_an_unknown_role_is_refused() -> None:
    with pytest.raises(ValueError):
        rights_of({"janitor"})
