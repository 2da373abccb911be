import io

import pypdf
from django.test import SimpleTestCase

from tsunagu.pdf import render_pdf


class RenderPdfTests(SimpleTestCase):
    def test_japanese_text_reads_back_and_the_ipaex_font_is_embedded(self) -> None:
        pdf = pypdf.PdfReader(io.BytesIO(render_pdf("pdf/test_sample.html", {"name": "髙橋 﨑子"})))

        self.assertIn("同意書 髙橋 﨑子", pdf.pages[0].extract_text())
        fonts = {
            str(font.get_object()["/BaseFont"])
            for font in pdf.pages[0]["/Resources"]["/Font"].values()
        }
        self.assertTrue(any("IPAexGothic" in font for font in fonts), fonts)
