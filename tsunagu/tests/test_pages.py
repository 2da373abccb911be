from unittest import mock

from django.db import DatabaseError

from tsunagu.test import BaseTestCase


class HomeTests(BaseTestCase):
    def test_it_greets_the_worker_and_lists_their_rights(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/")
        self.assertContains(response, "<h1>ホーム</h1>", html=True)
        self.assertContains(response, "相談 花子 さん")
        self.assertContains(response, "個人情報を含む記録の閲覧")
        self.assertNotContains(response, "監査ログの閲覧")

    def test_navigation_shows_only_the_areas_a_role_may_use_grouped_by_task(self) -> None:
        start = ["ホーム", "お知らせ"]
        cases = ["本人・家族", "世帯", "相談受付", "ケース", "見守りリスト", "つなぎ", "取込"]
        collaboration = ("連携", ["地域資源", "会議", "共有されたケース", "専門的助言"])
        community = ("地域", ["居場所", "居場所の集計", "サポーター", "受入先"])
        worker = [
            ("相談・ケース", cases),
            collaboration,
            community,
            ("集計", ["統計"]),
            ("管理", ["機関・委託"]),
        ]
        staff = self.world.staff
        expected = {
            self.soudan: worker,
            self.houkatsu: worker,
            self.minato: worker,
            staff["chousei"]: [("相談・ケース", [*cases, "重複の確認"]), *worker[1:]],
            self.admin: [
                ("地域", ["居場所の集計"]),
                ("集計", ["統計"]),
                ("管理", ["機関・委託", "職員管理", "機関・契約の管理"]),
            ],
            self.kansa: [("管理", ["機関・委託", "監査ログ"])],
            self.toukei: [("地域", ["居場所の集計"]), ("集計", ["統計"]), ("管理", ["機関・委託"])],
            staff["ibasho"]: [
                ("地域", ["居場所", "居場所の集計"]),
                ("集計", ["統計"]),
                ("管理", ["機関・委託"]),
            ],
            staff["supporter"]: [("地域", ["派遣予定"]), ("管理", ["機関・委託"])],
        }
        for user, groups in expected.items():
            self.login(user)
            context = self.client.get("/").context
            self.assertEqual([area["label"] for area in context["nav_start"]], start)
            shown = [
                (group["label"], [area["label"] for area in group["entries"]])
                for group in context["nav_groups"]
            ]
            self.assertEqual(shown, groups, user.username)
            # The flat list (the home page's cards) is the same entries in menu order.
            flat = start + [label for _, labels in groups for label in labels]
            self.assertEqual([area["label"] for area in context["nav_areas"]], flat)

    def test_every_navigation_link_works(self) -> None:
        staff = self.world.staff
        for user in (
            self.admin,
            self.kansa,
            self.soudan,
            staff["chousei"],
            staff["ibasho"],
            staff["supporter"],
            self.toukei,
        ):
            self.login(user)
            for area in self.client.get("/").context["nav_areas"]:
                self.assertEqual(self.client.get(area["url"]).status_code, 200, area["url"])

    def test_organisations_show_the_prefecture_with_codes_and_contracts(self) -> None:
        self.login(self.toukei)
        response = self.client.get("/organisations/")
        self.assertContains(response, "つなぐ県ひきこもり地域支援センター")
        self.assertContains(response, "みなと町 ひきこもり相談窓口")
        self.assertContains(response, "つなぐ市（992011）")
        self.assertContains(
            response, "自立相談支援事業（委託元: つなぐ市 ひきこもり相談窓口、令和6年4月1日〜）"
        )


class ErrorPageTests(BaseTestCase):
    def test_an_unknown_url_is_a_japanese_404(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/no-such-page/")
        self.assertContains(response, "ページが見つかりません", status_code=404)

    def test_server_errors_have_a_japanese_page(self) -> None:
        from django.template.loader import render_to_string

        self.assertIn("システムエラーが発生しました", render_to_string("500.html"))


class HealthTests(BaseTestCase):
    def test_it_answers_200_with_the_database_reachable(self) -> None:
        response = self.client.get("/healthz")
        self.assertEqual((response.status_code, response.json()["database"]), (200, "ok"))

    def test_it_answers_503_when_the_database_is_unreachable(self) -> None:
        with mock.patch("tsunagu.views.connection.cursor", side_effect=DatabaseError("down")):
            response = self.client.get("/healthz")
        self.assertEqual((response.status_code, response.json()["database"]), (503, "unreachable"))


class SecurityHeaderTests(BaseTestCase):
    def test_pages_carry_a_strict_csp_with_a_nonce(self) -> None:
        response = self.client.get("/login/")
        policy = response["Content-Security-Policy"]
        self.assertIn("script-src 'self' 'nonce-", policy)
        self.assertNotIn("unsafe-inline", policy)
        self.assertIn("frame-ancestors 'none'", policy)
        nonce = policy.split("'nonce-")[1].split("'")[0]
        self.assertContains(response, f'nonce="{nonce}"', count=2)
        self.assertNotContains(response, "<script>")
        self.assertNotContains(response, "http://", html=False)
        self.assertNotContains(response, "https://", html=False)


class TranslationTests(BaseTestCase):
    def test_empty_choices_read_in_japanese(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/persons/new/")
        self.assertContains(response, "選んでください")
        self.assertNotContains(response, "Select an option")
