"""The rules of accounts.administration.services, each refusal with its Japanese message."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError

from accounts.administration import services
from accounts.codes import with_check_digit
from accounts.models import (
    Contract,
    ContractScope,
    LocalGovernment,
    Organisation,
    OrganisationType,
    StaffRole,
    User,
)
from accounts.roles import Role
from audit.models import AuditEvent
from tsunagu.test import BaseTestCase
from tsunagu.versioning import StaleVersionError


def make_administrator(organisation: Organisation, username: str) -> User:
    user = User.objects.create_user(
        username=username, display_name=username, organisation=organisation
    )
    StaffRole.objects.create(user=user, role=Role.ADMINISTRATOR)
    return user


class AdministrationTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.npo = cls.world.organisations["npo"]
        cls.jiritsu = cls.world.organisations["jiritsu"]
        cls.centre = cls.world.organisations["centre"]
        cls.prefecture_admin = make_administrator(cls.centre, "pref_admin")
        cls.minato_admin = make_administrator(cls.minato_window, "minato_admin")
        cls.city = cls.window.local_government

    def refusal(self, call: Any, **kwargs: Any) -> dict[str, list[str]]:
        with self.assertRaises(ValidationError) as refused:
            call(**kwargs)
        error = refused.exception
        return error.message_dict if hasattr(error, "error_dict") else {"": error.messages}

    def contract_data(self, **changes: Any) -> dict[str, Any]:
        return {
            "commissioner": self.window,
            "contractor": self.npo,
            "service": "アウトリーチ事業",
            "starts_on": date(2025, 4, 1),
            "ends_on": date(2026, 3, 31),
            "scopes": [ContractScope.OUTREACH.value],
            **changes,
        }


class ContractRuleTests(AdministrationTestCase):
    def test_it_creates_a_contract_and_audits_it(self) -> None:
        contract = services.contract_create(data=self.contract_data(), by=self.admin)

        self.assertEqual(contract.scopes, ["outreach"])
        (row,) = self.audit_rows(action=AuditEvent.Action.CREATE, object_type="accounts.contract")
        self.assertEqual((row.actor_id, row.object_id), (self.admin.pk, str(contract.pk)))

    def test_it_refuses_an_end_before_the_start(self) -> None:
        errors = self.refusal(
            services.contract_create,
            data=self.contract_data(ends_on=date(2025, 3, 31)),
            by=self.admin,
        )

        self.assertEqual(errors["ends_on"], [services.PERIOD_ORDER_MESSAGE])
        self.assertFalse(Contract.objects.filter(service="アウトリーチ事業").exists())

    def test_it_refuses_an_overlapping_period_for_the_same_service_and_parties(self) -> None:
        services.contract_create(data=self.contract_data(), by=self.admin)

        errors = self.refusal(
            services.contract_create,
            data=self.contract_data(starts_on=date(2026, 3, 1), ends_on=None),
            by=self.admin,
        )

        self.assertIn("期間が重なっています", errors["starts_on"][0])
        self.assertIn("令和7年4月1日〜令和8年3月31日", errors["starts_on"][0])
        self.assertEqual(Contract.objects.filter(service="アウトリーチ事業").count(), 1)

    def test_an_open_ended_contract_overlaps_every_later_period(self) -> None:
        services.contract_create(data=self.contract_data(ends_on=None), by=self.admin)

        errors = self.refusal(
            services.contract_create,
            data=self.contract_data(starts_on=date(2030, 4, 1), ends_on=date(2031, 3, 31)),
            by=self.admin,
        )

        self.assertIn("期間が重なっています", errors["starts_on"][0])

    def test_periods_that_touch_do_not_overlap_and_other_services_are_free(self) -> None:
        services.contract_create(data=self.contract_data(), by=self.admin)

        services.contract_create(
            data=self.contract_data(starts_on=date(2026, 4, 1), ends_on=None), by=self.admin
        )
        services.contract_create(data=self.contract_data(service="家族会"), by=self.admin)
        services.contract_create(data=self.contract_data(contractor=self.jiritsu), by=self.admin)

        self.assertEqual(Contract.objects.filter(commissioner=self.window).count(), 6)

    def test_it_refuses_a_contract_with_itself(self) -> None:
        errors = self.refusal(
            services.contract_create,
            data=self.contract_data(contractor=self.window),
            by=self.admin,
        )

        self.assertEqual(errors["contractor"], [services.SAME_PARTIES_MESSAGE])

    def test_it_refuses_a_commissioner_the_administrator_does_not_manage(self) -> None:
        errors = self.refusal(
            services.contract_create,
            data=self.contract_data(commissioner=self.minato_window),
            by=self.admin,
        )

        self.assertEqual(errors["commissioner"], [services.COMMISSIONER_OUTSIDE_MESSAGE])

    def test_it_refuses_a_contract_with_nothing_the_contractor_may_do(self) -> None:
        errors = self.refusal(
            services.contract_create, data=self.contract_data(scopes=[]), by=self.admin
        )

        self.assertEqual(errors["scopes"], ["委託先ができることを1つ以上選んでください。"])

    def test_an_edit_that_makes_two_contracts_overlap_is_refused(self) -> None:
        services.contract_create(data=self.contract_data(), by=self.admin)
        later = services.contract_create(
            data=self.contract_data(starts_on=date(2026, 4, 1), ends_on=date(2027, 3, 31)),
            by=self.admin,
        )

        errors = self.refusal(
            services.contract_update,
            contract=later,
            data=self.contract_data(starts_on=date(2026, 1, 1), ends_on=date(2027, 3, 31)),
            version=later.version,
            by=self.admin,
        )

        self.assertIn("期間が重なっています", errors["starts_on"][0])
        later.refresh_from_db()
        self.assertEqual(later.starts_on, date(2026, 4, 1))

    def test_a_stale_edit_is_refused_and_saves_nothing(self) -> None:
        contract = services.contract_create(data=self.contract_data(), by=self.admin)
        services.contract_update(
            contract=contract,
            data=self.contract_data(service="訪問支援事業"),
            version=contract.version,
            by=self.admin,
        )

        with self.assertRaises(StaleVersionError):
            services.contract_update(
                contract=contract,
                data=self.contract_data(service="別の名前"),
                version=contract.version,
                by=self.admin,
            )

        contract.refresh_from_db()
        self.assertEqual((contract.service, contract.version), ("訪問支援事業", 2))


class RenewalTests(AdministrationTestCase):
    def test_a_renewal_continues_the_old_period(self) -> None:
        contract = services.contract_create(data=self.contract_data(), by=self.admin)

        renewed = services.contract_renew(
            contract=contract,
            data={"ends_on": date(2027, 3, 31), "scopes": ["outreach", "ibasho"]},
            by=self.admin,
        )

        self.assertEqual(
            (renewed.starts_on, renewed.ends_on), (date(2026, 4, 1), date(2027, 3, 31))
        )
        self.assertEqual(
            (renewed.commissioner, renewed.contractor, renewed.service),
            (self.window, self.npo, "アウトリーチ事業"),
        )
        self.assertEqual((renewed.renews, renewed.scopes), (contract, ["outreach", "ibasho"]))

    def test_a_contract_is_renewed_once(self) -> None:
        contract = services.contract_create(data=self.contract_data(), by=self.admin)
        renewal = {"ends_on": date(2027, 3, 31), "scopes": ["outreach"]}
        services.contract_renew(contract=contract, data=renewal, by=self.admin)

        errors = self.refusal(
            services.contract_renew, contract=contract, data=renewal, by=self.admin
        )

        self.assertIn("すでに延長されています", errors[""][0])

    def test_an_open_ended_contract_cannot_be_renewed(self) -> None:
        contract = services.contract_create(data=self.contract_data(ends_on=None), by=self.admin)

        errors = self.refusal(
            services.contract_renew,
            contract=contract,
            data={"ends_on": None, "scopes": ["outreach"]},
            by=self.admin,
        )

        self.assertEqual(errors[""], [services.RENEW_OPEN_ENDED_MESSAGE])

    def test_a_renewal_ending_before_it_starts_is_refused(self) -> None:
        contract = services.contract_create(data=self.contract_data(), by=self.admin)

        errors = self.refusal(
            services.contract_renew,
            contract=contract,
            data={"ends_on": date(2026, 3, 1), "scopes": ["outreach"]},
            by=self.admin,
        )

        self.assertEqual(errors["ends_on"], [services.PERIOD_ORDER_MESSAGE])


class LocalGovernmentRuleTests(AdministrationTestCase):
    def test_a_prefecture_s_administrator_adds_a_municipality_of_the_prefecture(self) -> None:
        government = services.local_government_create(
            data={"name": "つなぐ第二市", "code": with_check_digit("99202")},
            by=self.prefecture_admin,
        )

        self.assertEqual(government.prefecture, self.city.prefecture)
        self.assertEqual(government.kind, LocalGovernment.Kind.MUNICIPALITY)

    def test_a_municipality_s_administrator_cannot_add_one(self) -> None:
        errors = self.refusal(
            services.local_government_create,
            data={"name": "つなぐ第二市", "code": "992020"},
            by=self.admin,
        )

        self.assertEqual(errors[""], [services.ONLY_A_PREFECTURE_ADDS_MESSAGE])

    def test_a_bad_check_digit_is_refused_at_the_code(self) -> None:
        errors = self.refusal(
            services.local_government_create,
            data={"name": "つなぐ第二市", "code": "992021"},
            by=self.prefecture_admin,
        )

        self.assertIn("検査数字が正しくありません", errors["code"][0])

    def test_a_code_that_is_not_six_digits_is_refused(self) -> None:
        errors = self.refusal(
            services.local_government_create,
            data={"name": "つなぐ第二市", "code": "99202"},
            by=self.prefecture_admin,
        )

        self.assertIn("6桁の数字", errors["code"][0])

    def test_a_duplicate_code_is_refused_naming_the_holder(self) -> None:
        errors = self.refusal(
            services.local_government_create,
            data={"name": "もう一つのみなと町", "code": self.minato_window.local_government.code},
            by=self.prefecture_admin,
        )

        self.assertIn("すでに登録されています（みなと町）", errors["code"][0])

    def test_a_prefecture_with_municipalities_keeps_its_first_two_digits(self) -> None:
        prefecture = self.city.prefecture

        errors = self.refusal(
            services.local_government_update,
            government=prefecture,
            data={"name": prefecture.name, "code": "130001"},
            version=prefecture.version,
            by=self.prefecture_admin,
        )

        self.assertIn("上2桁（99）は変えられません", errors["code"][0])

    def test_an_edit_of_the_name_is_saved_and_audited_with_its_field(self) -> None:
        services.local_government_update(
            government=self.city,
            data={"name": "つなぐ市（新）", "code": self.city.code},
            version=self.city.version,
            by=self.admin,
        )

        (row,) = self.audit_rows(
            action=AuditEvent.Action.UPDATE, object_type="accounts.localgovernment"
        )
        self.assertEqual(row.detail["fields"], ["name"])


class OrganisationRuleTests(AdministrationTestCase):
    def organisation_data(self, **changes: Any) -> dict[str, Any]:
        return {
            "name": "つなぐ市 東部相談室",
            "type": OrganisationType.MUNICIPAL_WINDOW,
            "operator_name": "つなぐ市（直営）",
            "local_government": self.city,
            "address": "つなぐ市東町1-1",
            "phone": "0120-123-456",
            "is_named_window": True,
            "is_active": True,
            **changes,
        }

    def test_it_creates_an_organisation_with_the_named_window_flag(self) -> None:
        organisation = services.organisation_create(data=self.organisation_data(), by=self.admin)

        self.assertTrue(organisation.is_named_window)
        self.assertEqual(organisation.address, "つなぐ市東町1-1")

    def test_a_bad_phone_number_is_refused(self) -> None:
        errors = self.refusal(
            services.organisation_create,
            data=self.organisation_data(phone="03-1234"),
            by=self.admin,
        )

        self.assertIn("電話番号は数字とハイフン", errors["phone"][0])

    def test_a_second_organisation_of_the_same_name_is_refused(self) -> None:
        errors = self.refusal(
            services.organisation_create,
            data=self.organisation_data(name=self.npo.name),
            by=self.admin,
        )

        self.assertIn("という機関がすでにあります", errors["name"][0])

    def test_an_organisation_outside_the_managed_governments_is_refused(self) -> None:
        errors = self.refusal(
            services.organisation_create,
            data=self.organisation_data(local_government=self.minato_window.local_government),
            by=self.admin,
        )

        self.assertEqual(errors["local_government"], [services.GOVERNMENT_OUTSIDE_MESSAGE])

    def test_the_administrator_cannot_switch_off_their_own_organisation(self) -> None:
        data = {name: getattr(self.window, name) for name in services.ORGANISATION_FIELDS}

        errors = self.refusal(
            services.organisation_update,
            organisation=self.window,
            data={**data, "is_active": False},
            version=self.window.version,
            by=self.admin,
        )

        self.assertEqual(errors["is_active"], [services.OWN_ORGANISATION_INACTIVE_MESSAGE])
        self.window.refresh_from_db()
        self.assertTrue(self.window.is_active)
