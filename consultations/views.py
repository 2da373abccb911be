"""Intake pages (相談受付): record a consultation, the worker's day, one consultation, drafts."""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.access import (
    audit_list_read,
    get_for_user,
    own_organisation_id,
    request_user,
    require_right,
    visible_to,
)
from accounts.middleware import kept_form_data
from accounts.models import User
from accounts.roles import Right
from audit.models import PreviousVersion
from audit.services import previous_versions
from audit.versions import (
    ChangeShown,
    VersionShown,
    at_saved_version,
    save_correction,
    stale_differences,
    versions_shown,
)
from collaboration.models import Referral
from consultations.forms import IDENTIFYING_FIELDS, ConsultationCorrectionForm, ConsultationForm
from consultations.intake import consultation_record
from consultations.models import Category, Consultation, ConsultationDraft, Disposition
from consultations.services import consultation_correct
from people.access import can_see_identity, persons_for_search
from people.models import Person
from people.search import search_persons
from tsunagu.versioning import StaleVersionError

# Identity fields shown wherever a person's name or alias appears.
PERSON_LABEL_FIELDS = ("family_name", "given_name", "family_name_kana", "given_name_kana", "alias")
DETAIL_FIELDS = (
    "received_at",
    "channel",
    "consulter_type",
    "consulter_relationship",
    "consulter_agency",
    "consulter_name",
    "person",
    "age_at_contact",
    "categories",
    "main_concern",
    "content",
    "urgency",
    "disposition",
)
PICK_LIMIT = 10


# --- record a consultation -----------------------------------------------------------------------


def consultation_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_right(user, Right.EDIT_PERSONAL_DATA, request=request)
    organisation_id = own_organisation_id(user)
    draft: ConsultationDraft | None = None
    person_query = ""  # the text of the person search, shown again with its choice
    if request.method == "POST":
        draft = _own_draft(user, request.POST.get("draft"))
        person_query = request.POST.get("person_q", "")
        form = ConsultationForm(request.POST, user=user)
        if form.is_valid():
            try:
                consultation = consultation_record(
                    organisation_id=organisation_id,
                    **form.service_arguments(),
                    draft=draft,
                    by=user,
                    request=request,
                )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _saved_message(consultation))
                return redirect(_page_after_saving(consultation))
    elif (kept := kept_form_data(request)) is not None:
        draft = _own_draft(user, kept.get("draft"))
        person_query = kept.get("person_q", "")
        form = ConsultationForm(kept, user=user)
        messages.info(
            request,
            "ログインの有効期限が切れる前に入力していた内容を復元しました。確認して保存してください。",
        )
    elif "draft" in request.GET:
        draft = _own_draft(user, request.GET["draft"])
        if draft is None:
            raise Http404("該当する下書きがありません。")
        person_query = (draft.data.get("person_q") or [""])[-1]
        form = ConsultationForm(initial=ConsultationForm.initial_from_draft(draft.data), user=user)
    else:
        form = ConsultationForm(user=user)
    chosen = form.chosen_person()
    if chosen is not None:
        audit_list_read(user, [chosen], model=Person, request=request, fields=PERSON_LABEL_FIELDS)
    return render(
        request,
        "consultations/consultation_form.html",
        {
            "form": form,
            "draft": draft,
            "chosen": chosen,
            "chosen_persons": [chosen] if chosen else [],
            "person_query": person_query,
        },
    )


def consultation_person_pick(request: HttpRequest) -> HttpResponse:
    """Radio choices of persons for the intake form: an htmx fragment."""
    user = request_user(request)
    require_right(user, Right.EDIT_PERSONAL_DATA, request=request)
    query = request.GET.get("person_q", "").strip()[:100]
    hits = search_persons(
        persons_for_search(user, Person.objects.current()), query, limit=PICK_LIMIT
    )
    persons = [hit.person for hit in hits]
    audit_list_read(user, persons, model=Person, request=request, fields=PERSON_LABEL_FIELDS)
    return render(
        request, "consultations/_person_choices.html", {"persons": persons, "query": query}
    )


@require_POST
def consultation_draft_save(request: HttpRequest) -> HttpResponse:
    """Autosave of the intake form as the worker types: an htmx fragment with the time saved."""
    user = request_user(request)
    require_right(user, Right.EDIT_PERSONAL_DATA, request=request)
    data = ConsultationForm.draft_data(request.POST)
    draft_id = request.POST.get("draft")
    if draft_id:
        draft = _own_draft(user, draft_id)
        if draft is None:
            # Saved as a consultation meanwhile, or not this user's: never written to.
            raise Http404("該当する下書きがありません。")
        draft.data = data
        draft.save(update_fields=["data", "updated_at"])
    else:
        draft = ConsultationDraft.objects.create(user=user, data=data)
    return render(request, "consultations/_draft_saved.html", {"draft": draft})


def _own_draft(user: User, draft_id: object) -> ConsultationDraft | None:
    try:
        return ConsultationDraft.objects.filter(user=user, pk=int(str(draft_id))).first()
    except ValueError:
        return None


def _saved_message(consultation: Consultation) -> str:
    if consultation.disposition == Disposition.CONTINUE and consultation.case is not None:
        return f"相談を記録しました。ケース「{consultation.case}」で継続支援します。"
    if consultation.disposition == Disposition.REFER and consultation.referral is not None:
        referral = consultation.referral
        return (
            f"相談を記録しました。{referral.agency}へのつなぎを記録しました"
            f"（{referral.follow_up_on:%Y-%m-%d} につながったかを確認します）。"
        )
    return "相談を記録しました（情報提供・助言のみ）。"


def _page_after_saving(consultation: Consultation) -> str:
    """The case page when a case was opened or continued; else the consultation page."""
    if consultation.case_id is not None:
        return reverse("case_detail", args=[consultation.case_id])
    return reverse("consultation_detail", args=[consultation.pk])


# --- the worker's day ----------------------------------------------------------------------------


# The day page shows at most this many referrals to check on; all of them are on /referrals/.
DAY_REFERRALS_SHOWN = 20


@require_GET
def consultation_day(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_right(user, Right.VIEW_PERSONAL_DATA, request=request)
    today = timezone.localdate()
    day, date_error = _day_from(request.GET.get("date", ""), today)
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    consultations = list(
        visible_to(user, Consultation.objects.filter(received_at__gte=start, received_at__lt=end))
        .select_related("person", "consulter_agency", "referral__agency", "taken_by")
        .order_by("received_at", "id")
    )
    referred = visible_to(user, Consultation.objects.filter(referral__isnull=False)).values(
        "referral_id"
    )
    # Only those to check on by today, and a bounded number of them: the rest are on /referrals/.
    due_referrals = visible_to(
        user,
        Referral.objects.filter(
            state__in=Referral.OPEN_STATES, pk__in=referred, follow_up_on__lte=today
        ),
    )
    open_referrals = list(
        due_referrals.select_related("person", "agency").order_by("follow_up_on", "id")[
            :DAY_REFERRALS_SHOWN
        ]
    )
    due_count = (
        due_referrals.count() if len(open_referrals) == DAY_REFERRALS_SHOWN else len(open_referrals)
    )
    shown = {consultation.person_id: consultation.person for consultation in consultations}
    shown.update((referral.person_id, referral.person) for referral in open_referrals)
    persons = list(shown.values())
    prefetch_related_objects(persons, "team")
    drafts = list(ConsultationDraft.objects.filter(user=user))
    audit_list_read(
        user,
        persons,
        model=Person,
        request=request,
        fields=PERSON_LABEL_FIELDS,
        also={
            "consultations.consultation": [consultation.pk for consultation in consultations],
            "collaboration.referral": [referral.pk for referral in open_referrals],
        },
    )
    identity = {person.pk: can_see_identity(user, person) for person in persons}
    return render(
        request,
        "consultations/consultation_day.html",
        {
            "day": day,
            "today": today,
            "is_today": day == today,
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "date_error": date_error,
            "consultations": [(c, identity[c.person_id]) for c in consultations],
            "open_referrals": [
                (referral, identity[referral.person_id], referral.is_overdue(today))
                for referral in open_referrals
            ],
            "more_referrals": due_count - len(open_referrals),
            "drafts": [(draft, _draft_summary(draft)) for draft in drafts],
            "can_record": user.has_right(Right.EDIT_PERSONAL_DATA),
        },
    )


def _day_from(value: str, today: date) -> tuple[date, str]:
    if not value:
        return today, ""
    try:
        return date.fromisoformat(value), ""
    except ValueError:
        return today, "日付の形式が正しくないため、今日の相談を表示しています。"


def _draft_summary(draft: ConsultationDraft) -> str:
    """What the worker typed about the person, so they can tell their drafts apart."""

    def first(name: str) -> str:
        values = draft.data.get(name) or [""]
        return str(values[-1]).strip()

    name = " ".join(part for part in (first("family_name"), first("given_name")) if part)
    return name or first("alias") or first("person_q") or "（本人未入力）"


# --- one consultation ----------------------------------------------------------------------------


@require_GET
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    consultation = get_for_user(
        user,
        Consultation.objects.select_related(
            "person", "consulter_agency", "referral__agency", "case", "taken_by"
        ).prefetch_related("person__team"),
        pk,
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=DETAIL_FIELDS,
    )
    return render(
        request,
        "consultations/consultation_detail.html",
        {
            "consultation": consultation,
            "show_identity": can_see_identity(user, consultation.person),
            "can_record": user.has_right(Right.EDIT_PERSONAL_DATA),
        },
    )


# --- correcting one (訂正) ------------------------------------------------------------------


def _consultation_for(request: HttpRequest, pk: int, right: Right) -> Consultation:
    return get_for_user(
        request_user(request),
        Consultation.objects.select_related("person", "consulter_agency", "taken_by"),
        pk,
        right=right,
        request=request,
        fields=DETAIL_FIELDS,
    )


def consultation_correct_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a recorded consultation's content with a reason; a stale save shows both."""
    user = request_user(request)
    consultation = _consultation_for(request, pk, Right.EDIT_PERSONAL_DATA)
    stale: list[ChangeShown] | None = None
    if request.method != "POST":
        form = ConsultationCorrectionForm(user=user, consultation=consultation)
    else:
        form = ConsultationCorrectionForm(request.POST, user=user, consultation=consultation)

        def save(cleaned: dict[str, Any]) -> Consultation:
            return consultation_correct(
                consultation=consultation,
                data=form.correction_data(consultation),
                version=cleaned["version"],
                reason=cleaned["reason"],
                by=user,
                request=request,
            )

        outcome = save_correction(
            request,
            form,
            save=save,
            on_stale=lambda error: _stale_consultation(request, form, consultation, error),
        )
        if outcome.saved:
            return redirect("consultation_versions", pk=consultation.pk)
        form, stale = outcome.form, outcome.stale
    return render(
        request,
        "consultations/consultation_correct.html",
        {"consultation": consultation, "form": form, "stale": stale},
    )


def _stale_consultation(
    request: HttpRequest,
    form: ConsultationCorrectionForm,
    consultation: Consultation,
    error: StaleVersionError,
) -> tuple[list[ChangeShown], ConsultationCorrectionForm]:
    """What is saved now beside the worker's input, and the input again at the saved version."""
    user = request_user(request)
    saved = Consultation.objects.select_related("person").get(pk=consultation.pk)
    stale = stale_differences(
        Consultation,
        form.initial_of(saved),
        form.correction_data(consultation),
        CONSULTATION_SHOWN,
    )
    return stale, at_saved_version(
        request, error, lambda data: ConsultationCorrectionForm(data, user=user, consultation=saved)
    )


def _category_labels(codes: list[str]) -> str:
    return "、".join(Category(code).label if code in Category.values else code for code in codes)


CONSULTATION_SHOWN = {"categories": _category_labels}


@require_GET
def consultation_versions(request: HttpRequest, pk: int) -> HttpResponse:
    """The previous versions of a consultation: who corrected it, when, why, old → new."""
    user = request_user(request)
    consultation = _consultation_for(request, pk, Right.VIEW_PERSONAL_DATA)
    kept = previous_versions(consultation)
    audit_list_read(
        user,
        kept,
        model=PreviousVersion,
        request=request,
        also={"consultations.consultation": [consultation.pk]},
    )
    versions = versions_shown(Consultation, kept, CONSULTATION_SHOWN)
    if not can_see_identity(user, consultation.person):
        # Who consulted by name and the age identify the person: not shown without the identity.
        versions = [
            VersionShown(v.kept, [c for c in v.changes if c.name not in IDENTIFYING_FIELDS])
            for v in versions
        ]
    return render(
        request,
        "consultations/consultation_versions.html",
        {
            "consultation": consultation,
            "versions": versions,
            "can_correct": user.has_right(Right.EDIT_PERSONAL_DATA),
        },
    )
