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
# Reasons the access kernel and the sign-in write as codes (a free-text reason stays as written).
REASON_LABELS = {
    "missing_right": "権限がない",
    "out_of_scope": "他の機関の記録",
    "restricted_identity": "制限対象者の記録（担当チーム外）",
    "sensitive_not_on_team": "要配慮個人情報（担当チーム外）",
    "no_sharing_basis": "共有の根拠がない",
    "not_a_participant": "会議の参加者ではない",
    "invalid_api_token": "無効なAPIトークン",
    "expired_api_token": "期限切れのAPIトークン",
    "totp_failed": "確認コードの誤り",
    "totp_verified": "確認コードで確認",
    "reauth_password": "パスワードで再確認",
    "password_changed": "パスワードの変更",
    "login_unlocked": "ログインの制限を解除",
    "invitation_accepted": "招待を受けた",
    "set_by_one_time_link": "一回限りのリンクで設定",
}
# The apps whose records the audit log names, in the order of the layers (docs/ARCHITECTURE.md):
# the record kind filter offers their models, grouped by app.
RECORD_KIND_APPS = (
    "accounts",
    "audit",
    "notifications",
    "people",
    "consultations",
    "cases",
    "collaboration",
    "community",
    "supporters",
    "reports",
)


def model_of(object_type: str) -> type[Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def record_kind(object_type: str) -> str:
    """'cases.case' → 'ケース'; a kind no model answers to stays as stored."""
    model = model_of(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def record_kind_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The record kinds as grouped choices: (app name, [('cases.case', 'ケース'), …])."""
    groups = []
    for label in RECORD_KIND_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:  # an app left out of a test's available apps
            continue
        kinds = [
            (model._meta.label_lower, str(model._meta.verbose_name))
            for model in config.get_models()
        ]
        groups.append((str(config.verbose_name), kinds))
    return groups


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
    if key == "reason" and isinstance(value, str):
        return REASON_LABELS.get(value, value)
    return value
