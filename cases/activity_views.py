"""Recording an entry of the activity log (支援経過記録)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.access import request_user
from accounts.middleware import kept_form_data
from accounts.models import User
from accounts.roles import ROLE_RIGHTS, Right
from cases.access import SUMMARY_FIELDS, case_context, load_case
from cases.forms import ActivityForm, now_to_the_minute
from cases.models import Case
from cases.services import activity_add
from tsunagu.forms import Choices, show_refusal

CASE_ROLES = [
    role.value for role, rights in ROLE_RIGHTS.items() if Right.VIEW_PERSONAL_DATA in rights
]


def participant_choices(case: Case) -> Choices:
    """Active staff of the case's organisation who work on case records."""
    staff = (
        User.objects.filter(
            organisation_id=case.organisation_id, is_active=True, staff_roles__role__in=CASE_ROLES
        )
        .distinct()
        .order_by("username")
    )
    return [(member.pk, str(member)) for member in staff]


def activity_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = load_case(request, pk, right=Right.EDIT_PERSONAL_DATA, fields=SUMMARY_FIELDS)
    choices = participant_choices(case)
    if request.method == "POST":
        form = ActivityForm(request.POST, participant_choices=choices)
        if form.is_valid():
            participants = list(User.objects.filter(pk__in=form.cleaned_data["participants"]))
            try:
                activity_add(
                    case=case,
                    data=form.activity_data(),
                    participants=participants or None,
                    by=user,
                    request=request,
                )
            except ValidationError as error:
                show_refusal(form, error)
            else:
                messages.success(request, "支援経過を記録しました。")
                return redirect("case_detail", pk=case.pk)
    elif (kept := kept_form_data(request)) is not None:
        form = ActivityForm(kept, participant_choices=choices)
        messages.info(
            request,
            "ログインの有効期限が切れる前に入力していた内容を復元しました。確認して保存してください。",
        )
    else:
        form = ActivityForm(
            initial={"occurred_at": now_to_the_minute(), "participants": [user.pk]},
            participant_choices=choices,
        )
    return render(request, "cases/activity_form.html", case_context(user, case) | {"form": form})
