"""Names written differently are found: one rewrite per KIND of variation, applied to every name.

Each kind is a rewrite of how a name or reading is commonly written into another way people
write it (佐々木 → 佐佐木, 渡辺 → 渡邊, 霞ヶ関 → 霞が関, きょうこ → きようこ, ゆうき → ユーキ …).
The rewrites know nothing of people/names.py: they are the ways of writing, applied to a set of
ordinary names, so a fold that only works for one name fails here. Each rewrite must change
some of the names (otherwise it tests nothing); both directions are searched, and the names
stay as written.
"""

import re
import unicodedata
from collections.abc import Callable
from io import StringIO

from django.core.management import call_command

from accounts.access import visible_to
from people.models import Person
from people.names import name_key, variant_rows
from people.search import search_persons
from tsunagu.test import BaseTestCase

# family, given, family reading, given reading: as commonly written.
NAMES = [
    ("佐々木", "奈々", "ささき", "なな"),
    ("野々村", "菜々子", "ののむら", "ななこ"),
    ("渡辺", "広美", "わたなべ", "ひろみ"),
    ("斎藤", "恵", "さいとう", "めぐみ"),
    ("一ヶ谷", "勇気", "いちがや", "ゆうき"),
    ("八ヶ岳", "沢子", "やつがたけ", "さわこ"),
    ("鈴木", "いすゞ", "すずき", "いすず"),
    ("高橋", "ビクトル", "たかはし", "びくとる"),
    ("大野", "京子", "おおの", "きょうこ"),
    ("中島", "千鶴", "なかじま", "ちづる"),
    ("小山", "えいいち", "おやま", "えいいち"),
    ("Smith", "Anna", "すみす", "あんな"),
]

Rewrite = Callable[[str], str]


def _chars(mapping: dict[str, str]) -> Rewrite:
    return lambda text: "".join(mapping.get(ch, ch) for ch in text)


def _katakana(text: str) -> str:
    return "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in text)


def _half_width(text: str) -> str:
    """Full-width katakana as half-width (ｶﾞ for ガ), from NFKC's own table read backwards."""
    back = {unicodedata.normalize("NFKC", chr(cp)): chr(cp) for cp in range(0xFF61, 0xFFA0)}
    back |= {"\u3099": "ﾞ", "\u309a": "ﾟ"}
    return "".join(back.get(ch, ch) for ch in unicodedata.normalize("NFD", _katakana(text)))


def _iteration_marks_written_out(text: str) -> str:
    # X々 → XX; kana repeated with ゝ/ゞ: すゞ → すず.
    text = re.sub(r"(.)々", r"\1\1", text)
    text = re.sub(r"(.)ゝ", r"\1\1", text)
    return re.sub(r"(.)ゞ", lambda m: m[1] + unicodedata.normalize("NFC", m[1] + "\u3099"), text)


def _iteration_marks_used(text: str) -> str:
    # The other way: a repeated kanji or kana written with its mark (佐佐木 → 佐々木, ここ → こゝ).
    def mark(match: re.Match[str]) -> str:
        ch = match[1]
        return ch + ("ゝ" if "ぁ" <= ch <= "ゖ" else "ヽ" if "ァ" <= ch <= "ヺ" else "々")

    text = _iteration_marks_written_out(text)
    text = re.sub(r"(.)\1", mark, text)
    return re.sub(r"([すつく])([ずづぐ])", lambda m: m[1] + "ゞ", text)


def _old_kanji_forms(text: str) -> str:
    old = {}
    for row in variant_rows():
        old.setdefault(row.canonical, row.variant)
    return _chars(old)(text)


def _ke_as(form: str) -> Rewrite:
    return lambda text: re.sub(r"(?<=[一-鿿])ヶ(?=[一-鿿])", form, text)


def _long_vowels_as_marks(text: str) -> str:
    # ゆうき → ユーキ, おおの → オーノ, えいいち → エーイチ: the lengthening vowel becomes ー.
    text = _katakana(text)
    text = re.sub(r"([オコゴソゾトドノホボポモヨロョ])[ウオ]", r"\1ー", text)
    text = re.sub(r"([ウクグスズツヅヌフブプムユルュ])ウ", r"\1ー", text)
    return re.sub(r"([エケゲセゼテデネヘベペメレ])イ", r"\1ー", text)


REWRITES: dict[str, tuple[str, Rewrite]] = {
    # kind: (what it rewrites: "name" or "reading", the rewrite)
    "踊り字を使わずに書く（佐々木→佐佐木）": ("name", _iteration_marks_written_out),
    "踊り字で書く（ささき→さゝき）": ("reading", _iteration_marks_used),
    "旧字体・異体字（渡辺→渡邊）": ("name", _old_kanji_forms),
    "ヶをケで書く": ("name", _ke_as("ケ")),
    "ヶをヵで書く": ("name", _ke_as("ヵ")),
    "ヶをがで書く": ("name", _ke_as("が")),
    "姓と名の間に空白なし": ("name", lambda text: text.replace(" ", "")),
    "姓と名の間に全角空白": ("name", lambda text: text.replace(" ", "\u3000")),
    "英字を全角・大文字で": ("name", lambda text: unicodedata.normalize("NFKC", text).upper()),
    "英字を全角で": ("name", _chars({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})),
    "読みをカタカナで": ("reading", _katakana),
    "読みを半角カナで": ("reading", _half_width),
    "小書きの仮名を大きく（きょうこ→きようこ）": (
        "reading",
        _chars(dict(zip("ぁぃぅぇぉっゃゅょゎ", "あいうえおつやゆよわ", strict=True))),
    ),
    "長音を「ー」で（ゆうき→ユーキ）": ("reading", _long_vowels_as_marks),
    "ブをヴで（びくとる→ゔぃくとる）": (
        "reading",
        lambda text: text.replace("び", "ゔぃ").replace("ぶ", "ゔ"),
    ),
    "歴史的仮名（い→ゐ、え→ゑ、お→を）": ("reading", _chars({"い": "ゐ", "え": "ゑ", "お": "を"})),
    "四つ仮名（じ→ぢ、ず→づ）": ("reading", _chars({"じ": "ぢ", "ず": "づ"})),
}


class NameVariationTests(BaseTestCase):
    def create(self, family: str, given: str, family_kana: str, given_kana: str) -> Person:
        return Person.objects.create(
            organisation=self.window,
            family_name=family,
            given_name=given,
            family_name_kana=family_kana,
            given_name_kana=given_kana,
        )

    def top_hit(self, q: str) -> Person | None:
        hits = search_persons(visible_to(self.soudan, Person.objects.current()), q, limit=5)
        return hits[0].person if hits else None

    @staticmethod
    def spelling(name: tuple[str, str, str, str], part: str) -> str:
        family, given, family_kana, given_kana = name
        return f"{family} {given}" if part == "name" else f"{family_kana} {given_kana}"

    @staticmethod
    def rewritten(name: tuple[str, str, str, str], part: str, rewrite: Rewrite) -> tuple[str, ...]:
        # Each of family and given name rewritten on its own, as they are stored.
        family, given, family_kana, given_kana = name
        if part == "name":
            return (rewrite(family), rewrite(given), family_kana, given_kana)
        return (family, given, rewrite(family_kana), rewrite(given_kana))

    def test_a_name_written_the_other_way_is_the_first_hit(self) -> None:
        persons = [self.create(*name) for name in NAMES]
        for kind, (part, rewrite) in REWRITES.items():
            changed = 0
            for name, person in zip(NAMES, persons, strict=True):
                q = rewrite(self.spelling(name, part))
                changed += q != self.spelling(name, part)
                with self.subTest(kind=kind, q=q):
                    self.assertEqual(self.top_hit(q), person)
            with self.subTest(kind=kind):
                self.assertGreater(changed, 0, "the rewrite changed none of the names")

    def test_a_person_stored_the_other_way_is_found_by_the_common_spelling(self) -> None:
        for kind, (part, rewrite) in REWRITES.items():
            Person.objects.all().delete()
            persons = [self.create(*self.rewritten(name, part, rewrite)) for name in NAMES]
            for name, person in zip(NAMES, persons, strict=True):
                q = self.spelling(name, part)
                with self.subTest(kind=kind, q=q):
                    self.assertEqual(self.top_hit(q), person)

    def test_names_stay_as_written(self) -> None:
        person = self.create("佐ゝ木", "いすゞ", "さゝき", "ゐすゞ")
        person.refresh_from_db()
        self.assertEqual(
            (person.family_name, person.given_name, person.family_name_kana),
            ("佐ゝ木", "いすゞ", "さゝき"),
        )
        self.assertEqual(person.name_key, "佐佐木イスズ")

    def test_different_names_stay_apart(self) -> None:
        # The folds are narrow: ケ and が are kana of their own outside a kanji pair, and a mark
        # with nothing before it is kept.
        for a, b in [
            ("ケイコ", "ガイコ"),
            ("ナガイ", "ナケイ"),
            ("佐々木", "佐木"),
            ("すずき", "すすき"),
            ("々", ""),
        ]:
            with self.subTest(a=a, b=b):
                self.assertNotEqual(name_key(a), name_key(b))

    def test_refresh_person_keys_recomputes_keys_stored_before_the_folds(self) -> None:
        person = self.create("佐々木", "奈々", "さゝき", "なな")
        # As an older version computed them: the iteration mark kept in the key.
        Person.objects.filter(pk=person.pk).update(name_key="佐々木奈々", search_text="佐々木奈々")
        self.assertIsNone(self.top_hit("佐佐木奈奈"))
        call_command("refresh_person_keys", stdout=StringIO())
        self.assertEqual(self.top_hit("佐佐木奈奈"), person)
