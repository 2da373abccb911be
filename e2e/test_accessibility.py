"""Accessibility: axe-core on every kind of page, as the page is shown to its user.

WCAG 2.2 AA (JIS X 8341-3:2016 AA is WCAG 2.0 AA): each test opens one kind of page — the home of
each role, each list, each record, each form sent back with its errors, the public pages — as the
persona who uses it, and fails on every serious or critical violation axe finds, naming the rule,
what to fix and where. The data is the demo's (accounts/demo.py and each app's demo.py, as
`manage.py load_demo` builds it) with one referral added, so the pages show real rows.

Signing in is done outside the browser (a session cookie from Django's test client, which passes
the second factor), because the login page itself is checked on its own and typing the password
for each of some fifty pages would double the time of this file.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from e2e.axe import report, serious_violations
from e2e.conftest import PASSWORD

TIMEOUT_MS = 15_000
DESKTOP_WIDTH = 1280
# WCAG 1.4.10 Reflow: a page must work at 320 CSS px (1280 px at 400 % zoom) without scrolling
# sideways; the other browser tests use a 390 px phone.
PHONE_WIDTH = 320
FOCUS_STEPS = 40


@dataclass(frozen=True)
class Demo:
    """The demo world's staff and the primary keys of the records the pages show."""

    staff: dict[str, Any]
    city_code: str
    person: int
    household: int
    consultation: int
    case: int
    meeting: int
    referral: int
    advice: int
    place: int
    session: int
    supporter: int
    dispatch: int
    staff_member: int


@pytest.fixture
def demo(transactional_db: None) -> Demo:
    from accounts.demo import build_world
    from accounts.models import LocalGovernment
    from cases.demo import build_cases
    from cases.models import Case
    from collaboration.demo import build_agencies, build_collaboration
    from collaboration.models import AdviceRequest, Meeting
    from collaboration.referrals.services import referral_create
    from community.demo import build_community
    from community.models import Place, Session
    from consultations.models import Consultation
    from people.demo import build_people
    from people.models import Household
    from supporters.demo import build_supporters
    from supporters.models import Dispatch, Supporter

    world = build_world(password=PASSWORD, demo=False)
    persons = build_people(world)
    agencies = build_agencies(world)
    build_cases(world, persons, agencies)
    build_collaboration(world, persons)
    build_community(world, persons)
    build_supporters(world)
    son = persons["eldest_son"]
    case = Case.objects.get(person=son)
    # To the 地域包括, which uses tsunagu: the window's record and the centre's incoming one.
    referral = referral_create(
        organisation_id=case.organisation_id,
        person_id=persons["shigeru"].pk,
        agency_id=agencies["つなぐ市中央地域包括支援センター"].pk,
        purpose="父の認知症の診断後の介護保険の申請と家族の負担の相談",
        follow_up_on=timezone.localdate() + timedelta(days=7),
        case=case,
        by=world.staff["soudan"],
    )
    place = Place.objects.get(name="ひだまりの居場所")
    return Demo(
        staff=world.staff,
        city_code=LocalGovernment.objects.get(name="つなぐ市").code,
        person=son.pk,
        household=Household.objects.filter(memberships__person=son).values_list("pk", flat=True)[0],
        consultation=Consultation.objects.filter(case=case).values_list("pk", flat=True)[0],
        case=case.pk,
        meeting=Meeting.objects.values_list("pk", flat=True)[0],
        referral=referral.pk,
        advice=AdviceRequest.objects.values_list("pk", flat=True)[0],
        place=place.pk,
        session=Session.objects.filter(place=place)
        .order_by("date")
        .values_list("pk", flat=True)[0],
        supporter=Supporter.objects.get(name="支援 ゆう").pk,
        dispatch=Dispatch.objects.order_by("pk").values_list("pk", flat=True)[0],
        staff_member=world.staff["soudan"].pk,
    )


def sign_in_as(page: Page, server_url: str, user: Any) -> None:
    """The browser gets the session of a user signed in with both factors (VerifiedClient)."""
    from tsunagu.test import VerifiedClient

    client = VerifiedClient()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": server_url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )


Path = Callable[[Demo], str]


@dataclass(frozen=True)
class PageKind:
    """One kind of page: whose it is, where it is, and the button that sends its form empty."""

    id: str
    persona: str | None
    path: Path
    send_empty: str | None = None
    fill: dict[str, str] | None = None  # label: value, typed before sending
    menu: str | None = None  # the menu group to open (or 「メニュー」, the drawer at 390 px)
    width: int = DESKTOP_WIDTH

    def param(self) -> Any:
        return pytest.param(self, id=self.id)


def at(url: str) -> Path:
    return lambda demo: url


HOMES = [
    PageKind(f"home-{persona}", persona, at("/"))
    for persona in (
        "soudan",  # 相談支援員
        "houmon",  # アウトリーチ支援員
        "chousei",  # 多機関協働コーディネーター
        "houkatsu",  # 地域包括（another organisation's worker)
        "centre",  # センター専門職
        "ibasho",  # 居場所スタッフ
        "supporter",  # サポーター
        "toukei",  # 統計担当
        "kansa",  # 監査担当
        "admin",  # 管理者
    )
]

LISTS = [
    PageKind("list-persons", "soudan", at("/persons/")),
    PageKind("list-households", "soudan", at("/households/")),
    PageKind("list-consultations", "soudan", at("/consultations/")),
    PageKind("list-cases", "soudan", at("/cases/")),
    PageKind("list-watch", "soudan", at("/watch/")),
    PageKind("list-referrals", "soudan", at("/referrals/")),
    PageKind("list-referrals-incoming", "houkatsu", at("/referrals/incoming/")),
    PageKind("list-agencies", "soudan", at("/agencies/")),
    PageKind("list-meetings", "chousei", at("/meetings/")),
    PageKind("list-shared", "houkatsu", at("/shared/")),
    PageKind("list-advice", "centre", at("/advice/")),
    PageKind("list-duplicates", "chousei", at("/persons/duplicates/")),
    PageKind("list-ibasho", "ibasho", at("/ibasho/")),
    PageKind("list-ibasho-figures", "ibasho", at("/ibasho/figures/")),
    PageKind("list-nicknames", "ibasho", at("/ibasho/nicknames/")),
    PageKind("list-supporters", "soudan", at("/supporters/")),
    PageKind("list-dispatches", "soudan", at("/dispatches/")),
    PageKind("list-my-dispatches", "supporter", at("/my/dispatches/")),
    PageKind("list-statistics", "toukei", at("/reports/")),
    PageKind("list-crosstab", "toukei", at("/reports/crosstab/")),
    PageKind("list-audit-log", "kansa", at("/audit/")),
    PageKind("list-staff", "admin", at("/staff/")),
    PageKind("list-notifications", "houkatsu", at("/notifications/")),
    PageKind("list-organisations", "soudan", at("/organisations/")),
    PageKind("list-administration", "admin", at("/administration/")),
]

RECORDS = [
    PageKind("record-person", "soudan", lambda d: f"/persons/{d.person}/"),
    PageKind("record-household", "soudan", lambda d: f"/households/{d.household}/"),
    PageKind("record-consultation", "soudan", lambda d: f"/consultations/{d.consultation}/"),
    PageKind("record-case", "soudan", lambda d: f"/cases/{d.case}/"),
    PageKind("record-case-timeline", "soudan", lambda d: f"/cases/{d.case}/timeline/"),
    PageKind("record-meeting", "chousei", lambda d: f"/meetings/{d.meeting}/"),
    PageKind("record-referral", "soudan", lambda d: f"/referrals/{d.referral}/"),
    PageKind(
        "record-referral-incoming", "houkatsu", lambda d: f"/referrals/incoming/{d.referral}/"
    ),
    PageKind("record-advice", "centre", lambda d: f"/advice/{d.advice}/"),
    PageKind("record-place", "ibasho", lambda d: f"/ibasho/{d.place}/"),
    PageKind("record-session", "ibasho", lambda d: f"/ibasho/sessions/{d.session}/"),
    PageKind("record-supporter", "soudan", lambda d: f"/supporters/{d.supporter}/"),
    PageKind("record-dispatch", "soudan", lambda d: f"/dispatches/{d.dispatch}/"),
    PageKind("record-my-dispatch", "supporter", lambda d: f"/my/dispatches/{d.dispatch}/"),
    PageKind("record-staff", "admin", lambda d: f"/staff/{d.staff_member}/"),
    PageKind("record-account", "soudan", at("/account/")),
    # Every component in each of its states, the form with its errors included.
    # The sample list is the only page of the demo with more than one page of rows: the paging
    # bar's links are checked here (target size, WCAG 2.5.8).
    PageKind("styleguide", "soudan", at("/styleguide/")),
]

FORMS_WITH_ERRORS = [
    PageKind("form-consultation", "soudan", at("/consultations/new/"), "相談を記録する"),
    PageKind("form-person", "soudan", at("/persons/new/"), "保存"),
    PageKind("form-activity", "soudan", lambda d: f"/cases/{d.case}/activities/new/", "記録する"),
    PageKind("form-referral", "soudan", lambda d: f"/cases/{d.case}/referrals/new/", "記録する"),
    PageKind("form-meeting", "chousei", at("/meetings/new/"), "招集する"),
    PageKind("form-supporter", "soudan", at("/supporters/new/"), "登録する"),
    PageKind(
        "form-login-wrong-password",
        None,
        at("/login/"),
        "ログイン",
        fill={"ユーザー名": "soudan", "パスワード": "not the password"},
    ),
]

PUBLIC = [
    PageKind("public-login", None, at("/login/")),
    PageKind("public-ibasho-list", None, lambda d: f"/public/{d.city_code}/ibasho/"),
    PageKind("public-ibasho-place", None, lambda d: f"/public/ibasho/{d.place}/"),
]

# The menu as it is open: a group of the bar on a desk, the drawer on a phone.
MENUS = [
    PageKind("menu-group-open", "chousei", at("/cases/"), menu="相談・ケース"),
    PageKind("menu-drawer-open", "chousei", at("/cases/"), menu="メニュー", width=PHONE_WIDTH),
    PageKind("phone-list-cases", "soudan", at("/cases/"), width=PHONE_WIDTH),
    PageKind("phone-record-case", "soudan", lambda d: f"/cases/{d.case}/", width=PHONE_WIDTH),
    PageKind(
        "phone-public-ibasho-list",
        None,
        lambda d: f"/public/{d.city_code}/ibasho/",
        width=PHONE_WIDTH,
    ),
]

PAGE_KINDS = [*HOMES, *LISTS, *RECORDS, *FORMS_WITH_ERRORS, *PUBLIC, *MENUS]


@pytest.fixture(autouse=True)
def _fail_fast(page: Page) -> None:
    page.set_default_timeout(TIMEOUT_MS)


def send_empty(page: Page, button: str) -> None:
    """Send the form as it stands, past the browser's own checks (`required`), so that the
    page shows the server's errors: the error summary and the fields marked invalid."""
    submit = page.get_by_role("main").get_by_role("button", name=button, exact=True).first
    submit.evaluate("button => { button.form.noValidate = true; }")
    with page.expect_response(lambda response: response.request.method == "POST"):
        submit.click()
    page.wait_for_load_state("load")


def open_menu(page: Page, name: str) -> None:
    menu = page.get_by_role("navigation", name="メインメニュー")
    menu.locator("summary", has_text=name).click()
    expect(menu.get_by_role("link", name="ケース", exact=True)).to_be_visible()


@pytest.mark.parametrize("kind", [kind.param() for kind in PAGE_KINDS])
def test_the_page_has_no_serious_accessibility_violation(
    page: Page, live_server: Any, demo: Demo, kind: PageKind
) -> None:
    server_url = str(live_server.url)
    page.set_viewport_size({"width": kind.width, "height": 800})
    if kind.persona is not None:
        sign_in_as(page, server_url, demo.staff[kind.persona])
    response = page.goto(f"{server_url}{kind.path(demo)}")
    assert response is not None and response.status == 200, response and response.status
    if kind.persona is not None:
        expect(page).not_to_have_url(f"{server_url}/login/")
    for label, value in (kind.fill or {}).items():
        page.get_by_label(label, exact=True).fill(value)
    if kind.send_empty is not None:
        send_empty(page, kind.send_empty)
        expect(page.get_by_role("alert").first).to_be_visible()
    if kind.menu is not None:
        open_menu(page, kind.menu)
    found = serious_violations(page)
    assert not found, f"{kind.path(demo)}:\n{report(found)}"
    if kind.width < DESKTOP_WIDTH:
        width: int = page.evaluate("document.documentElement.scrollWidth")
        assert width <= kind.width, f"{kind.path(demo)} scrolls sideways at {kind.width} px"


# Where the keyboard walk is checked: the pages a worker uses most, a form with errors and the
# public pages (the menu's own keyboard behaviour is e2e/test_navigation.py's).
KEYBOARD_KINDS = (
    "home-soudan",
    "list-cases",
    "record-case",
    "form-consultation",
    "form-login-wrong-password",
    "public-ibasho-list",
)

FOCUS_STATE = """() => {
    const element = document.activeElement;
    if (!element || element === document.body) { return null; }
    const style = getComputedStyle(element);
    const rect = element.getBoundingClientRect();
    return {
        name: element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
            + " " + (element.textContent || element.value || "").trim().slice(0, 20),
        ring: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2)
            || style.boxShadow !== "none",
        inView: rect.bottom > 0 && rect.top < window.innerHeight,
    };
}"""


@pytest.mark.parametrize("kind", [kind.param() for kind in PAGE_KINDS if kind.id in KEYBOARD_KINDS])
def test_every_element_reached_by_tab_shows_the_focus_ring_in_view(
    page: Page, live_server: Any, demo: Demo, kind: PageKind
) -> None:
    """What axe cannot see (WCAG 2.4.7 Focus Visible, 2.4.11 Focus Not Obscured): Tab through
    the page from its top; every element reached shows the focus ring and is scrolled into view.
    On a page just opened, the first stop is the skip link 「本文へ移動」."""
    server_url = str(live_server.url)
    if kind.persona is not None:
        sign_in_as(page, server_url, demo.staff[kind.persona])
    page.goto(f"{server_url}{kind.path(demo)}")
    for label, value in (kind.fill or {}).items():
        page.get_by_label(label, exact=True).fill(value)
    if kind.send_empty is not None:
        # The page sent back keeps the focus where the form puts it; the walk starts there.
        send_empty(page, kind.send_empty)
        page.keyboard.press("Tab")
    else:
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="本文へ移動")).to_be_focused()
    unseen = []
    for _ in range(FOCUS_STEPS):
        state = page.evaluate(FOCUS_STATE)
        if state is None:
            break
        if not (state["ring"] and state["inView"]):
            unseen.append(state)
        page.keyboard.press("Tab")
    assert not unseen, f"{kind.path(demo)}: focus not visible on {unseen}"
