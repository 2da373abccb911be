"""要配慮個人情報 at rest: every free text that may hold it is a Fernet token in the database file.

Each record is saved through its service (or page) as a worker would; the raw column is read with
`connection.cursor()` and must not contain the plain text, while the page still shows it.
"""

import importlib
import io
import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from cryptography.fernet import Fernet
from django.apps import apps
from django.core.exceptions import FieldError, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from cases.models import Activity, Assessment, Case, StageChange, SupportPlan
from cases.services import activity_add, assessment_add, case_set_stage, plan_save
from cases.tests.helpers import days_ago, make_agency, open_case
from collaboration.advice.services import advice_give, advice_request_create
from collaboration.consent.services import consent_record, consent_withdraw
from collaboration.meetings.services import action_add, decision_add
from collaboration.models import (
    ActionItem,
    Advice,
    AgencyCategory,
    Consent,
    Decision,
    InfoKind,
    Referral,
    ReferralEvent,
)
from collaboration.referrals.services import referral_create, referral_set_state
from collaboration.tests.sharing_world import build_sharing_world
from community.models import Reservation, Session
from community.services import reserve, session_update
from community.tests.helpers import make_reservation_place, make_session
from consultations.importing.writing import confirm_batch, import_file, preview_upload
from consultations.intake import consultation_record
from consultations.models import Consultation, ConsultationDraft, ImportBatch
from consultations.tests.import_files import csv_bytes
from people.models import Household, Person, PersonPhone
from people.services import household_create, person_create
from supporters.models import Dispatch, DispatchReport
from supporters.services import dispatch_cancel, report_file
from supporters.tests.helpers import dispatch, moved_to_past, register
from tsunagu.fields import NOT_FILTERABLE, DecryptionError, EncryptedJSONField, is_token
from tsunagu.test import BaseTestCase

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
OTHER_KEY = Fernet.generate_key().decode()
DATA_MIGRATIONS = [
    "cases.migrations.0005_encrypt_existing_rows",
    "collaboration.migrations.0005_encrypt_existing_rows",
    "community.migrations.0003_encrypt_existing_rows",
    "consultations.migrations.0005_encrypt_existing_rows",
    "people.migrations.0007_encrypt_existing_rows",
    "supporters.migrations.0003_encrypt_existing_rows",
]
ACTIVITY_FIELDS = "cases.Activity（other_participants、content、next_action）"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "encryption.md"


def encrypted_field_labels() -> set[str]:
    return {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedJSONField)
    }


def phone_call(case: Case, content: str, by: User) -> Activity:
    data = {"kind": Activity.Kind.PHONE, "occurred_at": timezone.now(), "content": content}
    return activity_add(case=case, data=data, by=by)


def write_raw(obj: models.Model, field: str, value: str) -> None:
    """Puts `value` into the column as it stands, as a database before encryption held it."""
    column = obj._meta.get_field(field).column  # type: ignore[union-attr]
    table = connection.ops.quote_name(obj._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {connection.ops.quote_name(column)} = %s WHERE id = %s",  # noqa: S608
            [value, obj.pk],
        )


def run_migration(module: str, direction: str) -> None:
    """A data migration's own function (forward or backward) on the current database."""
    migration = importlib.import_module(module)
    getattr(migration, direction)(apps, SimpleNamespace(connection=connection))


def stored_bytes(obj: models.Model, field: str) -> bytes:
    table = connection.ops.quote_name(obj._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {field} FROM {table} WHERE id = %s", [obj.pk])  # noqa: S608
        (value,) = cursor.fetchone()
    return bytes(value)


def stored(obj: models.Model, field: str) -> str:
    """The column as it is in the database file, without the field's decryption."""
    column = obj._meta.get_field(field).column  # type: ignore[union-attr]
    table = connection.ops.quote_name(obj._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s",  # noqa: S608
            [obj.pk],
        )
        (value,) = cursor.fetchone()
    return str(value)


class EncryptedTestCase(BaseTestCase):
    def assert_sealed(self, obj: models.Model, **plain: str) -> None:
        for field, text in plain.items():
            raw = stored(obj, field)
            with self.subTest(field=f"{obj._meta.label}.{field}"):
                self.assertTrue(is_token(raw), raw)
                if not text.isascii():  # a short code (dv) may occur in base64 by chance
                    self.assertNotIn(text, raw)

    def assert_page_shows(self, url: str, *texts: str) -> None:
        page = self.client.get(url)
        self.assertEqual(page.status_code, 200)
        for text in texts:
            self.assertContains(page, text)


class CaseRecordsTests(EncryptedTestCase):
    def test_the_case_records_are_encrypted_and_the_case_page_shows_them(self) -> None:
        case = open_case(self.soudan)
        case = case_set_stage(
            case=case, stage="assessment", version=case.version, by=self.soudan, note="入院中のため"
        )
        assessment_add(
            case=case,
            data={
                "triggers": "職場でのいじめ",
                "strengths": "料理が得意",
                "wishes_person": "通院をやめたい",
                "wishes_family": "父の暴力から離れたい",
                "life_domains": {"health": "issue"},
            },
            by=self.soudan,
        )
        plan_save(
            case=case,
            data={
                "long_term_goal": "服薬を続けながら働く",
                "short_term_goals": "週1回の通院",
                "services": "精神科デイケア",
                "review_on": days_ago(-90),
            },
            actions=[{"description": "主治医と面談する"}],
            based_on=0,
            by=self.soudan,
        )
        activity_add(
            case=case,
            data={
                "kind": Activity.Kind.HOME_VISIT,
                "visit_outcome": Activity.VisitOutcome.MET_PERSON,
                "occurred_at": timezone.now() - timedelta(hours=1),
                "content": "うつ病と診断されたと話した",
                "next_action": "保健師と同行訪問",
                "other_participants": "主治医の山田医師",
            },
            by=self.soudan,
        )
        assessment = Assessment.objects.get(case=case)
        plan = SupportPlan.objects.get(case=case)
        # "Is it filled in" still works on an encrypted field (blank stays "").
        noted = StageChange.objects.filter(case=case).exclude(note="")
        self.assertEqual([c.note for c in noted], ["ケース開始", "入院中のため"])
        self.assert_sealed(noted[1], note="入院中")
        self.assert_sealed(
            assessment,
            triggers="いじめ",
            strengths="料理",
            wishes_person="通院",
            wishes_family="暴力",
            life_domains="health",
        )
        self.assert_sealed(
            plan, long_term_goal="服薬", short_term_goals="通院", services="デイケア"
        )
        self.assert_sealed(plan.actions.get(), description="主治医")
        self.assert_sealed(
            Activity.objects.get(case=case),
            content="うつ病",
            next_action="保健師",
            other_participants="主治医",
        )
        self.login(self.soudan)
        self.assert_page_shows(
            f"/cases/{case.pk}/",
            "入院中のため",
            "職場でのいじめ",
            "料理が得意",
            "通院をやめたい",
            "父の暴力から離れたい",
            "服薬を続けながら働く",
            "週1回の通院",
            "精神科デイケア",
            "主治医と面談する",
            "うつ病と診断されたと話した",
            "保健師と同行訪問",
            "主治医の山田医師",
        )

    def test_the_extension_reason_of_work_readiness_support_is_encrypted(self) -> None:
        case = open_case(self.soudan)
        plan_save(
            case=case,
            data={
                "long_term_goal": "就労",
                "short_term_goals": "通所",
                "uses_work_readiness": True,
                "work_readiness_started_on": days_ago(400),
                "work_readiness_extension_reason": "体調の波が大きく、延長が必要",
                "review_on": days_ago(-90),
            },
            actions=[],
            based_on=0,
            by=self.soudan,
        )
        self.assert_sealed(
            SupportPlan.objects.get(case=case), work_readiness_extension_reason="体調"
        )
        self.login(self.soudan)
        self.assert_page_shows(f"/cases/{case.pk}/", "体調の波が大きく、延長が必要")


class PeopleTests(EncryptedTestCase):
    def test_contact_note_and_restriction_reason_are_encrypted(self) -> None:
        person, _ = person_create(
            organisation_id=self.window.pk,
            data={
                "family_name": "秘密",
                "given_name": "花子",
                "contact_note": "夫に知られないよう携帯にだけ連絡",
                "is_restricted": True,
                "restriction_reason": "dv",
            },
            by=self.soudan,
        )
        PersonPhone.objects.create(person=person, number="090-0000-1111", note="夫は知らない番号")
        self.assert_sealed(person, contact_note="夫に知られない", restriction_reason="dv")
        self.assert_sealed(person.phones.get(), note="夫は")
        self.assertEqual(Person.objects.get(pk=person.pk).restriction_reason, "dv")
        self.login(self.soudan)
        self.assert_page_shows(
            f"/persons/{person.pk}/", "夫に知られないよう携帯にだけ連絡", "制限対象者（DV）"
        )

    def test_the_household_note_is_encrypted(self) -> None:
        household = household_create(
            organisation_id=self.window.pk,
            data={"label": "高橋さん世帯", "note": "母が認知症の診断を受けた"},
            by=self.soudan,
        )
        self.assert_sealed(household, note="認知症")
        # No page shows the note yet (it is written when the household is registered).
        self.assertEqual(Household.objects.get(pk=household.pk).note, "母が認知症の診断を受けた")
        self.login(self.soudan)
        self.assert_page_shows(f"/households/{household.pk}/", "高橋さん世帯")


class ConsultationTests(EncryptedTestCase):
    def test_the_consultation_content_and_the_draft_are_encrypted(self) -> None:
        consultation = consultation_record(
            organisation_id=self.window.pk,
            data={
                "received_at": timezone.now() - timedelta(minutes=5),
                "channel": "phone",
                "consulter_type": "family",
                "consulter_relationship": "mother",
                "categories": ["hikikomori", "health"],
                "main_concern": "hikikomori",
                "content": "息子が自傷している。精神科の受診歴あり。",
                "disposition": "information",
            },
            new_person={"family_name": "高橋", "given_name": "健太"},
            by=self.soudan,
        )
        self.assert_sealed(consultation, content="自傷")
        self.login(self.soudan)
        self.assert_page_shows(
            f"/consultations/{consultation.pk}/", "息子が自傷している。精神科の受診歴あり。"
        )

    def test_the_draft_saved_as_the_worker_types_is_encrypted(self) -> None:
        self.login(self.soudan)
        self.client.post(
            "/consultations/drafts/save/",
            {"family_name": "高橋", "content": "夫からの暴力で避難している"},
        )
        draft = ConsultationDraft.objects.get(user=self.soudan)
        self.assert_sealed(draft, data="暴力")
        self.assertEqual(draft.data["content"], ["夫からの暴力で避難している"])
        self.assert_page_shows("/consultations/", "高橋")


class CollaborationTests(EncryptedTestCase):
    def test_referral_purpose_failure_and_events_are_encrypted(self) -> None:
        case = open_case(self.soudan)
        agency = make_agency(self.soudan)
        referral = referral_create(
            organisation_id=self.window.pk,
            person_id=case.person_id or 0,
            agency_id=agency.pk,
            purpose="精神科受診の同行",
            follow_up_on=days_ago(-14),
            case=case,
            by=self.soudan,
        )
        referral = referral_set_state(
            referral=referral,
            state=Referral.State.FAILED,
            version=referral.version,
            note="本人が入院した",
            by=self.soudan,
        )
        self.assert_sealed(referral, purpose="精神科", failed_reason="入院")
        self.assert_sealed(
            ReferralEvent.objects.filter(referral=referral).latest("id"), note="入院"
        )
        self.login(self.soudan)
        self.assert_page_shows(f"/referrals/{referral.pk}/", "精神科受診の同行", "本人が入院した")

    def test_consent_purpose_and_withdrawal_are_encrypted(self) -> None:
        case = open_case(self.soudan)
        consent = consent_record(
            case=case,
            given_by=Consent.GivenBy.PERSON,
            method=Consent.Method.SIGNATURE,
            purpose="精神保健福祉センターと服薬の情報を共有するため",
            organisation_ids=[],
            agency_categories=[AgencyCategory.COMMUNITY_GENERAL_SUPPORT],
            info_kinds=[InfoKind.BASIC, InfoKind.HEALTH],
            given_on=days_ago(1),
            expires_on=days_ago(-300),
            by=self.soudan,
        )
        consent = consent_withdraw(consent=consent, note="入院先で撤回の申し出", by=self.soudan)
        self.assert_sealed(consent, purpose="服薬", withdrawal_note="入院")
        self.login(self.soudan)
        self.assert_page_shows(
            f"/consents/{consent.pk}/",
            "精神保健福祉センターと服薬の情報を共有するため",
            "入院先で撤回の申し出",
        )

    def test_decisions_action_items_and_advice_are_encrypted(self) -> None:
        sharing = build_sharing_world(self.world)
        chousei = self.world.staff["chousei"]
        decision = decision_add(
            meeting=sharing.meeting,
            kind=Decision.Kind.ROLE_SHARING,
            text="保健センターが服薬を確認する",
            case=sharing.case,
            by=chousei,
        )
        action = action_add(
            meeting=sharing.meeting,
            title="主治医に連絡する",
            owner=self.soudan,
            due_on=days_ago(-7),
            case=sharing.case,
            by=chousei,
        )
        request = advice_request_create(
            case=sharing.case,
            centre=self.world.organisations["centre"],
            question="幻聴の訴えがある。医療につなぐべきか。",
            disciplines=["medical"],
            share_identity=False,
            by=self.soudan,
        )
        advice = advice_give(
            advice_request=request,
            data={
                "discipline": "medical",
                "text": "統合失調症の可能性を考え、受診を勧める",
                "joint_support": True,
                "joint_support_note": "精神科医が同行訪問する",
            },
            by=self.world.staff["centre"],
            request=None,
        )
        self.assert_sealed(decision, text="服薬")
        self.assert_sealed(action, title="主治医")
        self.assert_sealed(request, question="幻聴")
        self.assert_sealed(advice, text="統合失調症", joint_support_note="精神科医")
        self.login(chousei)
        self.assert_page_shows(
            f"/meetings/{sharing.meeting.pk}/", "保健センターが服薬を確認する", "主治医に連絡する"
        )
        self.login(self.soudan)
        self.assert_page_shows(
            f"/advice/{request.pk}/",
            "幻聴の訴えがある。医療につなぐべきか。",
            "統合失調症の可能性を考え、受診を勧める",
            "精神科医が同行訪問する",
        )
        self.assertEqual(ActionItem.objects.get(pk=action.pk).title, "主治医に連絡する")
        self.assertEqual(
            Advice.objects.get(pk=advice.pk).joint_support_note, "精神科医が同行訪問する"
        )


class CommunityAndSupportersTests(EncryptedTestCase):
    def test_session_notes_and_reservation_notes_are_encrypted(self) -> None:
        ibasho = self.world.staff["ibasho"]
        place = make_reservation_place(ibasho)
        session = make_session(place, ibasho, timezone.localdate() + timedelta(days=3))
        session_update(
            session=session,
            data={
                "date": session.date,
                "start_time": session.start_time,
                "end_time": session.end_time,
                "programme": session.programme,
                "title": "",
                "curriculum_unit": None,
                "notes": "Aさんがパニック発作で早退",
                "is_cancelled": False,
                "cancel_reason": "",
            },
            staff=[ibasho],
            version=session.version,
            by=ibasho,
        )
        person = Person.objects.create(organisation=place.organisation, alias="Bさん")
        outcome = reserve(
            session=session, person=person, channel="phone", note="車椅子で来所", by=ibasho
        )
        self.assert_sealed(Session.objects.get(pk=session.pk), notes="パニック")
        self.assert_sealed(Reservation.objects.get(session=session), note="車椅子")
        self.assertEqual(outcome.reservation.status, Reservation.Status.CONFIRMED)
        self.login(ibasho)
        self.assert_page_shows(
            f"/ibasho/sessions/{session.pk}/", "Aさんがパニック発作で早退", "車椅子で来所"
        )

    def test_dispatch_briefing_cancellation_and_report_are_encrypted(self) -> None:
        supporter = register(self.soudan)
        cancelled = dispatch(self.soudan, supporter, briefing="大きな音で発作が出る")
        cancelled = dispatch_cancel(dispatch=cancelled, reason="本人の体調不良", by=self.soudan)
        done = moved_to_past(dispatch(self.soudan, supporter))
        report = report_file(
            dispatch=done,
            data={
                "what_happened": "一緒に通院した",
                "minutes_spent": 60,
                "concerns": "薬を飲んでいないようだ",
            },
            by=self.soudan,
        )
        self.assert_sealed(cancelled, briefing="発作", cancelled_reason="体調")
        self.assert_sealed(report, what_happened="通院", concerns="薬")
        self.login(self.soudan)
        self.assert_page_shows(
            f"/dispatches/{cancelled.pk}/", "大きな音で発作が出る", "本人の体調不良"
        )
        self.assert_page_shows(
            f"/dispatches/{done.pk}/", "一緒に通院した", "薬を飲んでいないようだ"
        )
        self.assertEqual(Dispatch.objects.get(pk=cancelled.pk).cancelled_reason, "本人の体調不良")
        self.assertEqual(
            DispatchReport.objects.get(pk=report.pk).concerns, "薬を飲んでいないようだ"
        )


class ImportTests(EncryptedTestCase):
    def test_the_spreadsheet_import_encrypts_the_memo_and_the_referral_it_writes(self) -> None:
        import_file(
            content=csv_bytes(),
            file_name="相談記録.csv",
            organisation=self.window,
            user=self.soudan,
        )
        memo = Consultation.objects.exclude(content="").get()
        self.assertEqual(memo.content, "初回の電話")
        self.assert_sealed(memo, content="初回の電話")
        referral = Referral.objects.get()
        self.assert_sealed(referral, purpose="取込")
        self.assert_sealed(referral.events.get(), note="取込")
        # Blank memos stay blank, not a token of "" (so "is it filled in" keeps its meaning).
        self.assertEqual(
            {stored(c, "content") for c in Consultation.objects.exclude(pk=memo.pk)}, {""}
        )

    def test_the_spreadsheet_kept_between_preview_and_confirmation_is_encrypted(self) -> None:
        content = csv_bytes()
        batch = preview_upload(
            content=content, file_name="記録.csv", organisation=self.window, user=self.soudan
        )
        raw = stored_bytes(batch, "content")
        self.assertTrue(raw.startswith(b"gAAAAA"))
        self.assertNotIn("初回の電話".encode(), raw)
        self.assertEqual(bytes(ImportBatch.objects.get(pk=batch.pk).content or b""), content)
        confirm_batch(batch, user=self.soudan)
        self.assertEqual(Consultation.objects.exclude(content="").get().content, "初回の電話")
        self.assertIsNone(ImportBatch.objects.get(pk=batch.pk).content)

    def test_reencrypt_and_the_data_migration_handle_the_kept_spreadsheet(self) -> None:
        content = csv_bytes()
        with override_settings(ENCRYPTION_KEYS=[OLD_KEY]):
            batch = preview_upload(
                content=content, file_name="記録.csv", organisation=self.window, user=self.soudan
            )
        with override_settings(ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
            call_command("reencrypt", stdout=io.StringIO())
        with override_settings(ENCRYPTION_KEYS=[NEW_KEY]):
            self.assertEqual(bytes(ImportBatch.objects.get(pk=batch.pk).content or b""), content)
            migration = "consultations.migrations.0005_encrypt_existing_rows"
            run_migration(migration, "decrypt_rows")
            self.assertEqual(stored_bytes(batch, "content"), content)
            run_migration(migration, "encrypt_rows")
            self.assertTrue(stored_bytes(batch, "content").startswith(b"gAAAAA"))
            self.assertEqual(bytes(ImportBatch.objects.get(pk=batch.pk).content or b""), content)


class FieldTests(BaseTestCase):
    def test_filtering_on_an_encrypted_field_by_its_value_is_refused_in_japanese(self) -> None:
        for lookup in ({"content": "うつ"}, {"content__icontains": "うつ"}, {"content__in": ["x"]}):
            with self.subTest(lookup=lookup), self.assertRaises(FieldError) as raised:
                list(Activity.objects.filter(**lookup))
            self.assertEqual(str(raised.exception), NOT_FILTERABLE.format(field="内容"))

    def test_a_blank_value_stays_blank_and_can_be_asked_for(self) -> None:
        case = open_case(self.soudan)
        activity = phone_call(case, "電話した", self.soudan)
        self.assertEqual(stored(activity, "next_action"), "")
        self.assertEqual(
            list(Activity.objects.filter(next_action="").values_list("pk", flat=True)),
            [activity.pk],
        )
        self.assertFalse(Activity.objects.exclude(next_action="").exists())

    def test_the_plain_text_is_still_bounded_by_max_length(self) -> None:
        person = Person(organisation=self.window, alias="Bさん", contact_note="あ" * 301)
        with self.assertRaises(ValidationError) as raised:
            person.full_clean()
        self.assertIn("contact_note", raised.exception.message_dict)
        self.login(self.soudan)
        page = self.client.post(
            "/persons/new/", {"alias": "Bさん", "sex": "unknown", "contact_note": "あ" * 301}
        )
        self.assertContains(page, "300 文字以下")
        self.assertFalse(Person.objects.filter(alias="Bさん").exists())

    def test_a_wrong_key_is_a_clear_japanese_error_not_garbage(self) -> None:
        case = open_case(self.soudan)
        activity = phone_call(case, "通院の話", self.soudan)
        with (
            override_settings(ENCRYPTION_KEYS=[OTHER_KEY]),
            self.assertRaises(DecryptionError) as raised,
        ):
            Activity.objects.get(pk=activity.pk)
        message = str(raised.exception)
        self.assertIn("暗号化された項目を復号できません（cases.Activity.content）", message)
        self.assertIn("TSUNAGU_ENCRYPTION_KEY", message)
        self.assertEqual(Activity.objects.get(pk=activity.pk).content, "通院の話")

    def test_a_value_an_interrupted_migration_left_plain_is_read_as_it_stands(self) -> None:
        case = open_case(self.soudan)
        activity = phone_call(case, "x", self.soudan)
        write_raw(activity, "content", "まだ暗号化されていない")
        self.assertEqual(Activity.objects.get(pk=activity.pk).content, "まだ暗号化されていない")


class ReencryptTests(BaseTestCase):
    def setUp(self) -> None:
        with override_settings(ENCRYPTION_KEYS=[OLD_KEY]):
            self.activity = phone_call(open_case(self.soudan), "服薬の確認", self.soudan)

    def reencrypt(self, *args: str) -> str:
        out = io.StringIO()
        call_command("reencrypt", *args, stdout=out)
        return out.getvalue()

    def test_rotation_new_key_first_then_reencrypt_then_drop_the_old_key(self) -> None:
        with override_settings(ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
            # The old key still opens the records until they are re-encrypted.
            self.assertEqual(Activity.objects.get(pk=self.activity.pk).content, "服薬の確認")
            output = self.reencrypt()
            self.assertIn(f"{ACTIVITY_FIELDS}: 1行", output)
            # A second run (e.g. after kill -9) writes only what is not yet under the new key.
            self.assertIn(f"{ACTIVITY_FIELDS}: 0行", self.reencrypt())
        with override_settings(ENCRYPTION_KEYS=[NEW_KEY]):
            self.assertEqual(Activity.objects.get(pk=self.activity.pk).content, "服薬の確認")
            self.assertIn("今の鍵で復号できました", self.reencrypt("--check"))

    def test_reencrypt_encrypts_a_value_left_plain(self) -> None:
        write_raw(self.activity, "content", "平文のまま")
        with override_settings(ENCRYPTION_KEYS=[OLD_KEY]):
            self.reencrypt()
            self.assertTrue(is_token(stored(self.activity, "content")))
            self.assertEqual(Activity.objects.get(pk=self.activity.pk).content, "平文のまま")

    def test_a_key_that_opens_nothing_stops_the_command_with_the_row_named(self) -> None:
        token = stored(self.activity, "content")
        with override_settings(ENCRYPTION_KEYS=[NEW_KEY]):
            for args in ((), ("--check",)):
                with self.subTest(args=args), self.assertRaises(CommandError) as raised:
                    self.reencrypt(*args)
                # The first row it meets is named (model, field, id), never its value.
                message = str(raised.exception)
                self.assertRegex(
                    message, r"^暗号化された項目を復号できません（cases\.\w+\.\w+ #\d+）"
                )
        self.assertEqual(stored(self.activity, "content"), token)


class DataMigrationTests(BaseTestCase):
    """The data migrations' own functions, on rows as they were before encryption."""

    def test_the_cases_migration_encrypts_plain_rows_and_the_reverse_restores_them(self) -> None:
        case = open_case(self.soudan)
        activity = phone_call(case, "x", self.soudan)
        assessment = assessment_add(
            case=case, data={"medical_history": "通院歴あり"}, by=self.soudan
        )
        medical = stored(assessment, "medical_history")
        plain = {
            (activity, "content"): "診断名を聞いた",
            (activity, "next_action"): "",
            (assessment, "triggers"): "いじめ",
            (assessment, "life_domains"): '{"health": "issue"}',
        }
        for (obj, field), value in plain.items():
            write_raw(obj, field, value)
        name = "cases.migrations.0005_encrypt_existing_rows"
        run_migration(name, "encrypt_rows")
        for (obj, field), value in plain.items():
            raw = stored(obj, field)
            self.assertEqual(is_token(raw), bool(value), field)
        first_run = {key: stored(*key) for key in plain}
        self.assertEqual(Activity.objects.get(pk=activity.pk).content, "診断名を聞いた")
        self.assertEqual(Assessment.objects.get(pk=assessment.pk).life_domains, {"health": "issue"})
        # Run again (after kill -9): the tokens are left as they are.
        run_migration(name, "encrypt_rows")
        self.assertEqual({key: stored(*key) for key in plain}, first_run)

        run_migration(name, "decrypt_rows")
        self.assertEqual({key: stored(*key) for key in plain}, plain)
        # Fields encrypted before this migration are not its business either way.
        self.assertEqual(stored(assessment, "medical_history"), medical)

    def test_the_json_column_of_drafts_and_the_people_fields_round_trip(self) -> None:
        draft = ConsultationDraft.objects.create(user=self.soudan, data={"content": ["x"]})
        person = Person.objects.create(organisation=self.window, alias="Bさん")
        write_raw(draft, "data", '{"content": ["避難中"]}')
        write_raw(person, "contact_note", "夜は電話しない")
        write_raw(person, "restriction_reason", "dv")
        run_migration("consultations.migrations.0005_encrypt_existing_rows", "encrypt_rows")
        run_migration("people.migrations.0007_encrypt_existing_rows", "encrypt_rows")
        self.assertTrue(is_token(stored(draft, "data")))
        self.assertTrue(is_token(stored(person, "restriction_reason")))
        self.assertEqual(ConsultationDraft.objects.get(pk=draft.pk).data, {"content": ["避難中"]})
        person = Person.objects.get(pk=person.pk)
        self.assertEqual((person.contact_note, person.restriction_reason), ("夜は電話しない", "dv"))
        run_migration("consultations.migrations.0005_encrypt_existing_rows", "decrypt_rows")
        run_migration("people.migrations.0007_encrypt_existing_rows", "decrypt_rows")
        self.assertEqual(stored(draft, "data"), '{"content": ["避難中"]}')
        self.assertEqual(stored(person, "restriction_reason"), "dv")

    def test_the_data_migrations_cover_every_field_made_encrypted(self) -> None:
        covered = {"cases.Assessment.medical_flags", "cases.Assessment.medical_history"}
        covered |= {"collaboration.Meeting.minutes", "collaboration.AgendaItem.material"}
        covered |= {"cases.TeamChange.reason"}  # born encrypted: no plain rows to migrate
        covered |= {  # born encrypted too
            "participation.Placement.end_note",
            "participation.PlacementContact.notes",
            "participation.PlacementContact.host_feedback",
            "participation.WorkReadinessEnrolment.extension_reason",
        }
        # Born encrypted as well: the previous versions of corrections (訂正).
        covered |= {"audit.PreviousVersion.changes", "audit.PreviousVersion.reason"}
        for module in DATA_MIGRATIONS:
            migration = importlib.import_module(module)
            app = module.split(".")[0]
            covered |= {
                f"{app}.{model}.{field}"
                for model, fields in migration.FIELDS.items()
                for field in fields
            }
        self.assertEqual(covered, encrypted_field_labels())


class ClassificationTests(BaseTestCase):
    def documented(self, marker: str) -> set[str]:
        rows = re.findall(r"^\| `([\w.]+)` \| (\S+) \|", DOCS.read_text(), re.MULTILINE)
        return {name for name, kind in rows if kind == marker}

    def test_the_documented_list_of_encrypted_fields_is_the_list_in_the_models(self) -> None:
        self.assertEqual(self.documented("暗号化"), encrypted_field_labels())

    def test_every_text_field_of_the_apps_is_classified_in_the_docs(self) -> None:
        texts = {
            f"{model._meta.label}.{field.name}"
            for model in apps.get_models()
            if model._meta.app_label
            in {
                "cases",
                "consultations",
                "people",
                "collaboration",
                "community",
                "supporters",
                "participation",
            }
            for field in model._meta.concrete_fields
            if isinstance(field, models.TextField | models.JSONField)
            or (isinstance(field, models.CharField) and not field.choices and field.editable)
        }
        classified = self.documented("暗号化") | self.documented("平文")
        self.assertEqual(sorted(texts - classified), [])
