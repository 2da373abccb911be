"""Japanese names for what the audit log stores as codes: record kinds (`cases.case`), field names
(`medical_flags`) and the keys of an event's detail (`ids`, `reason`), read from the models'
own verbose names so that a new model or field is named without a list to keep up to date."""

from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model

# Keys of an event's detail that are not a field of the record.
DETAIL_KEY_LABELS = {
    "ids": "表示したID",
    "fields": "項目",
    "reason": "理由",
    "case": "ケース",
    "person": "本人",
    "meeting": "会議",
    "plan": "プラン",
    "stage": "段階",
    "basis": "共有の根拠",
    "basis_id": "根拠の記録",
    "info_kinds": "情報の種類",
    "identity": "氏名の表示",
    "sensitive": "要配慮個人情報",
    "document": "書類",
    "restriction": "制限",
    "right": "権限",
    "roles": "役割",
    "previous_version": "前の版",
    "correction": "訂正",
    "note": "メモ",
    "withdrawn": "撤回",
    "handover": "引き継ぎ",
}
YES_NO = {True: "はい", False: "いいえ"}


def model_of(object_type: str) -> type[Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def record_kind(object_type: str) -> str:
    """'cases.case' → 'ケース'; a kind no model answers to stays as stored."""
    model = model_of(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def field_label(object_type: str, name: str) -> str:
    model = model_of(object_type)
    if model is None:
        return name
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(getattr(field, "verbose_name", name))


def detail_key_label(key: str) -> str:
    """A detail key: a known key, or a record kind (the ids of another kind shown on the page)."""
    if key in DETAIL_KEY_LABELS:
        return DETAIL_KEY_LABELS[key]
    if model_of(key) is not None:
        return f"{record_kind(key)}のID"
    return key


def detail_value(object_type: str, key: str, value: Any) -> Any:
    """Field names named in Japanese, yes/no for a flag; anything else as it is."""
    if key == "fields" and isinstance(value, list):
        return "・".join(field_label(object_type, str(name)) for name in value)
    if isinstance(value, bool):
        return YES_NO[value]
    return value
