"""Referrals made to the user's organisation (受け取ったつなぎ): what their receiver sees.

A referral is the sender's record (`Referral.organisation`); the organisation it was made to —
the directory entry's `Agency.organisation` — sees it too, since the person agreed to be connected:
the purpose, the referring organisation and worker, the dates and the person's name as the sender
entered it (a restricted person's name only under a consent covering 基本情報,
`collaboration.sharing.access.received_referral_identities`). Not the case itself: once the
referral is accepted, the shared pages open it on that basis (`_referral_bases`). Every page that
shows a received referral writes a disclosure row per referral, filed under the person; any other
organisation gets 404, as for a record that does not exist.
"""

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest

from accounts.access import audit_out_of_scope, deny, is_active_staff
from accounts.models import User
from accounts.roles import Right
from collaboration.models import Referral, ReferralEvent
from collaboration.sharing.access import audit_received_referrals, received_referral_identities


def received_by(user: User) -> Q:
    """The referrals made to `user`'s organisation (none for a user without one)."""
    if not is_active_staff(user):
        return Q(pk__in=[])
    return Q(agency__organisation_id=user.organisation_id)


def received_referrals(user: User) -> QuerySet[Referral]:
    """The referrals made to `user`'s organisation, with what their pages show loaded."""
    return Referral.objects.filter(received_by(user)).select_related(
        "agency__organisation", "organisation", "person", "referred_by"
    )


def received_referral_for_user(
    user: User, pk: Any, *, right: Right, request: HttpRequest | None = None
) -> tuple[Referral, bool]:
    """A referral made to `user`'s organisation and whether its person's name is shown, or 404
    (made to another organisation, or none) / 403 (no right). The view is a disclosure."""
    queryset = received_referrals(user).prefetch_related(
        Prefetch("events", queryset=ReferralEvent.objects.select_related("by__organisation"))
    )
    try:
        referral = queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        audit_out_of_scope(user, queryset, pk, request)
        raise Http404("該当する記録がありません。") from None
    if not user.has_right(right):
        raise deny(user, right=right, request=request, obj=referral)
    identities = received_referral_identities([referral])
    audit_received_referrals(user, [referral], identities, request=request)
    return referral, identities[referral.pk]
