"""axe-core in the browser tests: run it on the page as the user sees it, report what to fix.

axe-core (e2e/vendor/axe.min.js, vendored by `make assets` from frontend/package.json) is given
to the page through Playwright's evaluate, which runs it in the page's own world as the DevTools
console would: the page keeps its real Content-Security-Policy (no `bypass_csp`), and nothing in
the page's HTML changes. It is used by the tests only; tsunagu never serves it.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_SOURCE = (Path(__file__).resolve().parent / "vendor" / "axe.min.js").read_text("utf-8")

# WCAG 2.2 AA, which JIS X 8341-3:2016 AA (WCAG 2.0 AA) is a subset of.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
# What fails a test. axe's "moderate" and "minor" findings are printed but do not fail.
FAILING_IMPACTS = frozenset({"serious", "critical"})
TARGETS_SHOWN = 3

RUN_AXE = """tags => axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
})"""


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    help_url: str
    targets: tuple[str, ...]
    count: int

    def describe(self) -> str:
        shown = ", ".join(self.targets[:TARGETS_SHOWN])
        more = f" (+{self.count - TARGETS_SHOWN} more)" if self.count > TARGETS_SHOWN else ""
        return f"[{self.impact}] {self.rule}: {self.help} — {shown}{more} ({self.help_url})"


def axe_violations(page: Page) -> list[Violation]:
    """Every WCAG A/AA violation axe finds on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    results: dict[str, Any] = page.evaluate(RUN_AXE, list(WCAG_TAGS))
    return [_violation(found) for found in results["violations"]]


def _violation(found: dict[str, Any]) -> Violation:
    nodes = found["nodes"]
    return Violation(
        rule=found["id"],
        impact=found["impact"] or "",
        help=found["help"],
        help_url=found["helpUrl"],
        targets=tuple(_selector(node["target"]) for node in nodes),
        count=len(nodes),
    )


def _selector(target: list[Any]) -> str:
    """axe names a node by a CSS selector, or a list of them through frames and shadow roots."""
    return " >> ".join(str(part) for part in target)


def serious_violations(page: Page) -> list[Violation]:
    return [found for found in axe_violations(page) if found.impact in FAILING_IMPACTS]


def report(violations: list[Violation]) -> str:
    return "\n".join(found.describe() for found in violations)
