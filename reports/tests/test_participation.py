"""参加支援の集計 with a data set worked out by hand, for 令和6年度 (FY2024).

Hosts of the prefecture's centre: あおばの里 (visits 2023-11-01 and 2024-05-10, 受入可), みどり農園
(2024-06-01, 受入可), 角の八百屋 (2025-02-01, 休止), 北の工場 (no visit, entered 2024-03-15,
開拓中).
The window's own host: ひだまり食堂 (2024-04-01, 受入可). Site tours: あおばの里 2024-07-01 and
ひだまり食堂 2024-09-09.
Placements of the window's cases: P1 continuing since 2024-05-01; P2 2024-06-15 → 2025-01-31 就職;
P3 proposed 2024-07-01, ended 2024-08-01 本人の希望; P4 2023-10-15 → 2024-04-30 中断.
みなと町 adds P5, continuing since 2024-05-10.
Enrolments of the window's cases: E1 2024-04-10 → ended 2024-12-20; E2 2023-06-01, extended to
2024-11-30 and ended then; E3 2023-09-01, limit 2024-08-31, not ended; E4 2024-10-01, in use.
"""

import csv
import io
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase
from openpyxl import load_workbook

from accounts.models import LocalGovernment, Organisation, User
from cases.models import Case
from cases.tests.helpers import open_case
from participation.models import (
    DevelopmentVisit,
    Host,
    HostKind,
    HostStatus,
    Offer,
    OfferKind,
    Placement,
    PlacementEndReason,
    PlacementStage,
    SiteTour,
    WorkReadinessEnrolment,
)
from reports.participation import _suppressed_row, participation_figures
from tsunagu.test import BaseTestCase

JST = ZoneInfo("Asia/Tokyo")
FY = 2024
PAGE = "/reports/participation/"

# The rows of FY2023 and FY2024 (令和5年度, 令和6年度) for the window, then the prefecture.
WINDOW_HOSTS = {"令和5年度": [0, 0, 0, 0], "令和6年度": [1, 1, 1, 1]}
PREFECTURE_HOSTS = {"令和5年度": [2, 2, 1, 0], "令和6年度": [3, 5, 3, 2]}
# 提案, 参加を始めた, 年度末に継続中, 終了, 就職, 他の参加へ, 本人の希望, 受入先の事情, 中断
WINDOW_PLACEMENTS = {
    "令和5年度": [1, 1, 1, 0, 0, 0, 0, 0, 0],
    "令和6年度": [3, 2, 1, 3, 1, 0, 1, 0, 1],
}
PREFECTURE_PLACEMENTS = {"令和6年度": [4, 3, 2, 3, 1, 0, 1, 0, 1]}
# 利用開始, 利用終了, 延長（例外）, 年度末に利用中, 期限を超えた利用
WINDOW_READINESS = {"令和5年度": [2, 0, 0, 2, 0], "令和6年度": [2, 2, 1, 2, 1]}


def _rows(table: Any, *labels: str) -> dict[str, list[Any]]:
    return {row[0]: row[1:] for row in table.rows if row[0] in labels}


def _html_row(label: str, values: list[Any]) -> str:
    cells = "".join(f'<td class="number">{value}</td>' for value in values)
    return f'<tr><th scope="row">{label}</th>{cells}</tr>'


class ParticipationFiguresTest(BaseTestCase):
    centre_user: User
    centre: Organisation
    prefecture: LocalGovernment | None
    case: Case
    linen: Offer

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.centre_user = cls.world.staff["centre"]
        cls.centre = cls.world.organisations["centre"]
        cls.prefecture = cls.window.local_government.prefecture
        cls._hosts()
        cls._placements()
        cls._enrolments()

    @classmethod
    def _host(cls, owner: Any, name: str, kind: str, status: str, *visits: date) -> Host:
        host = Host.objects.create(
            owner=owner,
            name=name,
            kind=kind,
            status=status,
            shared_in_prefecture=owner == cls.centre,
            created_by=cls.centre_user,
            created_at=datetime(2024, 3, 15, 9, tzinfo=JST),
        )
        for visited_on in visits:
            DevelopmentVisit.objects.create(
                host=host, visited_on=visited_on, worker=cls.centre_user, notes="業務の切り出し"
            )
        return host

    @classmethod
    def _offer(
        cls, host: Host, kind: str, places: int, created: date, active: bool = True
    ) -> Offer:
        return Offer.objects.create(
            host=host,
            kind=kind,
            title=f"{host.name} {kind}",
            tasks="作業",
            places=places,
            is_active=active,
            created_by=cls.centre_user,
            created_at=datetime(created.year, created.month, created.day, 10, tzinfo=JST),
        )

    @classmethod
    def _hosts(cls) -> None:
        S = HostStatus
        aoba = cls._host(
            cls.centre, "あおばの里", HostKind.SOCIAL_WELFARE, S.ACCEPTING,
            date(2024, 5, 10), date(2023, 11, 1),
        )  # fmt: skip
        farm = cls._host(cls.centre, "みどり農園", HostKind.FARM, S.ACCEPTING, date(2024, 6, 1))
        cls._host(cls.centre, "角の八百屋", HostKind.SHOP, S.PAUSED, date(2025, 2, 1))
        cls._host(cls.centre, "北の工場", HostKind.COMPANY, S.DEVELOPING)
        diner = cls._host(cls.window, "ひだまり食堂", HostKind.NPO, S.ACCEPTING, date(2024, 4, 1))
        SiteTour.objects.create(host=aoba, held_on=date(2024, 7, 1), created_by=cls.centre_user)
        SiteTour.objects.create(host=diner, held_on=date(2024, 9, 9), created_by=cls.soudan)
        cls.linen = cls._offer(aoba, OfferKind.WORK_EXPERIENCE, 2, date(2024, 5, 20))
        cls._offer(aoba, OfferKind.INTERMEDIATE, 1, date(2023, 6, 1))
        cls._offer(farm, OfferKind.FARMING, 3, date(2024, 6, 10), active=False)
        cls._offer(diner, OfferKind.IBASHO, 5, date(2024, 4, 10))

    @classmethod
    def _place(cls, case: Case, proposed: date, started: date | None, **fields: Any) -> None:
        Placement.objects.create(
            case=case,
            offer=cls.linen,
            proposed_on=proposed,
            started_on=started,
            created_by=cls.soudan,
            **fields,
        )

    @classmethod
    def _ended(cls, on: date, reason: str) -> dict[str, Any]:
        return {"stage": PlacementStage.ENDED, "ended_on": on, "end_reason": reason}

    @classmethod
    def _placements(cls) -> None:
        case = open_case(cls.soudan)
        cls.case = case
        R = PlacementEndReason
        continuing = {"stage": PlacementStage.CONTINUING}
        cls._place(case, date(2024, 4, 20), date(2024, 5, 1), **continuing)
        cls._place(
            case, date(2024, 6, 1), date(2024, 6, 15), **cls._ended(date(2025, 1, 31), R.EMPLOYED)
        )
        cls._place(case, date(2024, 7, 1), None, **cls._ended(date(2024, 8, 1), R.PERSON_WISH))
        interrupted = cls._ended(date(2024, 4, 30), R.INTERRUPTED)
        cls._place(case, date(2023, 10, 1), date(2023, 10, 15), **interrupted)
        cls._place(open_case(cls.minato), date(2024, 5, 1), date(2024, 5, 10), **continuing)

    @classmethod
    def _enrol(cls, started: date, **fields: Any) -> None:
        WorkReadinessEnrolment.objects.create(
            case=cls.case,
            provider=cls.world.organisations["jiritsu"],
            started_on=started,
            created_by=cls.soudan,
            **fields,
        )

    @classmethod
    def _enrolments(cls) -> None:
        cls._enrol(date(2024, 4, 10), ended_on=date(2024, 12, 20))
        cls._enrol(
            date(2023, 6, 1),
            extended_until=date(2024, 11, 30),
            extension_reason="ひきこもりの状態にあり、1年を超える支援が必要",
            extension_approved_by=cls.soudan,
            ended_on=date(2024, 11, 30),
        )
        cls._enrol(date(2023, 9, 1))
        cls._enrol(date(2024, 10, 1))

    def page(self, user: User, path: str = PAGE, **params: Any) -> Any:
        self.client.force_login(user)
        return self.client.get(f"{path}?{urlencode({'year': FY, **params})}")

    def window_scope(self) -> str:
        return f"organisation:{self.window.pk}"

    def prefecture_scope(self) -> str:
        assert self.prefecture is not None
        return f"prefecture:{self.prefecture.code}"

    # The figures ------------------------------------------------------------------------------

    def test_the_window_figures_are_the_hand_counted_ones_from_six_queries(self) -> None:
        with self.assertNumQueries(6):
            figures = participation_figures((self.window.pk,), FY)
        hosts, status, offers, placements, readiness = figures.tables
        self.assertEqual(figures.label, "令和6年度")
        self.assertEqual(_rows(hosts, *WINDOW_HOSTS), WINDOW_HOSTS)
        self.assertEqual(status.rows, [["受入先の数", 0, 1, 0, 1]])
        self.assertEqual(_rows(offers, "居場所・活動", "合計"), {
            "居場所・活動": [1, 0, 5, 1], "合計": [1, 0, 5, 1]
        })  # fmt: skip
        self.assertEqual(_rows(placements, *WINDOW_PLACEMENTS), WINDOW_PLACEMENTS)
        self.assertEqual(_rows(readiness, *WINDOW_READINESS), WINDOW_READINESS)

    def test_the_prefecture_adds_the_centre_hosts_and_the_other_towns_placements(self) -> None:
        ids = (self.window.pk, self.centre.pk, self.minato_window.pk)
        hosts, status, offers, placements, _ = participation_figures(ids, FY).tables
        self.assertEqual(_rows(hosts, *PREFECTURE_HOSTS), PREFECTURE_HOSTS)
        self.assertEqual(status.rows, [["受入先の数", 1, 3, 1, 5]])
        self.assertEqual(
            _rows(offers, "就労体験", "就労訓練（中間的就労）", "農業体験", "合計"),
            {
                "就労体験": [1, 0, 2, 1],
                "就労訓練（中間的就労）": [1, 0, 1, 0],
                "農業体験": [0, 1, 0, 1],
                "合計": [3, 1, 8, 3],
            },
        )
        self.assertEqual(_rows(placements, "令和6年度"), PREFECTURE_PLACEMENTS)

    # The page and who sees it -----------------------------------------------------------------

    def test_the_worker_sees_the_window_figures_linked_from_the_statistics_index(self) -> None:
        index = self.page(self.soudan, "/reports/")
        self.assertContains(index, f'href="{PAGE}?')
        self.assertContains(index, "参加支援の集計")
        response = self.page(self.soudan)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "参加支援の集計：令和6年度 つなぐ市 ひきこもり相談窓口")
        self.assertContains(response, _html_row("令和6年度", WINDOW_PLACEMENTS["令和6年度"]))
        self.assertContains(response, _html_row("令和6年度", WINDOW_READINESS["令和6年度"]))
        self.assertContains(response, _html_row("居場所・活動", [1, 0, 5, 1]))
        self.assertContains(response, "/reports/participation/export/xlsx/?")

    def test_small_counts_of_persons_are_hidden_when_asked_hosts_are_not(self) -> None:
        response = self.page(self.soudan, suppress=3)
        hidden = [3, "＊", "＊", 3, "＊", 0, "＊", 0, "＊"]
        self.assertContains(response, _html_row("令和6年度", hidden))
        self.assertContains(response, _html_row("令和6年度", [1, 1, 1, 1]))

    def test_the_centre_sees_the_prefecture_and_others_get_403_or_404(self) -> None:
        response = self.page(self.centre_user, scope=self.prefecture_scope())
        self.assertContains(response, "つなぐ県（都道府県計）")
        self.assertContains(response, _html_row("令和6年度", PREFECTURE_HOSTS["令和6年度"]))
        self.assertEqual(self.page(self.kansa).status_code, 403)
        self.assertEqual(self.page(self.minato, scope=self.window_scope()).status_code, 404)
        self.assertEqual(self.page(self.soudan, scope=self.prefecture_scope()).status_code, 404)

    # Exports ----------------------------------------------------------------------------------

    def export(self, fmt: str, **params: Any) -> Any:
        return self.page(self.soudan, f"{PAGE}export/{fmt}/", **params)

    def test_the_csv_is_utf8_with_a_bom_and_the_same_rows(self) -> None:
        response = self.export("csv")
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn("attachment", response["Content-Disposition"])
        self.assertTrue(response.content.startswith(b"\xef\xbb\xbf"))
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(rows[0], ["令和6年度 つなぐ市 ひきこもり相談窓口 参加支援の集計"])
        self.assertIn(["就労準備支援事業の利用（年度別）"], rows)
        self.assertIn(["令和6年度", *map(str, WINDOW_READINESS["令和6年度"])], rows)
        self.assertIn(["令和6年度", *map(str, WINDOW_PLACEMENTS["令和6年度"])], rows)

    def test_the_shift_jis_csv_reads_back_in_cp932(self) -> None:
        response = self.export("csv-cp932")
        text = response.content.decode("cp932")
        self.assertIn("期限を超えた利用", text)
        self.assertIn("令和6年度,2,2,1,2,1", text)

    def test_the_xlsx_holds_every_table_with_numbers_as_numbers(self) -> None:
        response = self.export("xlsx")
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None
        values = [list(row) for row in sheet.iter_rows(values_only=True)]
        self.assertEqual(values[0][0], "令和6年度 つなぐ市 ひきこもり相談窓口 参加支援の集計")
        readiness = [
            row for row in values if row[0] == "令和6年度" and sum(v is not None for v in row) == 6
        ]
        self.assertEqual([row[1:6] for row in readiness], [WINDOW_READINESS["令和6年度"]])
        self.assertEqual(self.export("pdf").status_code, 404)


class SuppressionRuleTests(SimpleTestCase):
    def test_one_small_count_hides_the_next_smallest_too_so_it_cannot_be_worked_out(self) -> None:
        # 終了 5 = 就職 4 + 中断 1: hiding the 1 alone would leave it readable as 5 − 4.
        row = ["令和6年度", 6, 5, 4, 1]
        self.assertEqual(_suppressed_row(row, 2), ["令和6年度", 6, 5, "＊", "＊"])
        self.assertEqual(_suppressed_row(row, 0), row)
