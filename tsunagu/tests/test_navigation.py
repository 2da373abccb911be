"""The menu in the page: the current entry and its group marked, the drawer button, the skip link,
the count badges, and no group without an entry. (Which entries each role has: test_pages.py.)"""

import re

from django.http import HttpResponse
from django.test import SimpleTestCase

from cases.tests.helpers import open_case
from tsunagu.context_processors import current_url
from tsunagu.test import BaseTestCase


def menu_html(response: HttpResponse) -> str:
    html = response.content.decode()
    start = html.index('<nav class="menu"')
    return html[start : html.index("</nav>", start)]


def marked(response: HttpResponse) -> list[tuple[str, str]]:
    """The menu's links and summaries that carry aria-current, as (state, label)."""
    return re.findall(r'aria-current="(\w+)">([^<]+)<', menu_html(response))


class CurrentEntryTests(SimpleTestCase):
    urls = ["/", "/persons/", "/persons/duplicates/", "/cases/", "/ibasho/", "/ibasho/figures/"]

    def test_a_page_belongs_to_its_own_entry_or_the_longest_it_lies_under(self) -> None:
        self.assertEqual(current_url("/cases/", self.urls), "/cases/")
        self.assertEqual(current_url("/cases/12/edit/", self.urls), "/cases/")
        self.assertEqual(current_url("/persons/duplicates/3/", self.urls), "/persons/duplicates/")
        self.assertEqual(current_url("/persons/3/", self.urls), "/persons/")
        self.assertEqual(current_url("/ibasho/figures/", self.urls), "/ibasho/figures/")

    def test_home_is_current_only_on_itself(self) -> None:
        self.assertEqual(current_url("/", self.urls), "/")
        self.assertEqual(current_url("/account/", self.urls), "")


class MenuPageTests(BaseTestCase):
    def test_the_case_list_marks_its_entry_and_its_group(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/cases/")
        self.assertEqual(marked(response), [("true", "相談・ケース"), ("page", "ケース")])
        self.assertContains(response, '<li class="menu-group current">')

    def test_a_case_page_marks_the_case_entry_as_its_area(self) -> None:
        case = open_case(self.soudan)
        self.login(self.soudan)
        response = self.client.get(f"/cases/{case.pk}/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(marked(response), [("true", "相談・ケース"), ("true", "ケース")])

    def test_the_home_marks_only_home(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/")
        self.assertEqual(marked(response), [("page", "ホーム")])
        self.assertNotContains(response, "menu-group current")

    def test_a_page_outside_the_menu_marks_nothing(self) -> None:
        self.login(self.soudan)
        self.assertEqual(marked(self.client.get("/account/")), [])

    def test_the_duplicate_queue_is_its_own_entry_not_persons(self) -> None:
        self.login(self.world.staff["chousei"])
        response = self.client.get("/persons/duplicates/")
        self.assertEqual(marked(response), [("true", "相談・ケース"), ("page", "重複の確認")])

    def test_the_menu_has_the_drawer_button_and_labelled_groups(self) -> None:
        self.login(self.soudan)
        menu = menu_html(self.client.get("/"))
        self.assertIn('<details class="menu-drawer"><summary>メニュー</summary></details>', menu)
        for label in ("相談・ケース", "連携", "地域", "集計", "管理"):
            self.assertIn(f"<summary>{label}</summary>", menu)
        self.assertIn('<ul aria-labelledby="menu-group-1">', menu)
        self.assertIn('id="menu-group-1" aria-hidden="true">相談・ケース</span>', menu)

    def test_a_group_without_an_entry_for_the_user_is_left_out(self) -> None:
        self.login(self.kansa)
        menu = menu_html(self.client.get("/"))
        self.assertIn("<summary>管理</summary>", menu)
        for label in ("相談・ケース", "連携", "地域", "集計"):
            self.assertNotIn(label, menu)

    def test_the_count_badges_and_their_loader_stay_in_the_menu(self) -> None:
        self.login(self.soudan)
        menu = menu_html(self.client.get("/"))
        for badge in ("home", "inbox", "watch"):
            self.assertIn(f'<span id="menu-count-{badge}"></span></a>', menu)
        self.assertIn('hx-get="/menu/counts/" hx-trigger="load" hx-swap="none"', menu)

    def test_the_skip_link_is_the_first_thing_to_focus(self) -> None:
        self.login(self.soudan)
        html = self.client.get("/").content.decode()
        body = html[html.index("<body") :]
        first = re.search(r"<(a|button|summary|input|select|textarea)\b[^>]*>[^<]*", body)
        assert first is not None
        self.assertEqual(first.group(0), '<a class="skip-link" href="#main">本文へ移動')
        self.assertIn('<main id="main">', body)

    def test_the_sign_in_page_has_no_menu(self) -> None:
        response = self.client.get("/login/")
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "メインメニュー")
        self.assertContains(response, "本文へ移動")
