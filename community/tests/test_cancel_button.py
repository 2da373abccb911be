"""The 取り消す buttons of the session page read as links: coloured, underlined, focus visible.

They were white on white: `button.link` dropped the filled button's background but kept its
white ink."""

import re
from datetime import date
from pathlib import Path

from django.contrib.staticfiles import finders

from community.services import attend_registered
from community.tests.helpers import make_person, make_place, make_session
from tsunagu.test import BaseTestCase


def stylesheet_rule(selector: str) -> str:
    """The declarations of one rule of the project stylesheet, as written."""
    path = finders.find("css/tsunagu.css")
    assert isinstance(path, str)
    css = Path(path).read_text(encoding="utf-8")
    match = re.search(r"(?m)^" + re.escape(selector) + r"\s*\{([^}]*)\}", css)
    assert match, f"no rule for {selector}"
    return match.group(1)


class CancelButtonTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.ibasho = cls.world.staff["ibasho"]
        cls.session = make_session(make_place(cls.ibasho), cls.ibasho, date(2025, 6, 7))
        person = make_person(cls.world.organisations["npo"], "山田", "一")
        attend_registered(session=cls.session, person=person, by=cls.ibasho)

    def test_the_attendance_page_draws_the_cancel_as_a_link_button(self) -> None:
        self.login(self.ibasho)
        response = self.client.get(f"/ibasho/sessions/{self.session.pk}/")
        self.assertContains(response, '<button type="submit" class="link">取り消す</button>')

    def test_the_link_button_has_the_link_colour_an_underline_and_a_visible_focus(self) -> None:
        rule = stylesheet_rule("button.link")
        self.assertIn("color: var(--link)", rule)
        self.assertIn("text-decoration: underline", rule)
        self.assertIn("background: none", rule)
        # The focus ring is the global one (DADS's), which a link button does not override.
        self.assertIn("outline", stylesheet_rule(":focus-visible"))
        self.assertNotIn("outline", rule)
