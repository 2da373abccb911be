"""The date-time control of every form: a date input and a time box side by side.

Chromium draws one `datetime-local` control with a Tab stop per segment (year, month, day, hour,
minute, AM/PM) and a picker button: seven stops, and the segments' order and the 12-hour clock
follow the browser's own language, whatever the page declares (lang="ja" does not change them).
A worker typing a visit in the evening met 午後 and seven stops. Here the date is the browser's
date control (年/月/日 and its calendar, four stops) and the time is one text box for a 24-hour
time: 「14:30」, 「1430」, 「14時30分」 and full-width digits typed through the IME all mean 14:30,
and no browser turns it into 午後2:30.

Only the widget changes: the form field stays a `DateTimeField`, so its parsing, its messages and
its cleaned value are those of the one-value field. The widget joins the two halves into the one
value the field has always parsed ("2025-05-01T14:30"); a POST with the single value (older
clients, saved drafts, tests) is read as before. The API does not use widgets.
"""

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.utils import timezone

DATE_FORMAT = "%Y-%m-%d"
# One box, digits on a phone's keyboard, the 24-hour form shown as the example.
TIME_BOX = {
    "inputmode": "numeric",
    "autocomplete": "off",
    "maxlength": "8",
    "size": "6",
    "placeholder": "14:30",
    "class": "time-box",
}
TIME_FORMAT = "%H:%M"


def joined_date_time(data: Mapping[str, Any], name: str) -> str | None:
    """The single value of a split date-time field in submitted `data`, or None if not split.

    A half left empty gives a value the field refuses ("2025-05-01T"), so a missing time is an
    error at the field, never midnight."""
    day, moment = _last(data, f"{name}_0"), _last(data, f"{name}_1")
    if day is None and moment is None:
        return None
    day, moment = (day or "").strip(), (moment or "").strip()
    if not day and not moment:
        return ""
    return f"{day}T{typed_time(moment)}"


TYPED_TIME = re.compile(r"(\d{1,2})(?:[:時](\d{2})?|(\d{2}))分?")


def typed_time(text: str) -> str:
    """A time as typed (「14:30」, 「1430」, 「９：０５」, 「14時30分」, 「14時」) as HH:MM;
    anything else unchanged, for the field to refuse."""
    plain = re.sub(r"\s", "", unicodedata.normalize("NFKC", text))
    match = TYPED_TIME.fullmatch(plain)
    if match is None:
        return plain
    hour, minute = match.group(1), match.group(2) or match.group(3) or "00"
    return f"{int(hour):02d}:{minute}"


def _last(data: Mapping[str, Any], key: str) -> str | None:
    """A QueryDict's last value for key (as `data[key]` gives), or a plain mapping's value; a
    draft keeps each name's values as a list."""
    if key not in data:
        return None
    value = data[key]
    if isinstance(value, list):
        return str(value[-1]) if value else ""
    return None if value is None else str(value)


class SplitDateTimeInput(forms.MultiWidget):
    """日付 and 時刻, each with its own visible label and an accessible name that carries the
    field's label too (「受付日時の日付」), since a screen reader announces each control alone."""

    template_name = "tsunagu/widgets/split_datetime.html"
    # Drawn inside the field's <p> with its label (components/field.html), not as a fieldset, so
    # that Django links the hint and the error to both controls (aria-describedby).
    use_fieldset = False

    def __init__(self, label: str, attrs: dict[str, Any] | None = None) -> None:
        self.label = label
        super().__init__(
            widgets=[
                forms.DateInput(
                    attrs={"type": "date", "aria-label": f"{label}の日付"}, format=DATE_FORMAT
                ),
                forms.TimeInput(
                    attrs=TIME_BOX | {"aria-label": f"{label}の時刻"}, format=TIME_FORMAT
                ),
            ],
            attrs=attrs,
        )

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        # The field's attributes go to both controls, except the focus on arrival: the date.
        for time_control in context["widget"]["subwidgets"][1:]:
            time_control["attrs"].pop("autofocus", None)
        return context

    def decompress(self, value: Any) -> list[str | None]:
        if isinstance(value, datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return [value.strftime(DATE_FORMAT), value.strftime(TIME_FORMAT)]
        if isinstance(value, date):
            return [value.strftime(DATE_FORMAT), None]
        if isinstance(value, time):
            return [None, value.strftime(TIME_FORMAT)]
        if isinstance(value, str) and value.strip():
            return _split_text(value.strip())
        return [None, None]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        split = joined_date_time(data, name)
        if split is not None:
            return split
        return data.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}_0" not in data and f"{name}_1" not in data

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_0" if id_ else id_


def _split_text(value: str) -> list[str | None]:
    """A typed or joined value ("2025-05-01T14:30", "2025-05-01 14:30:00") back into its halves,
    so a refused value is shown as it was entered."""
    day, _, moment = value.replace(" ", "T", 1).partition("T")
    return [day or None, moment[:5] or None]


def split_datetime_field(label: str, **kwargs: Any) -> forms.DateTimeField:
    """A `DateTimeField` drawn as 日付 and 時刻 (the help says what to type in each)."""
    attrs = kwargs.pop("attrs", None)
    kwargs.setdefault("help_text", "時刻は24時間表記で入力してください（例: 14:30、1430）。")
    return forms.DateTimeField(label=label, widget=SplitDateTimeInput(label, attrs), **kwargs)
