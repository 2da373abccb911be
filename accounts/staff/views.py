"""The staff pages of an administrator (Right.MANAGE_STAFF, own organisation only; another
organisation's staff answer 404): the list with search and paging, one account (roles, sign-in
waits, tokens, invitation, deactivation), creation one by one or from a file, and the
invitation link by which a new staff member sets their password (no login needed).

Role changes, deactivation, reactivation and invitations ask for the password again when the
last proof of identity is old (`accounts.reauth`), as the roles form did when it also switched
accounts off."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.access import (
    audit_list_read,
    deny,
    get_for_user,
    own_organisation_id,
    request_user,
    visible_to,
)
from accounts.middleware import kept_form_data
from accounts.models import ApiToken, StaffInvitation, User
from accounts.otp import has_confirmed_app
from accounts.reauth import require_recent_authentication
from accounts.roles import Right, Role
from accounts.services import (
    TokenRevocation,
    revoke_api_tokens,
    staff_set_active,
    staff_set_roles,
    staff_version,
    unlock_login,
)
from accounts.staff.forms import (
    InvitationAcceptForm,
    StaffCreateForm,
    StaffImportConfirmForm,
    StaffImportForm,
    StaffRolesForm,
    StaffSearchForm,
    sign_preview,
)
from accounts.staff.services import (
    INVITATION_UNUSABLE,
    RowProblem,
    RowsRefused,
    import_problems,
    invitation_accept,
    staff_create,
    staff_create_many,
    staff_invite,
    usable_invitation,
)
from accounts.throttle import throttles_of, throttles_of_account
from handover.services import remaining_work, staff_deactivate
from tsunagu.forms import error_text, show_refusal
from tsunagu.versioning import StaleVersionError

STAFF_FIELDS = ("display_name", "username", "roles", "is_active", "last_login")
PAGE_SIZE = 50
INVITATION_SESSION_KEY = "tsunagu_invitation"


def _require_manage_staff(request: HttpRequest) -> User:
    user = request_user(request)
    if not user.has_right(Right.MANAGE_STAFF):
        raise deny(user, right=Right.MANAGE_STAFF, request=request, object_type="accounts.user")
    return user


def managed_staff(request: HttpRequest, pk: int, fields: tuple[str, ...] = STAFF_FIELDS) -> User:
    return get_for_user(
        request_user(request),
        User.objects.prefetch_related("staff_roles"),
        pk,
        right=Right.MANAGE_STAFF,
        request=request,
        fields=fields,
    )


def searched_staff(user: User, form: StaffSearchForm) -> QuerySet[User]:
    """The organisation's staff matching the search, filtered in SQL."""
    staff = visible_to(user, User.objects.all())
    if not form.is_valid():
        return staff
    if text := form.cleaned_data["q"].strip():
        staff = staff.filter(Q(username__icontains=text) | Q(display_name__icontains=text))
    if form.cleaned_data["state"]:
        staff = staff.filter(is_active=form.cleaned_data["state"] == "active")
    if form.cleaned_data["role"]:
        # One StaffRole row per user and role: the join adds no duplicates.
        staff = staff.filter(staff_roles__role=form.cleaned_data["role"])
    return staff


def staff_list(request: HttpRequest) -> HttpResponse:
    user = _require_manage_staff(request)
    form = StaffSearchForm(request.GET)
    ordered = searched_staff(user, form).prefetch_related("staff_roles").order_by("username", "id")
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    staff = list(page.object_list)
    audit_list_read(user, staff, model=User, request=request, fields=STAFF_FIELDS)
    everyone = list(visible_to(user, User.objects.all()).values_list("pk", flat=True))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/staff_list.html",
        {
            "staff": staff,
            "page": page,
            "form": form,
            "query": query.urlencode(),
            "throttled": list(throttles_of(everyone)),
        },
    )


@require_recent_authentication(methods=("POST",))
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    staff = managed_staff(request, pk)
    initial = {"roles": sorted(staff.role_codes), "version": staff_version(staff)}
    stale = False
    if request.method == "POST":
        form = StaffRolesForm(request.POST)
        if form.is_valid():
            try:
                staff_set_roles(
                    staff=staff,
                    roles=form.cleaned_data["roles"],
                    version=form.cleaned_data["version"],
                    by=user,
                    request=request,
                )
            except StaleVersionError as error:
                # Keep the user's input, shown beside the saved version; saving again overwrites
                # knowingly because the form now carries the current version.
                data = request.POST.copy()
                data["version"] = staff_version(staff)
                form = StaffRolesForm(data)
                form.is_valid()
                form.add_error(None, str(error))
                stale = True
            except ValidationError as error:
                show_refusal(form, error)
            else:
                messages.success(request, f"{staff} さんの役割を保存しました。")
                return redirect("staff_detail", pk=staff.pk)
    elif (kept := kept_form_data(request)) is not None:
        form = StaffRolesForm(kept)
        messages.info(
            request,
            "ログインの有効期限が切れる前に入力していた内容を復元しました。確認して保存してください。",
        )
    else:
        form = StaffRolesForm(initial=initial)
    return render(
        request,
        "accounts/staff_detail.html",
        {
            "staff": staff,
            "form": form,
            "stale": stale,
            "current": initial,
            "throttles": throttles_of_account(staff).order_by("-last_failure_at"),
            "tokens": ApiToken.objects.filter(user=staff),
            "invitation": StaffInvitation.objects.filter(user=staff).first(),
            "remaining": remaining_work(staff) if staff.is_active else None,
            "has_app": has_confirmed_app(staff),
        },
    )


def staff_create_view(request: HttpRequest) -> HttpResponse:
    user = _require_manage_staff(request)
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff = staff_create(
                organisation_id=own_organisation_id(user),
                new=form.new_staff(),
                by=user,
                request=request,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(
                request,
                f"{staff} さんのアカウントを作りました。招待リンクを発行して本人に渡してください。",
            )
            return redirect("staff_detail", pk=staff.pk)
    return render(request, "accounts/staff_create.html", {"form": form})


@require_POST
def staff_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    """The administrator ends the account's sign-in waits (audited)."""
    staff = managed_staff(request, pk)
    unlock_login(staff=staff, by=request_user(request), request=request)
    messages.success(request, f"{staff} さんのログインの制限を解除しました。")
    return redirect("staff_detail", pk=staff.pk)


@require_POST
def staff_tokens_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """The administrator revokes every API token of the account (audited, one row each)."""
    staff = managed_staff(request, pk)
    count = revoke_api_tokens(
        user=staff,
        reason=TokenRevocation.BY_ADMINISTRATOR,
        by=request_user(request),
        request=request,
    )
    messages.success(request, f"{staff} さんのAPIトークン {count} 件を失効させました。")
    return redirect("staff_detail", pk=staff.pk)


@require_POST
@require_recent_authentication
def staff_invite_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A new invitation link, shown on this page once (only its digest is kept)."""
    staff = managed_staff(request, pk)
    try:
        invitation, token = staff_invite(staff=staff, by=request_user(request), request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("staff_detail", pk=staff.pk)
    link = request.build_absolute_uri(reverse("invitation_open", kwargs={"token": token}))
    return render(
        request,
        "accounts/staff_invite.html",
        {"staff": staff, "invitation": invitation, "link": link},
    )


@require_POST
@require_recent_authentication
def staff_deactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Refused while the worker still holds open work; the page then links to the hand-over."""
    staff = managed_staff(request, pk)
    try:
        staff_deactivate(staff=staff, by=request_user(request), request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"{staff} さんの利用を停止しました。ログイン中の画面とAPIトークンはすべて無効です。",
        )
    return redirect("staff_detail", pk=staff.pk)


@require_POST
@require_recent_authentication
def staff_reactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    staff = managed_staff(request, pk)
    try:
        staff_set_active(staff=staff, is_active=True, by=request_user(request), request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"{staff} さんの利用を再開しました。以前のログインとAPIトークンは無効のままです。",
        )
    return redirect("staff_detail", pk=staff.pk)


def staff_import(request: HttpRequest) -> HttpResponse:
    """Upload → preview (every row, every problem at its row and column) → confirm."""
    user = _require_manage_staff(request)
    form = StaffImportForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "accounts/staff_import.html", {"form": form, "roles": Role.choices})
    rows = form.rows()
    problems = sorted(
        [*form.cell_problems(), *import_problems(rows)], key=lambda problem: problem.line
    )
    return _preview(request, user, rows, problems, encoding=form.encoding_label())


@require_POST
def staff_import_confirm(request: HttpRequest) -> HttpResponse:
    user = _require_manage_staff(request)
    form = StaffImportConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, error_text(form))
        return redirect("staff_import")
    rows = form.cleaned_data["preview"]
    try:
        created = staff_create_many(
            organisation_id=own_organisation_id(user), rows=rows, by=user, request=request
        )
    except RowsRefused as refused:
        # Someone took a username since the preview: nothing was created; the rows say which.
        return _preview(request, user, rows, refused.problems, encoding="")
    messages.success(
        request,
        f"{len(created)} 人のアカウントを作りました。一人ずつ招待リンクを発行してください。",
    )
    return redirect(f"{reverse('staff_list')}?state=active")


def role_labels(roles: tuple[str, ...]) -> str:
    labels = dict(Role.choices)
    return "・".join(str(labels.get(role, role)) for role in roles)


def _preview(
    request: HttpRequest,
    user: User,
    rows: list,  # type: ignore[type-arg]
    problems: list[RowProblem],
    *,
    encoding: str,
) -> HttpResponse:
    return render(
        request,
        "accounts/staff_import_preview.html",
        {
            "rows": [(line, new, role_labels(new.roles)) for line, new in rows],
            "problems": problems,
            "encoding": encoding,
            "preview": sign_preview(rows) if rows and not problems else "",
        },
    )


@login_not_required
def invitation_open(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the invitation: kept in the session and replaced by a URL without the token,
    so that it is not sent on in a Referer nor left in the browser's history."""
    try:
        usable_invitation(token)
    except ValidationError:
        # Not a 4xx: Django logs the path of every 4xx answer, and this path holds the token.
        return _invitation_refused(request, status=200)
    # Only a valid link writes a session: a stranger's guesses store nothing.
    request.session[INVITATION_SESSION_KEY] = token
    return redirect("invitation_accept")


@login_not_required
def invitation_accept_view(request: HttpRequest) -> HttpResponse:
    token = request.session.get(INVITATION_SESSION_KEY, "")
    try:
        invitation = usable_invitation(token) if token else None
    except ValidationError:
        invitation = None
    if invitation is None:
        request.session.pop(INVITATION_SESSION_KEY, None)
        return _invitation_refused(request)
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation_accept(token=token, password=form.cleaned_data["password"], request=request)
        except ValidationError as error:
            show_refusal(form, error)
        else:
            request.session.pop(INVITATION_SESSION_KEY, None)
            messages.success(
                request,
                "パスワードを設定しました。ユーザー名と新しいパスワードでログインしてください。",
            )
            return redirect("login")
    return render(
        request,
        "accounts/staff_invitation_accept.html",
        {"form": form, "invited": invitation.user},
    )


def _invitation_refused(request: HttpRequest, status: int = 410) -> HttpResponse:
    return render(
        request,
        "accounts/staff_invitation_refused.html",
        {"message": INVITATION_UNUSABLE},
        status=status,
    )
