"""A minimal RFC 5545 writer: CRLF line ends, lines folded at 75 octets, TEXT values escaped."""

from collections.abc import Iterable
from datetime import datetime

CRLF = "\r\n"
MAX_OCTETS = 75


def escape_text(value: str) -> str:
    """TEXT escaping (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets, never splitting a UTF-8 character;
    continuation lines start with one space (which counts towards their 75 octets)."""
    pieces: list[str] = []
    current, size, limit = "", 0, MAX_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, MAX_OCTETS - 1
        current += char
        size += width
    pieces.append(current)
    return (CRLF + " ").join(pieces)


def local_time(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%S")


def calendar(lines: Iterable[str]) -> str:
    return "".join(fold(line) + CRLF for line in lines)
