"""The administration pages: thin views over administration.access and administration.services."""

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator

from accounts.access import request_user
from accounts.administration import services
from accounts.administration.access import (
    contractors_for,
    contracts_managed_by,
    governments_managed_by,
    managed_record,
    organisations_managed_by,
    require_administrator,
)
from accounts.administration.forms import (
    ContractForm,
    ContractRenewForm,
    ContractSearchForm,
    LocalGovernmentForm,
    OrganisationForm,
    OrganisationSearchForm,
    SearchForm,
)
from accounts.models import Contract, LocalGovernment, User
from audit.models import AuditEvent
from audit.services import audit_record
from tsunagu.dates import wareki
from tsunagu.forms import show_refusal
from tsunagu.listing import ListPage, Sort
from tsunagu.versioning import StaleVersionError

# The columns each list sorts by, in SQL (tsunagu.listing; docs/lists.md).
GOVERNMENT_SORTS = (
    Sort("code", "団体コード", ("code",)),
    Sort("name", "名称", ("name", "code")),
)
ORGANISATION_SORTS = (
    Sort("government", "地方公共団体", ("local_government__code", "name", "pk")),
    Sort("name", "機関名", ("name", "pk")),
    Sort("type", "種別", ("type", "name", "pk")),
)
CONTRACT_SORTS = (
    Sort("starts_on", "期間", ("starts_on", "pk")),
    Sort("service", "委託事業", ("service", "pk")),
)


def _submit(
    request: HttpRequest,
    make_form: Callable[[Any], forms.Form],
    save: Callable[[dict[str, Any]], Model],
) -> tuple[forms.Form, Model | None, bool]:
    """Validate the POST and save it: (form, the saved record or None, whether it was stale).

    A refusal is shown at its field; a stale save keeps the input, beside the saved values, with
    the current version, so that saving again overwrites knowingly."""
    form = make_form(request.POST)
    if not form.is_valid():
        return form, None, False
    try:
        return form, save(form.cleaned_data), False
    except ValidationError as error:
        show_refusal(form, error)
        return form, None, False
    except StaleVersionError as error:
        data = request.POST.copy()
        data["version"] = str(error.current_version)
        form = make_form(data)
        form.is_valid()
        form.add_error(None, str(error))
        return form, None, True


def saved_values(form: forms.Form, record: Model) -> list[tuple[str, str]]:
    """The saved record's values under the form's labels, shown beside a stale form's input."""
    values = []
    for name, field in form.fields.items():
        if name == "version":
            continue
        value = getattr(record, name)
        if isinstance(value, date):
            text = wareki(value)
        elif isinstance(value, bool):
            text = "はい" if value else "いいえ"
        elif isinstance(record, Contract) and name == "scopes":
            text = "・".join(record.scope_labels())
        elif hasattr(record, f"get_{name}_display"):
            text = getattr(record, f"get_{name}_display")()
        else:
            text = "" if value is None else str(value)
        values.append((str(field.label), text))
    return values


def index(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_administrator(user, request=request)
    return render(
        request,
        "administration/index.html",
        {
            "governments": governments_managed_by(user).count(),
            "organisations": organisations_managed_by(user).count(),
            "contracts": contracts_managed_by(user).count(),
        },
    )


# ---- local governments ----


def government_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_administrator(user, request=request)
    search = SearchForm(request.GET)
    governments = governments_managed_by(user).select_related("prefecture")
    if text := search.text():
        governments = governments.filter(Q(name__icontains=text) | Q(code__startswith=text))
    listing = ListPage.read_scoped(
        request, governments, sorts=GOVERNMENT_SORTS, default_sort="code"
    )
    can_add = governments_managed_by(user).filter(kind=LocalGovernment.Kind.PREFECTURE).exists()
    return render(
        request,
        "administration/government_list.html",
        {"search": search, "listing": listing, "can_add": can_add},
    )


def government_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_administrator(user, request=request)
    prefecture = governments_managed_by(user).filter(kind=LocalGovernment.Kind.PREFECTURE).first()
    form: forms.Form = LocalGovernmentForm(initial={"version": 0})
    if request.method == "POST":
        form, saved, _ = _submit(
            request,
            LocalGovernmentForm,
            lambda data: services.local_government_create(data=data, by=user, request=request),
        )
        if saved is not None:
            messages.success(request, f"{saved} を登録しました。")
            return redirect("administration_governments")
    return render(
        request,
        "administration/government_form.html",
        {"form": form, "government": None, "prefecture": prefecture},
    )


def government_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    government = managed_record(user, governments_managed_by(user), pk, request=request)
    form: forms.Form = LocalGovernmentForm(
        initial={"name": government.name, "code": government.code, "version": government.version}
    )
    stale = False
    if request.method == "POST":
        form, saved, stale = _submit(
            request,
            LocalGovernmentForm,
            lambda data: services.local_government_update(
                government=government, data=data, version=data["version"], by=user, request=request
            ),
        )
        if saved is not None:
            messages.success(request, f"{saved} を保存しました。")
            return redirect("administration_governments")
        government.refresh_from_db()
    return render(
        request,
        "administration/government_form.html",
        {
            "form": form,
            "government": government,
            "stale": stale,
            "saved_values": saved_values(form, government) if stale else [],
        },
    )


# ---- organisations ----


def organisation_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_administrator(user, request=request)
    search = OrganisationSearchForm(request.GET)
    organisations = organisations_managed_by(user).select_related("local_government")
    if text := search.text():
        organisations = organisations.filter(
            Q(name__icontains=text) | Q(operator_name__icontains=text) | Q(address__icontains=text)
        )
    if search.is_valid() and search.cleaned_data["type"]:
        organisations = organisations.filter(type=search.cleaned_data["type"])
    if search.is_valid() and search.cleaned_data["active"]:
        organisations = organisations.filter(is_active=search.cleaned_data["active"] == "1")
    listing = ListPage.read_scoped(
        request, organisations, sorts=ORGANISATION_SORTS, default_sort="government"
    )
    return render(
        request,
        "administration/organisation_list.html",
        {"search": search, "listing": listing},
    )


def _organisation_form(user: User) -> Callable[..., OrganisationForm]:
    def make(data: Any = None, **kwargs: Any) -> OrganisationForm:
        return OrganisationForm(data, governments=governments_managed_by(user), **kwargs)

    return make


def organisation_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_administrator(user, request=request)
    make_form = _organisation_form(user)
    own_government = user.organisation.local_government_id if user.organisation else None
    form: forms.Form = make_form(
        initial={"version": 0, "is_active": True, "local_government": own_government}
    )
    if request.method == "POST":
        form, saved, _ = _submit(
            request,
            make_form,
            lambda data: services.organisation_create(data=data, by=user, request=request),
        )
        if saved is not None:
            messages.success(request, f"{saved} を登録しました。")
            return redirect("administration_organisations")
    return render(
        request, "administration/organisation_form.html", {"form": form, "organisation": None}
    )


def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    organisation = managed_record(user, organisations_managed_by(user), pk, request=request)
    make_form = _organisation_form(user)
    initial = {name: getattr(organisation, name) for name in services.ORGANISATION_FIELDS}
    form: forms.Form = make_form(initial={**initial, "version": organisation.version})
    stale = False
    if request.method == "POST":
        form, saved, stale = _submit(
            request,
            make_form,
            lambda data: services.organisation_update(
                organisation=organisation,
                data=data,
                version=data["version"],
                by=user,
                request=request,
            ),
        )
        if saved is not None:
            messages.success(request, f"{saved} を保存しました。")
            return redirect("administration_organisations")
        organisation.refresh_from_db()
    return render(
        request,
        "administration/organisation_form.html",
        {
            "form": form,
            "organisation": organisation,
            "stale": stale,
            "saved_values": saved_values(form, organisation) if stale else [],
        },
    )


# ---- contracts ----


def contract_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_administrator(user, request=request)
    search = ContractSearchForm(request.GET)
    contracts = contracts_managed_by(user).select_related("commissioner", "contractor", "renewal")
    if text := search.text():
        contracts = contracts.filter(
            Q(service__icontains=text)
            | Q(commissioner__name__icontains=text)
            | Q(contractor__name__icontains=text)
        )
    if search.is_valid() and search.cleaned_data["in_force"]:
        contracts = contracts.in_force(timezone.localdate())
    listing = ListPage.read_scoped(
        request, contracts, sorts=CONTRACT_SORTS, default_sort="-starts_on"
    )
    return render(
        request,
        "administration/contract_list.html",
        {"search": search, "listing": listing},
    )


def _contract_form(user: User) -> Callable[..., ContractForm]:
    def make(data: Any = None, **kwargs: Any) -> ContractForm:
        return ContractForm(
            data,
            commissioners=organisations_managed_by(user).filter(is_active=True),
            contractors=contractors_for(user).filter(is_active=True),
            **kwargs,
        )

    return make


def contract_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_administrator(user, request=request)
    make_form = _contract_form(user)
    form: forms.Form = make_form(initial={"version": 0, "commissioner": user.organisation_id})
    if request.method == "POST":
        form, saved, _ = _submit(
            request,
            make_form,
            lambda data: services.contract_create(data=data, by=user, request=request),
        )
        if saved is not None:
            messages.success(request, f"契約「{saved}」を登録しました。")
            return redirect("administration_contracts")
    return render(request, "administration/contract_form.html", {"form": form, "contract": None})


def contract_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    contract = managed_record(user, contracts_managed_by(user), pk, request=request)
    make_form = _contract_form(user)
    initial = {name: getattr(contract, name) for name in services.CONTRACT_FIELDS}
    form: forms.Form = make_form(initial={**initial, "version": contract.version})
    stale = False
    if request.method == "POST":
        form, saved, stale = _submit(
            request,
            make_form,
            lambda data: services.contract_update(
                contract=contract, data=data, version=data["version"], by=user, request=request
            ),
        )
        if saved is not None:
            messages.success(request, f"契約「{saved}」を保存しました。")
            return redirect("administration_contracts")
        contract.refresh_from_db()
    return render(
        request,
        "administration/contract_form.html",
        {
            "form": form,
            "contract": contract,
            "stale": stale,
            "saved_values": saved_values(form, contract) if stale else [],
        },
    )


def contract_renew(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    contract = managed_record(user, contracts_managed_by(user), pk, request=request)
    form: forms.Form = ContractRenewForm(initial={"scopes": contract.scopes})
    if request.method == "POST":
        form, saved, _ = _submit(
            request,
            ContractRenewForm,
            lambda data: services.contract_renew(
                contract=contract, data=data, by=user, request=request
            ),
        )
        if saved is not None:
            messages.success(request, f"契約「{saved}」を延長しました。")
            return redirect("administration_contracts")
    return render(
        request,
        "administration/contract_renew.html",
        {
            "form": form,
            "contract": contract,
            "starts_on": services.renewal_starts_on(contract),
            "period": services.period_text(contract),
        },
    )


# ---- the one-time link that sets a password (the first administrator; invitations) ----


@method_decorator(login_not_required, name="dispatch")
class SetPasswordView(auth_views.PasswordResetConfirmView):
    """Django's one-time link: it works once (the token covers the password hash and the last
    login) and ends after PASSWORD_RESET_TIMEOUT; setting the password is audited."""

    template_name = "administration/set_password.html"
    success_url = reverse_lazy("login")
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            audit_record(
                action=AuditEvent.Action.UPDATE,
                actor=form.user,
                request=self.request,
                obj=form.user,
                fields=["password"],
                detail={"reason": "set_by_one_time_link"},
            )
        messages.success(
            self.request, "パスワードを設定しました。新しいパスワードでログインしてください。"
        )
        return response
