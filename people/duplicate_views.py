"""The coordinators' duplicate review: compare two records, merge them or mark them different."""

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import audit_list_read, get_for_user, require_right, visible_to
from accounts.models import User
from accounts.roles import Right
from accounts.services import StaleVersionError
from people.models import DuplicateCandidate, Person, PersonMerge
from people.services import MergeError, duplicate_mark_different, person_merge, person_merge_undo
from people.views import DETAIL_FIELDS


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _open_candidates(user: User) -> "list[DuplicateCandidate]":
    visible = visible_to(user, Person.objects.current()).values("pk")
    return list(
        DuplicateCandidate.objects.filter(
            Q(first__in=visible) & Q(second__in=visible), status=DuplicateCandidate.Status.OPEN
        ).select_related("first", "second")[:200]
    )


def duplicate_queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_right(user, Right.MERGE_RECORDS, request=request)
    candidates = _open_candidates(user)
    persons = [person for c in candidates for person in (c.first, c.second)]
    audit_list_read(
        user, persons, model=Person, request=request, fields=("family_name", "given_name", "alias")
    )
    return render(request, "people/duplicate_queue.html", {"candidates": candidates})


def _candidate(pk: int) -> DuplicateCandidate:
    candidate = DuplicateCandidate.objects.filter(pk=pk).first()
    if candidate is None:
        raise Http404("該当する記録がありません。")
    return candidate


def duplicate_compare(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    require_right(user, Right.MERGE_RECORDS, request=request)
    candidate = _candidate(pk)
    persons = [
        get_for_user(
            user,
            Person.objects.prefetch_related("phones", "memberships__household"),
            person_id,
            right=Right.MERGE_RECORDS,
            request=request,
            fields=DETAIL_FIELDS,
        )
        for person_id in (candidate.first_id, candidate.second_id)
    ]
    return render(
        request, "people/duplicate_compare.html", {"candidate": candidate, "persons": persons}
    )


@require_POST
def duplicate_merge(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    candidate = _candidate(pk)
    kept_id = int(request.POST.get("kept", 0))
    merged_id = candidate.second_id if kept_id == candidate.first_id else candidate.first_id
    if kept_id not in (candidate.first_id, candidate.second_id):
        messages.error(request, "残す記録を選んでください。")
        return redirect("duplicate_compare", pk=pk)
    persons = Person.objects.prefetch_related("team")
    kept = get_for_user(user, persons, kept_id, right=Right.MERGE_RECORDS, request=request)
    merged = get_for_user(user, persons, merged_id, right=Right.MERGE_RECORDS, request=request)
    try:
        person_merge(
            kept=kept,
            merged=merged,
            kept_version=int(request.POST.get(f"version_{kept.pk}", 0)),
            merged_version=int(request.POST.get(f"version_{merged.pk}", 0)),
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


@require_POST
def duplicate_different(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    candidate = _candidate(pk)
    for person_id in (candidate.first_id, candidate.second_id):
        get_for_user(
            user, Person.objects.all(), person_id, right=Right.MERGE_RECORDS, request=request
        )
    duplicate_mark_different(candidate=candidate, by=user, request=request)
    messages.success(request, "別人として記録しました。今後この組は候補に出ません。")
    return redirect("duplicate_queue")


@require_POST
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    merge = PersonMerge.objects.filter(pk=pk).first()
    if merge is None:
        raise Http404("該当する記録がありません。")
    get_for_user(
        user, Person.objects.all(), merge.kept_id, right=Right.MERGE_RECORDS, request=request
    )
    try:
        person_merge_undo(merge=merge, by=user, request=request)
    except MergeError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"統合を取り消し、#{merge.merged_id} と #{merge.kept_id} を元に戻しました。"
        )
    return redirect("person_detail", pk=merge.kept_id)
