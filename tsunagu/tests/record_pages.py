"""Reading a record page as its user sees it (components/record_header.html, section_nav.html):
the header's facts by their label, its badges, the section navigation's targets and the ids on
the page. Shared by the tests of the case, person, household and meeting pages."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class RecordPage:
    facts: dict[str, str] = field(default_factory=dict)
    badges: list[str] = field(default_factory=list)
    kind: str = ""
    name: str = ""
    nav_targets: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)

    def missing_targets(self) -> list[str]:
        """The section links whose id is not on the page."""
        return [target for target in self.nav_targets if target not in self.ids]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.page = RecordPage()
        self.capture: str | None = None  # "dt", "dd", "badge", "kind", "h1"
        self.text = ""
        self.label = ""
        self.in_header = False
        self.in_nav = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if attributes.get("id"):
            self.page.ids.add(attributes["id"] or "")
        if tag == "header" and "record-header" in classes:
            self.in_header = True
        if tag == "nav" and "section-nav" in classes:
            self.in_nav = True
        if self.in_nav and tag == "a":
            href = attributes.get("href") or ""
            self.page.nav_targets.append(href.removeprefix("#"))
        if not self.in_header:
            return
        if tag in ("dt", "dd", "h1") or (tag == "p" and "record-kind" in classes):
            self.capture, self.text = ("kind" if tag == "p" else tag), ""
        elif tag == "span" and "badge" in classes and self.capture is None:
            self.capture, self.text = "badge", ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "header" and self.in_header:
            self.in_header = False
        if tag == "nav" and self.in_nav:
            self.in_nav = False
        ends = {"dt": "dt", "dd": "dd", "h1": "h1", "p": "kind", "span": "badge"}
        if self.capture is None or ends.get(tag) != self.capture:
            return
        text = " ".join(self.text.split())
        if self.capture == "dt":
            self.label = text
        elif self.capture == "dd":
            self.page.facts[self.label] = text
        elif self.capture == "badge":
            self.page.badges.append(text)
        elif self.capture == "kind":
            self.page.kind = text
        else:
            self.page.name = text
        self.capture = None

    def handle_data(self, data: str) -> None:
        if self.capture is not None:
            self.text += data


def read_record_page(html: str) -> RecordPage:
    reader = _Reader()
    reader.feed(html)
    return reader.page
