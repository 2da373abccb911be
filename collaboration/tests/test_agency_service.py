from unittest import mock

from accounts.models import LocalGovernment
from audit.models import AuditEvent
from collaboration.directory.services import agency_create
from collaboration.models import Agency
from tsunagu.test import BaseTestCase


class AgencyCreateTests(BaseTestCase):
    def setUp(self) -> None:
        self.city = LocalGovernment.objects.get(name="つなぐ市")

    def test_it_saves_the_directorys_fields_and_audits_their_names_only(self) -> None:
        agency = agency_create(
            data={"name": "つなぐ市社会福祉協議会", "category": "other", "phone": "", "extra": 1},
            local_government=self.city,
            by=self.soudan,
        )
        self.assertEqual(
            (agency.local_government, agency.name), (self.city, "つなぐ市社会福祉協議会")
        )
        (row,) = self.audit_rows(action=AuditEvent.Action.CREATE)
        self.assertEqual(row.detail["fields"], ["category", "local_government", "name"])
        self.assertNotIn("社会福祉協議会", row.canonical())

    def test_nothing_is_saved_when_the_audit_row_cannot_be_written(self) -> None:
        with (
            mock.patch("collaboration.directory.services.audit_record", side_effect=RuntimeError),
            self.assertRaises(RuntimeError),
        ):
            agency_create(
                data={"name": "記録できない機関", "category": "other"},
                local_government=self.city,
                by=self.soudan,
            )
        self.assertFalse(Agency.objects.filter(name="記録できない機関").exists())
