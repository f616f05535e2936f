"""Stdlib helpers for task scripts: messages, attempt facts, parsing cells."""

from __future__ import annotations

import math
import os
import sys
from datetime import date, datetime, timezone
from typing import Any, NoReturn

# --- small utilities -------------------------------------------------------

def fail(message: str, code: int = 2) -> NoReturn:
    """Print a clear error on stderr and exit non-zero."""
    task = os.environ.get("SLUICE_TASK")
    prefix = f"{task}: " if task else ""
    print(f"{prefix}error: {message}", file=sys.stderr)
    sys.exit(code)


def log(message: str) -> None:
    """A short progress line on stdout (the executor keeps it in the task log)."""
    print(message, flush=True)


def try_number() -> int:
    """The attempt number (1 for the first try)."""
    try:
        return int(os.environ.get("SLUICE_TRY", "1"))
    except ValueError:
        return 1


def map_index() -> int | None:
    raw = os.environ.get("SLUICE_MAP_INDEX", "")
    return int(raw) if raw.strip().lstrip("-").isdigit() else None


# --- value parsing / formatting --------------------------------------------

def parse_ts(text: str) -> datetime:
    """Parse a UTC timestamp as written by us or by `sluice cat`.

    Accepts ISO 8601 with ``Z`` or an offset, with or without fractional
    seconds, a space instead of ``T``, or integer microseconds since the epoch.
    """
    s = text.strip()
    if not s:
        raise ValueError("empty timestamp")
    if s.lstrip("-").isdigit():
        return datetime.fromtimestamp(int(s) / 1_000_000, tz=timezone.utc)
    if s.endswith("Z") or s.endswith("z"):
        s = s[:-1] + "+00:00"
    if s.endswith(" UTC"):
        s = s[:-4] + "+00:00"
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def format_ts(dt: datetime) -> str:
    """RFC 3339 UTC, e.g. ``2026-01-05T13:00:00Z`` (microseconds only if set)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    dt = dt.astimezone(timezone.utc)
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if dt.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return dt.strftime(fmt)


def parse_date(text: str) -> date:
    s = text.strip()
    if s.lstrip("-").isdigit():  # days since the epoch
        return date.fromordinal(date(1970, 1, 1).toordinal() + int(s))
    return date.fromisoformat(s[:10])


def to_float(text: str | None) -> float | None:
    if text is None or text.strip() == "":
        return None
    return float(text)


def to_int(text: str | None) -> int | None:
    if text is None or text.strip() == "":
        return None
    return int(float(text)) if "." in text or "e" in text.lower() else int(text)


def to_bool(text: str | None) -> bool | None:
    if text is None or text.strip() == "":
        return None
    t = text.strip().lower()
    if t in ("true", "1", "yes"):
        return True
    if t in ("false", "0", "no"):
        return False
    raise ValueError(f"not a boolean: {text!r}")


def cell_text(value: Any) -> str:
    """A value as a Sluice CSV cell: an unquoted empty field is null."""
    if value is None:
        return ""  # an unquoted empty field is a null
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_ts(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        return repr(value)
    return str(value)
