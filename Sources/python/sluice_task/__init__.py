"""Helpers for Sluice task scripts.

A task talks to the executor through environment variables (docs/executor.md):
``SLUICE_OUTPUTS`` (scalar outputs, ``name=value`` lines), ``SLUICE_TABLE_<NAME>``
(a table output's staging file: CSV, JSON lines or Arrow IPC),
``SLUICE_FILE_<NAME>`` (a file output's staging path), ``SLUICE_ITEM`` (a mapped
instance's item as JSON), ``SLUICE_TASK``, ``SLUICE_TRY``, ``SLUICE_MAP_INDEX``,
``SLUICE_RUN_ID``, ``SLUICE_WORKSPACE``.

Pure Python with no required dependencies; pyarrow, pandas and polars are used
when they are installed.
"""

from __future__ import annotations

from ._errors import SluiceTaskError
from ._outputs import file_output_path, item, params, set_output
from ._tables import read_table, read_tables, write_table
from ._text import (
    fail,
    format_ts,
    log,
    map_index,
    parse_date,
    parse_ts,
    to_bool,
    to_float,
    to_int,
    try_number,
)

__all__ = [
    "SluiceTaskError",
    "set_output", "file_output_path", "item", "params",
    "read_table", "read_tables", "write_table",
    "fail", "log", "try_number", "map_index",
    "parse_ts", "format_ts", "parse_date", "to_float", "to_int", "to_bool",
]
__version__ = "0.1.0"
