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
    "dispatch": "派遣",
    "session": "居場所の回",
    "supporter": "サポーター",
    "disposition": "対応",
    "phones": "電話番号",
    "contact": "連絡先",
    "actions": "アクション項目",
    "advice_request_id": "助言の依頼",
    "cleared": "解除",
    "confidentiality": "守秘義務の確認",
    "count": "件数",
    "expires_at": "有効期限",
    "import_batch": "取込",
    "invitation": "招待",
    "kind": "種類",
    "members": "参加者",
    "membership": "世帯員",
    "merge_undone": "統合の取り消し",
    "persons": "本人・家族",
    "promoted_from_waiting_list": "キャンセル待ちから繰り上げ",
    "removed": "除外",
    "reopened": "再開",
    "scope": "範囲",
    "unlinked_person": "結び付けを外した本人",
    "user": "ユーザー",
}
# Parts of a record read with it that are not a field of its model (the case page's newest
# assessment and plan, read through their own relations).
READ_PART_LABELS = {
    ("cases.case", "assessment"): "アセスメント",
    ("cases.case", "plan"): "支援プラン",
}
YES_NO = {True: "はい", False: "いいえ"}
# Reasons the access kernel and the sign-in write as codes (a free-text reason stays as written).
REASON_LABELS = {
    # The access kernel and the domains' refusals
    "missing_right": "権限なし",
    "not_office_staff": "職員以外（サポーター）の利用",
    "not_host_owner": "受入先の所有機関以外の編集",
    "out_of_scope": "他の機関の記録",
    "restricted_identity": "制限対象者の記録（担当チーム外）",
    "sensitive_not_on_team": "要配慮個人情報（担当チーム外）",
    "no_sharing_basis": "共有の根拠なし",
    "not_a_participant": "会議の参加者以外",
    "not_a_member": "会議の構成員以外",
    "not_owner": "担当者・会議の参加者以外",
    # Sign-in, API tokens and the second factor
    "invalid_credentials": "ユーザー名またはパスワードの誤り",
    "invalid_api_token": "無効なAPIトークン",
    "revoked_api_token": "無効化済みのAPIトークン",
    "expired_api_token": "期限切れのAPIトークン",
    "revoked_by_owner": "本人による無効化",
    "revoked_by_administrator": "管理者による無効化",
    "revoked_by_command": "管理コマンドによる無効化",
    "totp_enrolled": "確認コードのアプリを登録",
    "totp_failed": "確認コードの誤り",
    "totp_verified": "確認コードで確認",
    "totp_reset": "確認コードのアプリの登録を解除",
    "recovery_code_used": "予備の確認コードを使用",
    "recovery_codes_renewed": "予備の確認コードを再発行",
    "reauthenticated": "本人の再確認",
    "reauth_password": "パスワードで再確認",
    "password_changed": "パスワードの変更",
    "password_reset_by_administrator": "管理者によるパスワードの再設定",
    "deactivated": "アカウントの無効化",
    "login_unlocked": "ログインの制限を解除",
    "invitation_accepted": "招待を承諾",
    "set_by_one_time_link": "一回限りのリンクで設定",
    "setup_installation": "初期設定",
    # Records changed by the system itself
    "automatic_title_follows_person": "件名を本人に合わせて自動変更",
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


# Fields whose models leave them to Django's English default (internal keys, timestamps).
FIELD_LABELS = {
    ("accounts.user", "totpdevice"): "確認コードのアプリ",
    ("accounts.user", "staticdevice"): "予備の確認コード",
    ("accounts.apitoken", "digest"): "トークンの照合値",
    ("accounts.apitoken", "last_used_at"): "最後に使った日時",
    ("accounts.apitoken", "revoked_at"): "無効にした日時",
    ("accounts.loginthrottle", "key"): "照合キー",
    ("accounts.loginthrottle", "subject"): "対象",
    ("accounts.staffinvitation", "digest"): "招待リンクの照合値",
    ("audit.auditevent", "subject"): "対象の本人",
    ("audit.auditevent", "prev_hash"): "前の記録のハッシュ",
    ("audit.auditevent", "hash"): "この記録のハッシュ",
    ("audit.chainboundary", "legacy_last_hash"): "旧方式の最後のハッシュ",
    ("audit.chainboundary", "key_id"): "鍵の番号",
    ("audit.chainboundary", "signature"): "署名",
    ("people.person", "name_key"): "検索用の氏名",
    ("people.person", "search_text"): "検索用の文字列",
    ("people.person", "reading_key"): "検索用の読み",
    ("people.person", "given_key"): "検索用の名",
    ("people.person", "given_reading_key"): "検索用の名の読み",
    ("people.person", "alias_key"): "検索用の通称",
    ("people.personphone", "digits"): "電話番号（数字のみ）",
    ("people.personmerge", "moved_links"): "付け替えた記録",
    ("people.personmerge", "filled_fields"): "補った項目",
    ("people.personmerge", "merged_at"): "統合した日時",
    ("people.personmerge", "undone_at"): "取り消した日時",
    ("people.duplicatecandidate", "found_at"): "見つけた日時",
    ("people.duplicatecandidate", "decided_at"): "判断した日時",
    ("consultations.consultationdraft", "data"): "下書きの内容",
    ("consultations.importbatch", "sha256"): "ファイルの照合値",
    ("consultations.importbatch", "imported_at"): "取り込んだ日時",
    ("cases.teamchange", "at"): "変更日時",
    ("cases.stagechange", "from_stage"): "前の段階",
    ("cases.stagechange", "to_stage"): "次の段階",
    ("cases.stagechange", "at"): "変更日時",
    ("collaboration.referralevent", "at"): "日時",
    ("collaboration.meeting", "minutes_updated_at"): "記録を更新した日時",
    ("collaboration.agendaitem", "added_at"): "議題に加えた日時",
    ("collaboration.decision", "decided_at"): "決めた日時",
    ("collaboration.advicerequest", "requested_at"): "依頼した日時",
    ("collaboration.advice", "given_at"): "回答した日時",
    ("community.nicknameparticipant", "nickname_key"): "検索用のニックネーム",
    ("community.nicknameparticipant", "linked_at"): "本人と結び付けた日時",
    ("supporters.dispatchreport", "filed_at"): "報告した日時",
}
# Columns every kind of record has, which their models leave to Django's English default.
COMMON_FIELD_LABELS = {
    "id": "番号",
    "version": "版",
    "created_at": "作成日時",
    "created_by": "作成した職員",
    "updated_at": "更新日時",
    "recorded_at": "記録日時",
    "user": "ユーザー",
}


def field_label(object_type: str, name: str) -> str:
    """A field's Japanese name: its verbose name; for a relation without one, the related kind;
    the curated FIELD_LABELS and COMMON_FIELD_LABELS; else the name as stored."""
    model = model_of(object_type)
    if model is None:
        return name
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return READ_PART_LABELS.get((object_type, name), name)
    if (object_type, name) in FIELD_LABELS:
        return FIELD_LABELS[(object_type, name)]
    if name in COMMON_FIELD_LABELS:
        return COMMON_FIELD_LABELS[name]
    verbose = str(getattr(field, "verbose_name", ""))
    named = bool(verbose) and verbose != name.replace("_", " ")
    if not named and field.is_relation and field.related_model is not None:
        # A relation read with its record (a case's activities, a phone's person): the kind.
        return str(field.related_model._meta.verbose_name)
    return verbose if named else name


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
