"""Every row that points at a person, so that a merge moves them all and an undo moves them back.

Later areas (consultations, cases, referrals, attendance …) add their foreign keys here.
"""

# (app_label.Model, name of the foreign key to people.Person)
PERSON_LINKS: list[tuple[str, str]] = [
    ("people.HouseholdMembership", "person"),
    ("people.PersonPhone", "person"),
    ("consultations.Consultation", "person"),
    ("cases.Case", "person"),
    ("collaboration.Referral", "person"),
    ("collaboration.Consent", "person"),
    ("community.Attendance", "person"),
    ("community.Reservation", "person"),
    ("community.NicknameParticipant", "linked_person"),
]

# Fields of the kept record that a merge fills from the merged one when they are blank.
FILLABLE_FIELDS = [
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "koseki_kana",
    "birth_date",
    "postal_code",
    "address",
    "address_detail",
    "phone_hours",
]
