"""The administration pages: who may open them, refusals at their field, search, paging."""

from datetime import date

from django.contrib.auth.tokens import default_token_generator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.codes import with_check_digit
from accounts.models import Contract, LocalGovernment, Organisation, OrganisationType
from accounts.tests.test_administration_services import AdministrationTestCase
from audit.models import AuditEvent


class WhoMayOpenThemTests(AdministrationTestCase):
    def test_a_worker_is_refused_the_lists_and_the_refusal_is_audited(self) -> None:
        self.login(self.soudan)

        for name in ("administration_governments", "administration_organisations"):
            with self.subTest(name=name):
                self.assertEqual(self.client.get(reverse(name)).status_code, 403)
        self.assertEqual(
            len(self.audit_rows(action=AuditEvent.Action.DENIED, actor=self.soudan)), 2
        )

    def test_another_municipality_s_rows_answer_404(self) -> None:
        contract = Contract.objects.filter(commissioner=self.window).first()
        assert contract is not None
        self.login(self.minato_admin)

        urls = [
            reverse("administration_government_edit", args=[self.city.pk]),
            reverse("administration_organisation_edit", args=[self.window.pk]),
            reverse("administration_contract_edit", args=[contract.pk]),
            reverse("administration_contract_renew", args=[contract.pk]),
        ]
        for url in urls:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        denied = self.audit_rows(action=AuditEvent.Action.DENIED, actor=self.minato_admin)
        self.assertEqual([row.detail["reason"] for row in denied], ["out_of_scope"] * 4)

    def test_a_municipality_s_administrator_sees_only_their_own_rows(self) -> None:
        self.login(self.minato_admin)

        page = self.client.get(reverse("administration_organisations"))

        self.assertEqual([o.pk for o in page.context["listing"]], [self.minato_window.pk])

    def test_a_prefecture_s_administrator_manages_its_municipalities(self) -> None:
        self.login(self.prefecture_admin)

        page = self.client.get(reverse("administration_governments"))
        edit = self.client.get(reverse("administration_organisation_edit", args=[self.window.pk]))

        names = [government.name for government in page.context["listing"]]
        self.assertEqual(names, ["つなぐ県", "つなぐ市", "みなと町"])
        self.assertEqual(edit.status_code, 200)


class RefusalsOnThePageTests(AdministrationTestCase):
    def contract_post(self, **changes: str) -> dict[str, str | list[str]]:
        return {
            "commissioner": str(self.window.pk),
            "contractor": str(self.npo.pk),
            "service": "ひきこもり支援 居場所づくり事業",
            "starts_on": "R7.4.1",
            "ends_on": "R8.3.31",
            "scopes": ["ibasho"],
            "version": "0",
            **changes,
        }

    def test_an_overlapping_contract_is_refused_at_its_start_with_the_input_kept(self) -> None:
        self.login(self.admin)
        before = Contract.objects.count()

        response = self.client.post(reverse("administration_contract_create"), self.contract_post())

        self.assertEqual(response.status_code, 200)
        self.assertIn("期間が重なっています", response.context["form"].errors["starts_on"][0])
        self.assertContains(response, "ひきこもり支援 居場所づくり事業")
        self.assertEqual(Contract.objects.count(), before)

    def test_an_end_before_the_start_is_refused_at_the_end(self) -> None:
        self.login(self.admin)

        response = self.client.post(
            reverse("administration_contract_create"),
            self.contract_post(service="家族会", starts_on="2025-04-01", ends_on="2025-03-01"),
        )

        self.assertIn("契約開始日と同じ日か", response.context["form"].errors["ends_on"][0])

    def test_a_contract_is_created_and_renewed_from_the_pages(self) -> None:
        self.login(self.admin)
        created = self.client.post(
            reverse("administration_contract_create"), self.contract_post(service="家族会")
        )
        self.assertRedirects(created, reverse("administration_contracts"))
        contract = Contract.objects.get(service="家族会")

        renewed = self.client.post(
            reverse("administration_contract_renew", args=[contract.pk]),
            {"ends_on": "R9.3.31", "scopes": ["ibasho", "family_support"]},
        )

        self.assertRedirects(renewed, reverse("administration_contracts"))
        self.assertEqual(contract.renewal.starts_on, date(2026, 4, 1))

    def test_a_bad_check_digit_is_shown_at_the_code(self) -> None:
        self.login(self.admin)

        response = self.client.post(
            reverse("administration_government_edit", args=[self.city.pk]),
            {"name": "つなぐ市", "code": "992012", "version": str(self.city.version)},
        )

        self.assertIn("検査数字が正しくありません", response.context["form"].errors["code"][0])
        self.city.refresh_from_db()
        self.assertEqual(self.city.code, with_check_digit("99201"))

    def test_full_width_digits_are_read_as_the_code(self) -> None:
        self.login(self.prefecture_admin)

        response = self.client.post(
            reverse("administration_government_create"),
            {
                "name": "つなぐ第二市",
                "code": "９９２０２" + with_check_digit("99202")[-1],
                "version": "0",
            },
        )

        self.assertRedirects(response, reverse("administration_governments"))
        self.assertTrue(LocalGovernment.objects.filter(code=with_check_digit("99202")).exists())

    def test_a_stale_edit_shows_the_saved_values_and_keeps_the_input(self) -> None:
        self.login(self.admin)
        url = reverse("administration_organisation_edit", args=[self.npo.pk])
        form = {
            "name": self.npo.name,
            "type": self.npo.type,
            "operator_name": self.npo.operator_name,
            "local_government": str(self.city.pk),
            "address": "",
            "phone": "",
            "is_active": "on",
            "version": str(self.npo.version),
        }
        self.client.post(url, {**form, "address": "つなぐ市中町2-2"})

        response = self.client.post(url, {**form, "phone": "0120-000-111"})

        self.assertContains(response, "ほかの人が先に更新しました")
        self.assertContains(response, "つなぐ市中町2-2")  # the saved address
        self.assertContains(response, "0120-000-111")  # the input, kept
        self.assertEqual(response.context["form"]["version"].value(), str(self.npo.version + 1))
        self.npo.refresh_from_db()
        self.assertEqual(self.npo.phone, "")


class SearchAndPagingTests(AdministrationTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        Organisation.objects.bulk_create(
            Organisation(
                name=f"相談室 {number:03d}",
                type=OrganisationType.PRIVATE_GROUP,
                local_government=cls.window.local_government,
            )
            for number in range(60)
        )

    def test_the_list_is_paged_by_fifty(self) -> None:
        self.login(self.admin)

        first = self.client.get(reverse("administration_organisations"))
        second = self.client.get(reverse("administration_organisations"), {"page": 2})

        self.assertEqual(len(first.context["listing"]), 50)
        self.assertEqual(first.context["listing"].total, 64)
        self.assertEqual(len(second.context["listing"]), 14)

    def test_the_list_shows_the_paging_bar_and_sorts_by_its_headers_in_sql(self) -> None:
        self.login(self.admin)

        by_name = self.client.get(reverse("administration_organisations"), {"sort": "-name"})

        self.assertContains(by_name, "全64件中 1〜50件")
        self.assertContains(by_name, 'aria-sort="descending"')
        names = [organisation.name for organisation in by_name.context["listing"]]
        self.assertEqual(names, sorted(names, reverse=True))

    def test_search_and_filters_narrow_the_list(self) -> None:
        self.login(self.admin)

        response = self.client.get(
            reverse("administration_organisations"),
            {"q": "相談室 00", "type": OrganisationType.PRIVATE_GROUP, "active": "1"},
        )

        self.assertEqual(response.context["listing"].total, 10)

    def test_the_query_count_does_not_grow_with_the_rows(self) -> None:
        self.login(self.admin)
        self.client.get(reverse("administration_organisations"))  # session, caches

        with CaptureQueriesContext(connection) as queries:
            self.client.get(reverse("administration_organisations"))

        sql = "\n".join(query["sql"] for query in queries.captured_queries)
        # Session, user, roles; the count and the page of rows (scope as subqueries, one join);
        # the session's save in a savepoint: eight, however many organisations there are.
        self.assertEqual(len(queries), 8, sql)


class SetPasswordLinkTests(AdministrationTestCase):
    def test_the_link_sets_the_password_once_and_is_audited(self) -> None:
        self.minato_admin.set_unusable_password()
        self.minato_admin.save()
        uid = urlsafe_base64_encode(force_bytes(self.minato_admin.pk))
        token = default_token_generator.make_token(self.minato_admin)
        url = reverse("password_set", args=[uid, token])

        form_page = self.client.get(url, follow=True)
        password = "とても長い合言葉 river stone 2026"
        done = self.client.post(
            form_page.redirect_chain[-1][0],
            {"new_password1": password, "new_password2": password},
        )
        again = self.client.get(url, follow=True)

        self.assertRedirects(done, reverse("login"))
        self.minato_admin.refresh_from_db()
        self.assertTrue(self.minato_admin.check_password(password))
        self.assertContains(again, "このリンクは使えません")
        (row,) = self.audit_rows(detail__reason="set_by_one_time_link")
        self.assertEqual(row.object_id, str(self.minato_admin.pk))


class OrganisationsPageTests(AdministrationTestCase):
    def test_it_links_the_administrator_to_the_administration_pages(self) -> None:
        self.login(self.admin)
        self.assertContains(
            self.client.get(reverse("organisations")), reverse("administration_contracts")
        )

    def test_it_shows_no_such_link_to_a_worker(self) -> None:
        self.login(self.soudan)
        self.assertNotContains(
            self.client.get(reverse("organisations")), reverse("administration_contracts")
        )
