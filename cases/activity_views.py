"""The activity log (支援経過記録): recording an entry, correcting one (訂正), its versions."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.access import audit_list_read, request_user
from accounts.middleware import kept_form_data
from accounts.models import User
from accounts.roles import ROLE_RIGHTS, Right
from audit.models import PreviousVersion
from audit.services import previous_versions
from audit.versions import (
    ChangeShown,
    at_saved_version,
    save_correction,
    stale_differences,
    versions_shown,
)
from cases.access import SUMMARY_FIELDS, case_context, load_case
from cases.forms import ActivityCorrectionForm, ActivityForm, now_to_the_minute
from cases.models import Activity, Case
from cases.services import activity_add, activity_correct
from tsunagu.forms import Choices, show_refusal
from tsunagu.versioning import StaleVersionError

CASE_ROLES = [
    role.value for role, rights in ROLE_RIGHTS.items() if Right.VIEW_PERSONAL_DATA in rights
]


def participant_choices(case: Case, activity: Activity | None = None) -> Choices:
    """Active staff of the case's organisation who work on case records; for a correction also
    the activity's own participants, so that one who has since left is not dropped unasked."""
    on_records = Q(
        organisation_id=case.organisation_id, is_active=True, staff_roles__role__in=CASE_ROLES
    )
    if activity is not None:
        on_records |= Q(pk__in=activity.participants.values("pk"))
    staff = User.objects.filter(on_records).distinct().order_by("username")
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


def _activity_of(case: Case, activity_pk: int) -> Activity:
    """An activity of a case the user may already see (load_case): another case's is 404."""
    return get_object_or_404(
        case.activities.select_related("recorded_by").prefetch_related("participants"),
        pk=activity_pk,
    )


def activity_correct_view(request: HttpRequest, pk: int, activity_pk: int) -> HttpResponse:
    """Correct a saved activity with a reason; a stale save shows both versions."""
    user = request_user(request)
    case = load_case(request, pk, right=Right.EDIT_PERSONAL_DATA, fields=SUMMARY_FIELDS)
    activity = _activity_of(case, activity_pk)
    choices = participant_choices(case, activity)
    stale: list[ChangeShown] | None = None
    if request.method != "POST":
        form = ActivityCorrectionForm(
            initial=ActivityCorrectionForm.initial_of(activity), participant_choices=choices
        )
    else:
        form = ActivityCorrectionForm(request.POST, participant_choices=choices)

        def save(cleaned: dict[str, Any]) -> Activity:
            return activity_correct(
                activity=activity,
                data=form.correction_data(activity),
                participants=list(User.objects.filter(pk__in=cleaned["participants"])),
                version=cleaned["version"],
                reason=cleaned["reason"],
                by=user,
                request=request,
            )

        outcome = save_correction(
            request,
            form,
            save=save,
            on_stale=lambda error: _stale(request, form, activity, choices, error),
        )
        if outcome.saved:
            return redirect("activity_versions", pk=case.pk, activity_pk=activity.pk)
        form, stale = outcome.form, outcome.stale
    context = {"form": form, "activity": activity, "stale": stale}
    return render(request, "cases/activity_correct.html", case_context(user, case) | context)


def _stale(
    request: HttpRequest,
    form: ActivityCorrectionForm,
    activity: Activity,
    choices: Choices,
    error: StaleVersionError,
) -> tuple[list[ChangeShown], ActivityCorrectionForm]:
    """What is saved now beside the worker's input, and the input again at the saved version:
    saving it again (knowingly) corrects the version now saved."""
    saved = ActivityCorrectionForm.initial_of(
        Activity.objects.prefetch_related("participants").get(pk=activity.pk)
    )
    typed = {**form.activity_data(), "participants": form.cleaned_data["participants"]}
    stale = stale_differences(Activity, saved, typed)
    return stale, at_saved_version(
        request, error, lambda data: ActivityCorrectionForm(data, participant_choices=choices)
    )


def activity_versions(request: HttpRequest, pk: int, activity_pk: int) -> HttpResponse:
    """The previous versions of an activity: who corrected it, when, why, old → new."""
    user = request_user(request)
    case = load_case(request, pk, right=Right.VIEW_PERSONAL_DATA, fields=SUMMARY_FIELDS)
    activity = _activity_of(case, activity_pk)
    kept = previous_versions(activity)
    # The old values are shown: one read row naming the versions and the activity.
    audit_list_read(
        user,
        kept,
        model=PreviousVersion,
        request=request,
        also={"cases.activity": [activity.pk]},
    )
    context = {
        "activity": activity,
        "versions": versions_shown(Activity, kept),
        "can_correct": user.has_right(Right.EDIT_PERSONAL_DATA),
    }
    return render(request, "cases/activity_versions.html", case_context(user, case) | context)
