from django.db import connection

from cases.models import Assessment
from cases.services import assessment_add
from cases.tests.helpers import open_case
from tsunagu.test import BaseTestCase


class AssessmentServiceTests(BaseTestCase):
    def test_a_colleague_off_the_team_carries_the_sensitive_fields_over_unchanged(self) -> None:
        case = open_case(self.soudan)
        assessment_add(
            case=case,
            data={"medical_flags": ["mood"], "medical_history": "通院歴あり", "strengths": "料理"},
            by=self.soudan,
        )
        second = assessment_add(
            case=case,
            data={"medical_flags": [], "medical_history": "", "strengths": "散歩に出られた"},
            by=self.douryou,
        )
        second = Assessment.objects.get(pk=second.pk)
        self.assertEqual(
            (second.number, second.medical_flags, second.medical_history, second.strengths),
            (2, ["mood"], "通院歴あり", "散歩に出られた"),
        )

    def test_the_sensitive_fields_are_encrypted_in_the_database(self) -> None:
        case = open_case(self.soudan)
        assessment = assessment_add(
            case=case, data={"medical_history": "通院歴あり"}, by=self.soudan
        )
        raw = Assessment.objects.filter(pk=assessment.pk).values_list("medical_history", flat=True)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT medical_history FROM cases_assessment WHERE id = %s", [assessment.pk]
            )
            (stored,) = cursor.fetchone()
        self.assertNotIn("通院", stored)
        self.assertEqual(list(raw), ["通院歴あり"])

    def test_the_audit_row_tells_carried_over_fields_from_written_ones(self) -> None:
        from audit.models import AuditEvent

        case = open_case(self.soudan)
        assessment_add(case=case, data={"medical_history": "通院歴あり"}, by=self.soudan)
        assessment_add(case=case, data={"strengths": "散歩"}, by=self.douryou)
        row = AuditEvent.objects.filter(
            action=AuditEvent.Action.CREATE, object_type="cases.assessment", actor=self.douryou
        ).get()
        self.assertEqual(row.detail["fields"], ["strengths"])
        self.assertEqual(row.detail["carried_over"], ["medical_history"])
        self.assertEqual(row.detail["sensitive"], [])
