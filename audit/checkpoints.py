"""Signed checkpoints of the audit chain, written outside the database.

A checkpoint says "the chain had `count` rows, ending with row `last_id` whose hash was
`last_hash`, at `at`", signed with HMAC under the audit key. It is appended as one JSON line to
TSUNAGU_AUDIT_CHECKPOINT_FILE and/or sent to syslog (TSUNAGU_AUDIT_CHECKPOINT_SYSLOG), which the
operator ships off the server. verify_audit then notices rows rewritten or removed after a
checkpoint — including the tail, which the chain alone cannot show — without a hand-kept anchor.

write_checkpoint() is safe to call concurrently and often: an exclusive lock on the file makes
"read the last checkpoint, read the chain, append" one step, and nothing is appended when the
chain has not grown since the last checkpoint.
"""

import fcntl
import hmac
import json
import logging
import logging.handlers
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from audit.keys import UNKNOWN_KEY, current_key, key_by_id
from audit.models import GENESIS_HASH, AuditEvent

CHECKPOINT_PURPOSE = b"tsunagu.audit.checkpoint"
FORMAT_VERSION = 1
SYSLOG_IDENT = "tsunagu-audit: "
# The last line of the file is read from this many bytes before its end (a line is ~300 bytes).
_TAIL_BYTES = 8192

NO_DESTINATION = (
    "チェックポイントの出力先がありません。TSUNAGU_AUDIT_CHECKPOINT_FILE か"
    " TSUNAGU_AUDIT_CHECKPOINT_SYSLOG を設定してください。"
)
SYSLOG_FAILED = "チェックポイントを syslog（{address}）に送れませんでした: {error}"
BAD_SYSLOG_ADDRESS = (
    "TSUNAGU_AUDIT_CHECKPOINT_SYSLOG={address!r} は不正です"
    "（/dev/log のようなパス、または ホスト:ポート）。"
)


class CheckpointError(Exception):
    """A checkpoint could not be written (message in Japanese, for the operator)."""


@dataclass(frozen=True)
class Checkpoint:
    last_id: int
    last_hash: str
    count: int
    at: str
    key_id: str
    signature: str
    v: int = FORMAT_VERSION

    def signed_content(self) -> str:
        content = {k: v for k, v in asdict(self).items() if k != "signature"}
        return json.dumps(content, sort_keys=True, separators=(",", ":"))

    def to_line(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    def signature_problem(self) -> str | None:
        """None when the signature is good; otherwise why not (in Japanese)."""
        key = key_by_id(self.key_id)
        if key is None:
            return UNKNOWN_KEY.format(key_id=self.key_id)
        if not hmac.compare_digest(
            key.sign(CHECKPOINT_PURPOSE, self.signed_content()), self.signature
        ):
            return "署名が一致しません（偽造または書き換えられたチェックポイント）。"
        return None


def sign_checkpoint(*, last_id: int, last_hash: str, count: int, at: str) -> Checkpoint:
    key = current_key()
    unsigned = Checkpoint(last_id, last_hash, count, at, key.key_id, signature="")
    return Checkpoint(
        last_id,
        last_hash,
        count,
        at,
        key.key_id,
        signature=key.sign(CHECKPOINT_PURPOSE, unsigned.signed_content()),
    )


def parse_checkpoint(line: str) -> Checkpoint:
    """One line of the file as a Checkpoint (ValueError with a Japanese reason if malformed)."""
    try:
        data = json.loads(line)
        checkpoint = Checkpoint(
            last_id=data["last_id"],
            last_hash=data["last_hash"],
            count=data["count"],
            at=data["at"],
            key_id=data["key_id"],
            signature=data["signature"],
            v=data["v"],
        )
    except (ValueError, KeyError, TypeError):
        raise ValueError("チェックポイントとして読めません（JSON の形が違います）。") from None
    if not (isinstance(checkpoint.last_id, int) and isinstance(checkpoint.count, int)):
        raise ValueError("チェックポイントの行番号・行数が整数ではありません。")
    if not all(
        isinstance(value, str)
        for value in (checkpoint.last_hash, checkpoint.at, checkpoint.key_id, checkpoint.signature)
    ):
        raise ValueError("チェックポイントの項目の型が違います。")
    return checkpoint


def read_checkpoints(path: Path) -> Iterator[tuple[int, Checkpoint | ValueError]]:
    """(line number, checkpoint or why the line is unreadable) for each non-empty line."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield number, parse_checkpoint(line)
            except ValueError as error:
                yield number, error


def checkpoint_file() -> Path | None:
    configured = settings.AUDIT_CHECKPOINT_FILE
    return Path(configured) if configured else None


def write_checkpoint() -> Checkpoint:
    """Sign the chain's current end and write it to the configured file and syslog.

    Returns the checkpoint written, or the file's last checkpoint when the chain has not grown
    since (then nothing is written).
    """
    path = checkpoint_file()
    address = settings.AUDIT_CHECKPOINT_SYSLOG
    if path is None and not address:
        raise CheckpointError(NO_DESTINATION)
    target = syslog_address(address) if address else None
    if path is None:
        checkpoint = _checkpoint_of_the_chain()
        if target is not None:
            send_to_syslog(checkpoint, target)
        return checkpoint
    with _locked(path) as handle:
        previous = _last_valid_checkpoint(handle)
        last = _last_row()
        if previous is not None and (previous.last_id, previous.last_hash) == last:
            return previous
        checkpoint = _checkpoint_of_the_chain(last)
        # Syslog first: if it fails nothing is appended, so the next call sends both again.
        if target is not None:
            send_to_syslog(checkpoint, target)
        _append(handle, checkpoint)
    return checkpoint


def _last_row() -> tuple[int, str]:
    last = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
    return last if last else (0, GENESIS_HASH)


def _checkpoint_of_the_chain(last: tuple[int, str] | None = None) -> Checkpoint:
    last_id, last_hash = last or _last_row()
    # Counting up to last_id (not the whole table) keeps the count consistent with last_id while
    # other requests go on appending.
    count = AuditEvent.objects.filter(id__lte=last_id).count()
    return sign_checkpoint(
        last_id=last_id, last_hash=last_hash, count=count, at=timezone.now().isoformat()
    )


@contextmanager
def _locked(path: Path) -> Iterator[Any]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _last_valid_checkpoint(handle: Any) -> Checkpoint | None:
    size = handle.seek(0, os.SEEK_END)
    handle.seek(max(0, size - _TAIL_BYTES))
    lines = handle.read().decode("utf-8", errors="replace").splitlines()
    for line in reversed(lines):
        if not line.strip():
            continue
        try:
            checkpoint = parse_checkpoint(line)
        except ValueError:
            return None
        # A line that does not verify is never taken as "nothing changed": write a fresh one.
        return checkpoint if checkpoint.signature_problem() is None else None
    return None


def _append(handle: Any, checkpoint: Checkpoint) -> None:
    handle.seek(0, os.SEEK_END)
    handle.write((checkpoint.to_line() + "\n").encode())
    handle.flush()
    os.fsync(handle.fileno())


class _RaisingSysLogHandler(logging.handlers.SysLogHandler):
    """The standard handler, but a failed send is an error, not a line on stderr."""

    def handleError(self, record: logging.LogRecord) -> None:
        raise  # the send error being handled


def syslog_address(address: str) -> str | tuple[str, int]:
    """A socket path ("/dev/log") or a (host, port) pair for UDP ("logs.example.lg.jp:514")."""
    if address.startswith("/"):
        return address
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise CheckpointError(BAD_SYSLOG_ADDRESS.format(address=address))
    return host.strip("[]"), int(port)


def send_to_syslog(checkpoint: Checkpoint, target: str | tuple[str, int]) -> None:
    address = target if isinstance(target, str) else f"{target[0]}:{target[1]}"
    try:
        handler = _RaisingSysLogHandler(
            address=target,
            facility=logging.handlers.SysLogHandler.LOG_AUTHPRIV,
            socktype=socket.SOCK_DGRAM,
        )
    except OSError as error:
        raise CheckpointError(SYSLOG_FAILED.format(address=address, error=error)) from None
    handler.ident = SYSLOG_IDENT
    record = logging.LogRecord(
        "tsunagu.audit", logging.INFO, __file__, 0, checkpoint.to_line(), None, None
    )
    try:
        handler.emit(record)
    except OSError as error:
        raise CheckpointError(SYSLOG_FAILED.format(address=address, error=error)) from None
    finally:
        handler.close()
