"""The host list's filters (a GET form) and its sortable columns, applied in SQL."""

from django import forms
from django.db.models import Q, QuerySet

from participation.models import Host, HostKind, HostStatus
from tsunagu.forms import short_text
from tsunagu.listing import FilterForm, Sort, choice_order

HOST_SORTS = (
    Sort("name", "受入先", ("name",)),
    Sort("kind", "種別", ("kind_order", "name")),
    Sort("status", "状況", ("status_order", "name")),
    Sort("owner", "開拓した機関", ("owner__name", "name")),
)
DEFAULT_HOST_SORT = "name"

WHOSE_CHOICES = [
    ("", "すべて"),
    ("own", "自分の機関の受入先"),
    ("shared", "県内で共有されている受入先"),
]


def with_choice_order(hosts: QuerySet[Host]) -> QuerySet[Host]:
    return hosts.annotate(
        kind_order=choice_order("kind", HostKind.values),
        status_order=choice_order("status", HostStatus.values),
    )


class HostFilterForm(FilterForm):
    q = short_text("名称・所在地・最寄り駅", 100)
    kind = forms.ChoiceField(
        label="種別", choices=[("", "すべて"), *HostKind.choices], required=False
    )
    status = forms.ChoiceField(
        label="状況", choices=[("", "すべて"), *HostStatus.choices], required=False
    )
    whose = forms.ChoiceField(label="範囲", choices=WHOSE_CHOICES, required=False)

    def apply(self, hosts: QuerySet[Host], organisation_id: int | None) -> QuerySet[Host]:
        if query := (self.value("q") or "").strip():
            hosts = hosts.filter(
                Q(name__icontains=query)
                | Q(address__icontains=query)
                | Q(nearest_station__icontains=query)
            )
        if kind := self.value("kind"):
            hosts = hosts.filter(kind=kind)
        if status := self.value("status"):
            hosts = hosts.filter(status=status)
        whose = self.value("whose")
        if whose == "own":
            hosts = hosts.filter(owner_id=organisation_id)
        elif whose == "shared":
            hosts = hosts.filter(shared_in_prefecture=True).exclude(owner_id=organisation_id)
        return hosts
