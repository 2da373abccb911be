"""The whole audit check behind `manage.py verify_audit`: chain, checkpoints, triggers.

Every finding names the row to look at where there is one. The chain is streamed once; the
checkpoints' rows are then looked up by id in batches, so neither needs memory for the table.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import batched
from pathlib import Path

from django.utils import timezone

from audit.checkpoints import Checkpoint, read_checkpoints
from audit.models import AuditEvent
from audit.services import ChainBreak, ChainSummary, verify_chain
from audit.triggers import missing_trigger_problems

_LOOKUP_BATCH = 1000


@dataclass
class CheckpointSummary:
    path: Path
    checked: int = 0
    latest: Checkpoint | None = None


@dataclass
class AuditReport:
    chain: ChainSummary
    findings: list[ChainBreak] = field(default_factory=list)
    checkpoints: CheckpointSummary | None = None


def verify_audit_log(checkpoint_path: Path | None) -> AuditReport:
    """Check the chain with the key, every checkpoint in `checkpoint_path`, and the triggers."""
    report = AuditReport(chain=ChainSummary())
    report.findings.extend(verify_chain(summary=report.chain))
    if checkpoint_path is not None:
        report.checkpoints = CheckpointSummary(checkpoint_path)
        report.findings.extend(checkpoint_breaks(report.checkpoints, report.chain))
    report.findings.extend(ChainBreak(None, problem) for problem in missing_trigger_problems())
    return report


def checkpoint_time(checkpoint: Checkpoint) -> str:
    """The checkpoint's time in local time, as the report shows it."""
    try:
        return f"{timezone.localtime(datetime.fromisoformat(checkpoint.at)):%Y-%m-%d %H:%M:%S}"
    except ValueError:
        return checkpoint.at


def _where(summary: CheckpointSummary, number: int, checkpoint: Checkpoint | None = None) -> str:
    when = f"（{checkpoint_time(checkpoint)}）" if checkpoint is not None else ""
    return f"チェックポイント {summary.path.name} の {number} 行目{when}"


def checkpoint_breaks(summary: CheckpointSummary, chain: ChainSummary) -> Iterator[ChainBreak]:
    """Signature, consistency and presence in the database of each checkpoint in the file."""
    valid: list[tuple[int, Checkpoint]] = []
    for number, item in read_checkpoints(summary.path):
        if isinstance(item, ValueError):
            yield ChainBreak(None, f"{_where(summary, number)}: {item}")
            continue
        problem = item.signature_problem()
        if problem is not None:
            yield ChainBreak(
                None, f"{_where(summary, number)}（#{item.last_id} と称するもの）: {problem}"
            )
            continue
        summary.checked += 1
        if item.count != item.last_id:
            yield ChainBreak(
                item.last_id,
                f"{_where(summary, number, item)}: 行数 {item.count} が最終行の番号"
                f" #{item.last_id} と合いません（その時点で既に行が削除されていました）。",
            )
        if summary.latest is None or item.last_id >= summary.latest.last_id:
            summary.latest = item
        valid.append((number, item))
    yield from _rows_against_checkpoints(summary, valid, chain)


def _rows_against_checkpoints(
    summary: CheckpointSummary, valid: list[tuple[int, Checkpoint]], chain: ChainSummary
) -> Iterator[ChainBreak]:
    in_table = [(number, cp) for number, cp in valid if 0 < cp.last_id <= chain.last_id]
    for batch in batched(in_table, _LOOKUP_BATCH):
        ids = {cp.last_id for _, cp in batch}
        stored = dict(AuditEvent.objects.filter(id__in=ids).values_list("id", "hash"))
        for number, cp in batch:
            found = stored.get(cp.last_id)
            if found is None:
                yield ChainBreak(
                    cp.last_id,
                    f"行 #{cp.last_id} がありません（{_where(summary, number, cp)}"
                    "には記録されています）。",
                )
            elif found != cp.last_hash:
                yield ChainBreak(
                    cp.last_id,
                    f"行 #{cp.last_id} のハッシュが {_where(summary, number, cp)} の"
                    "記録と違います（この行か、これより前の行が書き換えられ、連鎖が付け直されて"
                    "います）。",
                )
    latest = summary.latest
    if latest is not None and latest.last_id > chain.last_id:
        yield ChainBreak(
            chain.last_id + 1,
            f"行 #{chain.last_id + 1}〜#{latest.last_id} が削除されています（末尾の削除: "
            f"チェックポイント（{checkpoint_time(latest)}）では最終行は #{latest.last_id}、"
            f"データベースでは #{chain.last_id}）。",
        )
