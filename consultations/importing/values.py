"""Reading one cell: dates (西暦 and 和暦) and the tables mapping the offices' words onto choices.

Each table maps a normalised spelling (NFKC, no spaces, lower case) onto a code. docs/import.md
prints the same tables for the office staff; change both together.
"""

import difflib
import re
import unicodedata
from datetime import date, datetime
from functools import lru_cache

from collaboration.models import AgencyCategory
from consultations.channels import Channel
from consultations.models import Category, ConsulterType, Disposition
from people.models import Relationship, Sex
from tsunagu.dates import SUPPORTED_FROM, parse_wareki


class CellError(ValueError):
    """A cell that cannot be read; the message is shown to the office staff as it is."""


# Cached: a 100k-row file repeats the same few hundred spellings in every column.
@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """The key a spelling is looked up by: NFKC, no spaces of any width, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


@lru_cache(maxsize=65536)
def clean_text(text: str) -> str:
    """A name or memo as it will be stored: NFKC (half-width kana → full width), trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def _table(entries: dict[str, list[str]]) -> dict[str, str]:
    return {
        normalise(spelling): code for code, spellings in entries.items() for spelling in spellings
    }


# --- 相談方法 → Channel

CHANNEL_SYNONYMS: dict[str, list[str]] = {
    Channel.PHONE: ["電話", "TEL", "でんわ", "電話相談", "架電", "受電"],
    Channel.EMAIL: ["メール", "Eメール", "E-mail", "email", "mail", "電子メール"],
    Channel.VISIT: ["来所", "来庁", "来談", "来所相談", "窓口", "面談", "面接"],
    Channel.HOME_VISIT: ["訪問", "家庭訪問", "自宅訪問", "アウトリーチ"],
    Channel.SNS: ["SNS・チャット", "SNS", "チャット", "LINE"],
    Channel.ONLINE: ["オンライン面談", "オンライン", "ビデオ通話", "Zoom"],
    Channel.LETTER: ["手紙", "郵便", "文書"],
    Channel.FAX: ["FAX", "ファックス", "ファクス"],
    Channel.ACCOMPANY: ["同行", "同行支援"],
    Channel.OTHER: ["その他"],
}
CHANNELS = _table(CHANNEL_SYNONYMS)

# --- 相談者 → ConsulterType (and the relationship of a family member)

CONSULTER_SYNONYMS: dict[str, list[str]] = {
    ConsulterType.PERSON: ["本人"],
    ConsulterType.FAMILY: ["家族", "親族"],
    ConsulterType.AGENCY: ["関係機関", "機関", "支援機関"],
    ConsulterType.RESIDENT: ["地域住民", "住民", "近隣住民", "近所の人"],
    ConsulterType.WELFARE_VOLUNTEER: ["民生委員・児童委員", "民生委員", "児童委員"],
    ConsulterType.OTHER: ["その他"],
}
CONSULTERS = _table(CONSULTER_SYNONYMS)
RELATIONSHIP_SYNONYMS: dict[str, list[str]] = {
    Relationship.MOTHER: ["母", "母親"],
    Relationship.FATHER: ["父", "父親"],
    Relationship.SPOUSE: ["配偶者", "妻", "夫"],
    Relationship.SIBLING: ["兄弟姉妹", "兄弟", "姉妹", "兄", "姉", "弟", "妹"],
    Relationship.GRANDPARENT: ["祖父母", "祖父", "祖母"],
    Relationship.CHILD: ["子", "息子", "娘"],
    Relationship.GRANDCHILD: ["孫"],
    Relationship.OTHER_RELATIVE: ["その他の親族", "おじ", "おば", "叔父", "叔母", "伯父", "伯母"],
}
RELATIONSHIPS = _table(RELATIONSHIP_SYNONYMS)

# --- 相談内容 → Category

CATEGORY_SYNONYMS: dict[str, list[str]] = {
    Category.HEALTH: ["病気や健康、障害", "病気", "健康", "障害", "病気や健康"],
    Category.HOUSING: ["住まい", "住居", "住宅"],
    Category.INCOME: ["収入・生活費", "収入", "生活費"],
    Category.RENT_LOAN: ["家賃やローン", "家賃", "ローン"],
    Category.TAX_BILLS: ["税金や公共料金", "税金", "公共料金"],
    Category.DEBT: ["債務", "借金"],
    Category.JOB_SEARCH: ["仕事探し、就職", "仕事探し", "就職", "就労"],
    Category.WORK_TROUBLE: ["仕事上の不安やトラブル", "仕事上の不安", "職場のトラブル"],
    Category.COMMUNITY: ["地域との関係", "地域"],
    Category.FAMILY: ["家族との関係", "家族関係", "家族"],
    Category.CHILD_REARING: ["子育て", "育児"],
    Category.CARE: ["介護"],
    Category.HIKIKOMORI: ["ひきこもり・不登校", "ひきこもり", "引きこもり", "不登校"],
    Category.DV_ABUSE: ["DV・虐待", "DV", "虐待"],
    Category.NO_FOOD: ["食べるものがない", "食料", "食べ物がない"],
    Category.OTHER: ["その他"],
}
CATEGORIES = _table(CATEGORY_SYNONYMS)
CATEGORY_SEPARATORS = re.compile(r"[・;；,、/／]")

# --- 対応 → Disposition

DISPOSITION_SYNONYMS: dict[str, list[str]] = {
    Disposition.CONTINUE: ["継続支援", "自機関で継続支援", "継続", "支援継続"],
    Disposition.REFER: ["つなぐ", "関係機関へつなぐ", "つなぎ", "紹介", "他機関紹介"],
    Disposition.INFORMATION: ["情報提供のみ", "情報提供・助言のみ", "情報提供", "助言", "助言のみ"],
}
DISPOSITIONS = _table(DISPOSITION_SYNONYMS)

# --- つなぎ先種別 → AgencyCategory

AGENCY_CATEGORY_SYNONYMS: dict[str, list[str]] = {
    category.value: [category.label] for category in AgencyCategory
}
for _code, _extra in {
    AgencyCategory.SOCIAL_WELFARE_COUNCIL: ["社協"],
    AgencyCategory.SELF_RELIANCE_OFFICE: ["自立相談支援機関", "自立相談"],
    AgencyCategory.COMMUNITY_GENERAL_SUPPORT: ["地域包括", "包括"],
    AgencyCategory.CHILD_GUIDANCE: ["児相"],
    AgencyCategory.PUBLIC_HEALTH: ["保健所", "保健センター"],
    AgencyCategory.MEDICAL: ["病院", "クリニック", "診療所"],
    AgencyCategory.YOUTH_SUPPORT_STATION: ["サポステ"],
    AgencyCategory.HELLO_WORK: ["公共職業安定所"],
    AgencyCategory.SCHOOL: ["学校", "教育委員会"],
    AgencyCategory.PRIVATE_GROUP: ["NPO", "NPO法人", "民間支援団体", "当事者団体"],
}.items():
    AGENCY_CATEGORY_SYNONYMS[_code].extend(_extra)
AGENCY_CATEGORIES = _table(AGENCY_CATEGORY_SYNONYMS)

SEXES = _table(
    {
        Sex.MALE: ["男性", "男", "M", "male"],
        Sex.FEMALE: ["女性", "女", "F", "female"],
        Sex.OTHER: ["その他"],
        Sex.UNKNOWN: ["不明", "無回答"],
    }
)


def suggestion(value: str, table: dict[str, str], labels: list[str]) -> str:
    """「もしかして…」and the accepted values, for an unknown value of a mapped column."""
    close = difflib.get_close_matches(normalise(value), list(table), n=1, cutoff=0.5)
    hint = ""
    if close:
        spelling = next(label for label in labels if table.get(normalise(label)) == table[close[0]])
        hint = f"もしかして「{spelling}」ですか。"
    return f"{hint}使える値: {'、'.join(labels)}"


def channel_of(value: str) -> str:
    code = CHANNELS.get(normalise(value))
    if code is None:
        raise CellError(
            f"相談方法「{value}」はわかりません。"
            + suggestion(value, CHANNELS, [c.label for c in Channel])
        )
    return code


def consulter_of(value: str) -> tuple[str, str]:
    """The consulter type and (for a family member) the relationship: 「母」「家族（母）」."""
    key = normalise(value)
    if not key:
        return ConsulterType.OTHER, ""
    if key in CONSULTERS:
        return CONSULTERS[key], ""
    if key in RELATIONSHIPS:
        return ConsulterType.FAMILY, RELATIONSHIPS[key]
    inner = re.fullmatch(r"家族\((.+)\)", key)
    if inner and inner[1] in RELATIONSHIPS:
        return ConsulterType.FAMILY, RELATIONSHIPS[inner[1]]
    labels = [c.label for c in ConsulterType] + ["母", "父", "兄弟姉妹", "家族（母）"]
    raise CellError(f"相談者「{value}」はわかりません。" + suggestion(value, CONSULTERS, labels))


def categories_of(value: str) -> list[str]:
    """The 相談内容 codes, first the main one; several separated by ・ or ; (blank: その他)."""
    return list(_category_codes(value))


@lru_cache(maxsize=4096)
def _category_codes(value: str) -> tuple[str, ...]:
    whole = normalise(value)
    if not whole:
        return (Category.OTHER,)
    if whole in CATEGORIES:
        return (CATEGORIES[whole],)
    codes: list[str] = []
    unknown: list[str] = []
    for part in CATEGORY_SEPARATORS.split(whole):
        if not part:
            continue
        code = CATEGORIES.get(part)
        if code is None:
            unknown.append(part)
        elif code not in codes:
            codes.append(code)
    if unknown:
        raise CellError(
            f"相談内容「{'」「'.join(unknown)}」はわかりません。"
            + suggestion(unknown[0], CATEGORIES, [c.label for c in Category])
        )
    return tuple(codes) or (Category.OTHER,)


def disposition_of(value: str) -> str:
    if not normalise(value):
        raise CellError("対応が空です。継続支援・つなぐ・情報提供のみ のいずれかを書いてください。")
    code = DISPOSITIONS.get(normalise(value))
    if code is None:
        raise CellError(
            f"対応「{value}」はわかりません。"
            + suggestion(value, DISPOSITIONS, ["継続支援", "つなぐ", "情報提供のみ"])
        )
    return code


def agency_category_of(value: str) -> str:
    code = AGENCY_CATEGORIES.get(normalise(value))
    if code is None:
        raise CellError(
            f"つなぎ先種別「{value}」はわかりません。"
            + suggestion(value, AGENCY_CATEGORIES, [c.label for c in AgencyCategory])
        )
    return code


def sex_of(value: str) -> str:
    code = SEXES.get(normalise(value))
    if code is None:
        raise CellError(f"性別「{value}」はわかりません。使える値: 男性、女性、その他、不明")
    return code


# --- dates

_GREGORIAN = re.compile(
    r"(\d{4})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]|年\s*(\d{1,2})\s*月)\s*(\d{1,2})\s*日?"
)
_ERA_YEAR_ZERO = re.compile(
    r"(明治|大正|昭和|平成|令和|[MTSHR])\s*0+\s*(?:年|[./-])", re.IGNORECASE
)
# Excel writes a date cell exported to CSV with a time: "2024/5/1 0:00".
_TRAILING_MIDNIGHT = re.compile(r"\s+0{1,2}:00(?::00)?$")


def parse_date(value: object, column: str) -> date:
    """A date cell: a date from xlsx, YYYY-MM-DD, YYYY/M/D, YYYY年M月D日, or 和暦 (R1.5.1)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return _parse_date_text(str(value), column)


@lru_cache(maxsize=65536)
def _parse_date_text(text: str, column: str) -> date:
    normalised = _TRAILING_MIDNIGHT.sub("", unicodedata.normalize("NFKC", text).strip())
    if _ERA_YEAR_ZERO.match(normalised):
        raise CellError(
            f"{column}「{text}」: 0年という年はありません（最初の年は「元年」または「1年」）。"
        )
    match = _GREGORIAN.fullmatch(normalised)
    if match:
        year, month, day = int(match[1]), int(match[2] or match[3]), int(match[4])
        try:
            result = date(year, month, day)
        except ValueError:
            raise CellError(f"{column}「{text}」は存在しない日付です。") from None
        if result < SUPPORTED_FROM:
            raise CellError(
                f"{column}「{text}」は古すぎます（明治6年1月1日以降の日付にしてください）。"
            )
        return result
    try:
        return parse_wareki(normalised)
    except ValueError as error:
        if re.match(r"(明治|大正|昭和|平成|令和|[MTSHR])\s*(元|\d)", normalised, re.IGNORECASE):
            raise CellError(f"{column}「{text}」: {error}") from None
    raise CellError(
        f"{column}「{text}」を日付として読めません"
        "（例: 2024-05-01、2024/5/1、令和6年5月1日、R6.5.1）。"
    )


def parse_age(value: object) -> int:
    text = unicodedata.normalize("NFKC", str(value)).strip().removesuffix("歳")
    try:
        number = float(text)
    except ValueError:
        raise CellError(f"年齢「{value}」は数字で書いてください（例: 34）。") from None
    if not number.is_integer() or not 0 <= number <= 130:
        raise CellError(f"年齢「{value}」は0〜130の整数で書いてください。")
    return int(number)
