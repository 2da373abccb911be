"""全国地方公共団体コード: the check digit (accounts.codes) and the model's rules on its parts."""

import pytest
from django.core.exceptions import ValidationError

from accounts.codes import check_digit, validate_local_government_code, with_check_digit
from accounts.models import LocalGovernment

# Real codes, chosen so that every remainder case of the rule is met (0 → 1, 1 → 0, others).
REAL_CODES = {
    "010006": "北海道",
    "011002": "札幌市",
    "110001": "埼玉県",  # remainder 0: check digit 1
    "130001": "東京都",
    "131016": "千代田区",
    "141003": "横浜市",
    "261009": "京都市",
    "271004": "大阪市",
    "401307": "福岡市",
    "420000": "長崎県",  # remainder 1: check digit 0
    "472018": "那覇市",
}


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_pass_the_check_digit(code: str) -> None:
    validate_local_government_code(code)
    assert with_check_digit(code[:5]) == code


def test_the_check_digit_follows_the_worked_example() -> None:
    # 1·6 + 3·5 + 1·4 + 0·3 + 1·2 = 27; 27 mod 11 = 5; 11 − 5 = 6
    assert check_digit("13101") == 6


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("131017", "検査数字が正しくありません"),
        ("130002", "検査数字"),
        ("311016", "検査数字"),  # 千代田区 with its first two digits swapped
        ("13000", "6桁の数字"),
        ("1300011", "6桁の数字"),
        ("１３０００１", "6桁の数字"),
        ("13000a", "6桁の数字"),
        ("", "6桁の数字"),
    ],
)
def test_bad_codes_are_refused_in_japanese(code: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_local_government_code(code)


def test_the_refusal_names_the_code() -> None:
    with pytest.raises(ValidationError) as refused:
        validate_local_government_code("131017")
    assert "131017" in refused.value.messages[0]


@pytest.mark.django_db
class TestTheCodeAgreesWithTheKind:
    def prefecture(self) -> LocalGovernment:
        return LocalGovernment.objects.create(
            code="130001", name="東京都", kind=LocalGovernment.Kind.PREFECTURE
        )

    def refusal_of(self, government: LocalGovernment) -> list[str]:
        with pytest.raises(ValidationError) as refused:
            government.full_clean()
        return refused.value.message_dict["code"]

    def test_a_prefecture_s_code_ends_in_000(self) -> None:
        government = LocalGovernment(
            code="131016", name="東京都", kind=LocalGovernment.Kind.PREFECTURE
        )
        assert "3〜5桁目が000" in self.refusal_of(government)[0]

    def test_a_municipality_s_code_is_not_a_prefecture_s(self) -> None:
        government = LocalGovernment(
            code="110001",
            name="千代田区",
            kind=LocalGovernment.Kind.MUNICIPALITY,
            prefecture=self.prefecture(),
        )
        assert "000は都道府県のコード" in self.refusal_of(government)[0]

    def test_a_municipality_lies_in_its_prefecture(self) -> None:
        government = LocalGovernment(
            code="011002",
            name="札幌市",
            kind=LocalGovernment.Kind.MUNICIPALITY,
            prefecture=self.prefecture(),
        )
        message = self.refusal_of(government)[0]
        assert "上2桁（01）" in message
        assert "東京都（130001）" in message

    def test_a_municipality_of_its_prefecture_is_valid(self) -> None:
        LocalGovernment(
            code="131016",
            name="千代田区",
            kind=LocalGovernment.Kind.MUNICIPALITY,
            prefecture=self.prefecture(),
        ).full_clean()
