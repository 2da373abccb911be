from datetime import date

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Contract, validate_local_government_code
from tsunagu.test import BaseTestCase


@pytest.mark.parametrize("code", ["130001", "011002", "200000", "220001", "131016", "992011"])
def test_real_local_government_codes_are_valid(code: str) -> None:
    validate_local_government_code(code)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("130002", "検査数字が正しくありません"),
        ("13000", "6桁の数字"),
        ("１３０００１", "6桁の数字"),
    ],
)
def test_bad_local_government_codes_are_refused_in_japanese(code: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_local_government_code(code)


def test_a_contract_is_in_force_within_its_period() -> None:
    contract = Contract(starts_on=date(2024, 4, 1), ends_on=date(2025, 3, 31))
    assert contract.is_in_force(date(2024, 4, 1))
    assert contract.is_in_force(date(2025, 3, 31))
    assert not contract.is_in_force(date(2025, 4, 1))
    assert Contract(starts_on=date(2024, 4, 1)).is_in_force(date(2030, 1, 1))


class ContractsInForceTests(BaseTestCase):
    def test_the_database_rule_is_the_contract_s_own(self) -> None:
        Contract.objects.all().delete()
        npo = self.world.organisations["npo"]
        ended = Contract.objects.create(
            commissioner=self.window,
            contractor=npo,
            service="居場所",
            starts_on=date(2024, 4, 1),
            ends_on=date(2025, 3, 31),
        )
        open_ended = Contract.objects.create(
            commissioner=self.window, contractor=npo, service="訪問", starts_on=date(2025, 4, 1)
        )
        expected = {
            date(2024, 3, 31): set(),
            date(2024, 4, 1): {ended.pk},
            date(2025, 3, 31): {ended.pk},
            date(2025, 4, 1): {open_ended.pk},
        }
        for day, pks in expected.items():
            with self.subTest(day=day):
                found = Contract.objects.in_force(day).values_list("pk", flat=True)
                self.assertEqual(set(found), pks)
                self.assertEqual({c.pk for c in (ended, open_ended) if c.is_in_force(day)}, pks)
