"""Tiny stdlib-only helper for Sluice task scripts (the task output protocol).

A task talks to the executor through environment variables:

* ``SLUICE_OUTPUTS``        file for scalar outputs, one ``name=value`` line each
* ``SLUICE_TABLE_<NAME>``   staging file for a ``table`` output (we write CSV)
* ``SLUICE_FILE_<NAME>``    staging path for a ``file`` output
* ``SLUICE_RUN_ID``, ``SLUICE_TASK``, ``SLUICE_MAP_INDEX``, ``SLUICE_TRY``,
  ``SLUICE_WORKSPACE``

An upstream table reference (``{{ task.table }}``) renders to the path of an
Apache Arrow IPC file. The standard library cannot read Arrow, so
``read_table`` asks ``sluice cat PATH --format csv`` (the ``sluice`` binary is on
every task's PATH). A path ending in ``.csv`` is read directly, which is handy
when running a script by hand.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import subprocess
import sys
from datetime import date, datetime, timezone
from typing import Any, Iterable, NoReturn, Sequence

__all__ = [
    "fail", "log", "env", "try_number", "map_index",
    "read_table", "read_tables", "write_table", "set_output", "file_output_path",
    "parse_ts", "format_ts", "parse_date", "to_float", "to_int", "to_bool",
]


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


def env(name: str) -> str:
    """The value of a required environment variable, or a clear error."""
    value = os.environ.get(name)
    if not value:
        fail(f"environment variable {name} is not set; this script follows the Sluice "
             f"task output protocol and expects to run under `sluice run` "
             f"(or set {name} by hand when testing)")
    return value


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


def _cell(value: Any) -> str:
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
        return repr(round(value, 6))
    return str(value)


# --- tables ----------------------------------------------------------------

def read_table(path: str) -> list[dict[str, str]]:
    """Rows of an upstream table as dicts of strings (empty string = null).

    ``.csv`` paths are read directly; anything else (an ``.arrow`` file) is
    converted with ``sluice cat PATH --format csv``.
    """
    if not os.path.exists(path):
        fail(f"table file not found: {path}")
    if path.endswith(".csv"):
        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    sluice = shutil.which("sluice")
    if sluice is None:
        fail("`sluice` is not on PATH, so the Arrow table "
             f"{path} cannot be read (under `sluice run` it always is; "
             "when testing by hand pass a .csv file instead)")
    proc = subprocess.run([sluice, "cat", path, "--format", "csv"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        fail(f"`sluice cat {path}` failed with exit code {proc.returncode}: "
             f"{proc.stderr.strip()}")
    return list(csv.DictReader(io.StringIO(proc.stdout)))


def read_tables(paths: Iterable[str]) -> list[dict[str, str]]:
    """Concatenate several tables (e.g. the outputs of a mapped task)."""
    rows: list[dict[str, str]] = []
    for p in paths:
        rows.extend(read_table(p))
    return rows


def write_table(name: str, rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> int:
    """Write a table output as CSV with a header; returns the row count."""
    path = env(f"SLUICE_TABLE_{name.upper()}")
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            missing = [c for c in columns if c not in row]
            if missing:
                fail(f"table {name}: row {count + 1} lacks column(s) {', '.join(missing)}")
            writer.writerow([_cell(row[c]) for c in columns])
            count += 1
    return count


# --- scalar and file outputs -------------------------------------------------

def set_output(name: str, value: Any) -> None:
    """Append one scalar output (``name=value``; lists/dicts as JSON text)."""
    path = env("SLUICE_OUTPUTS")
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (list, tuple, dict)):
        text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    elif isinstance(value, float):
        text = repr(round(value, 6))
    else:
        text = str(value)
    with open(path, "a", encoding="utf-8") as fh:
        if "\n" in text:
            delim = "EOF_SLUICE"
            while delim in text:
                delim += "_"
            fh.write(f"{name}<<{delim}\n{text}\n{delim}\n")
        else:
            fh.write(f"{name}={text}\n")


def file_output_path(name: str) -> str:
    """The staging path for a ``file`` output; the executor moves it into place."""
    return env(f"SLUICE_FILE_{name.upper()}")
