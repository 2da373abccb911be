"""A case of つなぐ市's window and one worker for each way another organisation may (not) see it.

Used by the sharing tests and by the authorization matrix (tsunagu/tests/test_access_matrix.py).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from accounts.demo import World
from accounts.models import Organisation, OrganisationType, StaffRole, User
from accounts.roles import Role
from cases.models import Case
from cases.tests.helpers import days_ago, make_agency, make_person, open_case
from collaboration.models import (
    AdviceRequest,
    AgencyCategory,
    AgendaItem,
    Consent,
    InfoKind,
    Meeting,
    MeetingMember,
    Referral,
)
from collaboration.referrals.services import referral_create, referral_set_state


@dataclass
class SharingWorld:
    case: Case
    consent: Consent
    referral: Referral
    meeting: Meeting
    agenda_item: AgendaItem
    advice_request: AdviceRequest
    partner_consent: User  # 地域包括 worker on the case team, under the consent
    partner_none: User  # 地域包括 worker not on the team: no basis
    referral_receiver: User  # 自立相談支援センター worker: accepted referral
    meeting_member: User  # 保健センター worker: member of the 支援会議, acknowledged


def extra_worker(username: str, organisation: Organisation, name: str) -> User:
    user = User.objects.create_user(
        username=username, password="x", display_name=name, organisation=organisation
    )
    StaffRole.objects.create(user=user, role=Role.CONSULTATION_WORKER)
    return user


def build_sharing_world(world: World) -> SharingWorld:
    soudan = world.staff["soudan"]
    window = world.organisations["window"]
    person = make_person(window, "高橋", "健太", family_name_kana="タカハシ")
    case = open_case(soudan, person)
    partner_consent = world.staff["houkatsu"]
    case.team.add(partner_consent)
    partner_none = extra_worker("houkatsu2", world.organisations["houkatsu"], "包括 二郎")
    health_centre = Organisation.objects.create(
        name="つなぐ市保健センター",
        type=OrganisationType.PUBLIC_HEALTH,
        operator_name="つなぐ市（直営）",
        local_government=window.local_government,
    )
    meeting_member = extra_worker("hoken", health_centre, "保健 みどり")
    consent = Consent.objects.create(
        organisation=window,
        person=person,
        case=case,
        given_by=Consent.GivenBy.PERSON,
        method=Consent.Method.SIGNATURE,
        purpose="地域包括支援センターと連携して家族を支援するため",
        agency_categories=[AgencyCategory.COMMUNITY_GENERAL_SUPPORT],
        info_kinds=[InfoKind.BASIC, InfoKind.CONSULTATION],
        given_on=days_ago(10),
        expires_on=days_ago(-355),
        recorded_by=soudan,
    )
    return SharingWorld(
        case=case,
        consent=consent,
        referral=_accepted_referral(world, case),
        meeting=(meeting := _support_meeting(world, meeting_member)),
        agenda_item=AgendaItem.objects.create(
            meeting=meeting,
            case=case,
            material="母親が介護で疲れている。本人は夜に外出。",
            added_by=soudan,
        ),
        advice_request=AdviceRequest.objects.create(
            organisation=window,
            centre=world.organisations["centre"],
            case=case,
            question="訪問を続けるべきか助言がほしい",
            disciplines=["psychology"],
            requested_by=soudan,
        ),
        partner_consent=partner_consent,
        partner_none=partner_none,
        referral_receiver=world.staff["jiritsu"],
        meeting_member=meeting_member,
    )


def _accepted_referral(world: World, case: Case) -> Referral:
    soudan = world.staff["soudan"]
    agency = make_agency(
        soudan,
        name="つなぐ市自立相談支援センター",
        category=AgencyCategory.SELF_RELIANCE_OFFICE,
        organisation=world.organisations["jiritsu"],
    )
    referral = referral_create(
        organisation_id=case.organisation_id,
        person_id=case.person_id or 0,
        agency_id=agency.pk,
        purpose="家計の相談",
        follow_up_on=days_ago(-14),
        case=case,
        by=soudan,
    )
    return referral_set_state(
        referral=referral, state=Referral.State.ACCEPTED, version=referral.version, by=soudan
    )


def _support_meeting(world: World, member: User) -> Meeting:
    meeting = Meeting.objects.create(
        organisation=world.organisations["window"],
        kind=Meeting.Kind.SUPPORT_MEETING,
        title="つなぐ市支援会議（11月）",
        held_at=timezone.now() - timedelta(days=1),
        place="市役所 会議室A",
        created_by=world.staff["chousei"],
    )
    for user in (world.staff["chousei"], world.staff["soudan"]):
        MeetingMember.objects.create(meeting=meeting, user=user)
    MeetingMember.objects.create(
        meeting=meeting, user=member, confidentiality_acknowledged_at=timezone.now()
    )
    return meeting
