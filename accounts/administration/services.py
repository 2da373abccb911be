"""Writes of the administration pages: local governments, organisations, contracts.

Every rule is here, each refusal a `ValidationError` whose Japanese message is a module constant,
and every write is atomic with its audit row. The pages and `manage.py setup_installation` call
the same functions, so a rule is enforced and worded alike on every door.

Edits are versioned (optimistic locking, `tsunagu.versioning.versioned_edit`): the form carries
the version it showed, a stale save is refused with `StaleVersionError` and nothing is written.
"""

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.http import HttpRequest

from accounts.administration.access import (
    contractors_for,
    governments_managed_by,
    organisations_managed_by,
)
from accounts.codes import prefecture_prefix
from accounts.models import Contract, LocalGovernment, Organisation, User
from audit.models import AuditEvent
from audit.services import audit_record, audit_update
from tsunagu.dates import wareki
from tsunagu.versioning import versioned_edit

CODE_TAKEN_MESSAGE = "全国地方公共団体コード %(code)s はすでに登録されています（%(name)s）。"
PREFECTURE_PREFIX_FIXED_MESSAGE = (
    "市区町村が登録されている都道府県のコードの上2桁（%(prefix)s）は変えられません。"
)
ONLY_A_PREFECTURE_ADDS_MESSAGE = (
    "地方公共団体を追加できるのは、都道府県の機関の管理者です。"
    "市区町村の追加は都道府県の管理者に依頼してください。"
)
GOVERNMENT_OUTSIDE_MESSAGE = "所属する地方公共団体は、管理している団体から選んでください。"
ORGANISATION_NAME_TAKEN_MESSAGE = "%(government)s には「%(name)s」という機関がすでにあります。"
OWN_ORGANISATION_INACTIVE_MESSAGE = (
    "自分の所属機関は利用停止にできません。ほかの管理者に依頼してください。"
)
PERIOD_ORDER_MESSAGE = "契約終了日は契約開始日と同じ日か、それより後の日付にしてください。"
SAME_PARTIES_MESSAGE = "委託元と委託先には別の機関を選んでください。"
COMMISSIONER_OUTSIDE_MESSAGE = "委託元は、管理している機関から選んでください。"
CONTRACTOR_OUTSIDE_MESSAGE = "委託先は、同じ都道府県内の機関から選んでください。"
CONTRACTOR_INACTIVE_MESSAGE = "利用停止中の機関には委託できません。"
OVERLAP_MESSAGE = (
    "同じ委託元・委託先・委託事業の契約（%(period)s）と期間が重なっています。"
    "続けて委託するときは、その契約の「延長」から登録してください。"
)
RENEW_OPEN_ENDED_MESSAGE = "契約終了日のない契約は延長できません。先に契約終了日を入れてください。"
ALREADY_RENEWED_MESSAGE = (
    "この契約はすでに延長されています（%(period)s）。延長後の契約から延長してください。"
)
STALE_GOVERNMENT_MESSAGE = (
    "ほかの人が先にこの地方公共団体を更新しました。保存されている内容を確認してください。"
)
STALE_ORGANISATION_MESSAGE = (
    "ほかの人が先にこの機関を更新しました。保存されている内容を確認してください。"
)
STALE_CONTRACT_MESSAGE = (
    "ほかの人が先にこの契約を更新しました。保存されている内容を確認してください。"
)

GOVERNMENT_FIELDS = ("name", "code")
ORGANISATION_FIELDS = (
    "name",
    "type",
    "operator_name",
    "local_government",
    "address",
    "phone",
    "is_named_window",
    "is_active",
)
CONTRACT_FIELDS = ("commissioner", "contractor", "service", "starts_on", "ends_on", "scopes")


def period_text(contract: Contract) -> str:
    ends = wareki(contract.ends_on) if contract.ends_on else "終了日なし"
    return f"{wareki(contract.starts_on)}〜{ends}"


# ---- writes shared by every record ----


def _model_rules(record: Model) -> None:
    """The model's own rules (validators, clean); uniqueness and the database's constraints are
    this module's rules, with its own messages."""
    record.full_clean(validate_unique=False, validate_constraints=False)


def _create[M: Model](
    record: M, *, by: User | None, request: HttpRequest | None, check: Callable[[M], None]
) -> M:
    with transaction.atomic():
        _model_rules(record)
        check(record)
        record.save()
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=record,
            organisation_id=None if by else _organisation_of(record),
        )
    return record


def _organisation_of(record: Model) -> int | None:
    # A row written by the set-up command (no actor) is filed under the organisation it concerns.
    if isinstance(record, Organisation):
        return record.pk
    if isinstance(record, Contract):
        return record.commissioner_id
    return None


def _versioned_update[M: Model](
    record: M,
    *,
    data: Mapping[str, Any],
    version: int,
    stale_message: str,
    by: User,
    request: HttpRequest | None,
    check: Callable[[M], None],
) -> M:
    """Lock, compare the version, set what differs, check the rules, save only the changed
    columns with version + 1, audit the field names; all or nothing (tsunagu.versioning)."""
    with versioned_edit(
        type(record),
        pk=record.pk,
        version=version,
        stale_message=stale_message,
        audit=audit_update(actor=by, request=request),
    ) as edit:
        if edit.change(data):
            _model_rules(edit.record)
            check(edit.record)
    return edit.record


# ---- local governments ----


def _code_is_free(government: LocalGovernment) -> None:
    taken = LocalGovernment.objects.filter(code=government.code).exclude(pk=government.pk).first()
    if taken is not None:
        raise ValidationError(
            {
                "code": ValidationError(
                    CODE_TAKEN_MESSAGE, params={"code": taken.code, "name": taken.name}
                )
            }
        )


def _government_rules(government: LocalGovernment) -> None:
    _code_is_free(government)
    # The municipalities' codes begin with their prefecture's two digits (LocalGovernment.clean).
    municipalities = LocalGovernment.objects.filter(prefecture_id=government.pk)
    prefix = prefecture_prefix(government.code)
    if government.pk and municipalities.exclude(code__startswith=prefix).exists():
        saved = LocalGovernment.objects.get(pk=government.pk)
        raise ValidationError(
            {
                "code": ValidationError(
                    PREFECTURE_PREFIX_FIXED_MESSAGE,
                    params={"prefix": prefecture_prefix(saved.code)},
                )
            }
        )


def local_government_register(
    *, government: LocalGovernment, by: User | None, request: HttpRequest | None = None
) -> LocalGovernment:
    """Save a new local government under the rules of its code (`by=None`: the set-up command)."""
    return _create(government, by=by, request=request, check=_code_is_free)


def local_government_create(
    *, data: Mapping[str, Any], by: User, request: HttpRequest | None = None
) -> LocalGovernment:
    """A municipality of the administrator's prefecture (only a prefecture's administrator)."""
    prefecture = governments_managed_by(by).filter(kind=LocalGovernment.Kind.PREFECTURE).first()
    if prefecture is None:
        raise ValidationError(ONLY_A_PREFECTURE_ADDS_MESSAGE)
    government = LocalGovernment(
        name=data["name"],
        code=data["code"],
        kind=LocalGovernment.Kind.MUNICIPALITY,
        prefecture=prefecture,
    )
    return local_government_register(government=government, by=by, request=request)


def local_government_update(
    *,
    government: LocalGovernment,
    data: Mapping[str, Any],
    version: int,
    by: User,
    request: HttpRequest | None = None,
) -> LocalGovernment:
    """The name and the code; the kind and the prefecture stay as they were set up."""
    return _versioned_update(
        government,
        data={name: data[name] for name in GOVERNMENT_FIELDS},
        version=version,
        stale_message=STALE_GOVERNMENT_MESSAGE,
        by=by,
        request=request,
        check=_government_rules,
    )


# ---- organisations ----


def _organisation_rules(by: User | None) -> Callable[[Organisation], None]:
    def check(organisation: Organisation) -> None:
        if by is not None:
            managed = governments_managed_by(by).filter(pk=organisation.local_government_id)
            if not managed.exists():
                raise ValidationError({"local_government": GOVERNMENT_OUTSIDE_MESSAGE})
            if organisation.pk == by.organisation_id and not organisation.is_active:
                raise ValidationError({"is_active": OWN_ORGANISATION_INACTIVE_MESSAGE})
        namesake = Organisation.objects.filter(
            local_government_id=organisation.local_government_id, name=organisation.name
        ).exclude(pk=organisation.pk)
        if namesake.exists():
            raise ValidationError(
                {
                    "name": ValidationError(
                        ORGANISATION_NAME_TAKEN_MESSAGE,
                        params={
                            "government": organisation.local_government.name,
                            "name": organisation.name,
                        },
                    )
                }
            )

    return check


def organisation_create(
    *, data: Mapping[str, Any], by: User | None, request: HttpRequest | None = None
) -> Organisation:
    """`by=None` only for the set-up command, which creates the first organisation."""
    organisation = Organisation(
        **{name: data[name] for name in ORGANISATION_FIELDS if name in data}
    )
    return _create(organisation, by=by, request=request, check=_organisation_rules(by))


def organisation_update(
    *,
    organisation: Organisation,
    data: Mapping[str, Any],
    version: int,
    by: User,
    request: HttpRequest | None = None,
) -> Organisation:
    return _versioned_update(
        organisation,
        data={name: data[name] for name in ORGANISATION_FIELDS},
        version=version,
        stale_message=STALE_ORGANISATION_MESSAGE,
        by=by,
        request=request,
        check=_organisation_rules(by),
    )


# ---- contracts ----


def _contract_rules(by: User) -> Callable[[Contract], None]:
    def check(contract: Contract) -> None:
        if contract.ends_on is not None and contract.ends_on < contract.starts_on:
            raise ValidationError({"ends_on": PERIOD_ORDER_MESSAGE})
        if contract.commissioner_id == contract.contractor_id:
            raise ValidationError({"contractor": SAME_PARTIES_MESSAGE})
        if not organisations_managed_by(by).filter(pk=contract.commissioner_id).exists():
            raise ValidationError({"commissioner": COMMISSIONER_OUTSIDE_MESSAGE})
        contractor = contractors_for(by).filter(pk=contract.contractor_id).first()
        if contractor is None:
            raise ValidationError({"contractor": CONTRACTOR_OUTSIDE_MESSAGE})
        if not contractor.is_active:
            raise ValidationError({"contractor": CONTRACTOR_INACTIVE_MESSAGE})
        _no_overlap(contract)

    return check


def _no_overlap(contract: Contract) -> None:
    """No two contracts of the same service between the same parties cover the same day.

    The parties' rows are locked first, so two administrators saving at once are serialised and
    the second sees the first's contract (the check and the insert are one step)."""
    parties = sorted([contract.commissioner_id, contract.contractor_id])
    list(Organisation.objects.select_for_update().filter(pk__in=parties).order_by("pk"))
    others = Contract.objects.filter(
        commissioner_id=contract.commissioner_id,
        contractor_id=contract.contractor_id,
        service=contract.service,
    ).exclude(pk=contract.pk)
    # Two periods overlap when each starts before the other ends (no end date: open-ended).
    others = others.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=contract.starts_on))
    if contract.ends_on is not None:
        others = others.filter(starts_on__lte=contract.ends_on)
    overlapping = others.order_by("starts_on").first()
    if overlapping is not None:
        raise ValidationError(
            {
                "starts_on": ValidationError(
                    OVERLAP_MESSAGE, params={"period": period_text(overlapping)}
                )
            }
        )


def contract_create(
    *, data: Mapping[str, Any], by: User, request: HttpRequest | None = None
) -> Contract:
    contract = Contract(**{name: data[name] for name in CONTRACT_FIELDS})
    return _create(contract, by=by, request=request, check=_contract_rules(by))


def contract_update(
    *,
    contract: Contract,
    data: Mapping[str, Any],
    version: int,
    by: User,
    request: HttpRequest | None = None,
) -> Contract:
    return _versioned_update(
        contract,
        data={name: data[name] for name in CONTRACT_FIELDS},
        version=version,
        stale_message=STALE_CONTRACT_MESSAGE,
        by=by,
        request=request,
        check=_contract_rules(by),
    )


def renewal_starts_on(contract: Contract) -> date | None:
    """The day a renewal of `contract` begins: the day after it ends (None: it never ends)."""
    return contract.ends_on + timedelta(days=1) if contract.ends_on else None


def contract_renew(
    *, contract: Contract, data: Mapping[str, Any], by: User, request: HttpRequest | None = None
) -> Contract:
    """延長: a new contract for the same parties and service whose period begins the day after
    the old one ends; what the contractor may do can change with it."""
    starts_on = renewal_starts_on(contract)
    if starts_on is None:
        raise ValidationError(RENEW_OPEN_ENDED_MESSAGE)
    renewal = Contract.objects.filter(renews=contract).first()
    if renewal is not None:
        raise ValidationError(ALREADY_RENEWED_MESSAGE, params={"period": period_text(renewal)})
    renewed = Contract(
        commissioner_id=contract.commissioner_id,
        contractor_id=contract.contractor_id,
        service=contract.service,
        starts_on=starts_on,
        ends_on=data["ends_on"],
        scopes=data["scopes"],
        renews=contract,
    )
    return _create(renewed, by=by, request=request, check=_contract_rules(by))
