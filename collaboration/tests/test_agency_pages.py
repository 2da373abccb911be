from accounts.models import LocalGovernment
from audit.models import AuditEvent
from collaboration.models import Agency, AgencyCategory
from tsunagu.test import BaseTestCase


class AgencyDirectoryTests(BaseTestCase):
    def setUp(self) -> None:
        self.city = LocalGovernment.objects.get(name="つなぐ市")
        self.prefecture = LocalGovernment.objects.get(name="つなぐ県")
        self.town = LocalGovernment.objects.get(name="みなと町")
        Agency.objects.create(
            local_government=self.city,
            name="つなぐ市社会福祉協議会",
            category=AgencyCategory.SOCIAL_WELFARE_COUNCIL,
            phone="099-201-1234",
        )
        Agency.objects.create(
            local_government=self.city,
            name="ハローワークつなぐ",
            category=AgencyCategory.HELLO_WORK,
        )
        Agency.objects.create(
            local_government=self.prefecture,
            name="つなぐ県発達障害者支援センター",
            category=AgencyCategory.DEVELOPMENTAL_DISABILITY_CENTRE,
        )
        Agency.objects.create(
            local_government=self.town,
            name="みなと町保健センター",
            category=AgencyCategory.PUBLIC_HEALTH,
        )

    def test_it_lists_the_agencies_of_the_city_and_the_prefecture(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/agencies/")
        self.assertContains(response, "つなぐ市社会福祉協議会")
        self.assertContains(response, "099-201-1234")
        self.assertContains(response, "つなぐ県発達障害者支援センター")
        self.assertNotContains(response, "みなと町保健センター")

    def test_it_searches_by_name_and_by_category(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/agencies/", {"q": "ハローワーク"})
        self.assertEqual([a.name for a in response.context["agencies"]], ["ハローワークつなぐ"])
        response = self.client.get("/agencies/", {"category": "developmental_disability_centre"})
        self.assertEqual(
            [a.name for a in response.context["agencies"]], ["つなぐ県発達障害者支援センター"]
        )

    def test_another_town_sees_its_own_directory(self) -> None:
        self.login(self.minato)
        response = self.client.get("/agencies/")
        self.assertContains(response, "みなと町保健センター")
        self.assertContains(response, "つなぐ県発達障害者支援センター")
        self.assertNotContains(response, "つなぐ市社会福祉協議会")

    def test_a_worker_adds_an_agency_to_the_citys_directory_and_it_is_audited(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            "/agencies/new/",
            {
                "local_government": str(self.city.pk),
                "name": "地域若者サポートステーションつなぐ",
                "category": AgencyCategory.YOUTH_SUPPORT_STATION,
                "address": "つなぐ市本町1-2-3",
                "phone": "099-201-5678",
                "hours": "平日 9:00〜17:00",
                "area": "つなぐ市全域",
                "note": "15〜49歳。",
            },
        )
        self.assertRedirects(response, "/agencies/")
        agency = Agency.objects.get(name="地域若者サポートステーションつなぐ")
        self.assertEqual(agency.local_government, self.city)
        (row,) = self.audit_rows(action=AuditEvent.Action.CREATE)
        self.assertEqual((row.object_type, row.object_id), ("collaboration.agency", str(agency.pk)))

    def test_an_agency_cannot_be_added_to_another_towns_directory(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            "/agencies/new/",
            {
                "local_government": str(self.town.pk),
                "name": "みなと町の新しい機関",
                "category": AgencyCategory.OTHER,
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Agency.objects.filter(name="みなと町の新しい機関").exists())

    def test_a_name_already_in_the_directory_is_refused_at_the_name(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            "/agencies/new/",
            {
                "local_government": str(self.city.pk),
                "name": "つなぐ市社会福祉協議会",
                "category": AgencyCategory.OTHER,
            },
        )
        self.assertEqual(
            response.context["form"].errors["name"],
            ["「つなぐ市社会福祉協議会」はすでにつなぐ市の地域資源に登録されています。"],
        )
        self.assertEqual(Agency.objects.filter(name="つなぐ市社会福祉協議会").count(), 1)
        self.assertEqual(self.audit_rows(object_type="collaboration.agency"), [])
        # Another directory may have an agency of the same name.
        response = self.client.post(
            "/agencies/new/",
            {
                "local_government": str(self.prefecture.pk),
                "name": "つなぐ市社会福祉協議会",
                "category": AgencyCategory.OTHER,
            },
        )
        self.assertRedirects(response, "/agencies/")

    def test_a_name_is_required(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            "/agencies/new/",
            {"local_government": str(self.city.pk), "name": "", "category": "other"},
        )
        self.assertContains(response, "機関名を入力してください。")

    def test_the_administrator_and_the_statistics_clerk_get_403(self) -> None:
        for user in (self.admin, self.toukei):
            self.login(user)
            self.assertEqual(self.client.get("/agencies/").status_code, 403)
            self.assertEqual(self.client.get("/agencies/new/").status_code, 403)
