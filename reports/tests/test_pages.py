"""The statistics pages with the personas: scope rules, drill-down, exports, cross-tab."""

import csv
import io
from urllib.parse import urlencode

from openpyxl import load_workbook

from accounts.models import LocalGovernment, Organisation, User
from audit.models import AuditEvent
from reports.models import ReportRun, SavedReport
from reports.scope import scopes_for_user
from reports.tests.data import build_known_data
from tsunagu.test import BaseTestCase

INDEX = "/reports/"


class PagesTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        build_known_data(cls.world)
        cls.city = cls.window.local_government
        cls.prefecture = cls.city.prefecture

    def url(self, path: str = INDEX, **params: object) -> str:
        return f"{path}?{urlencode({'year': 2017, **params})}"

    def get_as(self, username: str, path: str = INDEX, **params: object):  # type: ignore[no-untyped-def]
        self.client.force_login(self.world.staff[username])
        return self.client.get(self.url(path, **params))

    def test_the_worker_sees_the_fiscal_year_tables_with_real_figures(self) -> None:
        response = self.get_as("soudan")

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "統計：平成29年度 つなぐ市 ひきこもり相談窓口")
        html = response.content.decode()
        self.assertIn("実相談人数（年代別）", html)
        self.assertIn('<td class="number">10</td>', html)  # table A total
        self.assertIn('<td class="number">15</td>', html)  # table B total
        self.assertIn('<td class="number">66.7%</td>', html)
        self.assertIn("/reports/chart/persons.svg?", html)
        self.assertIn("/reports/records/?", html)  # drill-down links for a worker

    def test_the_statistics_clerk_sees_counts_without_links_to_records(self) -> None:
        response = self.get_as("toukei")

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, '<td class="number">10</td>')
        self.assertNotContains(response, "/reports/records/")
        drill = self.get_as("toukei", "/reports/records/", table="a", column="10代")
        self.assertEqual(drill.status_code, 403)

    def test_staff_without_the_statistics_right_get_403_and_anonymous_is_sent_to_login(
        self,
    ) -> None:
        for username in ("kansa", "supporter"):
            with self.subTest(username):
                self.assertEqual(self.get_as(username).status_code, 403)
        self.client.logout()
        self.assertEqual(self.client.get(INDEX).status_code, 302)

    def test_a_report_for_an_organisation_the_user_may_not_see_is_404_and_audited(self) -> None:
        scope = f"organisation:{self.window.pk}"
        for username in ("minato", "houkatsu", "jiritsu", "centre", "ibasho"):
            with self.subTest(username):
                self.assertEqual(self.get_as(username, scope=scope).status_code, 404)
        denied = self.audit_rows(action=AuditEvent.Action.DENIED, actor=self.minato)
        self.assertEqual(denied[-1].detail["reason"], "out_of_scope")
        self.assertEqual(self.get_as("soudan", scope="organisation:999999").status_code, 404)

    def test_the_municipal_window_sees_its_municipality_and_its_contractors(self) -> None:
        jiritsu = self.world.organisations["jiritsu"]
        houkatsu: Organisation = self.world.organisations["houkatsu"]
        municipality = self.get_as("soudan", scope=f"municipality:{self.city.code}")
        self.assertContains(municipality, "つなぐ市（市区町村計）")
        self.assertContains(municipality, '<td class="number">11</td>')
        self.assertNotContains(municipality, "/reports/records/")  # a roll-up: counts only
        self.assertEqual(self.get_as("soudan", scope=f"organisation:{jiritsu.pk}").status_code, 200)
        self.assertEqual(
            self.get_as("soudan", scope=f"organisation:{houkatsu.pk}").status_code, 404
        )
        self.assertEqual(
            self.get_as("soudan", scope=f"prefecture:{self.prefecture.code}").status_code, 404
        )
        for username in ("houkatsu", "jiritsu", "minato"):
            with self.subTest(username):
                response = self.get_as(username, scope=f"municipality:{self.city.code}")
                self.assertEqual(response.status_code, 404)

    def test_the_prefectural_centre_sees_the_roll_up_computed_in_the_background(self) -> None:
        response = self.get_as("centre", scope=f"prefecture:{self.prefecture.code}")

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "つなぐ県（都道府県計）")
        self.assertContains(response, '<td class="number">12</td>')
        self.assertContains(response, "市区町村別の合計")
        run = ReportRun.objects.get()
        self.assertEqual((run.status, run.done, run.total), ("done", 6, 6))
        city = self.get_as("centre", scope=f"municipality:{self.city.code}")
        self.assertEqual(city.status_code, 200)

    def test_the_drill_down_shows_its_dates_in_wareki(self) -> None:
        persons = self.get_as("soudan", "/reports/records/", table="a", column="10代")
        self.assertContains(persons, "平成12年6月15日")  # 青木's birth date
        visits = self.get_as("soudan", "/reports/records/", table="b", column="訪問等")
        self.assertContains(visits, "平成29年10月1日 10:00")  # 上田's home visit
        referrals = self.get_as("soudan", "/reports/records/", table="c", column="ハローワーク")
        self.assertContains(referrals, "平成29年10月5日")
        for page in (persons, visits, referrals):
            self.assertNotRegex(page.content.decode(), r"(19|20)\d\d年\d{1,2}月")

    def test_the_progress_page_shows_a_running_report_and_redirects_when_done(self) -> None:
        run = ReportRun.objects.create(
            organisation=self.world.organisations["centre"],
            requested_by=self.world.staff["centre"],
            scope_kind="prefecture",
            scope_code=self.prefecture.code,
            years=[2016, 2017],
            done=1,
            status=ReportRun.Status.RUNNING,
        )
        response = self.get_as("centre", f"/reports/runs/{run.pk}/")
        self.assertContains(response, "集計中：1 / 2 年度")
        self.assertContains(response, 'hx-trigger="every 2s"')
        self.assertEqual(self.get_as("soudan", f"/reports/runs/{run.pk}/").status_code, 404)
        ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.DONE, done=2)
        done = self.get_as("centre", f"/reports/runs/{run.pk}/")
        self.assertEqual(done.status_code, 302)

    def test_the_drill_down_lists_the_records_behind_a_figure_and_is_audited(self) -> None:
        response = self.get_as("soudan", "/reports/records/", table="a", column="10代")

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "3件の記録")
        for name in ("青木", "井上", "工藤"):
            self.assertContains(response, name)
        self.assertNotContains(response, "上田")
        row = self.audit_rows(action=AuditEvent.Action.READ, actor=self.soudan)[-1]
        self.assertEqual(len(row.detail["ids"]), 3)

        methods = self.get_as("soudan", "/reports/records/", table="b", column="訪問等")
        self.assertContains(methods, "4件の記録")
        referrals = self.get_as("soudan", "/reports/records/", table="c", column="ハローワーク")
        self.assertContains(referrals, "2件の記録")
        self.assertEqual(
            self.get_as("soudan", "/reports/records/", table="x", column="1").status_code, 404
        )
        roll_up = self.get_as(
            "soudan",
            "/reports/records/",
            table="a",
            column="10代",
            scope=f"municipality:{self.city.code}",
        )
        self.assertEqual(roll_up.status_code, 403)

    def test_small_numbers_are_suppressed_for_publication(self) -> None:
        response = self.get_as("soudan", suppress=3)

        html = response.content.decode()
        self.assertIn("3未満の数を＊で伏せています", html)
        self.assertNotIn("/reports/records/", html)
        self.assertNotIn("66.7%", html)
        self.assertIn('<td class="number">＊</td>', html)
        self.assertIn('<td class="number">10</td>', html)  # totals stay

    def test_a_bad_year_is_explained_and_the_current_year_shown(self) -> None:
        response = self.get_as("soudan", year="令和0")

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "選べない年度です。一覧から選んでください。")

    def test_the_exports_download_with_japanese_file_names(self) -> None:
        xlsx = self.get_as("soudan", "/reports/export/xlsx/")
        self.assertEqual(xlsx.status_code, 200)
        self.assertIn("attachment", xlsx["Content-Disposition"])
        book = load_workbook(io.BytesIO(xlsx.content))
        self.assertEqual(book.active.cell(row=5, column=8).value, 10)
        cp932 = self.get_as("soudan", "/reports/export/csv-cp932/")
        rows = list(csv.reader(io.StringIO(cp932.content.decode("cp932"))))
        self.assertEqual(rows[4][-1], "10")
        suppressed = self.get_as("soudan", "/reports/export/csv/", suppress=3)
        rows = list(csv.reader(io.StringIO(suppressed.content.decode("utf-8-sig"))))
        self.assertIn("＊", rows[12])
        self.assertEqual(self.get_as("soudan", "/reports/export/doc/").status_code, 404)
        self.assertEqual(self.get_as("toukei", "/reports/export/pdf/").status_code, 200)

    def test_the_charts_are_svg_images(self) -> None:
        response = self.get_as("soudan", "/reports/chart/persons.svg")
        self.assertEqual(response["Content-Type"], "image/svg+xml")
        self.assertIn(b"<svg", response.content)
        self.assertEqual(self.get_as("soudan", "/reports/chart/pie.svg").status_code, 404)

    def test_the_page_runs_a_fixed_number_of_queries(self) -> None:
        self.get_as("soudan")  # fills the cache
        # session, user, roles; the scopes offered (4); year stamps; cache; session save (3)
        with self.assertNumQueries(12):
            self.client.get(self.url())

    def test_the_prefecture_s_scopes_cost_the_same_queries_however_many_municipalities(
        self,
    ) -> None:
        def centre() -> User:
            users = User.objects.select_related("organisation__local_government")
            return users.get(pk=self.world.staff["centre"].pk)

        user = centre()
        with self.assertNumQueries(2):  # the municipalities, then all their organisations
            before = scopes_for_user(user)
        for number in range(3):
            town = LocalGovernment.objects.create(
                code=f"99{number}9{number}",
                name=f"町{number}",
                kind=LocalGovernment.Kind.MUNICIPALITY,
                prefecture=self.prefecture,
            )
            window = Organisation.objects.create(name=f"町{number}の窓口", local_government=town)
        user = centre()
        with self.assertNumQueries(2):
            after = scopes_for_user(user)
        self.assertEqual(len(after), len(before) + 3)
        (town_scope,) = [scope for scope in after if scope.name == "町2"]
        self.assertEqual(town_scope.organisation_ids, (window.pk,))
        self.assertIn(window.pk, after[1].organisation_ids)  # the prefecture's roll-up

    def test_the_cross_tab_counts_and_saves_a_report(self) -> None:
        response = self.get_as("soudan", "/reports/crosstab/", rows="age", columns="channel")

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "年代 ＼ 相談方法")
        html = response.content.decode()
        self.assertIn('<th scope="row">合計</th>', html)
        self.assertIn('<td class="number">10</td></tr>\n  </tbody>', html)  # 10 intakes in FY2017
        saved = self.client.post(
            "/reports/crosstab/save/",
            {"name": "年代×相談方法", "query": "year=2017&rows=age&columns=channel"},
        )
        self.assertEqual(saved.status_code, 302)
        report = SavedReport.objects.get()
        self.assertEqual(report.params, {"year": "2017", "rows": "age", "columns": "channel"})
        self.assertContains(self.client.get("/reports/crosstab/?year=2017"), "年代×相談方法")
        self.assertEqual(
            self.get_as("minato", f"/reports/crosstab/saved/{report.pk}/").status_code, 404
        )
        self.assertEqual(
            self.get_as("douryou", f"/reports/crosstab/saved/{report.pk}/").status_code, 302
        )

    def test_the_cross_tab_filters_by_out_of_hours(self) -> None:
        response = self.get_as(
            "soudan", "/reports/crosstab/", rows="month", columns="channel", out_of_hours="時間外"
        )
        self.assertContains(response, '<td class="number">2</td></tr>\n  </tbody>')

    def test_the_operational_figures(self) -> None:
        response = self.get_as("soudan", "/reports/operations/")

        html = response.content.decode()
        self.assertIn('新規の相談受付</th><td class="number">10件</td>', html)
        self.assertIn('アウトリーチ（訪問・手紙・同行）</th><td class="number">2件</td>', html)
        self.assertIn('時間外の対応（相談受付と支援経過）</th><td class="number">2件</td>', html)
        self.assertIn('<th scope="row">受入</th><td class="number">1</td>', html)
        self.assertIn('<th scope="row">不成立</th><td class="number">1</td>', html)
