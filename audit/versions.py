"""The previous versions of a corrected record (訂正), as a page shows them: who, when, why, and
each changed field's value before → after, in Japanese (choice labels, 和暦, はい/いいえ)."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from audit.models import PreviousVersion
from audit.services import as_json
from tsunagu.dates import wareki
from tsunagu.forms import show_refusal
from tsunagu.versioning import StaleVersionError

EMPTY = "—"
CORRECTED = "訂正しました。前の版は訂正の履歴に残っています。"
UNCHANGED = "内容が今の版と同じだったので、訂正していません（前の版も作っていません）。"

# How a field without choices shows its kept value (a list of codes, say), by field name.
Shown = Mapping[str, Callable[[Any], str]]


@dataclass(frozen=True)
class ChangeShown:
    name: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class VersionShown:
    """One kept version: the version it was, who corrected it when, why, and what changed."""

    kept: PreviousVersion
    changes: list[ChangeShown]


def versions_shown(
    model: type[models.Model], kept: Sequence[PreviousVersion], shown: Shown | None = None
) -> list[VersionShown]:
    return [
        VersionShown(
            version,
            [
                ChangeShown(
                    name,
                    _label(model, name),
                    shown_value(model, name, before, shown),
                    shown_value(model, name, after, shown),
                )
                for name, (before, after) in (version.changes or {}).items()
            ],
        )
        for version in kept
    ]


def _label(model: type[models.Model], name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
    except LookupError:
        return name


def shown_value(
    model: type[models.Model], name: str, value: Any, shown: Shown | None = None
) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    if shown and name in shown:
        return shown[name](value)
    try:
        field = model._meta.get_field(name)
    except LookupError:
        return str(value)
    if isinstance(field, models.BooleanField):
        return "はい" if value else "いいえ"
    choices = getattr(field, "choices", None)
    if choices:
        labels = {str(key): str(label) for key, label in choices}
        return labels.get(str(value), str(value))
    if isinstance(field, models.DateTimeField):
        moment = parse_datetime(str(value))
        return _moment(moment) if moment else str(value)
    if isinstance(field, models.DateField):
        day = parse_date(str(value))
        return wareki(day) if day else str(value)
    if field.is_relation and field.related_model is not None:
        ids = value if isinstance(value, list) else [value]
        related = field.related_model._default_manager.filter(pk__in=ids)
        return "、".join(str(item) for item in related) or EMPTY
    return str(value)


def _moment(value: datetime) -> str:
    local = timezone.localtime(value)
    return f"{wareki(local.date())} {local:%H:%M}"


def stale_differences(
    model: type[models.Model],
    saved: Mapping[str, Any],
    typed: Mapping[str, Any],
    shown: Shown | None = None,
) -> list[ChangeShown]:
    """A correction refused as stale: each field where what is saved now differs from what the
    worker typed, as (label, saved, typed) — both versions shown, nothing overwritten."""
    return [
        ChangeShown(
            name,
            _label(model, name),
            shown_value(model, name, as_json(saved[name]), shown),
            shown_value(model, name, as_json(value), shown),
        )
        for name, value in typed.items()
        if name in saved and _comparable(saved[name]) != _comparable(value)
    ]


def _comparable(value: Any) -> Any:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return sorted(_comparable(item) for item in value)
    return value


def show_corrected(request: HttpRequest, version_now: int, version_opened: int) -> None:
    """The message after a correction: corrected, or nothing changed (no version was kept)."""
    if version_now > version_opened:
        messages.success(request, CORRECTED)
    else:
        messages.info(request, UNCHANGED)


def at_saved_version[F: forms.BaseForm](
    request: HttpRequest, error: StaleVersionError, build: Callable[[QueryDict], F]
) -> F:
    """A stale correction's form again: the worker's input at the version saved now, with the
    stale message, so that saving it (knowingly) corrects the version now saved."""
    data = request.POST.copy()
    data["version"] = str(error.current_version)
    again = build(data)
    again.is_valid()
    again.add_error(None, str(error))
    return again


@dataclass
class CorrectionOutcome[F: forms.BaseForm]:
    """What a correction page shows next: the form (again, or at the saved version when the
    save was stale), the stale differences, or `saved` (the page then shows the versions)."""

    form: F
    stale: list[ChangeShown] | None = None
    saved: bool = False


def save_correction[F: forms.BaseForm](
    request: HttpRequest,
    form: F,
    *,
    save: Callable[[dict[str, Any]], Any],
    on_stale: Callable[[StaleVersionError], tuple[list[ChangeShown], F]],
) -> CorrectionOutcome[F]:
    """The door's part of every correction (訂正), one place for all of them: a valid form is
    saved through its service (`save` gets the cleaned data and returns the corrected record);
    a refusal is shown at its fields, a stale save shows both versions (`on_stale`), and a saved
    one says whether anything changed."""
    if not form.is_valid():
        return CorrectionOutcome(form)
    try:
        corrected = save(form.cleaned_data)
    except ValidationError as error:
        show_refusal(form, error)
        return CorrectionOutcome(form)
    except StaleVersionError as error:
        stale, again = on_stale(error)
        return CorrectionOutcome(again, stale)
    show_corrected(request, corrected.version, form.cleaned_data["version"])
    return CorrectionOutcome(form, saved=True)
