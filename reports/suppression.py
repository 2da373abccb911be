"""Small-number suppression for published tables: counts from 1 to N-1 are shown as ＊.

Zeros stay visible (they disclose nobody). When a single cell of a table is suppressed, the next
smallest non-zero cell is suppressed too, so that the hidden count cannot be worked out from the
total (secondary suppression). Totals are always shown.
"""

from collections.abc import Mapping

from reports.columns import TOTAL
from reports.tables import Table

MARK = "＊"
MAX_THRESHOLD = 20


def hidden_among[K](counts: Mapping[K, int], threshold: int) -> set[K]:
    """The keys of the counts to show as ＊: the small ones, and the next smallest non-zero one
    when only one is small (secondary suppression)."""
    if threshold < 2:
        return set()
    small = {key for key, value in counts.items() if 0 < value < threshold}
    if len(small) == 1:
        others = [(value, key) for key, value in counts.items() if value > 0 and key not in small]
        if others:
            small.add(min(others, key=lambda pair: pair[0])[1])
    return small


def hidden_columns(table: Table, threshold: int) -> set[str]:
    return hidden_among(table.counts, threshold)


def cells(table: Table, threshold: int) -> list[tuple[str, int | str]]:
    """(column, value or ＊) for each column and the total."""
    hidden = hidden_columns(table, threshold)
    row: list[tuple[str, int | str]] = [
        (column, MARK if column in hidden else value) for column, value in table.counts.items()
    ]
    row.append((TOTAL, table.total))
    return row


def share_cells(table: Table, threshold: int) -> list[tuple[str, str]]:
    hidden = hidden_columns(table, threshold)
    return [
        (column, MARK if column in hidden else f"{share}%")
        for column, share in table.shares().items()
    ]
