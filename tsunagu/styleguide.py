"""What the living style page (/styleguide/, docs/design.md「部品（コンポーネント）」) shows that is
not a component itself: the colours with their DADS token names, and a real form bound with
input that does not validate, so that the field and the error summary show real errors.
"""

from dataclasses import dataclass

from django import forms

from tsunagu.forms import date_field, japanese_messages, short_text, text_area


@dataclass(frozen=True)
class Colour:
    """A colour of tsunagu.css: its variable, the DADS token it names, what it is used for."""

    variable: str
    token: str
    use: str

    @property
    def swatch_class(self) -> str:
        return f"swatch-{self.variable.removeprefix('--')}"


COLOURS = (
    Colour("--ink", "--color-neutral-solid-gray-900", "文字"),
    Colour("--muted", "--color-neutral-solid-gray-700", "補足の文字"),
    Colour("--line", "--color-neutral-solid-gray-300", "表と枠の線"),
    Colour("--field-line", "--color-neutral-solid-gray-600", "入力欄の枠"),
    Colour("--bg", "--color-neutral-solid-gray-50", "ページの地"),
    Colour("--surface", "--color-neutral-white", "カードと表の地"),
    Colour("--surface-alt", "--color-primitive-blue-50", "表の見出しの地"),
    Colour("--accent", "--color-primitive-blue-900", "ヘッダーとボタン"),
    Colour("--accent-strong", "--color-primitive-blue-1100", "ボタンにポインターを重ねたとき"),
    Colour("--link", "--color-primitive-blue-1000", "リンク"),
    Colour("--link-visited", "--color-primitive-magenta-900", "たどったリンク"),
    Colour("--error", "--color-primitive-red-900", "エラー"),
    Colour("--error-bg", "--color-primitive-red-50", "エラーの地"),
    Colour("--warn", "--color-primitive-orange-1000", "注意"),
    Colour("--warn-bg", "--color-primitive-yellow-50", "注意の地"),
    Colour("--ok", "--color-primitive-green-900", "完了"),
    Colour("--ok-bg", "--color-primitive-green-50", "完了の地"),
    Colour("--focus-ring", "--color-primitive-yellow-300", "フォーカスの縁取り"),
)

# The type scale of DADS for Japanese text that tsunagu uses (token, size in px, use).
TYPE_SCALE = (
    ("--font-size-28", 28, "ページの見出し（h1）"),
    ("--font-size-22", 22, "節の見出し（h2）"),
    ("--font-size-18", 18, "小見出し（h3）"),
    ("--font-size-16", 16, "本文"),
    ("--font-size-14", 14, "注記・（必須）"),
)

# A description list as a consultation's summary shows it (the empty one reads 未記入).
DESCRIPTION_SAMPLE = (
    ("受付日", "令和7年4月3日（木）"),
    ("相談の経路", "電話（母親から）"),
    ("主な困りごと", "本人が半年ほど外出していない。家族は本人との話し方に悩んでいる。"),
    ("次の連絡の予定日", ""),
)

CHANNELS = [("", "選んでください"), ("phone", "電話"), ("visit", "来所"), ("outreach", "訪問")]
CONTACT = [("yes", "連絡してよい"), ("no", "連絡しない")]
CONCERNS = [("money", "お金"), ("health", "健康"), ("family", "家族"), ("work", "仕事")]


class SampleForm(forms.Form):
    """A form of every kind of field, as the pages build them (tsunagu.forms)."""

    name = short_text("相談者の呼び名", 50, required=True)
    received_on = date_field("受付日", required=True)
    visit_on = forms.DateField(
        label="訪問予定日",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="ブラウザーの日付入力（一覧の絞り込みで使っています）",
    )
    channel = forms.ChoiceField(label="相談の経路", choices=CHANNELS)
    contact = forms.ChoiceField(label="本人への連絡", choices=CONTACT, widget=forms.RadioSelect)
    concerns = forms.MultipleChoiceField(
        label="困りごと",
        choices=CONCERNS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="当てはまるものをすべて選んでください。",
    )
    consented = forms.BooleanField(label="本人が記録に同意している", required=False)
    memo = text_area("メモ")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        japanese_messages(self)


# Input that a worker might type and the form refuses, so that the page shows real errors.
BAD_INPUT = {
    "name": "",
    "received_on": "令和7年13月40日",
    "visit_on": "",
    "channel": "fax",
    "memo": "電話で相談があった。",
}


def form_with_errors() -> SampleForm:
    form = SampleForm(data=BAD_INPUT, auto_id="id_sample_%s")
    form.is_valid()
    return form


def empty_form() -> SampleForm:
    """The same form unbound, for the fields in their normal state."""
    return SampleForm(auto_id="id_plain_%s")
