"""Whose figures a report shows (one organisation, a municipality, a prefecture) and who may see it.

The rule (docs/reports.md, 「誰がどの集計を見られるか」):
- Every report needs the right 統計（件数）の閲覧 (VIEW_STATISTICS); without it, 403.
- Anyone with the right sees their own organisation's figures.
- Staff of a municipality's own window (市町村のひきこもり相談窓口) also see the municipality's
  total, and the figures of each organisation their municipality commissions (a contract in force).
- Staff of an organisation of the prefecture itself (e.g. the ひきこもり地域支援センター) see the
  prefecture's roll-up and each municipality's total in it, never a single organisation's.
- Any other scope answers 404, as if it did not exist, and the attempt is audited.
Only counts cross these lines: a roll-up is the sum of its organisations' counts.
"""

from dataclasses import dataclass, field

from django.http import Http404, HttpRequest
from django.utils import timezone

from accounts.models import Contract, LocalGovernment, Organisation, OrganisationType, User
from audit.models import AuditEvent
from audit.services import audit_record

ORGANISATION = "organisation"
MUNICIPALITY = "municipality"
PREFECTURE = "prefecture"
KIND_LABELS = {ORGANISATION: "機関", MUNICIPALITY: "市区町村計", PREFECTURE: "都道府県計"}


class ScopeNotFound(Exception):
    """An organisation id or local government code that does not exist (or is not that kind)."""


@dataclass(frozen=True)
class Part:
    """One line of a roll-up's breakdown: a municipality (or the prefecture's own agencies)."""

    name: str
    organisation_ids: tuple[int, ...]


@dataclass(frozen=True)
class ReportScope:
    kind: str
    key: str
    name: str
    organisation_ids: tuple[int, ...]
    # The organisation or government the scope is drawn from, for the permission rule.
    local_government_code: str = ""
    prefecture_code: str = ""
    parts: tuple[Part, ...] = field(default=())

    @property
    def cache_key(self) -> str:
        return f"{self.kind}:{self.key}"

    @property
    def label(self) -> str:
        if self.kind == ORGANISATION:
            return self.name
        return f"{self.name}（{KIND_LABELS[self.kind]}）"


def organisation_scope(organisation: Organisation) -> ReportScope:
    government = organisation.local_government
    return ReportScope(
        kind=ORGANISATION,
        key=str(organisation.pk),
        name=organisation.name,
        organisation_ids=(organisation.pk,),
        local_government_code=government.code,
        prefecture_code=government.prefecture.code if government.prefecture else government.code,
    )


def _organisation_ids(*governments: LocalGovernment) -> dict[int, tuple[int, ...]]:
    """The organisation ids of each of `governments`, in one query."""
    ids: dict[int, list[int]] = {government.pk: [] for government in governments}
    rows = Organisation.objects.filter(local_government__in=governments).order_by("pk")
    for pk, government_id in rows.values_list("pk", "local_government_id"):
        ids[government_id].append(pk)
    return {government_id: tuple(pks) for government_id, pks in ids.items()}


def municipality_scope(
    municipality: LocalGovernment, organisation_ids: tuple[int, ...] | None = None
) -> ReportScope:
    """`organisation_ids` when the caller read them with others' (see prefecture_scopes)."""
    if organisation_ids is None:
        organisation_ids = _organisation_ids(municipality)[municipality.pk]
    return ReportScope(
        kind=MUNICIPALITY,
        key=municipality.code,
        name=municipality.name,
        organisation_ids=organisation_ids,
        local_government_code=municipality.code,
        prefecture_code=municipality.prefecture.code if municipality.prefecture else "",
    )


def prefecture_scope(prefecture: LocalGovernment) -> ReportScope:
    return prefecture_scopes(prefecture)[0]


def prefecture_scopes(prefecture: LocalGovernment) -> tuple[ReportScope, list[ReportScope]]:
    """The prefecture's scope and its municipalities' scopes, from two queries."""
    municipalities = list(prefecture.municipalities.select_related("prefecture").order_by("code"))
    ids = _organisation_ids(prefecture, *municipalities)
    parts = [Part(f"{prefecture.name}（県の機関）", ids[prefecture.pk])]
    parts += [Part(m.name, ids[m.pk]) for m in municipalities]
    scope = ReportScope(
        kind=PREFECTURE,
        key=prefecture.code,
        name=prefecture.name,
        organisation_ids=tuple(sorted(pk for part in parts for pk in part.organisation_ids)),
        local_government_code=prefecture.code,
        prefecture_code=prefecture.code,
        parts=tuple(part for part in parts if part.organisation_ids),
    )
    return scope, [municipality_scope(m, ids[m.pk]) for m in municipalities]


def find_scope(kind: str, key: str | int) -> ReportScope:
    """The scope named by a kind and an organisation id or local government code."""
    key = str(key).strip()
    if kind == ORGANISATION:
        organisation = (
            Organisation.objects.select_related("local_government__prefecture")
            .filter(pk=int(key) if key.isdigit() else 0)
            .first()
        )
        if organisation is None:
            raise ScopeNotFound(f"機関 ID {key} は登録されていません。")
        return organisation_scope(organisation)
    expected = LocalGovernment.Kind.MUNICIPALITY if kind == MUNICIPALITY else "prefecture"
    government = (
        LocalGovernment.objects.select_related("prefecture").filter(code=key, kind=expected).first()
    )
    if government is None:
        what = "市区町村" if kind == MUNICIPALITY else "都道府県"
        raise ScopeNotFound(f"全国地方公共団体コード {key} の{what}は登録されていません。")
    if kind == MUNICIPALITY:
        return municipality_scope(government)
    return prefecture_scope(government)


def _is_municipal_window(organisation: Organisation) -> bool:
    return (
        organisation.type == OrganisationType.MUNICIPAL_WINDOW
        and organisation.local_government.kind == LocalGovernment.Kind.MUNICIPALITY
    )


def _commissioned_ids(organisation: Organisation) -> set[int]:
    contracts = Contract.objects.in_force(timezone.localdate()).filter(commissioner=organisation)
    return set(contracts.values_list("contractor_id", flat=True))


def may_view(user: User, scope: ReportScope) -> bool:
    """Whether `user` may see the figures of `scope` (the right is checked separately)."""
    organisation = user.organisation
    if organisation is None or not user.is_active:
        return False
    government = organisation.local_government
    is_prefecture_staff = government.kind == LocalGovernment.Kind.PREFECTURE
    if scope.kind == ORGANISATION:
        if scope.key == str(organisation.pk):
            return True
        return (
            _is_municipal_window(organisation)
            and int(scope.key) in _commissioned_ids(organisation)
            and scope.local_government_code == government.code
        )
    if scope.kind == MUNICIPALITY:
        if is_prefecture_staff:
            return scope.prefecture_code == government.code
        return _is_municipal_window(organisation) and scope.key == government.code
    return is_prefecture_staff and scope.key == government.code


def scopes_for_user(user: User) -> list[ReportScope]:
    """The scopes offered to `user` in the selector, own organisation first."""
    organisation = user.organisation
    if organisation is None:
        return []
    government = organisation.local_government
    scopes = [organisation_scope(organisation)]
    if government.kind == LocalGovernment.Kind.PREFECTURE:
        prefecture, municipalities = prefecture_scopes(government)
        scopes += [prefecture, *municipalities]
    elif _is_municipal_window(organisation):
        scopes.append(municipality_scope(government))
        contractors = Organisation.objects.filter(
            pk__in=_commissioned_ids(organisation), local_government=government
        ).select_related("local_government__prefecture")
        scopes += [organisation_scope(contractor) for contractor in contractors]
    return scopes


def scope_for_user(
    user: User, kind: str, key: str, *, request: HttpRequest | None = None
) -> ReportScope:
    """The scope a page asks for, or 404 (audited) when it does not exist or is not the user's."""
    try:
        scope = find_scope(kind, key)
    except ScopeNotFound:
        scope = None
    if scope is None or not may_view(user, scope):
        audit_record(
            action=AuditEvent.Action.DENIED,
            actor=user,
            request=request,
            object_type=f"reports.{kind}"[:100],
            object_id=key[:20],
            detail={"reason": "out_of_scope", "scope": f"{kind}:{key}"[:60]},
        )
        raise Http404("該当する集計がありません。")
    return scope
