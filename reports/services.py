"""Tables of a scope for one or more fiscal years, from the cache or computed and cached."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from reports import cache
from reports.scope import ReportScope
from reports.tables import FiscalYearTables, report_tables

TREND_YEARS = 6  # the deck shows six years side by side (H24–H29)


@dataclass
class ScopeTables:
    """One year's tables for a scope, and for a prefecture its municipalities' totals."""

    total: FiscalYearTables
    parts: list[tuple[str, FiscalYearTables]] = field(default_factory=list)

    def as_counts(self) -> dict[str, object]:
        return {
            "total": self.total.counts(),
            "parts": [[name, tables.counts()] for name, tables in self.parts],
        }

    @classmethod
    def from_counts(cls, year: int, counts: dict[str, object]) -> "ScopeTables":
        total = counts["total"]
        parts = counts.get("parts") or []
        assert isinstance(total, dict) and isinstance(parts, list)
        return cls(
            FiscalYearTables.from_counts(year, total),
            [(name, FiscalYearTables.from_counts(year, part)) for name, part in parts],
        )


def tables_by_organisation(org_ids: Iterable[int], fiscal_year: int) -> dict[int, FiscalYearTables]:
    """Every registered table of every organisation that has figures in the year."""
    org_ids = list(org_ids)
    by_table = {table.key: table.aggregate(org_ids, fiscal_year) for table in report_tables()}
    organisations = {org for counts in by_table.values() for org in counts}
    return {
        org: FiscalYearTables.from_counts(
            fiscal_year, {key: dict(counts.get(org, {})) for key, counts in by_table.items()}
        )
        for org in sorted(organisations)
    }


def compute(scope: ReportScope, year: int) -> ScopeTables:
    """Aggregate the records: each organisation's counts, summed for the scope and its parts."""
    by_organisation = tables_by_organisation(scope.organisation_ids, year)
    total = FiscalYearTables.sum_of(year, by_organisation.values())
    parts = [
        (
            part.name,
            FiscalYearTables.sum_of(
                year, (by_organisation[o] for o in part.organisation_ids if o in by_organisation)
            ),
        )
        for part in scope.parts
    ]
    return ScopeTables(total, parts)


def trend_years(last_year: int, count: int = TREND_YEARS) -> list[int]:
    return list(range(last_year - count + 1, last_year + 1))


def stale_years(scope: ReportScope, years: list[int]) -> list[int]:
    fresh = cache.read_many(scope.cache_key, cache.current_versions(years))
    return [year for year in years if year not in fresh]


def tables_for(
    scope: ReportScope, years: list[int], *, use_cache: bool = True
) -> dict[int, ScopeTables]:
    """The tables of each year, computed only where the cache is stale."""
    versions = cache.current_versions(years)
    fresh = cache.read_many(scope.cache_key, versions) if use_cache else {}
    result: dict[int, ScopeTables] = {}
    for year in years:
        counts = fresh.get(year)
        if counts is not None:
            result[year] = ScopeTables.from_counts(year, counts)
            continue
        result[year] = compute(scope, year)
        if use_cache:
            cache.write(scope.cache_key, year, versions[year], result[year].as_counts())
    return result
