"""The authorization matrix: every route of the project, every persona, the status each gets.

This table is the documentation of who sees what; docs/access-matrix.md is printed from it by
`python -m tsunagu.tests.access_matrix > docs/access-matrix.md` (a test checks it is current).
`test_access_matrix.py` requests every route as every persona and fails for a route that is not
in the table — no page can be added without its rule. The rule behind each row is written next to
it in tsunagu/tests/access_matrix.py.

Personas (columns), all but the first logged in:
- anon: nobody logged in (pages send to the login page, the API answers 401)
- same: つなぐ市 window's consultation worker, lead of the case
- coord: つなぐ市 window's coordinator (convenes meetings, merges duplicates)
- other: みなと町's worker (another municipality)
- p_consent: 地域包括 worker on the case team under the person's consent
- p_none: 地域包括 worker with no basis
- referral: 自立相談支援センター worker; the case was referred to it and accepted
- member: 保健センター worker, member of the 支援会議 with the case on its agenda (acknowledged)
- centre: prefectural centre specialist (an advice request on the case was sent to the centre)
- stats: the window's statistics clerk (counts only)
- supporter: NPO ひだまり's supporter (own dispatches only)
- auditor: the window's auditor (audit log only)
- ibasho: NPO ひだまり's ibasho staff
- admin: the window's administrator (staff and statistics, no case records)

Requests are GET, or POST with an empty form where the route only takes POST (a write must be
refused before anything is checked, so an empty form tells the refusal from the form's errors).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PERSONAS = (
    "anon",
    "same",
    "coord",
    "other",
    "p_consent",
    "p_none",
    "referral",
    "member",
    "centre",
    "stats",
    "supporter",
    "auditor",
    "ibasho",
    "admin",
)

Kwargs = Callable[[Any], dict[str, Any]]


def no_kwargs(w: Any) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Route:
    method: str
    kwargs: Kwargs
    expected: dict[str, int]
    body: dict[str, Any] | None = None  # an API request's JSON body (default: empty)
    ends_session: bool = False  # requested with a session of its own (logout)
    query: Kwargs = no_kwargs  # the query string


def statuses(default: int, anon: int = 302, **overrides: int) -> dict[str, int]:
    """A row: `default` for every logged-in persona, `anon` for nobody, then the exceptions."""
    unknown = set(overrides) - set(PERSONAS)
    if unknown:
        raise ValueError(f"unknown personas: {unknown}")
    return {"anon": anon, **dict.fromkeys(PERSONAS[1:], default), **overrides}


# The rows, written with the rules they follow.
# A record of the window's own organisation: its workers read it; the window's clerk, auditor and
# administrator hold no right to personal data (403); every other organisation gets 404.
OWN_RECORD = statuses(404, same=200, coord=200, stats=403, auditor=403, admin=403)
# A list scoped to the user's own organisation: every worker gets their own (200).
OWN_LIST = statuses(200, stats=403, supporter=403, auditor=403, ibasho=403, admin=403)
# A write form for a record of the window (GET shows the form).
OWN_WRITE = OWN_RECORD
# A POST to the window's record with an empty form: the worker sees the form's errors (200), or
# is sent back to the record with the error as a message (OWN_ACTION: 302).
OWN_POST = OWN_RECORD
OWN_ACTION = statuses(404, same=302, coord=302, stats=403, auditor=403, admin=403)
# The API: no token is 401, another organisation's record 404, no right 403.
API_ANON = 401


def api(default: int, **overrides: int) -> dict[str, int]:
    return statuses(default, **{"anon": API_ANON, **overrides})


ROUTES: dict[str, Route] = {}


def route(
    name: str,
    method: str = "GET",
    kwargs: Kwargs = no_kwargs,
    body: dict[str, Any] | None = None,
    ends_session: bool = False,
    query: Kwargs = no_kwargs,
    **expected: int,
) -> None:
    ROUTES[name] = Route(method, kwargs, dict(expected), body, ends_session, query)


def case(w: Any) -> dict[str, Any]:
    return {"pk": w.case.pk}


def staff(w: Any) -> dict[str, Any]:
    return {"pk": w.users["same"].pk}


# ---- tsunagu, accounts, audit ----
route("home", **statuses(200))
route("menu_counts", **statuses(200))  # counts of the user's own work only
# The style page (画面の部品の一覧): every staff member of an organisation; a supporter's login
# sees its own dispatches only (accounts.access.require_office_staff: 403).
route("styleguide", **statuses(200, supporter=403))
route("healthz", **statuses(200, anon=200))
route("login", **statuses(302, anon=200))
route("logout", "POST", ends_session=True, **statuses(302, anon=302))
route("organisations", **statuses(200))
route("staff_list", **statuses(403, admin=200))
route(
    "staff_detail",
    kwargs=staff,
    **statuses(404, same=403, coord=403, stats=403, auditor=403, admin=200),
)
# The administrator's actions on a colleague: end their sign-in waits, revoke their tokens.
STAFF_ACTION = statuses(404, same=403, coord=403, stats=403, auditor=403, admin=302)
route("staff_unlock", "POST", kwargs=staff, **STAFF_ACTION)
route("staff_tokens_revoke", "POST", kwargs=staff, **STAFF_ACTION)
# …reset their authenticator app, reset their password (a reason is required: the empty form is
# sent back to the staff page with the refusal).
route("staff_totp_reset", "POST", kwargs=staff, **STAFF_ACTION)
route("staff_password_reset", "POST", kwargs=staff, **STAFF_ACTION)

# Sign-in steps (accounts/otp.py): the code prompt and the enrolment send a verified session, or
# a role without the second factor, on to the page it was going to.
route("totp_verify", **statuses(302))
route("totp_enrol", **statuses(302))
# 「パスワードの再入力」 before a risky action: anyone signed in.
route("reauth", **statuses(200))
# New recovery codes for one's own app (shown once); without an app, back to the account page.
WITH_APP = {
    *("same", "coord", "other", "p_consent", "p_none", "referral", "member", "centre", "admin"),
}
route(
    "account_recovery_codes",
    "POST",
    **statuses(302, **dict.fromkeys(WITH_APP, 200)),
)
# Creating staff, one or from a file: the administrator only, for the own organisation (no
# record is named, so everyone else gets 403). The empty confirmation goes back to the upload.
route("staff_create", **statuses(403, admin=200))
route("staff_import", **statuses(403, admin=200))
route("staff_import_confirm", "POST", **statuses(403, admin=302))
# Invite, deactivate, reactivate a colleague: refused for `same` (has a password, leads a case,
# is active) and sent back to the page with the reason.
route("staff_invite", "POST", kwargs=staff, **STAFF_ACTION)
route("staff_deactivate", "POST", kwargs=staff, **STAFF_ACTION)
route("staff_reactivate", "POST", kwargs=staff, **STAFF_ACTION)
# The hand-over page of a colleague: as the staff page; an empty "all" form shows its errors.
STAFF_PAGE = statuses(404, same=403, coord=403, stats=403, auditor=403, admin=200)
route("handover", kwargs=staff, **STAFF_PAGE)
route("handover_all", "POST", kwargs=staff, **STAFF_PAGE)
route("handover_item", "POST", kwargs=staff, **STAFF_ACTION)


def unknown_invitation(w: Any) -> dict[str, Any]:
    return {"token": "not-a-token"}


# The invitation link needs no login: an unknown link answers the same refusal to everyone (200,
# so that the token in the path is not logged); the form without a link in the session is 410.
route("invitation_open", kwargs=unknown_invitation, **statuses(200, anon=200))
route("invitation_accept", **statuses(410, anon=410))


def own_token(w: Any) -> dict[str, Any]:
    from accounts.models import ApiToken

    token = ApiToken.objects.filter(user=w.users["same"]).order_by("pk").first()
    assert token is not None
    return {"pk": token.pk}


# Everyone's own account page; a token is revoked by its owner only (anyone else: 404).
route("account", **statuses(200))
route("account_password", **statuses(200))
route("account_token_revoke", "POST", kwargs=own_token, **statuses(404, same=302))


# ---- notifications: the inbox (お知らせ) ----
def own_notification(w: Any) -> dict[str, Any]:
    from notifications.models import Notification

    notification, _ = Notification.objects.get_or_create(
        recipient=w.users["same"],
        kind=Notification.Kind.ADDED_TO_TEAM,
        message=f"ケース #{w.case.pk} の担当チームに追加されました",
        url=f"/cases/{w.case.pk}/",
    )
    return {"pk": notification.pk}


# Every staff member has an inbox, whatever their rights; a notification is opened (marked read,
# then sent to its link) by its recipient only: anyone else gets 404, as for a missing record.
route("notification_list", **statuses(200))
route("notification_open", "POST", kwargs=own_notification, **statuses(404, same=302))
route("notification_read_all", "POST", **statuses(302))
# ---- accounts.administration: local governments, organisations, contracts ----
# Lists and new-record forms are the administrator's (403 for everyone else, audited). A record
# outside the administrator's installation answers 404 (another municipality); inside it, a
# non-administrator learns only that it exists (403), as on every page.
ADMINISTRATION_PAGE = statuses(403, admin=200)
ADMINISTRATION_RECORD = statuses(403, other=404, admin=200)


def own_government(w: Any) -> dict[str, Any]:
    return {"pk": w.users["same"].organisation.local_government_id}


def own_organisation(w: Any) -> dict[str, Any]:
    return {"pk": w.users["same"].organisation_id}


def own_contract(w: Any) -> dict[str, Any]:
    from accounts.models import Contract

    contract = Contract.objects.filter(commissioner=w.users["same"].organisation).first()
    assert contract is not None
    return {"pk": contract.pk}


def set_password_link(w: Any) -> dict[str, Any]:
    return {"uidb64": "MA", "token": "no-such-token"}


route("administration", **ADMINISTRATION_PAGE)
route("administration_governments", **ADMINISTRATION_PAGE)
route("administration_government_create", **ADMINISTRATION_PAGE)
route("administration_government_edit", kwargs=own_government, **ADMINISTRATION_RECORD)
route("administration_organisations", **ADMINISTRATION_PAGE)
route("administration_organisation_create", **ADMINISTRATION_PAGE)
route("administration_organisation_edit", kwargs=own_organisation, **ADMINISTRATION_RECORD)
route("administration_contracts", **ADMINISTRATION_PAGE)
route("administration_contract_create", **ADMINISTRATION_PAGE)
route("administration_contract_edit", kwargs=own_contract, **ADMINISTRATION_RECORD)
route("administration_contract_renew", kwargs=own_contract, **ADMINISTRATION_RECORD)
# The one-time link that sets a password is public (its token is the credential); a used,
# expired or made-up link shows the page saying so.
route("password_set", kwargs=set_password_link, **statuses(200, anon=200))
route("audit_log", **statuses(403, auditor=200))
route("audit_log_csv", **statuses(403, auditor=200))


# ---- people ----
def person(w: Any) -> dict[str, Any]:
    return {"pk": w.person.pk}


def household(w: Any) -> dict[str, Any]:
    return {"pk": w.household.pk}


def membership(w: Any) -> dict[str, Any]:
    return {"pk": w.household.pk, "membership_id": w.membership.pk}


def duplicate(w: Any) -> dict[str, Any]:
    return {"pk": w.duplicate.pk}


def merge(w: Any) -> dict[str, Any]:
    return {"pk": w.merge.pk}


route("person_list", **OWN_LIST)
route("person_pick", **OWN_LIST)
route("person_create", **OWN_LIST)
route("person_detail", kwargs=person, **OWN_RECORD)
route("person_edit", kwargs=person, **OWN_RECORD)
# Merging needs the right before anything is looked up: everyone else gets 403, whatever exists.
route("duplicate_queue", **statuses(403, coord=200))
route("duplicate_compare", kwargs=duplicate, **statuses(403, coord=200))
route("duplicate_merge", "POST", kwargs=duplicate, **statuses(403, coord=302))
route("duplicate_different", "POST", kwargs=duplicate, **statuses(403, coord=302))
route("merge_undo", "POST", kwargs=merge, **statuses(403, coord=302))
route("household_list", **OWN_LIST)
route("household_create", **OWN_LIST)
route("household_detail", kwargs=household, **OWN_RECORD)
route("household_add_member", "POST", kwargs=household, **OWN_ACTION)
route("household_end_membership", "POST", kwargs=membership, **OWN_ACTION)


# ---- consultations ----
def consultation(w: Any) -> dict[str, Any]:
    return {"pk": w.consultation.pk}


route("consultation_day", **OWN_LIST)
route("consultation_create", **OWN_LIST)
route("consultation_detail", kwargs=consultation, **OWN_RECORD)
# A correction (訂正) of a consultation: its own organisation's workers; the versions with it.
route("consultation_correct", kwargs=consultation, **OWN_WRITE)
route("consultation_versions", kwargs=consultation, **OWN_RECORD)
route("consultation_draft_save", "POST", **OWN_LIST)
route("consultation_person_pick", **OWN_LIST)


# ---- cases ----
def version_one(w: Any) -> dict[str, Any]:
    return {"pk": w.case.pk, "number": 1}


route("case_list", **OWN_LIST)
route("case_detail", kwargs=case, **OWN_RECORD)
# The case's timeline: the case page's access (partners see the shared pages only).
route("case_timeline", kwargs=case, **OWN_RECORD)
route("case_stage", "POST", kwargs=case, **OWN_POST)
route("case_close", "POST", kwargs=case, **OWN_POST)
route("case_reopen", "POST", kwargs=case, **OWN_POST)
route("case_household", "POST", kwargs=case, **OWN_POST)
# The case team: its own organisation's workers see and change it (partners: shared pages only).
route("case_team", kwargs=case, **OWN_RECORD)
route("case_team_add", "POST", kwargs=case, **OWN_POST)
route("case_team_remove", "POST", kwargs=case, **OWN_POST)
route("case_lead_change", "POST", kwargs=case, **OWN_POST)
# The case list's change of lead for the selected cases: whoever may write cases; an empty form
# goes back to the list with its message. Only cases in the user's scope can be selected.
route(
    "case_lead_bulk",
    "POST",
    **statuses(302, stats=403, supporter=403, auditor=403, ibasho=403, admin=403),
)
route("assessment_new", kwargs=case, **OWN_WRITE)
route("assessment_detail", kwargs=version_one, **OWN_RECORD)
route("plan_edit", kwargs=case, **OWN_WRITE)
route("plan_detail", kwargs=version_one, **OWN_RECORD)
route("activity_new", kwargs=case, **OWN_WRITE)


def case_activity(w: Any) -> dict[str, Any]:
    from cases.models import Activity

    activity = w.case.activities.order_by("pk").first() or Activity.objects.create(
        case=w.case,
        kind=Activity.Kind.PHONE,
        content="電話で様子を聞いた",
        recorded_by=w.case.lead_worker,
    )
    return {"pk": w.case.pk, "activity_pk": activity.pk}


# A correction (訂正) of an activity is a write on the case; its versions page is read with it.
route("activity_correct", kwargs=case_activity, **OWN_WRITE)
route("activity_versions", kwargs=case_activity, **OWN_RECORD)
# The printed case summary, plan and assessment sheet: the case page's own access.
route("case_summary_pdf", kwargs=case, **OWN_RECORD)
route("plan_pdf", kwargs=version_one, **OWN_RECORD)
route("assessment_pdf", kwargs=version_one, **OWN_RECORD)
route("watch_list", **OWN_LIST)
route("household_case_open", "POST", kwargs=household, **OWN_ACTION)


# ---- collaboration: referrals, directory, sharing, the centre's advice ----
def referral(w: Any) -> dict[str, Any]:
    return {"pk": w.referral.pk}


def advice(w: Any) -> dict[str, Any]:
    return {"pk": w.advice_request.pk}


route("referral_new", kwargs=case, **OWN_WRITE)
route("referral_detail", kwargs=referral, **OWN_RECORD)
# A correction (訂正) of a referral: its sender's workers only (the receiver, whose page of it is
# referral_incoming_detail, gets 404 as any other organisation); the versions with it.
route("referral_correct", kwargs=referral, **OWN_WRITE)
route("referral_versions", kwargs=referral, **OWN_RECORD)
# The printed referral letter (紹介状): the sender's page of the referral's own access.
route("referral_letter_pdf", kwargs=referral, **OWN_RECORD)
# The office's own referrals (sent): every worker gets their own office's list.
route("referral_list", **OWN_LIST)
# The referrals made to the user's organisation: every worker gets their own (maybe empty) list.
route("referral_incoming", **OWN_LIST)
# A referral made to the receiver's organisation (the accepted one of the world, to the
# 自立相談支援センター): its receiver alone sees it there; every other organisation, the sender's
# included (it has its own page), gets 404.
route("referral_incoming_detail", kwargs=referral, **statuses(404, referral=200))
route("agency_list", **OWN_LIST)
route("agency_new", **OWN_LIST)


def agency(w: Any) -> dict[str, Any]:
    return {"pk": w.referral.agency_id}


# A correction (訂正) of a directory entry (つなぐ市's, not personal data): the same rule as adding
# one — staff who may edit, of the entry's municipality (or its prefecture): every つなぐ市
# organisation's workers. The prefectural centre corrects the prefecture's own entries only and
# another town does not have the entry in its directory: 404. Its versions: whoever reads it.
AGENCY_READ = statuses(200, other=404, stats=403, supporter=403, auditor=403, ibasho=403, admin=403)
route("agency_correct", kwargs=agency, **{**AGENCY_READ, "centre": 404})
route("agency_versions", kwargs=agency, **AGENCY_READ)
route("shared_list", **OWN_LIST)
# Another organisation sees the case read-only and only on a basis (the consent for a team
# member, the accepted referral); the case's own office is sent to the case's own page.
route(
    "shared_case",
    kwargs=case,
    **statuses(
        404,
        same=302,
        coord=302,
        p_consent=200,
        referral=200,
        stats=403,
        supporter=403,
        auditor=403,
        ibasho=403,
        admin=403,
    ),
)
route("advice_new", kwargs=case, **OWN_WRITE)
route("advice_list", **OWN_LIST)
# The centre the request was sent to sees it (an anonymised summary) and alone answers it.
route(
    "advice_detail",
    kwargs=advice,
    **statuses(404, same=200, coord=200, centre=200, stats=403, auditor=403, admin=403),
)
route(
    "advice_answer",
    "POST",
    kwargs=advice,
    **statuses(404, same=403, coord=403, centre=200, stats=403, auditor=403, admin=403),
)
route(
    "advice_close",
    "POST",
    kwargs=advice,
    **statuses(404, same=302, coord=302, centre=403, stats=403, auditor=403, admin=403),
)


# ---- collaboration: consent and the disclosure record (the case's and person's own office) ----
def consent(w: Any) -> dict[str, Any]:
    return {"pk": w.consent.pk}


route("consent_new", kwargs=case, **OWN_WRITE)
route("consent_form_pdf", kwargs=case, **OWN_RECORD)
route("consent_detail", kwargs=consent, **OWN_RECORD)
route("consent_withdraw", "POST", kwargs=consent, **OWN_POST)
route("disclosure_record", kwargs=person, **OWN_RECORD)
route("disclosure_record_pdf", kwargs=person, **OWN_RECORD)


# ---- collaboration: meetings ----
# The 支援会議 of the window: members are the coordinator, the case's worker (same) and the
# 保健センター worker (member), who acknowledged confidentiality. Convening needs the
# coordinator's right; members of other organisations see the meeting; everyone else 404.
def meeting(w: Any) -> dict[str, Any]:
    return {"pk": w.meeting.pk}


def agenda_item(w: Any) -> dict[str, Any]:
    return {"pk": w.meeting.pk, "item_pk": w.agenda_item.pk}


def action_item(w: Any) -> dict[str, Any]:
    return {"pk": w.meeting.pk, "action_pk": w.action_item.pk}


MEMBERS = statuses(404, same=200, coord=200, member=200, stats=403, auditor=403, admin=403)
CONVENOR = statuses(404, same=403, coord=200, member=403, stats=403, auditor=403, admin=403)
route("meeting_list", **OWN_LIST)
route("meeting_new", **statuses(403, coord=200))
route("meeting_detail", kwargs=meeting, **MEMBERS)
route("meeting_members", kwargs=meeting, **CONVENOR)
route(
    "meeting_acknowledge",
    "POST",
    kwargs=meeting,
    **statuses(404, same=302, coord=302, member=302, stats=403, auditor=403, admin=403),
)
route("agenda_new", kwargs=meeting, **MEMBERS)
route("agenda_material", kwargs=agenda_item, **MEMBERS)
route("meeting_minutes", kwargs=meeting, **MEMBERS)
route("decision_new", kwargs=meeting, **MEMBERS)
route("action_new", kwargs=meeting, **MEMBERS)
route(
    "action_done",
    "POST",
    kwargs=action_item,
    **statuses(404, same=302, coord=302, member=302, stats=403, auditor=403, admin=403),
)


# ---- consultations: spreadsheet import (the uploader's own batch only) ----
def import_batch(w: Any) -> dict[str, Any]:
    return {"pk": w.import_batch.pk}


UPLOADER = statuses(404, same=200, stats=403, auditor=403, admin=403)
route("consultation_import", **OWN_LIST)
route("consultation_import_detail", kwargs=import_batch, **UPLOADER)
route("consultation_import_confirm", "POST", kwargs=import_batch, **{**UPLOADER, "same": 302})
route("consultation_import_cancel", "POST", kwargs=import_batch, **{**UPLOADER, "same": 302})


# ---- community: 居場所 of NPO ひだまり (its ibasho staff only; the window sees counts) ----
def place(w: Any) -> dict[str, Any]:
    return {"pk": w.place.pk}


def session(w: Any) -> dict[str, Any]:
    return {"pk": w.session.pk}


def schedule(w: Any) -> dict[str, Any]:
    return {"pk": w.schedule.pk}


def attendance(w: Any) -> dict[str, Any]:
    return {"pk": w.attendance.pk}


def reservation(w: Any) -> dict[str, Any]:
    return {"pk": w.reservation.pk}


def nickname(w: Any) -> dict[str, Any]:
    return {"pk": w.nickname.pk}


def municipality(w: Any) -> dict[str, Any]:
    return {"code": w.municipality_code}


NPO_PLACE = statuses(404, ibasho=200, supporter=403)
NPO_POST = statuses(404, ibasho=302, supporter=403)
PLACES = statuses(200, stats=403, auditor=403, supporter=403, admin=403)
route("community_place_list", **PLACES)
route("community_place_create", **PLACES)
route("community_nickname_list", **PLACES)
route("community_figures", **statuses(200, auditor=403, supporter=403))
route("community_place_detail", kwargs=place, **NPO_PLACE)
route("community_place_edit", kwargs=place, **NPO_PLACE)
route("community_place_archive", "POST", kwargs=place, **NPO_POST)
route("community_schedule_create", kwargs=place, **NPO_PLACE)
route("community_session_create", kwargs=place, **NPO_PLACE)
route("community_curriculum_add", "POST", kwargs=place, **NPO_POST)
route("community_exception_add", "POST", kwargs=schedule, **NPO_POST)
route("community_session_detail", kwargs=session, **NPO_PLACE)
route("community_session_edit", kwargs=session, **NPO_PLACE)
route("community_attend_registered", "POST", kwargs=session, **NPO_POST)
route("community_attend_nickname", "POST", kwargs=session, **NPO_POST)
route("community_attend_anonymous", "POST", kwargs=session, **NPO_POST)
route("community_reservation_create", "POST", kwargs=session, **NPO_POST)
route("community_attendance_remove", "POST", kwargs=attendance, **NPO_POST)
route("community_reservation_cancel", "POST", kwargs=reservation, **NPO_POST)
route("community_nickname_detail", kwargs=nickname, **NPO_PLACE)
route("community_nickname_link", "POST", kwargs=nickname, **NPO_POST)
route("community_nickname_unlink", "POST", kwargs=nickname, **NPO_POST)
# Public pages: no login, no personal data.
route("public_place_list", kwargs=municipality, **statuses(200, anon=200))
route("public_place_detail", kwargs=place, **statuses(200, anon=200))
route("public_place_ics", kwargs=place, **statuses(200, anon=200))


# ---- supporters: the window's registry and dispatches; the supporter's own pages ----
def supporter(w: Any) -> dict[str, Any]:
    return {"pk": w.supporter.pk}


def dispatch(w: Any) -> dict[str, Any]:
    return {"pk": w.dispatch.pk}


REGISTRY = statuses(200, stats=403, auditor=403, supporter=403, ibasho=403, admin=403)
route("supporter_list", **REGISTRY)
route("supporter_create", **REGISTRY)
route("dispatch_list", **REGISTRY)
route("dispatch_new", **REGISTRY)
route("supporter_detail", kwargs=supporter, **OWN_RECORD)
route("supporter_edit", kwargs=supporter, **OWN_RECORD)
route("training_new", "POST", kwargs=supporter, **OWN_POST)
route("dispatch_detail", kwargs=dispatch, **OWN_RECORD)
route("dispatch_cancel", "POST", kwargs=dispatch, **OWN_POST)
OWN_DISPATCHES = statuses(403, supporter=200)
route("my_dispatches", **OWN_DISPATCHES)
route("my_dispatch_detail", kwargs=dispatch, **OWN_DISPATCHES)
# Before the dispatch has taken place the report form sends the supporter back to it.
route("my_dispatch_report", kwargs=dispatch, **statuses(403, supporter=302))


# ---- participation: the host registry (受入先) and offers ----
# Hosts hold no personal data, yet only workers (the personal-data rights) read them. A host is
# seen by its owner's staff and, when shared, by every organisation of the prefecture (every
# organisation of the matrix is in つなぐ県); only the owner's staff edit it (403 for the others,
# who may suggest a change). `w.host`: the window's own unshared host and offer; `w.shared_host`:
# the prefectural centre's shared host, its offer and a suggestion on it from the window.
def host(w: Any) -> dict[str, Any]:
    return {"pk": w.host.pk}


def shared_host(w: Any) -> dict[str, Any]:
    return {"pk": w.shared_host.pk}


def own_offer(w: Any) -> dict[str, Any]:
    return {"pk": w.offer.pk}


def shared_offer(w: Any) -> dict[str, Any]:
    return {"pk": w.shared_offer.pk}


def host_suggestion(w: Any) -> dict[str, Any]:
    return {"pk": w.shared_host.pk, "suggestion_pk": w.host_suggestion.pk}


WORKERS = statuses(200, stats=403, supporter=403, auditor=403, ibasho=403, admin=403)
route("host_list", **WORKERS)
route("host_new", **WORKERS)
route("host_detail", kwargs=host, **OWN_RECORD)
route("visit_new", kwargs=host, **OWN_RECORD)
route("tour_new", kwargs=host, **OWN_RECORD)
route("offer_new", kwargs=host, **OWN_RECORD)
route("offer_edit", kwargs=own_offer, **OWN_RECORD)
# The prefecture's shared host and offer: every worker of the prefecture reads them.
route("offer_detail", kwargs=shared_offer, **WORKERS)
# Only the centre edits and decides; the others see the host and are refused (403).
route("host_edit", kwargs=shared_host, **statuses(403, centre=200))
route("suggestion_decide", kwargs=host_suggestion, **statuses(403, centre=200))
# The other windows propose; the owner's staff are sent to the edit form.
route("suggestion_new", kwargs=shared_host, **{**WORKERS, "centre": 302})


# ---- participation: placements (参加) and 就労準備支援 enrolments, parts of the case ----
# The case's access (participation/placement_access.py): the workers of the case's organisation,
# every other organisation 404 (a joint scheme's provider too), the roles without the right 403.
def placement(w: Any) -> dict[str, Any]:
    return {"pk": w.placement.pk}


def enrolment(w: Any) -> dict[str, Any]:
    return {"pk": w.enrolment.pk}


route("placement_new", kwargs=case, **OWN_WRITE)
route("placement_detail", kwargs=placement, **OWN_RECORD)
route("placement_stage", "POST", kwargs=placement, **OWN_POST)
route("placement_contact", "POST", kwargs=placement, **OWN_POST)
route("readiness_new", kwargs=case, **OWN_WRITE)
route("readiness_detail", kwargs=enrolment, **OWN_RECORD)
route("readiness_edit", "POST", kwargs=enrolment, **OWN_POST)
route("readiness_attend", "POST", kwargs=enrolment, **OWN_POST)
route("readiness_extend", "POST", kwargs=enrolment, **OWN_POST)
route("readiness_end", "POST", kwargs=enrolment, **OWN_POST)

# ---- participation: matching (participation/match_views.py) ----
# 参加先を探す: the case's own office (cases.access.load_case), like any page of the case.
route("participation_match_case", kwargs=case, **OWN_RECORD)
# 合いそうな人: an offer of the prefecture centre's shared host is seen by every worker of the
# prefecture (participation.models.host_scope) with the right to personal data (ibasho staff do
# not place persons: 403); the list holds the worker's own cases only.
route(
    "participation_match_offer",
    kwargs=shared_offer,
    **statuses(200, stats=403, supporter=403, auditor=403, ibasho=403, admin=403),
)


# ---- reports: the window's figures (scope in the query); counts for the statistics right ----
def window_scope(w: Any) -> dict[str, Any]:
    return {"scope": f"organisation:{w.case.organisation_id}"}


def drill_phone_contacts(w: Any) -> dict[str, Any]:
    return {**window_scope(w), "table": "b", "column": "電話"}


def svg_chart(w: Any) -> dict[str, Any]:
    return {"kind": "persons"}


def csv_export(w: Any) -> dict[str, Any]:
    return {"fmt": "csv"}


def report_run(w: Any) -> dict[str, Any]:
    return {"pk": w.report_run.pk}


def saved_report(w: Any) -> dict[str, Any]:
    return {"pk": w.saved_report.pk}


# The window's own figures: its staff with the statistics right; the contracted NPO's ibasho
# staff may not see the window's scope; every other organisation 404 (audited).
WINDOW_FIGURES = statuses(
    404, same=200, coord=200, stats=200, admin=200, auditor=403, supporter=403
)
route("reports_index", query=window_scope, **WINDOW_FIGURES)
route("reports_chart", kwargs=svg_chart, query=window_scope, **WINDOW_FIGURES)
route("reports_export", kwargs=csv_export, query=window_scope, **WINDOW_FIGURES)
route("reports_operations", query=window_scope, **WINDOW_FIGURES)
route("reports_crosstab", query=window_scope, **WINDOW_FIGURES)
# 参加支援の集計 and its exports: the same scope rule as the other figures (counts only).
route("reports_participation", query=window_scope, **WINDOW_FIGURES)
route("reports_participation_export", kwargs=csv_export, query=window_scope, **WINDOW_FIGURES)
# Records behind a figure: workers who may read them; the clerk and administrator see counts only.
route(
    "reports_drill",
    query=drill_phone_contacts,
    **{**WINDOW_FIGURES, "stats": 403, "admin": 403},
)
# A background run: only whoever asked for it (the clerk); for anyone else it does not exist.
route("reports_run", kwargs=report_run, **statuses(404, stats=200))
route("reports_crosstab_save", "POST", **statuses(302, auditor=403, supporter=403))
# A saved cross-tabulation of the window opens the cross-tab page with its conditions.
route(
    "reports_saved",
    kwargs=saved_report,
    **statuses(404, same=302, coord=302, stats=302, admin=302, auditor=403),
)


# ---- API (Bearer token): no token 401, another organisation's record 404, no right 403 ----
def api_case(w: Any) -> dict[str, Any]:
    return {"case_id": w.case.pk}


def api_referral(w: Any) -> dict[str, Any]:
    return {"referral_id": w.referral.pk}


def api_person(w: Any) -> dict[str, Any]:
    return {"person_id": w.person.pk}


def api_household(w: Any) -> dict[str, Any]:
    return {"household_id": w.household.pk}


def api_consultation(w: Any) -> dict[str, Any]:
    return {"consultation_id": w.consultation.pk}


def api_staff(w: Any) -> dict[str, Any]:
    return {"staff_id": w.users["same"].pk}


API_OWN_LIST = api(200, stats=403, supporter=403, auditor=403, ibasho=403, admin=403)
API_OWN_RECORD = api(404, same=200, coord=200, stats=403, auditor=403, admin=403)
API_OWN_POST = api(404, same=422, coord=422, stats=403, auditor=403, admin=403)
API_CREATE = api(422, stats=403, supporter=403, auditor=403, ibasho=403, admin=403)
API_CREATED = api(201, stats=403, supporter=403, auditor=403, ibasho=403, admin=403)
route("api-v1:openapi-json", **api(200, anon=200))
route("api-v1:api-root", **api(404, anon=404))
route("api-v1:me", **api(200))
route("api-v1:organisations", **api(200))
route("api-v1:staff_list", **api(403, admin=200))
route(
    "api-v1:staff_detail",
    kwargs=api_staff,
    **api(404, same=403, coord=403, stats=403, auditor=403, admin=200),
)
route("api-v1:persons_search", **API_OWN_LIST)
route("api-v1:persons_create", "POST", **API_CREATE)
route("api-v1:persons_read", kwargs=api_person, **API_OWN_RECORD)
# The body passes the schema; the owner's worker gets the service's 422, everyone else the refusal.
# Clearing every name is refused by the form (a partial update is checked as a whole).
NO_NAME = {"version": 0, "family_name": "", "given_name": "", "alias": ""}
route("api-v1:persons_update", "PATCH", kwargs=api_person, body=NO_NAME, **API_OWN_POST)
# A reason that is not one of the choices is refused before anything is saved.
route(
    "api-v1:persons_restriction",
    "POST",
    kwargs=api_person,
    body={"is_restricted": True, "restriction_reason": "?", "version": 0},
    **API_OWN_POST,
)
route("api-v1:households_list", **API_OWN_LIST)
route("api-v1:households_create", "POST", body={"label": "高橋さん世帯"}, **API_CREATED)
route("api-v1:households_read", kwargs=api_household, **API_OWN_RECORD)
route("api-v1:consultations_list", **API_OWN_LIST)
route("api-v1:consultations_create", "POST", **API_CREATE)
route(
    "api-v1:consultations_read",
    kwargs=api_consultation,
    **API_OWN_RECORD,
)
route("api-v1:cases_list", **API_OWN_LIST)
route("api-v1:cases_create", "POST", **API_CREATE)
route("api-v1:cases_read", kwargs=api_case, **API_OWN_RECORD)
route("api-v1:cases_set_stage", "POST", kwargs=api_case, **API_OWN_POST)
route("api-v1:cases_close", "POST", kwargs=api_case, **API_OWN_POST)
route("api-v1:cases_reopen", "POST", kwargs=api_case, **API_OWN_POST)
route("api-v1:assessments_list", kwargs=api_case, **API_OWN_RECORD)
# An assessment may be saved with every field still blank (it is filled in over time).
route(
    "api-v1:assessments_create",
    "POST",
    kwargs=api_case,
    **api(404, same=201, coord=201, stats=403, auditor=403, admin=403),
)
route("api-v1:plans_list", kwargs=api_case, **API_OWN_RECORD)
route("api-v1:plans_create", "POST", kwargs=api_case, **API_OWN_POST)
route("api-v1:activities_list", kwargs=api_case, **API_OWN_RECORD)
route("api-v1:activities_create", "POST", kwargs=api_case, **API_OWN_POST)
route("api-v1:referrals_list", **API_OWN_LIST)
route("api-v1:referrals_create", "POST", **API_CREATE)
route("api-v1:referrals_read", kwargs=api_referral, **API_OWN_RECORD)
route("api-v1:referrals_set_state", "POST", kwargs=api_referral, **API_OWN_POST)
# Referrals received (受け取ったつなぎ): every worker gets their own (maybe empty) list; one
# referral, and its answer, only for the organisation it was made to (the sender too gets 404).
# The empty answer is refused by the receiver's form (422).
route("api-v1:received_referrals_list", **API_OWN_LIST)
route("api-v1:received_referrals_read", kwargs=api_referral, **api(404, referral=200))
route("api-v1:received_referrals_answer", "POST", kwargs=api_referral, **api(404, referral=422))
# The directory (地域資源) is not personal data: every staff member may read it through the API.
route("api-v1:agencies_list", **api(200))
route("api-v1:agencies_create", "POST", **API_CREATE)


# 参加支援 (api/participation.py): the pages' rules. A host or offer the worker may not know of is
# 404; the prefecture centre's shared host is read by every worker and edited by the centre only
# (403 for the others; the centre's empty edit is refused for its missing version, 422). A case's
# placements and enrolments follow the case's access.
def api_host(w: Any) -> dict[str, Any]:
    return {"host_id": w.host.pk}


def api_shared_host(w: Any) -> dict[str, Any]:
    return {"host_id": w.shared_host.pk}


def api_shared_offer(w: Any) -> dict[str, Any]:
    return {"offer_id": w.shared_offer.pk}


def api_placement(w: Any) -> dict[str, Any]:
    return {"placement_id": w.placement.pk}


def api_enrolment(w: Any) -> dict[str, Any]:
    return {"enrolment_id": w.enrolment.pk}


API_OWNER_EDIT = api(403, centre=422)
route("api-v1:hosts_list", **API_OWN_LIST)
route("api-v1:hosts_create", "POST", **API_CREATE)
route("api-v1:hosts_read", kwargs=api_host, **API_OWN_RECORD)
route("api-v1:hosts_update", "PATCH", kwargs=api_shared_host, **API_OWNER_EDIT)
route("api-v1:offers_list", **API_OWN_LIST)
route("api-v1:offers_read", kwargs=api_shared_offer, **API_OWN_LIST)
route("api-v1:offers_create", "POST", kwargs=api_shared_host, **API_OWNER_EDIT)
route("api-v1:offers_update", "PATCH", kwargs=api_shared_offer, **API_OWNER_EDIT)
route("api-v1:placements_list", kwargs=api_case, **API_OWN_RECORD)
route("api-v1:placements_propose", "POST", kwargs=api_case, **API_OWN_POST)
route("api-v1:placements_set_stage", "POST", kwargs=api_placement, **API_OWN_POST)
route("api-v1:enrolments_read", kwargs=api_enrolment, **API_OWN_RECORD)
route("api-v1:enrolments_create", "POST", kwargs=api_case, **API_OWN_POST)
route("api-v1:enrolments_extend", "POST", kwargs=api_enrolment, **API_OWN_POST)


def document() -> str:
    """docs/access-matrix.md: the personas and rules (this module's docstring), then the table."""
    assert __doc__ is not None
    header = "| route | method | " + " | ".join(PERSONAS) + " |"
    lines = [header, "|" + "---|" * (len(PERSONAS) + 2)]
    for name, entry in ROUTES.items():
        cells = " | ".join(str(entry.expected[persona]) for persona in PERSONAS)
        lines.append(f"| `{name}` | {entry.method} | {cells} |")
    return (
        f"# Authorization matrix（認可マトリクス）\n\n{__doc__}\n"
        + "\n".join(lines)
        + "\n"
        + sharing_bases_section()
    )


def sharing_bases_section() -> str:
    """The legal bases of sharing, read from their registry (the personas p_consent, referral and
    member each hold one of them)."""
    from collaboration.sharing.access import BASES

    lines = [
        "",
        "## Legal bases of sharing（共有の根拠）",
        "",
        "Read from `collaboration.sharing.access.BASES`; a worker of another organisation sees a",
        "case (shared pages) or a meeting's material only while one of them holds.",
        "",
        "| basis | name | law | granting record | opens |",
        "|---|---|---|---|---|",
    ]
    for kind in BASES.values():
        law = kind.law or "—"
        record = kind.record_model._meta.verbose_name
        lines.append(f"| `{kind.key}` | {kind.name} | {law} | {record} | {kind.opens} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.settings")
    django.setup()  # the registry of sharing bases reads the models
    print(document(), end="")
