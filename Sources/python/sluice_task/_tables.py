"""Tables in and out of a task: pandas, polars, pyarrow or plain rows."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from typing import Any, Dict, Iterable, List, Literal, Mapping, Optional, Sequence, Union

from ._errors import SluiceTaskError, task_variable
from ._text import cell_text

TableKind = Literal["pandas", "polars", "arrow", "rows"]
PathOrValue = Union[str, "os.PathLike[str]", Sequence[str]]


# --- writing ------------------------------------------------------------------

def write_table(name: str, data: Any, columns: Optional[Sequence[str]] = None) -> int:
    """Writes the table output ``name`` to ``$SLUICE_TABLE_<NAME>``; returns the row count.

    ``data`` is a pandas or polars DataFrame, a pyarrow Table or RecordBatch, or
    an iterable of dicts (then ``columns`` gives the column order, else the
    first row's keys). With pyarrow installed it is written as an Arrow IPC file
    in the types Sluice stores (int64, float64, bool, utf8, date32,
    timestamp[us, UTC]); without pyarrow as CSV. The executor checks it against
    the declared table either way.
    """
    path = task_variable(f"SLUICE_TABLE_{name.upper()}", f"write_table({name!r})")
    arrow = _pyarrow()
    if arrow is not None and not _is_rows(data):
        table = _canonical(arrow, _to_arrow(arrow, data), name)
        if columns is not None:
            table = table.select(list(columns))
        with arrow.OSFile(path, "wb") as sink:
            with arrow.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
        return int(table.num_rows)
    names, rows = _to_rows(data, columns, name)
    return _write_csv(path, names, rows, name)


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.ipc  # noqa: F401  (a submodule, imported for pyarrow.ipc)
    except ImportError:
        return None
    return pyarrow


def _is_rows(data: Any) -> bool:
    module = type(data).__module__.split(".")[0]
    return module not in ("pandas", "polars", "pyarrow")


def _to_arrow(arrow: Any, data: Any) -> Any:
    module = type(data).__module__.split(".")[0]
    if module == "pyarrow":
        if isinstance(data, arrow.RecordBatch):
            return arrow.Table.from_batches([data])
        if isinstance(data, arrow.Table):
            return data
    elif module == "pandas" and hasattr(data, "columns"):
        return arrow.Table.from_pandas(data, preserve_index=False)
    elif module == "polars" and hasattr(data, "to_arrow"):
        return data.to_arrow()
    raise SluiceTaskError(f"write_table: cannot write a {type(data).__name__}; give a DataFrame, a pyarrow Table or a list of dicts")


def _canonical(arrow: Any, table: Any, name: str) -> Any:
    """Casts every column to the Arrow type Sluice stores for it, so any Sluice reads the file."""
    types = arrow.types
    fields = []
    for field in table.schema:
        kind = field.type
        if types.is_dictionary(kind):
            kind = kind.value_type
        if types.is_integer(kind):
            target = arrow.int64()
        elif types.is_floating(kind):
            target = arrow.float64()
        elif types.is_boolean(kind):
            target = arrow.bool_()
        elif types.is_string(kind) or types.is_large_string(kind) or str(kind) == "string_view":
            target = arrow.string()
        elif types.is_date(kind):
            target = arrow.date32()
        elif types.is_timestamp(kind):
            target = arrow.timestamp("us", tz="UTC")
        elif types.is_null(kind):
            target = arrow.string()
        else:
            raise SluiceTaskError(
                f"table {name!r}, column {field.name!r}: Arrow type {field.type} has no Sluice column type "
                "(int64, float64, bool, string, date, timestamp)")
        fields.append(arrow.field(field.name, target))
    try:
        return table.cast(arrow.schema(fields), safe=True)
    except (arrow.ArrowInvalid, arrow.ArrowNotImplementedError) as error:
        raise SluiceTaskError(f"table {name!r}: cannot convert it to Sluice's column types: {error}") from None


def _to_rows(data: Any, columns: Optional[Sequence[str]], name: str) -> "tuple[List[str], Iterable[Mapping[str, Any]]]":
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        frame = data.astype(object).where(data.notna(), None)
        return [str(c) for c in (columns or frame.columns)], frame.to_dict("records")
    if module == "polars":
        return list(columns or data.columns), data.iter_rows(named=True)
    if module == "pyarrow":
        return list(columns or data.schema.names), data.to_pylist()
    if isinstance(data, Mapping) or isinstance(data, (str, bytes)):
        raise SluiceTaskError(f"write_table({name!r}): give rows (a list of dicts) or a DataFrame, not a {type(data).__name__}")
    rows = iter(data)
    first = next(rows, None)
    if first is None:
        if columns is None:
            raise SluiceTaskError(f"write_table({name!r}): no rows and no columns; pass columns= to write an empty table")
        return list(columns), []
    if not isinstance(first, Mapping):
        raise SluiceTaskError(f"write_table({name!r}): rows must be dicts, not {type(first).__name__}")

    def chained() -> Iterable[Mapping[str, Any]]:
        yield first
        yield from rows

    return list(columns or first.keys()), chained()


def _csv_cell(value: Any) -> str:
    if type(value).__name__ in ("NAType", "NaTType"):
        return ""
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        value = value.item()
    if isinstance(value, str):
        # An empty or quoted string is written quoted; an unquoted empty field is null.
        if value == "" or any(c in value for c in ',"\r\n') or value != value.strip():
            return '"' + value.replace('"', '""') + '"'
        return value
    return cell_text(value)


def _write_csv(path: str, names: List[str], rows: Iterable[Mapping[str, Any]], name: str) -> int:
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(_csv_cell(n) for n in names) + "\n")
        for row in rows:
            missing = [c for c in names if c not in row]
            if missing:
                raise SluiceTaskError(f"table {name!r}: row {count + 1} lacks column(s) {', '.join(missing)}")
            handle.write(",".join(_csv_cell(row[c]) for c in names) + "\n")
            count += 1
    return count


# --- reading ------------------------------------------------------------------

def read_table(path_or_value: PathOrValue, as_: TableKind = "pandas") -> Any:
    """Reads an upstream table (``{{ task.table }}``: the path of an Arrow file).

    ``as_`` picks the result: ``"pandas"`` (a DataFrame; needs pandas and
    pyarrow), ``"polars"`` (needs polars), ``"arrow"`` (a pyarrow Table) or
    ``"rows"`` (a list of dicts of strings, empty string for null, read through
    ``sluice cat --format csv``: no dependencies). A list of paths (a mapped
    task's outputs) is read as one table. A ``.csv`` path is read as CSV.
    """
    paths = _paths(path_or_value)
    if as_ == "rows":
        rows: List[Dict[str, str]] = []
        for path in paths:
            rows.extend(_read_rows(path))
        return rows
    if as_ not in ("pandas", "polars", "arrow"):
        raise SluiceTaskError(f'read_table: as_ must be "pandas", "polars", "arrow" or "rows", not {as_!r}')
    if as_ == "polars" and _pyarrow() is None:
        polars = _import("polars", as_)
        frames = [polars.read_csv(p) if p.endswith(".csv") else polars.read_ipc(p) for p in paths]
        return polars.concat(frames) if frames else polars.DataFrame()
    arrow = _pyarrow()
    if arrow is None:
        raise SluiceTaskError(f'read_table(as_="{as_}") needs pyarrow (pip install pyarrow), or use as_="rows"')
    tables = [_read_arrow(arrow, p) for p in paths]
    table = arrow.concat_tables(tables) if len(tables) > 1 else tables[0]
    if as_ == "arrow":
        return table
    if as_ == "pandas":
        _import("pandas", as_)
        return table.to_pandas()
    polars = _import("polars", as_)
    return polars.from_arrow(table)


def read_tables(paths: Iterable[str], as_: TableKind = "pandas") -> Any:
    """Several tables (e.g. a mapped task's outputs) read as one."""
    return read_table(list(paths), as_=as_)


def _paths(value: PathOrValue) -> List[str]:
    if isinstance(value, (str, os.PathLike)):
        text = os.fspath(value)
        # A mapped output rendered into env arrives as a JSON list.
        if text.startswith("["):
            import json
            try:
                decoded = json.loads(text)
            except ValueError:
                decoded = None
            if isinstance(decoded, list) and all(isinstance(p, str) for p in decoded):
                return _paths(decoded)
        paths = [text]
    else:
        paths = [os.fspath(p) for p in value]
    if not paths:
        raise SluiceTaskError("read_table: no table paths given")
    for path in paths:
        if not os.path.isfile(path):
            raise SluiceTaskError(f"read_table: table file not found: {path}")
    return paths


def _import(module: str, kind: str) -> Any:
    try:
        return __import__(module)
    except ImportError:
        raise SluiceTaskError(f'read_table(as_="{kind}") needs {module} (pip install {module})') from None


def _read_arrow(arrow: Any, path: str) -> Any:
    if path.endswith(".csv"):
        import pyarrow.csv
        return pyarrow.csv.read_csv(path)
    with open(path, "rb") as handle:
        start = handle.read(6)
    if start == b"ARROW1":
        with arrow.memory_map(path) as source:
            return arrow.ipc.open_file(source).read_all()
    with arrow.OSFile(path) as source:
        return arrow.ipc.open_stream(source).read_all()


def _read_rows(path: str) -> List[Dict[str, str]]:
    if path.endswith(".csv"):
        with open(path, newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    sluice = shutil.which("sluice")
    if sluice is None:
        raise SluiceTaskError(
            f"`sluice` is not on PATH, so the Arrow table {path} cannot be read as rows "
            "(under `sluice run` it always is; install pyarrow and use as_=\"arrow\", or pass a .csv file)")
    done = subprocess.run([sluice, "cat", path, "--format", "csv"], capture_output=True, text=True)
    if done.returncode != 0:
        raise SluiceTaskError(f"`sluice cat {path}` failed (exit {done.returncode}): {done.stderr.strip()}")
    return list(csv.DictReader(io.StringIO(done.stdout)))
