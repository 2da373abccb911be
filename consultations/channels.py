"""How consultations and activities are counted in the ministry's table B (相談件数 by method).

The ministry prints four columns: 電話 | メール | 来所 | 訪問等. tsunagu records more channels; this
table maps each onto one column. It is the only place the mapping is written; a municipality whose
prefecture counts differently overrides entries with the setting OFFICIAL_METHOD_OVERRIDES, e.g.
{"online": "visit"} to count online meetings as 来所.

| recorded as            | counted as |
|------------------------|------------|
| 電話                   | 電話       |
| メール, SNS・チャット, FAX | メール   |
| 来所, オンライン面談    | 来所       |
| 訪問, 手紙, 同行, その他 | 訪問等     |

Activities of a case count when they are a contact with the person or the family; liaison with
other agencies and meetings do not count (see `ACTIVITY_METHOD`).
"""

from django.conf import settings
from django.db import models


class Channel(models.TextChoices):
    PHONE = "phone", "電話"
    EMAIL = "email", "メール"
    VISIT = "visit", "来所"
    HOME_VISIT = "home_visit", "訪問"
    SNS = "sns", "SNS・チャット"
    ONLINE = "online", "オンライン面談"
    LETTER = "letter", "手紙"
    FAX = "fax", "FAX"
    ACCOMPANY = "accompany", "同行"
    OTHER = "other", "その他"


class OfficialMethod(models.TextChoices):
    PHONE = "phone", "電話"
    EMAIL = "email", "メール"
    VISIT = "visit", "来所"
    OUTREACH = "outreach", "訪問等"


CHANNEL_METHOD: dict[str, str] = {
    Channel.PHONE: OfficialMethod.PHONE,
    Channel.EMAIL: OfficialMethod.EMAIL,
    Channel.SNS: OfficialMethod.EMAIL,
    Channel.FAX: OfficialMethod.EMAIL,
    Channel.VISIT: OfficialMethod.VISIT,
    Channel.ONLINE: OfficialMethod.VISIT,
    Channel.HOME_VISIT: OfficialMethod.OUTREACH,
    Channel.LETTER: OfficialMethod.OUTREACH,
    Channel.ACCOMPANY: OfficialMethod.OUTREACH,
    Channel.OTHER: OfficialMethod.OUTREACH,
}

# Activity kinds (cases.models.Activity.Kind) → the channel they are counted as; None: not counted.
ACTIVITY_CHANNEL: dict[str, str | None] = {
    "interview": Channel.VISIT,
    "phone": Channel.PHONE,
    "home_visit": Channel.HOME_VISIT,
    "letter": Channel.LETTER,
    "accompany": Channel.ACCOMPANY,
    "email_sns": Channel.SNS,
    "agency_liaison": None,
    "meeting": None,
    "other": Channel.OTHER,
}


def official_method(channel: str) -> str:
    """The table B column a channel is counted in, with the municipality's overrides."""
    overrides: dict[str, str] = getattr(settings, "OFFICIAL_METHOD_OVERRIDES", {})
    return overrides.get(channel, CHANNEL_METHOD[channel])
