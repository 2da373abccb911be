"""A4 PDFs from templates, with the Japanese font (IPAex Gothic) embedded from its package.

No web font and no network: WeasyPrint is given the font file's own URI and a URL fetcher that
allows only local files and data URIs.
"""

from functools import cache
from pathlib import Path
from typing import Any

import matplotlib_fontja
from django.http import HttpResponse
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher

FONT_FAMILY = "IPAexGothic"
LOCAL_PROTOCOLS = ("file", "data")


@cache
def japanese_font_path() -> Path:
    """IPAex Gothic, shipped by matplotlib-fontja (also used for the charts)."""
    return Path(matplotlib_fontja.__file__).parent / "fonts" / "ipaexg.ttf"


def font_face_css() -> str:
    return (
        f"@font-face {{ font-family: '{FONT_FAMILY}';"
        f" src: url('{japanese_font_path().as_uri()}'); }}"
        f" html {{ font-family: '{FONT_FAMILY}', sans-serif; }}"
    )


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render `template_name` (HTML) to an A4 PDF; the template gets `font_face_css`."""
    html = render_to_string(template_name, {**context, "font_face_css": font_face_css()})
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=LOCAL_PROTOCOLS)).write_pdf()


def pdf_attachment(pdf: bytes, filename: str) -> HttpResponse:
    """A PDF as a download (never shown inline, so it is not kept in the browser's viewer)."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
