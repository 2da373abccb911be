"""The fictional つなぐ県 and its agencies and staff, for the demo and for the test personas."""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from accounts.codes import with_check_digit as code_with_check_digit
from accounts.models import (
    Contract,
    ContractScope,
    LocalGovernment,
    Organisation,
    OrganisationType,
    StaffRole,
    User,
)
from accounts.roles import Role

T = OrganisationType
S = ContractScope


@dataclass
class World:
    organisations: dict[str, Organisation] = field(default_factory=dict)
    staff: dict[str, User] = field(default_factory=dict)


# key, name, type, operator, local government key
ORGANISATIONS = [
    ("window", "つなぐ市 ひきこもり相談窓口", T.MUNICIPAL_WINDOW, "つなぐ市（直営）", "city"),
    (
        "jiritsu",
        "つなぐ市自立相談支援センター",
        T.SELF_RELIANCE_OFFICE,
        "社会福祉法人 つなぐ市社会福祉協議会",
        "city",
    ),
    ("npo", "NPO法人 ひだまり", T.PRIVATE_GROUP, "特定非営利活動法人 ひだまり", "city"),
    (
        "houkatsu",
        "つなぐ市中央地域包括支援センター",
        T.COMMUNITY_GENERAL_SUPPORT,
        "社会福祉法人 あおば会",
        "city",
    ),
    (
        "centre",
        "つなぐ県ひきこもり地域支援センター",
        T.HIKIKOMORI_CENTRE,
        "つなぐ県（直営）",
        "pref",
    ),
    ("minato", "みなと町 ひきこもり相談窓口", T.MUNICIPAL_WINDOW, "みなと町（直営）", "town"),
]

# commissioner, contractor, service, what the contractor may do
CONTRACTS = [
    ("window", "jiritsu", "自立相談支援事業", [S.INTAKE, S.CASE_MANAGEMENT]),
    ("window", "npo", "ひきこもり支援 居場所づくり事業", [S.IBASHO, S.SUPPORTER_DISPATCH]),
]

# username, display name, organisation key, roles
STAFF = [
    ("admin", "管理 太郎", "window", [Role.ADMINISTRATOR]),
    ("soudan", "相談 花子", "window", [Role.CONSULTATION_WORKER]),
    ("douryou", "同僚 一郎", "window", [Role.CONSULTATION_WORKER]),
    ("houmon", "訪問 健", "window", [Role.OUTREACH_WORKER]),
    ("chousei", "調整 美咲", "window", [Role.COORDINATOR]),
    ("toukei", "統計 次郎", "window", [Role.STATISTICS_CLERK]),
    ("kansa", "監査 恵", "window", [Role.AUDITOR]),
    ("jiritsu", "自立 誠", "jiritsu", [Role.CONSULTATION_WORKER]),
    ("ibasho", "居場所 さくら", "npo", [Role.IBASHO_STAFF]),
    ("supporter", "支援 ゆう", "npo", [Role.SUPPORTER]),
    ("houkatsu", "包括 和子", "houkatsu", [Role.CONSULTATION_WORKER]),
    ("centre", "専門 慎一", "centre", [Role.CENTRE_SPECIALIST]),
    ("minato", "港 一", "minato", [Role.CONSULTATION_WORKER]),
]


@transaction.atomic
def build_world(*, password: str, demo: bool) -> World:
    """Create or refresh the fictional world; safe to run again (idempotent)."""
    governments = _local_governments()
    world = World()
    for key, name, org_type, operator, government in ORGANISATIONS:
        world.organisations[key], _ = Organisation.objects.update_or_create(
            name=name,
            defaults={
                "type": org_type,
                "operator_name": operator,
                "local_government": governments[government],
            },
        )
    for commissioner, contractor, service, scopes in CONTRACTS:
        Contract.objects.get_or_create(
            commissioner=world.organisations[commissioner],
            contractor=world.organisations[contractor],
            service=service,
            defaults={"starts_on": date(2024, 4, 1), "scopes": [str(scope) for scope in scopes]},
        )
    for username, display_name, organisation, roles in STAFF:
        world.staff[username] = _staff(
            username, display_name, world.organisations[organisation], roles, password, demo
        )
    return world


def _local_governments() -> dict[str, LocalGovernment]:
    pref, _ = LocalGovernment.objects.update_or_create(
        code=code_with_check_digit("99000"),
        defaults={"name": "つなぐ県", "kind": LocalGovernment.Kind.PREFECTURE},
    )
    city, _ = LocalGovernment.objects.update_or_create(
        code=code_with_check_digit("99201"),
        defaults={
            "name": "つなぐ市",
            "kind": LocalGovernment.Kind.MUNICIPALITY,
            "prefecture": pref,
        },
    )
    town, _ = LocalGovernment.objects.update_or_create(
        code=code_with_check_digit("99341"),
        defaults={
            "name": "みなと町",
            "kind": LocalGovernment.Kind.MUNICIPALITY,
            "prefecture": pref,
        },
    )
    return {"pref": pref, "city": city, "town": town}


def _staff(
    username: str,
    display_name: str,
    organisation: Organisation,
    roles: list[Role],
    password: str,
    demo: bool,
) -> User:
    user, _ = User.objects.update_or_create(
        username=username,
        defaults={
            "display_name": display_name,
            "organisation": organisation,
            "is_demo": demo,
            "is_active": True,
        },
    )
    user.set_password(password)
    user.save(update_fields=["password"])
    StaffRole.objects.filter(user=user).exclude(role__in=roles).delete()
    for role in roles:
        StaffRole.objects.get_or_create(user=user, role=role)
    return user
