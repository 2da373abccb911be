"""Per-year cache of the tables, valid until a record of that year or the counting rules change.

How: each fiscal year has a version stamp (YearStamp). Saving or deleting a consultation, a case
activity or a referral raises the stamp of its year (and of its old year when its date moved); a
person's birth date change raises the years of their contacts; an agency's category or an
organisation's municipality change raises every year. A cached result stores the stamp it was
computed under and is used only while the stamp is unchanged. The stamp is read before computing,
so a change during a computation makes the stored result stale at once.

A cached result also carries the version of the counting rules and of the set of tables it was
counted by (reports.tables.rules_version); one counted by other rules is never served, so raising
a rule's version or registering a table makes every year stale at once, without touching the rows.

Bulk writes (QuerySet.update, bulk_create, raw SQL, an import) send no model signals: they must
call `records_changed(years)` themselves, or, from a layer below reports, send
`consultations.signals.consultations_bulk_written` with the fiscal years.
"""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db.models import F, Model
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from consultations.signals import consultations_bulk_written
from reports.models import CachedTables, YearStamp
from reports.tables import rules_version
from tsunagu.dates import fiscal_year


def year_of(moment: date | datetime | None) -> int | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        moment = timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()
    return fiscal_year(moment)


def current_versions(years: Iterable[int]) -> dict[int, int]:
    years = list(years)
    stamps = dict(
        YearStamp.objects.filter(fiscal_year__in=years).values_list("fiscal_year", "version")
    )
    return {year: stamps.get(year, 1) for year in years}


def records_changed(years: Iterable[int | None]) -> None:
    """Raise the stamps of `years`: their cached tables are computed again on the next read."""
    for year in {y for y in years if y is not None}:
        if not YearStamp.objects.filter(fiscal_year=year).update(version=F("version") + 1):
            YearStamp.objects.get_or_create(fiscal_year=year, defaults={"version": 2})


def all_years_changed() -> None:
    YearStamp.objects.update(version=F("version") + 1)
    years_cached = CachedTables.objects.values_list("fiscal_year", flat=True).distinct()
    records_changed(set(years_cached) - set(YearStamp.objects.values_list("pk", flat=True)))


def read_many(scope_key: str, versions: dict[int, int]) -> dict[int, dict[str, Any]]:
    """The fresh cached counts of several years (same stamp, same rules), in one query."""
    rows = CachedTables.objects.filter(
        scope_key=scope_key, fiscal_year__in=list(versions), rules_version=rules_version()
    )
    return {row.fiscal_year: row.counts for row in rows if row.version == versions[row.fiscal_year]}


def write(scope_key: str, year: int, version: int, counts: dict[str, Any]) -> None:
    """Store counts computed under the year's stamp `version` and the rules in force."""
    CachedTables.objects.update_or_create(
        scope_key=scope_key,
        fiscal_year=year,
        defaults={
            "version": version,
            "rules_version": rules_version(),
            "counts": counts,
            "computed_at": timezone.now(),
        },
    )


# Signals -------------------------------------------------------------------------------------

_DATE_FIELD = {
    "consultations.consultation": "received_at",
    "cases.activity": "occurred_at",
    "collaboration.referral": "referred_on",
}


def _remember_old_year(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    field = _DATE_FIELD[sender._meta.label_lower]
    old = None
    if instance.pk is not None:
        old = sender._default_manager.filter(pk=instance.pk).values_list(field, flat=True).first()
    instance._reports_old_year = year_of(old)  # type: ignore[attr-defined]


def _record_saved(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    field = _DATE_FIELD[sender._meta.label_lower]
    old_year = getattr(instance, "_reports_old_year", None)
    records_changed([old_year, year_of(getattr(instance, field))])


def _remember_old_birth_date(sender: type[Model], instance: Any, **kwargs: Any) -> None:
    old = None
    if instance.pk is not None:
        old = sender._default_manager.filter(pk=instance.pk).values_list("birth_date").first()
    instance._reports_birth_changed = old is not None and old[0] != instance.birth_date


def _person_saved(sender: type[Model], instance: Any, **kwargs: Any) -> None:
    if not getattr(instance, "_reports_birth_changed", False):
        return
    from cases.models import Activity
    from consultations.models import Consultation

    months = list(Consultation.objects.filter(person=instance).datetimes("received_at", "month"))
    months += Activity.objects.filter(case__person=instance).datetimes("occurred_at", "month")
    records_changed(year_of(month) for month in months)


def _remember_old_value(field: str) -> Any:
    def remember(sender: type[Model], instance: Any, **kwargs: Any) -> None:
        old = None
        if instance.pk is not None:
            old = sender._default_manager.filter(pk=instance.pk).values_list(field).first()
        instance._reports_changed = old is not None and old[0] != getattr(instance, field)

    return remember


def _everything_changed_if_needed(sender: type[Model], instance: Any, **kwargs: Any) -> None:
    if getattr(instance, "_reports_changed", False):
        all_years_changed()


def _bulk_written(sender: Any, fiscal_years: Iterable[int | None], **kwargs: Any) -> None:
    records_changed(fiscal_years)


def connect_signals() -> None:
    from accounts.models import Organisation
    from cases.models import Activity
    from collaboration.models import Agency, Referral
    from consultations.models import Consultation
    from people.models import Person

    for model in (Consultation, Activity, Referral):
        uid = f"reports-{model._meta.label_lower}"
        pre_save.connect(_remember_old_year, sender=model, dispatch_uid=uid)
        post_save.connect(_record_saved, sender=model, dispatch_uid=uid)
        post_delete.connect(_record_saved, sender=model, dispatch_uid=uid)
    pre_save.connect(_remember_old_birth_date, sender=Person, dispatch_uid="reports-person")
    post_save.connect(_person_saved, sender=Person, dispatch_uid="reports-person")
    watched: tuple[tuple[type[Model], str], ...] = (
        (Agency, "category"),
        (Organisation, "local_government_id"),
    )
    for watched_model, field in watched:
        uid = f"reports-{watched_model._meta.label_lower}"
        pre_save.connect(
            _remember_old_value(field), sender=watched_model, dispatch_uid=uid, weak=False
        )
        post_save.connect(_everything_changed_if_needed, sender=watched_model, dispatch_uid=uid)
    consultations_bulk_written.connect(_bulk_written, dispatch_uid="reports-bulk-written")
