from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator

from accounts.access import get_for_user, list_for_user
from accounts.forms import StaffLoginForm, StaffRolesForm
from accounts.middleware import KEPT_FORM_SESSION_KEY, LAST_USER_COOKIE, kept_form_data
from accounts.models import Contract, Organisation, User
from accounts.roles import Right
from accounts.services import StaleVersionError, staff_set_roles, staff_version

STAFF_FIELDS = ("display_name", "username", "roles", "is_active", "last_login")


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = StaffLoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        context["form_kept"] = KEPT_FORM_SESSION_KEY in self.request.session
        return context

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        response.set_signed_cookie(
            LAST_USER_COOKIE,
            str(form.get_user().pk),
            max_age=24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=settings.PRODUCTION,
        )
        return response


class LogoutView(auth_views.LogoutView):
    pass


def organisations(request: HttpRequest) -> HttpResponse:
    """Agencies of the user's prefecture and its municipalities, with their contracts."""
    user: User = request.user  # type: ignore[assignment]
    government = user.organisation.local_government if user.organisation else None
    prefecture_id = government.prefecture_id or government.pk if government else None
    organisation_list = (
        Organisation.objects.filter(
            Q(local_government_id=prefecture_id) | Q(local_government__prefecture_id=prefecture_id)
        )
        .select_related("local_government")
        .prefetch_related(
            Prefetch(
                "contracts_taken",
                queryset=Contract.objects.select_related("commissioner"),
            )
        )
    )
    return render(request, "accounts/organisations.html", {"organisations": organisation_list})


def staff_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    staff = list_for_user(
        user,
        User.objects.prefetch_related("staff_roles").order_by("username"),
        right=Right.MANAGE_STAFF,
        request=request,
        fields=STAFF_FIELDS,
    )
    return render(request, "accounts/staff_list.html", {"staff": staff})


def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    staff = get_for_user(
        user,
        User.objects.prefetch_related("staff_roles"),
        pk,
        right=Right.MANAGE_STAFF,
        request=request,
        fields=STAFF_FIELDS,
    )
    initial = {
        "roles": sorted(staff.role_codes),
        "is_active": staff.is_active,
        "version": staff_version(staff),
    }
    stale = False
    if request.method == "POST":
        form = StaffRolesForm(request.POST)
        if form.is_valid():
            try:
                staff_set_roles(
                    staff=staff,
                    roles=form.cleaned_data["roles"],
                    is_active=form.cleaned_data["is_active"],
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
        {"staff": staff, "form": form, "stale": stale, "current": initial},
    )
