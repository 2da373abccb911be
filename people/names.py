"""Matching keys for personal names (duplicate detection and search).

Keys are derived values only: stored names always keep the code points that were entered.

- ``name_key``: the strict key. Same key means "written the same way", modulo width, script of
  kana, case, spacing, variation selectors, iteration marks (佐々木 = 佐佐木, すゞき = すずき),
  ヶ/ケ/ヵ/が between kanji (霞ヶ関 = 霞ケ関 = 霞が関) and the curated kanji variants in
  data/kanji_variants.tsv.
- ``loose_key``: additionally folds small kana, long-vowel marks, ヴ→ブ, the historical kana
  ヰ/ヱ/ヲ → イ/エ/オ and ヂ/ヅ → ジ/ズ; a weak signal only.
- ``similarity``: ranks duplicate candidates; 1.0 only for equal strict keys.
- ``has_unrenderable_chars``: lets the UI warn about characters fonts may not show.
"""

from __future__ import annotations

import functools
import itertools
import unicodedata
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

VARIANT_TABLE_PATH = Path(__file__).resolve().parent / "data" / "kanji_variants.tsv"

# Kept below 1.0 so that an exact (strict-key) match always outranks a loose-only one.
LOOSE_SIMILARITY_CEILING = 0.95

_HIRAGANA_TO_KATAKANA: dict[int, int] = {cp: cp + 0x60 for cp in range(0x3041, 0x3097)} | {
    0x309D: 0x30FD,  # ゝ → ヽ
    0x309E: 0x30FE,  # ゞ → ヾ
}

# NFKC expands the spacing marks ゛゜ to a space plus the combining mark, which then never
# composes with the kana before it; mapping them to the combining marks first lets NFKC compose.
_SPACING_VOICING_MARKS: dict[int, int] = {0x309B: 0x3099, 0x309C: 0x309A}

# 々 (and the vertical 〻) repeats the character before it; ヽ repeats the kana before it, ヾ
# repeats it voiced (after the hiragana forms ゝゞ are made katakana).
_ITERATION_MARKS = frozenset("々〻")
_KANA_ITERATION = "ヽ"
_KANA_ITERATION_VOICED = "ヾ"
_VOICING = "\u3099"
_SEMI_VOICING = "\u309a"

# ヶ is written ケ, ヵ or が as well (霞ヶ関, 霞ケ関, 霞が関; 一ヵ谷): between two kanji they are
# one and the same, elsewhere ケ and ガ are ordinary kana (ケイコ, ナガイ).
_KE_FORMS = frozenset("ヶケヵガ")
_KE = "ヶ"

# Historical kana and the 四つ仮名 that are read the same today (ゐ/い, ゑ/え, を/お, ぢ/じ, づ/ず).
_HISTORICAL_KANA = str.maketrans("ヰヱヲヂヅ", "イエオジズ")

_SMALL_TO_LARGE = str.maketrans(
    "ァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ",
    "アイウエオツヤユヨワカケクシストヌハヒフヘホムラリルレロ",
)

# Long-vowel marks and the look-alikes people type for them (after NFKC: ｰ→ー, ～→~, ‑→‐).
# After a kana they become ー (see _fold_long_vowels); anywhere else they are dropped.
_LONG_VOWEL_MARKS = frozenset("ー〜〰~‐‒–—―−-─━")
# The separators used in foreign names (ジョン・スミス): always dropped.
_LOOSE_DROPPED = str.maketrans("", "", "・=")
_LONG = "ー"

# The vowel row of each (large, NFC) katakana that carries one.
_KANA_ROWS: dict[str, str] = {
    kana: row
    for row, kanas in (
        ("a", "アカガサザタダナハバパマヤラワ"),
        ("i", "イキギシジチヂニヒビピミリヰ"),
        ("u", "ウクグスズツヅヌフブプムユル"),
        ("e", "エケゲセゼテデネヘベペメレヱ"),
        ("o", "オコゴソゾトドノホボポモヨロヲ"),
    )
    for kana in kanas
}
# A vowel kana that only lengthens the syllable before it, by that syllable's row:
# ユウ/ユー, オオ/オウ/オー, ケイ/ケー, アア/アー …
_LENGTHENING: dict[str, frozenset[str]] = {
    "a": frozenset("ア"),
    "i": frozenset("イ"),
    "u": frozenset("ウ"),
    "e": frozenset("イエ"),
    "o": frozenset("ウオ"),
}

_VU_FOLDS: tuple[tuple[str, str], ...] = tuple(
    (unicodedata.normalize("NFD", vu), unicodedata.normalize("NFD", bu))
    for vu, bu in (
        ("ヴア", "バ"),
        ("ヴイ", "ビ"),
        ("ヴエ", "ベ"),
        ("ヴオ", "ボ"),
        ("ヴ", "ブ"),
        ("ヷ", "バ"),
        ("ヸ", "ビ"),
        ("ヹ", "ベ"),
        ("ヺ", "ボ"),
    )
)


class VariantRow(NamedTuple):
    variant: str
    canonical: str
    note: str


# Keys are pure functions of the text; an import or a search computes the same names many times.
@functools.lru_cache(maxsize=65536)
def name_key(text: str) -> str:
    """Strict matching key: NFKC, katakana, no spaces/selectors, kanji variants folded."""
    key = _drop_ignorables(text.translate(_SPACING_VOICING_MARKS))
    # NFKC can itself emit spaces (e.g. U+00A8 → " ̈"), hence the second pass.
    key = _drop_ignorables(unicodedata.normalize("NFKC", key))
    key = key.casefold().translate(_HIRAGANA_TO_KATAKANA)
    # Dropping characters can leave combining marks next to a new base: recompose.
    key = unicodedata.normalize("NFC", key)
    # A repeated kana can meet a combining mark that followed the iteration mark (ヒゝﾟ → ヒピ):
    # compose again, so that the key of a key is the key.
    key = unicodedata.normalize("NFC", _expand_iteration_marks(key))
    key = _fold_ke_between_kanji(key)
    return key.translate(_variant_translation())


def _expand_iteration_marks(key: str) -> str:
    """佐々木 → 佐佐木, サヽキ → ササキ, イスヾ → イスズ: the mark becomes what it repeats.

    A mark with nothing before it to repeat stays as it is.
    """
    if not any(ch in _ITERATION_MARKS or ch in "ヽヾ" for ch in key):
        return key
    out: list[str] = []
    for ch in key:
        previous = out[-1] if out else ""
        if previous and (ch in _ITERATION_MARKS or ch == _KANA_ITERATION):
            out.append(previous)
        elif previous and ch == _KANA_ITERATION_VOICED:
            out.append(_voiced(previous))
        else:
            out.append(ch)
    return "".join(out)


def _voiced(kana: str) -> str:
    """ス → ズ, ズ → ズ; a character that has no voiced form is repeated as it is."""
    base = unicodedata.normalize("NFD", kana).replace(_VOICING, "").replace(_SEMI_VOICING, "")
    voiced = unicodedata.normalize("NFC", base + _VOICING)
    return voiced if len(voiced) == 1 else kana


def _fold_ke_between_kanji(key: str, ke: str = _KE) -> str:
    if not any(ch in _KE_FORMS for ch in key):
        return key
    chars = list(key)
    for i in range(1, len(chars) - 1):
        if chars[i] in _KE_FORMS and _is_kanji(chars[i - 1]) and _is_kanji(chars[i + 1]):
            chars[i] = ke
    return "".join(chars)


def _is_kanji(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("CJK ") and unicodedata.category(ch) == "Lo"


@functools.lru_cache(maxsize=65536)
def loose_key(text: str) -> str:
    """Looser key: also small kana → large, ヴ row → バ row, long vowels folded to one ー.

    A long vowel is written ー, or with the vowel kana that lengthens it (ユウ, オオ/オウ, ケイ):
    both become ー after the kana they lengthen, so ユーコ meets ユウコ and オーノ meets オオノ and
    オウノ, while サイトウ (サイトー) stays apart from サイト and オオノ from オノ.
    """
    # Work decomposed so that ヴ (ウ + U+3099) is found however it was entered or exposed.
    key = unicodedata.normalize("NFD", name_key(text).translate(_LOOSE_DROPPED))
    key = key.translate(_SMALL_TO_LARGE)
    for vu, bu in _VU_FOLDS:
        key = key.replace(vu, bu)
    # NFC again: a dropped mark can leave a voicing mark next to ヽ (ヽ〜゛ → ヾ).
    key = unicodedata.normalize("NFC", key).translate(_HISTORICAL_KANA)
    key = unicodedata.normalize("NFC", _fold_long_vowels(key))
    # Dropping a mark (覧〜ガ掲) or enlarging ヵ゛ to ガ can put a ke form between two kanji
    # only now: fold it to the loose key's ケ (its ヶ is enlarged above), as a second pass would.
    return _fold_ke_between_kanji(key, ke="ケ")


def _fold_long_vowels(key: str) -> str:
    out: list[str] = []
    row: str | None = None  # the vowel row of the last kana; "long" right after a ー
    for ch in key:
        if ch in _LONG_VOWEL_MARKS or (row in _LENGTHENING and ch in _LENGTHENING[row]):
            if row is not None and row != "long":
                out.append(_LONG)
                row = "long"
            # Otherwise a mark after a ー or after no kana at all: dropped. (A vowel kana only
            # gets here after a kana of its row, so it is never dropped.)
            continue
        out.append(ch)
        row = _KANA_ROWS.get(ch)
    return "".join(out)


def similarity(a: str, b: str) -> float:
    """Score in [0, 1] for ranking duplicate candidates."""
    if name_key(a) == name_key(b):
        return 1.0
    return LOOSE_SIMILARITY_CEILING * _dice(_bigrams(loose_key(a)), _bigrams(loose_key(b)))


def has_unrenderable_chars(text: str) -> list[str]:
    """Characters (IVS sequences kept whole) that fonts may not render, first occurrence order."""
    found: dict[str, None] = {}
    for item in _split_keeping_ivs(text):
        if _may_not_render(item):
            found.setdefault(item)
    return list(found)


def variant_rows() -> tuple[VariantRow, ...]:
    """All rows of the shipped variant table, in file order."""
    return _load_variant_rows(VARIANT_TABLE_PATH)


def variant_table() -> Mapping[str, str]:
    """The variant table as a read-only variant → canonical mapping."""
    return _variant_mapping()


def parse_variant_rows(text: str) -> Iterator[VariantRow]:
    """Parse TSV text in the variant table format; raises ValueError on a malformed line."""
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or len(fields[0]) != 1 or len(fields[1]) != 1:
            raise ValueError(f"line {lineno}: expected variant<TAB>canonical<TAB>note: {line!r}")
        yield VariantRow(*fields)


@functools.cache
def _load_variant_rows(path: Path) -> tuple[VariantRow, ...]:
    return tuple(parse_variant_rows(path.read_text(encoding="utf-8")))


@functools.cache
def _variant_mapping() -> Mapping[str, str]:
    return MappingProxyType({row.variant: row.canonical for row in variant_rows()})


@functools.cache
def _variant_translation() -> dict[int, str]:
    return {ord(variant): canonical for variant, canonical in variant_table().items()}


def _is_variation_selector(ch: str) -> bool:
    return "\ufe00" <= ch <= "\ufe0f" or _is_ivs_selector(ch)


def _is_ivs_selector(ch: str) -> bool:
    return "\U000e0100" <= ch <= "\U000e01ef"


def _drop_ignorables(text: str) -> str:
    return "".join(ch for ch in text if not _is_ignorable(ch))


def _is_ignorable(ch: str) -> bool:
    # Cf covers invisible characters pasted along with names (ZWSP, BOM, soft hyphen).
    return ch.isspace() or _is_variation_selector(ch) or unicodedata.category(ch) == "Cf"


def _split_keeping_ivs(text: str) -> list[str]:
    items: list[str] = []
    for ch in text:
        if items and _is_ivs_selector(ch):
            items[-1] += ch
        else:
            items.append(ch)
    return items


def _may_not_render(item: str) -> bool:
    if len(item) > 1:
        return True
    cp = ord(item)
    # Private use (BMP), and everything from CJK Ext B on: gaiji and rare kanji live there.
    return 0xE000 <= cp <= 0xF8FF or cp >= 0x20000


def _bigrams(key: str) -> Counter[tuple[str, str]]:
    # Empty-string padding marks the edges so that one-character names still have grams.
    padded = ["", *key, ""]
    return Counter(itertools.pairwise(padded))


def _dice(a: Counter[tuple[str, str]], b: Counter[tuple[str, str]]) -> float:
    total = a.total() + b.total()
    if not total:
        return 0.0
    # The multiset intersection, counted without building it (the search scores hundreds).
    common = sum(min(count, b[gram]) for gram, count in a.items() if gram in b)
    return 2 * common / total
