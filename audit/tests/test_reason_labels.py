"""Every reason code the project writes into an audit row's detail reads in Japanese on the audit
log (audit/labels.py REASON_LABELS): the source is scanned, so a new code without a label fails
here instead of showing as English on the page."""

import ast
import os
import re
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

from accounts.administration.installation import INSTALLATION_REASON
from accounts.models import CredentialsEnd
from accounts.otp import SecondFactorAudit
from accounts.passwords import PASSWORD_RESET_REASON
from accounts.reauth import REAUTH_REASON
from accounts.services import TokenRevocation
from audit.labels import REASON_LABELS, detail_value

# A code, not free text: a worker's own reason (Japanese, as typed) stays as written.
CODE = re.compile(r"[a-z][a-z0-9_]*\Z")
# Tests, migrations and the browser tests write no audit rows of their own.
SKIPPED_DIRS = {"tests", "migrations", "node_modules", "e2e", "__pycache__", "var"}


def project_sources() -> Iterator[Path]:
    """The project's Python files, without tests, migrations and hidden or vendored folders."""
    for folder, dirs, files in os.walk(settings.BASE_DIR):
        dirs[:] = [name for name in dirs if name not in SKIPPED_DIRS and not name.startswith(".")]
        for name in files:
            if name.endswith(".py"):
                yield Path(folder) / name


def written_reason_codes(tree: ast.AST) -> Iterator[str]:
    """Codes written as literals: `{"reason": "code"}`, `kwargs.get("reason", "code")` and the
    meetings' `refuse(request, obj, "code", message)`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if _is_str(key, "reason") and isinstance(value, ast.Constant):
                    yield str(value.value)
        elif isinstance(node, ast.Call):
            name = _called_name(node)
            if name == "get" and len(node.args) == 2 and _is_str(node.args[0], "reason"):
                yield from _constant(node.args[1])
            elif name == "refuse" and len(node.args) >= 3:
                yield from _constant(node.args[2])


def _is_str(node: ast.AST | None, text: str) -> bool:
    return isinstance(node, ast.Constant) and node.value == text


def _called_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _constant(node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value


def codes_of(holder: type) -> set[str]:
    return {value for name, value in vars(holder).items() if name.isupper()}


class ReasonLabelTests(SimpleTestCase):
    def test_every_reason_code_written_in_the_source_has_a_japanese_label(self) -> None:
        found: dict[str, str] = {}
        for path in project_sources():
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for code in written_reason_codes(tree):
                if CODE.match(code):
                    found.setdefault(code, str(path.relative_to(settings.BASE_DIR)))
        # The scan itself must keep finding the codes (a refactor that hides them fails here).
        self.assertIn("missing_right", found)
        self.assertIn("not_office_staff", found)
        self.assertIn("automatic_title_follows_person", found)
        unlabelled = {code: where for code, where in found.items() if code not in REASON_LABELS}
        self.assertEqual(unlabelled, {})

    def test_the_reason_constants_have_a_japanese_label(self) -> None:
        codes = {
            *codes_of(SecondFactorAudit),
            *codes_of(TokenRevocation),
            *codes_of(CredentialsEnd),
            PASSWORD_RESET_REASON,
            INSTALLATION_REASON,
            REAUTH_REASON,
            # api/auth.py refusal_reason
            "invalid_api_token",
            "revoked_api_token",
            "expired_api_token",
        }
        self.assertEqual(sorted(code for code in codes if code not in REASON_LABELS), [])

    def test_a_code_reads_as_its_label_and_free_text_as_written(self) -> None:
        self.assertEqual(
            detail_value("accounts.user", "reason", "not_office_staff"),
            "職員以外（サポーター）の利用",
        )
        self.assertEqual(
            detail_value("cases.case", "reason", "automatic_title_follows_person"),
            "件名を本人に合わせて自動変更",
        )
        self.assertEqual(detail_value("cases.case", "reason", "missing_right"), "権限なし")
        self.assertEqual(detail_value("cases.case", "reason", "担当の交代"), "担当の交代")
