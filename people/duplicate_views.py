"""The coordinators' duplicate review: compare two records, merge them or mark them different."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import audit_list_read, get_for_user, request_user, require_right, visible_to
from accounts.models import User
from accounts.reauth import require_recent_authentication
from accounts.roles import Right
from people.access import DETAIL_FIELDS, can_see_identity, require_identity
from people.confirm_views import merge_confirmation
from people.models import DuplicateCandidate, Person, PersonMerge
from people.services import MergeError, duplicate_mark_different, person_merge, person_merge_undo
from tsunagu.confirm import confirm_page, is_confirmed
from tsunagu.versioning import StaleVersionError


def _open_candidates(user: User) -> "list[DuplicateCandidate]":
    visible = visible_to(user, Person.objects.current()).values("pk")
    return list(
        DuplicateCandidate.objects.filter(
            Q(first__in=visible) & Q(second__in=visible), status=DuplicateCandidate.Status.OPEN
        )
        .select_related("first", "second")
        .prefetch_related("first__team", "second__team")[:200]
    )


def duplicate_queue(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_right(user, Right.MERGE_RECORDS, request=request)
    candidates = _open_candidates(user)
    persons = [person for c in candidates for person in (c.first, c.second)]
    for person in persons:
        # A restricted person shows as 制限対象者 #id to a coordinator outside the team.
        person.identity_visible = can_see_identity(user, person)  # type: ignore[attr-defined]
    audit_list_read(
        user, persons, model=Person, request=request, fields=("family_name", "given_name", "alias")
    )
    return render(request, "people/duplicate_queue.html", {"candidates": candidates})


def _candidate(user: User, pk: int) -> DuplicateCandidate:
    """A pair of the user's own organisation; any other is 404, like a missing one."""
    visible = visible_to(user, Person.objects.all()).values("pk")
    candidate = DuplicateCandidate.objects.filter(
        pk=pk, first__in=visible, second__in=visible
    ).first()
    if candidate is None:
        raise Http404("該当する記録がありません。")
    return candidate


def duplicate_compare(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    require_right(user, Right.MERGE_RECORDS, request=request)
    candidate = _candidate(user, pk)
    persons = [
        get_for_user(
            user,
            Person.objects.prefetch_related("phones", "memberships__household", "team"),
            person_id,
            right=Right.MERGE_RECORDS,
            request=request,
            fields=DETAIL_FIELDS,
        )
        for person_id in (candidate.first_id, candidate.second_id)
    ]
    for person in persons:
        require_identity(user, person, request=request)
    return render(
        request, "people/duplicate_compare.html", {"candidate": candidate, "persons": persons}
    )


@require_POST
@require_recent_authentication
def duplicate_merge(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    require_right(user, Right.MERGE_RECORDS, request=request)
    candidate = _candidate(user, pk)
    try:
        kept_id = int(request.POST.get("kept", 0))
    except ValueError:
        kept_id = 0
    merged_id = candidate.second_id if kept_id == candidate.first_id else candidate.first_id
    if kept_id not in (candidate.first_id, candidate.second_id):
        messages.error(request, "残す記録を選んでください。")
        return redirect("duplicate_compare", pk=pk)
    persons = Person.objects.prefetch_related("team")
    kept = get_for_user(user, persons, kept_id, right=Right.MERGE_RECORDS, request=request)
    merged = get_for_user(user, persons, merged_id, right=Right.MERGE_RECORDS, request=request)
    for person in (kept, merged):
        require_identity(user, person, request=request)
    versions = (_version(request, kept), _version(request, merged))
    if not is_confirmed(request):
        # The first POST shows what the merge will do and changes nothing.
        try:
            return confirm_page(
                request, merge_confirmation(user, candidate, kept, merged, versions)
            )
        except MergeError as error:
            messages.error(request, str(error))
            return redirect("duplicate_compare", pk=pk)
    try:
        person_merge(
            kept=kept,
            merged=merged,
            kept_version=versions[0],
            merged_version=versions[1],
            by=user,
            request=request,
        )
    except (StaleVersionError, MergeError) as error:
        messages.error(request, str(error))
        return redirect("duplicate_compare", pk=pk)
    messages.success(
        request, f"#{merged.pk} を #{kept.pk} に統合しました。取り消すこともできます。"
    )
    return redirect("person_detail", pk=kept.pk)


def _version(request: HttpRequest, person: Person) -> int:
    """The version of `person` the coordinator compared; 0 (never current) when missing."""
    try:
        return int(request.POST.get(f"version_{person.pk}", 0))
    except ValueError:
        return 0


@require_POST
def duplicate_different(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    require_right(user, Right.MERGE_RECORDS, request=request)
    candidate = _candidate(user, pk)
    for person_id in (candidate.first_id, candidate.second_id):
        person = get_for_user(
            user,
            Person.objects.prefetch_related("team"),
            person_id,
            right=Right.MERGE_RECORDS,
            request=request,
        )
        require_identity(user, person, request=request)
    try:
        duplicate_mark_different(candidate=candidate, by=user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("duplicate_queue")
    messages.success(request, "別人として記録しました。今後この組は候補に出ません。")
    return redirect("duplicate_queue")


@require_POST
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    require_right(user, Right.MERGE_RECORDS, request=request)
    merge = PersonMerge.objects.filter(
        pk=pk, kept__in=visible_to(user, Person.objects.all()).values("pk")
    ).first()
    if merge is None:
        raise Http404("該当する記録がありません。")
    kept = get_for_user(
        user,
        Person.objects.prefetch_related("team"),
        merge.kept_id,
        right=Right.MERGE_RECORDS,
        request=request,
    )
    require_identity(user, kept, request=request)
    merged = Person.objects.prefetch_related("team").get(pk=merge.merged_id)
    require_identity(user, merged, request=request)
    try:
        person_merge_undo(merge=merge, by=user, request=request)
    except MergeError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"統合を取り消し、#{merge.merged_id} と #{merge.kept_id} を元に戻しました。"
        )
    return redirect("person_detail", pk=merge.kept_id)
