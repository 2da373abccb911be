"""Form helpers of every page and of the API: Japanese messages, date and text fields, refusals.

Forms check input only; the services enforce the rules and save. The JSON API reads its input
with the pages' forms, so a field is parsed alike and refused with the same message on both doors.
A service's refusal is shown at its field with `show_refusal`.
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from tsunagu.dates import wareki
from tsunagu.validation import (
    parse_date_input,
    reject_control_characters,
    reject_control_characters_keep_lines,
)
from tsunagu.versioning import StaleVersionError


class JapaneseDateField(forms.Field):
    """Accepts 西暦 (1975-05-05, 1975/5/5) and 和暦 (昭和50年5月5日, S50.5.5)."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "例: 昭和50年5月5日、S50.5.5、1975-05-05")
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return wareki(value) if isinstance(value, date) else value

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, date):
            return value
        text = str(value or "").strip()
        if not text:
            return None
        if len(text) > 30:
            raise forms.ValidationError("日付は30文字以内で入力してください。")
        return parse_date_input(text)


DATE_HELP = "例: 令和7年5月1日、R7.5.1、2025-05-01"
BLANK = ("", "—")
Choices = Sequence[tuple[Any, str]]


def japanese_messages(form: forms.BaseForm) -> None:
    """Messages that name the field in place of Django's generic ones: 「{label}を入力して
    ください。」「{label}を選んでください。」「{label}は一覧にあるものから選んでください。」.
    A field's own messages stay."""
    for name, field in form.fields.items():
        label = str(field.label or name)
        if isinstance(field, forms.ChoiceField):
            messages = {
                "required": f"{label}を選んでください。",
                "invalid_choice": f"{label}は一覧にあるものから選んでください。",
                "invalid_pk_value": f"{label}は一覧にあるものから選んでください。",
            }
        else:
            messages = {"required": f"{label}を入力してください。"}
        generic = _generic_messages(type(field))
        for key, message in messages.items():
            if key in field.error_messages and field.error_messages[key] is generic.get(key):
                field.error_messages[key] = message


def _generic_messages(field_class: type[forms.Field]) -> dict[str, Any]:
    messages: dict[str, Any] = {}
    for cls in reversed(field_class.__mro__):
        messages.update(getattr(cls, "default_error_messages", {}))
    return messages


def error_text(form: forms.BaseForm) -> str:
    """A form's messages in one line, for a page that answers with a message and a redirect."""
    return " ".join(str(message) for errors in form.errors.values() for message in errors)


def show_refusal(
    form: forms.BaseForm, error: ValidationError, names: Mapping[str, str] | None = None
) -> None:
    """A service's refusal on the page: each message at the field it names (`names` maps the
    service's names to the form's), any other above the form."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for key, messages in error.message_dict.items():
        field = (names or {}).get(key, key)
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def saved_or_shown(form: forms.BaseForm, save: Callable[[], object]) -> bool:
    """Save a valid form through its service: True when saved; else the refusal at its field,
    or a stale save above the form (the input is kept, nothing is overwritten), and False."""
    try:
        save()
    except ValidationError as error:
        show_refusal(form, error)
    except StaleVersionError as error:
        form.add_error(None, str(error))
    else:
        return True
    return False


class OfferedChoiceField(forms.ChoiceField):
    """Offers `choices` (what may follow now) yet accepts any of `accepted`: the service decides
    what may follow, and its message says why."""

    def __init__(self, *, accepted: Choices, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.accepted = {str(value) for value, _ in accepted}

    def valid_value(self, value: Any) -> bool:
        return str(value) in self.accepted


def date_field(label: str, *, required: bool = False, **kwargs: Any) -> JapaneseDateField:
    kwargs.setdefault("help_text", DATE_HELP)
    field = JapaneseDateField(label=label, required=required, **kwargs)
    field.error_messages["required"] = f"{label}を入力してください。"
    return field


def text_area(label: str, *, required: bool = False, rows: int = 3) -> forms.CharField:
    field = forms.CharField(
        label=label,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows, "cols": 60}),
        validators=[reject_control_characters_keep_lines],
    )
    field.error_messages["required"] = f"{label}を入力してください。"
    return field


def short_text(label: str, max_length: int, *, required: bool = False) -> forms.CharField:
    field = forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        validators=[reject_control_characters],
    )
    field.error_messages["required"] = f"{label}を入力してください。"
    return field


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        japanese_messages(self)
