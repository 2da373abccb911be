from ninja import Schema


class OrganisationOut(Schema):
    id: int
    name: str
    type: str
    type_label: str
    operator_name: str
    local_government_code: str
    local_government_name: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    organisation: OrganisationOut | None
    roles: list[str]
    rights: list[str]


class StaffOut(Schema):
    id: int
    username: str
    display_name: str
    roles: list[str]
    is_active: bool


class ErrorOut(Schema):
    detail: str


class FormErrors(Schema):
    """422: the refusals per field, named as in the request body, in Japanese."""

    detail: str
    errors: dict[str, list[str]]
