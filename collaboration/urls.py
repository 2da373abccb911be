from django.urls import URLPattern, URLResolver, path

from collaboration.advice import views as advice
from collaboration.consent import views as consent
from collaboration.directory import views as directory
from collaboration.meetings import views as meetings
from collaboration.referrals import correction_views as corrections
from collaboration.referrals import incoming_views as incoming
from collaboration.referrals import letter_views as letters
from collaboration.referrals import views as referrals
from collaboration.sharing import views as sharing
from collaboration.teams import views as teams

urlpatterns: list[URLPattern | URLResolver] = [
    # Referrals (つなぎ) and the agency directory (地域資源)
    path("cases/<int:pk>/referrals/new/", referrals.referral_new, name="referral_new"),
    path("referrals/", referrals.referral_list, name="referral_list"),
    path("referrals/<int:pk>/", referrals.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/correct/", corrections.referral_correct_view, name="referral_correct"),
    path("referrals/<int:pk>/versions/", corrections.referral_versions, name="referral_versions"),
    path("referrals/<int:pk>/letter.pdf", letters.referral_letter_pdf, name="referral_letter_pdf"),
    # Referrals made to the user's organisation, as their receiver sees them
    path("referrals/incoming/", incoming.referral_incoming, name="referral_incoming"),
    path(
        "referrals/incoming/<int:pk>/",
        incoming.referral_incoming_detail,
        name="referral_incoming_detail",
    ),
    path("agencies/", directory.agency_list, name="agency_list"),
    path("agencies/new/", directory.agency_new, name="agency_new"),
    path("agencies/<int:pk>/correct/", directory.agency_correct_view, name="agency_correct"),
    path("agencies/<int:pk>/versions/", directory.agency_versions, name="agency_versions"),
    # The case team (担当チーム) and lead worker (主担当)
    path("cases/<int:pk>/team/", teams.team_page, name="case_team"),
    path("cases/<int:pk>/team/add/", teams.team_add_view, name="case_team_add"),
    path("cases/<int:pk>/team/remove/", teams.team_remove_view, name="case_team_remove"),
    path("cases/<int:pk>/team/lead/", teams.lead_change_view, name="case_lead_change"),
    # What other organisations share with the user, on a legal basis
    path("shared/", sharing.shared_list, name="shared_list"),
    path("shared/cases/<int:pk>/", sharing.shared_case, name="shared_case"),
    # The prefectural centre's specialist advice (専門的助言)
    path("cases/<int:pk>/advice/new/", advice.advice_new, name="advice_new"),
    path("advice/", advice.advice_list, name="advice_list"),
    path("advice/<int:pk>/", advice.advice_detail, name="advice_detail"),
    path("advice/<int:pk>/answer/", advice.advice_answer, name="advice_answer"),
    path("advice/<int:pk>/close/", advice.advice_close, name="advice_close"),
    # Meetings (会議)
    path("meetings/", meetings.meeting_list, name="meeting_list"),
    path("meetings/new/", meetings.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/members/", meetings.meeting_members, name="meeting_members"),
    path(
        "meetings/<int:pk>/acknowledge/", meetings.meeting_acknowledge, name="meeting_acknowledge"
    ),
    path("meetings/<int:pk>/agenda/new/", meetings.agenda_new, name="agenda_new"),
    path(
        "meetings/<int:pk>/agenda/<int:item_pk>/",
        meetings.agenda_material,
        name="agenda_material",
    ),
    path("meetings/<int:pk>/minutes/", meetings.meeting_minutes, name="meeting_minutes"),
    path("meetings/<int:pk>/decisions/new/", meetings.decision_new, name="decision_new"),
    path("meetings/<int:pk>/actions/new/", meetings.action_new, name="action_new"),
    path(
        "meetings/<int:pk>/actions/<int:action_pk>/done/",
        meetings.action_mark_done,
        name="action_done",
    ),
    # Consent (同意) and the person's disclosure record (開示記録)
    path("cases/<int:pk>/consents/new/", consent.consent_new, name="consent_new"),
    path("cases/<int:pk>/consent-form.pdf", consent.consent_form_pdf, name="consent_form_pdf"),
    path("consents/<int:pk>/", consent.consent_detail, name="consent_detail"),
    path("consents/<int:pk>/withdraw/", consent.consent_withdraw_view, name="consent_withdraw"),
    path("persons/<int:pk>/disclosures/", consent.disclosure_record_page, name="disclosure_record"),
    path(
        "persons/<int:pk>/disclosures.pdf",
        consent.disclosure_record_pdf,
        name="disclosure_record_pdf",
    ),
]
