"""Forms of the case pages. They check input only; the services enforce the rules and save.

The JSON API reads its input with these same forms, so a field is parsed alike and refused with
the same message on both paths. A service's refusal is shown at its field with `show_refusal`.
"""

from datetime import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from cases.models import (
    Activity,
    Assessment,
    ClosureReason,
    DomainStatus,
    GuidelineStage,
    LifeDomain,
    MedicalFlag,
    OutingLevel,
    SelfRelianceStage,
    Stage,
    SupportPlan,
)
from people.models import Household
from tsunagu.forms import (
    BLANK,
    DATE_HELP,
    Choices,
    OfferedChoiceField,
    VersionForm,
    date_field,
    japanese_messages,
    short_text,
    text_area,
)

# The free-text rule lives with the other input checks, where the import finds it too; it and
# its message are re-exported for the modules that take them from here.
from tsunagu.validation import FREE_TEXT_CONTROL_CHARACTERS as FREE_TEXT_CONTROL_CHARACTERS
from tsunagu.validation import (
    reject_control_characters_keep_lines as reject_control_characters_keep_lines,
)
from tsunagu.widgets import split_datetime_field

DOMAIN_PREFIX = "domain_"


class StageForm(VersionForm):
    # Closing is offered apart (理由と確認日); `case_set_stage` refuses it here, with its message.
    stage = OfferedChoiceField(
        label="次の段階",
        choices=[choice for choice in Stage.choices if choice[0] != Stage.CLOSED],
        accepted=Stage.choices,
    )
    note = short_text("メモ", 300)


class CaseHouseholdForm(VersionForm):
    household = forms.ModelChoiceField(
        label="世帯", queryset=Household.objects.none(), required=False, empty_label="世帯なし"
    )

    def __init__(self, *args: Any, households: QuerySet[Household], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households  # type: ignore[attr-defined]


class CloseForm(VersionForm):
    reason = forms.ChoiceField(label="終結の理由", choices=[BLANK, *ClosureReason.choices])
    follow_up_on = date_field(
        "終結後の確認日", help_text="終結後に様子を確認する日（任意）。" + DATE_HELP
    )
    note = short_text("終結の理由の詳しい内容・メモ", 200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The case page also shows the stage form, whose memo is `id_note`: ids of its own, so the
        # labels, hints and error ids (aria-describedby) of the two forms never collide.
        kwargs.setdefault("auto_id", "id_closure_%s")
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = "終結の理由を選んでください。"


class ReopenForm(VersionForm):
    note = short_text("再開の理由・メモ", 300)


class AssessmentForm(forms.Form):
    """One new dated version. Employment is never required, and there is no minimum duration."""

    assessed_on = date_field("実施日", required=True)
    outing_level = forms.ChoiceField(
        label="外出の状況", choices=[BLANK, *OutingLevel.choices], required=False
    )
    state_since_year = forms.IntegerField(
        label="いつから（年・西暦）", required=False, min_value=1900, help_text="例: 2019"
    )
    state_since_month = forms.IntegerField(
        label="いつから（月）", required=False, min_value=1, max_value=12
    )
    since_is_approximate = forms.BooleanField(label="おおよその時期", required=False)
    age_at_onset = forms.IntegerField(
        label="始まった年齢", required=False, min_value=0, max_value=130
    )
    triggers = text_area("きっかけ")
    medical_flags = forms.MultipleChoiceField(
        label="医療連携の検討（要配慮個人情報）",
        choices=MedicalFlag.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="医師と相談することを検討する目安です。診断ではありません。",
    )
    medical_history = text_area("医療・服薬の経過（要配慮個人情報）")
    strengths = text_area("強み・できていること")
    wishes_person = text_area("本人の希望")
    wishes_family = text_area("家族の希望")
    guideline_stage = forms.ChoiceField(
        label="支援の段階（ガイドライン）", choices=[BLANK, *GuidelineStage.choices], required=False
    )
    self_reliance_stage = forms.ChoiceField(
        label="自立の段階", choices=[BLANK, *SelfRelianceStage.choices], required=False
    )

    PLAIN_FIELDS = (
        "assessed_on",
        "outing_level",
        "state_since_year",
        "state_since_month",
        "since_is_approximate",
        "age_at_onset",
        "triggers",
        "strengths",
        "wishes_person",
        "wishes_family",
        "guideline_stage",
        "self_reliance_stage",
    )

    def __init__(self, *args: Any, show_sensitive: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for domain in LifeDomain:
            self.fields[DOMAIN_PREFIX + domain.value] = forms.ChoiceField(
                label=domain.label, choices=[BLANK, *DomainStatus.choices], required=False
            )
        self.show_sensitive = show_sensitive
        if not show_sensitive:
            for name in Assessment.SENSITIVE_FIELDS:
                del self.fields[name]
        japanese_messages(self)

    @classmethod
    def initial_from(cls, assessment: Assessment | None, *, sensitive: bool) -> dict[str, Any]:
        """The previous version as the starting point of the next; today as its date."""
        initial: dict[str, Any] = {"assessed_on": timezone.localdate()}
        if assessment is None:
            initial["since_is_approximate"] = True
            return initial
        for name in cls.PLAIN_FIELDS[1:]:
            initial[name] = getattr(assessment, name)
        for code, status in (assessment.life_domains or {}).items():
            initial[DOMAIN_PREFIX + code] = status
        if sensitive:
            initial["medical_flags"] = assessment.medical_flags or []
            initial["medical_history"] = assessment.medical_history
        return initial

    def domain_fields(self) -> list[forms.BoundField]:
        return [self[DOMAIN_PREFIX + domain.value] for domain in LifeDomain]

    def assessment_data(self) -> dict[str, Any]:
        """The values for `assessment_add` (sensitive ones only when the form shows them)."""
        data = {name: self.cleaned_data[name] for name in self.PLAIN_FIELDS}
        data["life_domains"] = {
            domain.value: status
            for domain in LifeDomain
            if (status := self.cleaned_data.get(DOMAIN_PREFIX + domain.value))
        }
        if self.show_sensitive:
            data["medical_flags"] = list(self.cleaned_data["medical_flags"])
            data["medical_history"] = self.cleaned_data["medical_history"]
        return data


def domain_rows(assessment: Assessment) -> list[tuple[str, str]]:
    """(領域, 状況) for each of the nine life domains, in their order."""
    domains = assessment.life_domains or {}
    return [
        (
            domain.label,
            DomainStatus(domains[domain.value]).label if domains.get(domain.value) else "—",
        )
        for domain in LifeDomain
    ]


def medical_flag_labels(flags: list[str] | None) -> list[str]:
    return [MedicalFlag(code).label for code in flags or [] if code in MedicalFlag.values]


class PlanForm(forms.Form):
    """The plan as the worker edits it; saving adds the next version (`based_on` + 1)."""

    # Goals are checked by the service (validate_plan) so its Japanese messages are shown.
    long_term_goal = text_area("長期目標")
    short_term_goals = text_area("短期目標", rows=4)
    services = text_area("利用するサービス・資源")
    uses_work_readiness = forms.BooleanField(label="就労準備支援事業を利用", required=False)
    work_readiness_started_on = date_field("就労準備支援の開始日")
    work_readiness_extension_reason = text_area("1年を超えて利用する理由", rows=2)
    review_on = date_field("見直し日", required=True)
    approved_on = date_field("承認日")
    approval_meeting = short_text("承認した会議", 200)
    based_on = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    DATA_FIELDS = (
        "long_term_goal",
        "short_term_goals",
        "services",
        "uses_work_readiness",
        "work_readiness_started_on",
        "work_readiness_extension_reason",
        "review_on",
        "approved_on",
        "approval_meeting",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["approval_meeting"].help_text = "例: 支援調整会議（令和7年5月）"
        japanese_messages(self)

    @classmethod
    def initial_from(cls, plan: SupportPlan | None) -> dict[str, Any]:
        if plan is None:
            return {"based_on": 0}
        return {name: getattr(plan, name) for name in cls.DATA_FIELDS} | {"based_on": plan.number}

    def plan_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.DATA_FIELDS}


class PlanActionForm(forms.Form):
    description = short_text("取り組み", 300)
    responsible_worker = forms.TypedChoiceField(
        label="担当職員", coerce=int, empty_value=None, required=False
    )
    responsible_agency = forms.TypedChoiceField(
        label="担当機関", coerce=int, empty_value=None, required=False
    )

    def __init__(
        self, *args: Any, worker_choices: Choices = (), agency_choices: Choices = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible_worker"].choices = [BLANK, *worker_choices]  # type: ignore[attr-defined]
        self.fields["responsible_agency"].choices = [BLANK, *agency_choices]  # type: ignore[attr-defined]
        japanese_messages(self)

    def is_blank(self) -> bool:
        """A row left empty: not an action (the page always shows a few spare rows)."""
        cleaned = getattr(self, "cleaned_data", {})
        names = ("description", "responsible_worker", "responsible_agency")
        return not any(cleaned.get(name) for name in names)

    def action_data(self) -> dict[str, Any]:
        """An action for `plan_save`, which checks it (a description; a worker or an agency)."""
        return {
            "description": self.cleaned_data.get("description", ""),
            "responsible_worker_id": self.cleaned_data.get("responsible_worker"),
            "responsible_agency_id": self.cleaned_data.get("responsible_agency"),
        }


PlanActionFormSet = forms.formset_factory(
    PlanActionForm, extra=3, max_num=30, validate_max=True, absolute_max=30
)


def now_to_the_minute() -> datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


class ActivityForm(forms.Form):
    occurred_at = split_datetime_field("日時")
    kind = forms.ChoiceField(label="種類", choices=[BLANK, *Activity.Kind.choices])
    visit_outcome = forms.ChoiceField(
        label="訪問の結果",
        choices=[BLANK, *Activity.VisitOutcome.choices],
        required=False,
        help_text="訪問のときに選んでください。",
    )
    met_person = forms.BooleanField(label="本人と話せた・会えた", required=False)
    participants = forms.TypedMultipleChoiceField(
        label="参加した職員",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="選ばなければ記録した職員だけになります。",
    )
    other_participants = short_text("その他の参加者", 200)
    content = text_area("内容", required=True, rows=6)
    next_action = short_text("次にすること", 300)
    next_action_on = date_field("次の予定日")

    DATA_FIELDS = (
        "occurred_at",
        "kind",
        "visit_outcome",
        "met_person",
        "other_participants",
        "content",
        "next_action",
        "next_action_on",
    )

    def __init__(self, *args: Any, participant_choices: Choices = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participants"].choices = participant_choices  # type: ignore[attr-defined]
        self.fields["occurred_at"].error_messages["invalid"] = (
            "日時は 2025-05-01 14:30 の形で入力してください。"
        )
        japanese_messages(self)

    def activity_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.DATA_FIELDS}


class ActivityCorrectionForm(ActivityForm):
    """A saved activity corrected (訂正): its fields prefilled, the version it was opened at, and
    the reason, kept with the previous version."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    reason = text_area("訂正の理由", required=True, rows=3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[
            "reason"
        ].help_text = "例: 日付の入力誤り。前の版とともに残り、訂正の履歴に表示されます。"

    def correction_data(self, activity: Activity) -> dict[str, Any]:
        """The activity's data as typed; a time left as shown keeps its saved seconds (the form
        shows minutes), so that it does not count as a correction of the date."""
        data = self.activity_data()
        saved = activity.occurred_at
        if data["occurred_at"] == saved.replace(second=0, microsecond=0):
            data["occurred_at"] = saved
        return data

    @staticmethod
    def initial_of(activity: Activity) -> dict[str, Any]:
        return {
            **{name: getattr(activity, name) for name in ActivityForm.DATA_FIELDS},
            "occurred_at": timezone.localtime(activity.occurred_at),
            "participants": [member.pk for member in activity.participants.all()],
            "version": activity.version,
        }
