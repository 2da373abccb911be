"""Recording a consultation (/consultations/new/): each disposition, the person, bad input."""

from datetime import date, timedelta

from django.utils import timezone

from accounts.models import LocalGovernment
from audit.models import AuditEvent
from cases.models import Case, Stage
from collaboration.models import Agency, Referral
from consultations.models import Consultation
from consultations.tests.helpers import (
    SATURDAY,
    counts,
    follow_up_in,
    intake_data,
    make_agency,
)
from people.models import AgeBand, Person
from people.tests.helpers import make_person
from tsunagu.test import BaseTestCase


class IntakeFormPageTests(BaseTestCase):
    def test_the_empty_form_starts_at_the_received_time_with_now_filled_in(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/consultations/new/")
        now = timezone.localtime().replace(tzinfo=None)
        initial = response.context["form"]["received_at"].value()
        self.assertLess(abs((initial - now).total_seconds()), 120)
        # 日付 then 時刻, the focus on the date (tsunagu/widgets.py).
        self.assertContains(
            response, f'type="date" name="received_at_0" value="{initial:%Y-%m-%d}"'
        )
        self.assertContains(response, 'aria-label="受付日時の日付" autofocus')
        self.assertContains(response, f'type="text" name="received_at_1" value="{initial:%H:%M}"')

    def test_every_input_has_a_label(self) -> None:
        self.login(self.soudan)
        html = self.client.get("/consultations/new/").content.decode()
        form = self.client.get("/consultations/new/").context["form"]
        for name in ("received_at", "channel", "consulter_name", "main_concern", "content"):
            with self.subTest(field=name):
                self.assertIn(f'<label for="{form[name].id_for_label}">', html)
        self.assertIn('<label for="person-search">', html)
        self.assertIn('<label for="id_disposition_0">', html)
        self.assertIn("<legend>対応<span", html)

    def test_there_is_no_refused_option(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/consultations/new/")
        for word in ("断る", "お断り", "対応不可", "refuse"):
            self.assertNotContains(response, word)
        choices = [value for value, _ in response.context["form"].fields["disposition"].choices]
        self.assertEqual(choices, ["continue", "refer", "information"])

    def test_the_agency_choices_are_the_directory_of_the_town_and_its_prefecture(self) -> None:
        city = self.window.local_government
        prefecture = LocalGovernment.objects.get(pk=city.prefecture_id)
        make_agency(city, "つなぐ市保健センター", "public_health")
        make_agency(prefecture, "つなぐ県精神保健福祉センター", "mental_health_centre")
        make_agency(self.minato_window.local_government, "みなと町保健センター", "public_health")
        self.login(self.soudan)
        form = self.client.get("/consultations/new/").context["form"]
        names = {agency.name for agency in form.fields["referral_agency"].queryset}
        self.assertEqual(names, {"つなぐ市保健センター", "つなぐ県精神保健福祉センター"})


class DispositionTests(BaseTestCase):
    agency: Agency

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.agency = make_agency(cls.window.local_government)

    def test_information_only_records_the_consultation_and_opens_nothing(self) -> None:
        self.login(self.soudan)
        before = counts()
        response = self.client.post("/consultations/new/", intake_data(), follow=True)
        consultation = Consultation.objects.get()
        self.assertRedirects(response, f"/consultations/{consultation.pk}/")
        self.assertContains(response, "相談を記録しました（情報提供・助言のみ）。")
        self.assertEqual(
            counts(),
            {**before, "persons": before["persons"] + 1, "consultations": 1},
        )
        self.assertIsNone(consultation.case)
        self.assertIsNone(consultation.referral)
        self.assertEqual(consultation.person.full_name, "山田 健太")
        self.assertEqual(consultation.organisation, self.window)
        self.assertEqual(consultation.taken_by, self.soudan)
        self.assertEqual(consultation.consulter_relationship, "mother")
        self.assertEqual(consultation.age_at_contact, 34)
        self.assertEqual(consultation.categories, ["hikikomori", "family"])
        self.assertIn("\n本人は相談に来ることを嫌がっている。", consultation.content)

    def test_continuing_support_opens_a_case_for_the_new_person(self) -> None:
        self.login(self.soudan)
        response = self.client.post("/consultations/new/", intake_data(disposition="continue"))
        consultation = Consultation.objects.get()
        case = Case.objects.get()
        self.assertEqual(consultation.case, case)
        self.assertEqual(case.person, consultation.person)
        self.assertEqual((case.organisation, case.stage), (self.window, Stage.INTAKE))
        self.assertEqual(case.lead_worker, self.soudan)
        self.assertEqual(Referral.objects.count(), 0)
        self.assertRedirects(response, f"/cases/{case.pk}/", fetch_redirect_response=False)

    def test_continuing_support_for_a_person_with_an_open_case_continues_that_case(self) -> None:
        person = make_person(self.window, "佐藤", "翔", "サトウ", "ショウ", team=(self.soudan,))
        open_case = Case.objects.create(
            organisation=self.window,
            person=person,
            title="佐藤 翔さんの支援",
            lead_worker=self.douryou,
            stage=Stage.SUPPORT,
        )
        self.login(self.soudan)
        response = self.client.post(
            "/consultations/new/",
            intake_data(
                person_mode="existing",
                person=person.pk,
                age_at_contact="",
                disposition="continue",
            ),
            follow=True,
        )
        consultation = Consultation.objects.get()
        self.assertEqual(consultation.case, open_case)
        self.assertEqual(Case.objects.count(), 1)
        self.assertEqual(Person.objects.count(), 1)
        self.assertContains(response, "ケース「佐藤 翔さんの支援」で継続支援します。")

    def test_a_closed_case_is_not_continued_a_new_one_is_opened(self) -> None:
        person = make_person(self.window, "佐藤", "翔", "サトウ", "ショウ")
        Case.objects.create(
            organisation=self.window,
            person=person,
            title="以前の支援",
            lead_worker=self.douryou,
            stage=Stage.CLOSED,
        )
        self.login(self.soudan)
        self.client.post(
            "/consultations/new/",
            intake_data(person_mode="existing", person=person.pk, disposition="continue"),
        )
        consultation = Consultation.objects.get()
        self.assertEqual(Case.objects.count(), 2)
        self.assertNotEqual(consultation.case.title, "以前の支援")
        self.assertEqual(consultation.case.stage, Stage.INTAKE)

    def test_referring_creates_a_proposed_referral_to_follow_up(self) -> None:
        self.login(self.soudan)
        follow_up_on = follow_up_in(14)
        response = self.client.post(
            "/consultations/new/",
            intake_data(
                disposition="refer",
                referral_agency=self.agency.pk,
                referral_purpose="就労に向けた相談",
                referral_follow_up_on=follow_up_on,
            ),
            follow=True,
        )
        consultation = Consultation.objects.get()
        referral = Referral.objects.get()
        self.assertEqual(consultation.referral, referral)
        self.assertIsNone(consultation.case)
        self.assertEqual(Case.objects.count(), 0)
        self.assertEqual(referral.state, Referral.State.PROPOSED)
        self.assertEqual(referral.get_state_display(), "打診中")
        self.assertEqual(
            (referral.agency, referral.person, referral.purpose, referral.follow_up_on),
            (
                self.agency,
                consultation.person,
                "就労に向けた相談",
                date.fromisoformat(follow_up_on),
            ),
        )
        self.assertContains(response, "つなぐ地域若者サポートステーションへのつなぎを記録しました")

    def test_an_unnamed_person_is_recorded_by_alias_with_the_age_given(self) -> None:
        self.login(self.soudan)
        self.client.post(
            "/consultations/new/",
            intake_data(
                consulter_type="welfare_volunteer",
                consulter_relationship="",
                consulter_name="",
                person_mode="alias",
                family_name="",
                given_name="",
                family_name_kana="",
                given_name_kana="",
                alias="3丁目の鈴木さんの長男",
                age_at_contact="45",
            ),
        )
        person = Consultation.objects.get().person
        self.assertEqual((person.full_name, person.alias), ("", "3丁目の鈴木さんの長男"))
        self.assertEqual((person.estimated_age, person.age_band), (45, AgeBand.FORTIES))
        self.assertEqual(Consultation.objects.get().age_at_contact, 45)
        # Found again by the alias next time.
        self.assertEqual(str(person), "3丁目の鈴木さんの長男")

    def test_names_typed_before_switching_to_alias_are_not_saved(self) -> None:
        self.login(self.soudan)
        self.client.post("/consultations/new/", intake_data(person_mode="alias", alias="Bさんの娘"))
        person = Consultation.objects.get().person
        self.assertEqual((person.family_name, person.given_name), ("", ""))

    def test_an_agency_consulting_is_recorded_with_the_agency(self) -> None:
        self.login(self.soudan)
        self.client.post(
            "/consultations/new/",
            intake_data(
                consulter_type="agency",
                consulter_relationship="mother",  # left from an earlier choice: dropped
                consulter_agency=self.agency.pk,
            ),
        )
        consultation = Consultation.objects.get()
        self.assertEqual(consultation.consulter_agency, self.agency)
        self.assertEqual(consultation.consulter_relationship, "")

    def test_the_main_concern_is_counted_among_the_categories(self) -> None:
        self.login(self.soudan)
        self.client.post(
            "/consultations/new/", intake_data(categories=["income"], main_concern="debt")
        )
        self.assertEqual(Consultation.objects.get().categories, ["debt", "income"])

    def test_a_saturday_consultation_is_flagged_out_of_hours(self) -> None:
        self.login(self.soudan)
        self.client.post("/consultations/new/", intake_data(received_at=SATURDAY))
        self.assertTrue(Consultation.objects.get().is_out_of_hours)

    def test_a_weekday_morning_consultation_is_within_hours(self) -> None:
        self.login(self.soudan)
        self.client.post("/consultations/new/", intake_data())
        self.assertFalse(Consultation.objects.get().is_out_of_hours)

    def test_recording_is_audited_with_field_names_and_no_values(self) -> None:
        self.login(self.soudan)
        self.client.post("/consultations/new/", intake_data())
        consultation = Consultation.objects.get()
        (row,) = self.audit_rows(
            action=AuditEvent.Action.CREATE, object_type="consultations.consultation"
        )
        self.assertEqual(row.object_id, str(consultation.pk))
        self.assertNotIn("山田", row.canonical())
        self.assertNotIn("自室", row.canonical())


class BadInputSavesNothingTests(BaseTestCase):
    agency: Agency
    other_town_agency: Agency

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.agency = make_agency(cls.window.local_government)
        cls.other_town_agency = make_agency(
            cls.minato_window.local_government, "みなと町保健センター", "public_health"
        )

    def assert_refused(self, message: str, **overrides: object) -> None:
        self.login(self.soudan)
        before = counts()
        data = intake_data(**overrides)
        response = self.client.post("/consultations/new/", data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, message)
        self.assertContains(response, "まだ保存していません")
        self.assertEqual(counts(), before)
        # Everything typed is still there.
        form = response.context["form"]
        self.assertEqual(form.data["content"], data["content"])
        self.assertEqual(form.data.getlist("categories"), data["categories"])
        self.assertEqual(form.data["consulter_name"], data["consulter_name"])

    def test_no_disposition_is_refused(self) -> None:
        self.assert_refused("対応を選んでください", disposition="")

    def test_a_refused_disposition_does_not_exist(self) -> None:
        self.assert_refused("対応を選んでください", disposition="refused")

    def test_no_main_concern_is_refused(self) -> None:
        self.assert_refused("主な相談内容を1つ選んでください。", main_concern="")

    def test_a_received_time_in_the_future_is_refused(self) -> None:
        later = timezone.localtime() + timedelta(hours=1)
        self.assert_refused(
            "受付日時が未来になっています。", received_at=later.strftime("%Y-%m-%dT%H:%M")
        )

    def test_a_received_time_a_few_minutes_ahead_is_accepted(self) -> None:
        self.login(self.soudan)
        ahead = timezone.localtime() + timedelta(minutes=3)
        self.client.post(
            "/consultations/new/", intake_data(received_at=ahead.strftime("%Y-%m-%dT%H:%M"))
        )
        self.assertEqual(Consultation.objects.count(), 1)

    def test_an_agency_consulting_without_the_agency_is_refused(self) -> None:
        self.assert_refused(
            "関係機関からの相談では、相談してきた機関を選んでください。", consulter_type="agency"
        )

    def test_a_family_member_without_the_relationship_is_refused(self) -> None:
        self.assert_refused("家族からの相談では続柄を選んでください。", consulter_relationship="")

    def test_referring_without_a_follow_up_date_is_refused(self) -> None:
        self.assert_refused(
            "つながったかを確認する日を入力してください",
            disposition="refer",
            referral_agency=self.agency.pk,
            referral_purpose="就労に向けた相談",
        )

    def test_referring_without_an_agency_or_purpose_is_refused(self) -> None:
        self.assert_refused(
            "つなぎ先の機関を選んでください。",
            disposition="refer",
            referral_follow_up_on=follow_up_in(7),
        )
        self.assert_refused(
            "つなぐ目的を入力してください。",
            disposition="refer",
            referral_agency=self.agency.pk,
            referral_follow_up_on=follow_up_in(7),
        )

    def test_referring_to_another_towns_agency_is_refused(self) -> None:
        self.assert_refused(
            "選んだ機関が地域資源の一覧にありません。",
            disposition="refer",
            referral_agency=self.other_town_agency.pk,
            referral_purpose="保健師の訪問",
            referral_follow_up_on=follow_up_in(7),
        )

    def test_a_follow_up_date_in_the_past_is_refused(self) -> None:
        self.assert_refused(
            "確認する日は今日以降の日付にしてください。",
            disposition="refer",
            referral_agency=self.agency.pk,
            referral_purpose="就労に向けた相談",
            referral_follow_up_on=follow_up_in(-1),
        )

    def test_control_characters_in_a_name_are_refused(self) -> None:
        self.assert_refused("制御文字", given_name="健\u202e太")

    def test_control_characters_in_the_content_are_refused_but_line_breaks_are_kept(self) -> None:
        self.assert_refused("使えない制御文字", content="息子が\x00自室から出てこない")

    def test_a_new_person_without_a_name_is_refused(self) -> None:
        self.assert_refused("姓か名を入力してください。", family_name="", given_name="")

    def test_an_unnamed_person_without_an_alias_is_refused(self) -> None:
        self.assert_refused("仮名・呼び名を入力してください", person_mode="alias", alias="")

    def test_no_person_chosen_is_refused(self) -> None:
        self.assert_refused("相談の対象となる人を検索して選んでください。", person_mode="existing")

    def test_another_towns_person_cannot_be_chosen(self) -> None:
        other = make_person(self.minato_window, "港", "太郎", "ミナト", "タロウ")
        self.assert_refused("選んだ人が見つかりません。", person_mode="existing", person=other.pk)

    def test_a_restricted_person_of_another_team_cannot_be_chosen(self) -> None:
        restricted = make_person(
            self.window,
            "高橋",
            "花子",
            is_restricted=True,
            restriction_reason="dv",
            team=(self.douryou,),
        )
        self.assert_refused(
            "選んだ人が見つかりません。", person_mode="existing", person=restricted.pk
        )

    def test_an_age_beside_a_known_birth_date_is_refused(self) -> None:
        person = make_person(self.window, "佐藤", "翔", birth_date=date(1990, 4, 1))
        self.assert_refused(
            "年齢は自動で計算します", person_mode="existing", person=person.pk, age_at_contact="30"
        )

    def test_an_impossible_age_is_refused(self) -> None:
        self.assert_refused("年齢は0〜130歳の範囲で入力してください。", age_at_contact="200")

    def test_a_refused_form_shows_the_chosen_person_again(self) -> None:
        person = make_person(self.window, "佐藤", "翔", "サトウ", "ショウ")
        self.login(self.soudan)
        response = self.client.post(
            "/consultations/new/",
            intake_data(person_mode="existing", person=person.pk, person_q="佐藤", main_concern=""),
        )
        self.assertContains(response, f'value="{person.pk}" checked')
        self.assertContains(response, 'value="佐藤"')

    def test_the_failure_of_a_later_step_rolls_back_the_new_person(self) -> None:
        # The service refuses the referral after it has created the new person: the person is
        # rolled back with everything else, and the worker sees the message.
        self.login(self.soudan)
        before = counts()
        agency = make_agency(self.window.local_government, "閉所した機関", "other")
        data = intake_data(
            disposition="refer",
            referral_agency=agency.pk,
            referral_purpose="居場所の紹介",
            referral_follow_up_on=follow_up_in(7),
        )
        from unittest import mock

        from django.core.exceptions import ValidationError

        with mock.patch(
            "consultations.intake.referral_create",
            side_effect=ValidationError({"agency": "つなぎ先の機関が見つかりません。"}),
        ):
            response = self.client.post("/consultations/new/", data)
        self.assertContains(response, "つなぎ先の機関が見つかりません。")
        self.assertEqual(counts(), before)


class ExpiredSessionTests(BaseTestCase):
    def test_input_posted_after_the_session_expired_is_shown_again_after_login(self) -> None:
        from tsunagu.test import PASSWORD, sign_in

        self.client.post("/login/", {"username": "soudan", "password": PASSWORD})
        self.client.session.flush()
        self.client.cookies.pop("sessionid")
        response = self.client.post("/consultations/new/", intake_data())
        self.assertRedirects(
            response, "/login/?next=/consultations/new/", fetch_redirect_response=False
        )
        response = sign_in(self.client, self.soudan, next_url="/consultations/new/")
        self.assertContains(response, "入力していた内容を復元しました")
        self.assertEqual(response.context["form"].data["consulter_name"], "山田 和子")
        self.assertEqual(Consultation.objects.count(), 0)
