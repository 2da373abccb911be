"""Roles and their rights — the one place where they are written.

A staff member belongs to one organisation and holds one or more roles. Every right applies
only inside the member's own organisation unless a later rule of the access module
(`accounts.access`) grants a basis to see another organisation's record.

In plain words:
- 管理者 (administrator) manages the organisation's staff, their roles and the organisation's
  contracts, and sees the statistics. An administrator does not read case records unless also
  given a worker role.
- 相談支援員 (consultation worker) takes consultations and reads and writes the personal records
  of the organisation: persons, households, consultations and cases. Exports lists.
- アウトリーチ支援員 (outreach worker) does the same, with home visits as the daily work.
- 多機関協働コーディネーター (coordinator) reads and writes the records, convenes meetings across
  agencies, exports, and reviews probable duplicate records: merges them or marks them as
  different people (and undoes a wrong merge).
- 居場所スタッフ (ibasho staff) runs places and sessions and records attendance; reads the records
  needed for that but not case records.
- サポーター (supporter) sees only their own dispatches; nothing else.
- 統計担当 (statistics clerk) sees counts only: statistics and reports, never personal data.
- 監査担当 (auditor) reads and exports the audit log; no personal data values are in it.
- センター専門職 (centre specialist, prefectural centre) gives specialist advice on cases brought
  to the centre and reads the records of the centre's own organisation.
"""

from django.db import models


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", "管理者"
    CONSULTATION_WORKER = "consultation_worker", "相談支援員"
    OUTREACH_WORKER = "outreach_worker", "アウトリーチ支援員"
    COORDINATOR = "coordinator", "多機関協働コーディネーター"
    IBASHO_STAFF = "ibasho_staff", "居場所スタッフ"
    SUPPORTER = "supporter", "サポーター"
    STATISTICS_CLERK = "statistics_clerk", "統計担当"
    AUDITOR = "auditor", "監査担当"
    CENTRE_SPECIALIST = "centre_specialist", "センター専門職"


class Right(models.TextChoices):
    VIEW_PERSONAL_DATA = "view_personal_data", "個人情報を含む記録の閲覧"
    EDIT_PERSONAL_DATA = "edit_personal_data", "個人情報を含む記録の作成・更新"
    EXPORT_PERSONAL_DATA = "export_personal_data", "個人情報を含む一覧の出力"
    CONVENE_MEETINGS = "convene_meetings", "多機関の会議の招集"
    MERGE_RECORDS = "merge_records", "重複記録の確認・統合"
    RUN_IBASHO = "run_ibasho", "居場所の運営・出欠記録"
    VIEW_OWN_DISPATCHES = "view_own_dispatches", "自分の派遣予定の閲覧"
    VIEW_STATISTICS = "view_statistics", "統計（件数）の閲覧"
    GIVE_SPECIALIST_ADVICE = "give_specialist_advice", "専門的助言"
    MANAGE_STAFF = "manage_staff", "職員と権限の管理"
    VIEW_AUDIT_LOG = "view_audit_log", "監査ログの閲覧・出力"


_R = Right
ROLE_RIGHTS: dict[Role, frozenset[Right]] = {
    Role.ADMINISTRATOR: frozenset({_R.MANAGE_STAFF, _R.VIEW_STATISTICS}),
    Role.CONSULTATION_WORKER: frozenset(
        {_R.VIEW_PERSONAL_DATA, _R.EDIT_PERSONAL_DATA, _R.EXPORT_PERSONAL_DATA, _R.VIEW_STATISTICS}
    ),
    Role.OUTREACH_WORKER: frozenset(
        {_R.VIEW_PERSONAL_DATA, _R.EDIT_PERSONAL_DATA, _R.EXPORT_PERSONAL_DATA, _R.VIEW_STATISTICS}
    ),
    Role.COORDINATOR: frozenset(
        {
            _R.VIEW_PERSONAL_DATA,
            _R.EDIT_PERSONAL_DATA,
            _R.EXPORT_PERSONAL_DATA,
            _R.CONVENE_MEETINGS,
            _R.MERGE_RECORDS,
            _R.VIEW_STATISTICS,
        }
    ),
    Role.IBASHO_STAFF: frozenset({_R.RUN_IBASHO, _R.VIEW_STATISTICS}),
    Role.SUPPORTER: frozenset({_R.VIEW_OWN_DISPATCHES}),
    Role.STATISTICS_CLERK: frozenset({_R.VIEW_STATISTICS}),
    Role.AUDITOR: frozenset({_R.VIEW_AUDIT_LOG}),
    Role.CENTRE_SPECIALIST: frozenset(
        {
            _R.VIEW_PERSONAL_DATA,
            _R.EDIT_PERSONAL_DATA,
            _R.GIVE_SPECIALIST_ADVICE,
            _R.VIEW_STATISTICS,
        }
    ),
}


def rights_of(roles: list[str] | set[str] | frozenset[str]) -> frozenset[Right]:
    """The union of the rights of the given role codes."""
    rights: set[Right] = set()
    for role in roles:
        rights |= ROLE_RIGHTS[Role(role)]
    return frozenset(rights)
