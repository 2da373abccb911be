"""The stylesheets tsunagu ships are well formed: every block closes, so no rule ends up inside
another block's media query (a lost brace once put the phone layout inside the audit log's)."""

import re
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

COMMENT = re.compile(r"/\*.*?\*/", re.S)
STRING = re.compile(r'"[^"\n]*"|\'[^\'\n]*\'')


def depth_at_each_line(css: str) -> list[int]:
    """The nesting depth after each line, comments and strings left out."""
    depths, depth = [], 0
    for line in STRING.sub('""', COMMENT.sub("", css)).splitlines():
        depth += line.count("{") - line.count("}")
        depths.append(depth)
    return depths


class StylesheetTests(SimpleTestCase):
    def test_every_block_of_every_stylesheet_closes(self) -> None:
        sheets = sorted(Path(settings.BASE_DIR, "static").rglob("*.css"))
        self.assertTrue(sheets)
        for sheet in sheets:
            with self.subTest(sheet=sheet.name):
                depths = depth_at_each_line(sheet.read_text(encoding="utf-8"))
                self.assertGreaterEqual(min(depths, default=0), 0)
                self.assertEqual(depths[-1] if depths else 0, 0)
