from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Dict

import pytest

import sluice_task
from sluice_task import SluiceTaskError, _tables

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")

SLUICE_TYPES = {
    "id": pa.int64(), "score": pa.float64(), "ok": pa.bool_(), "name": pa.string(),
    "day": pa.date32(), "at": pa.timestamp("us", tz="UTC"),
}


def pandas_frame() -> Any:
    return pd.DataFrame({
        "id": pd.array([1, None, 3], dtype="Int64"),
        "score": [1.5, None, -0.25],
        "ok": pd.array([True, None, False], dtype="boolean"),
        "name": pd.Categorical(["ünï", None, "b"]),
        "day": [dt.date(2024, 1, 31), None, dt.date(1969, 12, 31)],
        "at": pd.to_datetime(["2024-01-31T10:00:00+01:00", None, "2024-06-01T00:00:00.000001Z"], utc=True, format="ISO8601")
             .tz_convert("Europe/Berlin"),
    })


def read_back(path: Path) -> Any:
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def test_a_pandas_frame_is_written_as_arrow_in_sluice_types(task_env: Dict[str, Path]) -> None:
    assert sluice_task.write_table("t", pandas_frame()) == 3
    table = read_back(task_env["SLUICE_TABLE_T"])
    assert dict(zip(table.schema.names, table.schema.types)) == SLUICE_TYPES
    assert table.column("id").to_pylist() == [1, None, 3]
    assert table.column("name").to_pylist() == ["ünï", None, "b"]
    assert table.column("at").to_pylist()[0] == dt.datetime(2024, 1, 31, 9, tzinfo=dt.timezone.utc)


def test_a_polars_frame_is_written_as_arrow_in_sluice_types(task_env: Dict[str, Path]) -> None:
    frame = pl.DataFrame({
        "id": pl.Series([1, None, 3], dtype=pl.Int32),
        "score": pl.Series([1.5, None, -0.25], dtype=pl.Float32),
        "ok": [True, None, False],
        "name": pl.Series(["ünï", None, "b"], dtype=pl.Categorical),
        "day": [dt.date(2024, 1, 31), None, dt.date(1969, 12, 31)],
        "at": pl.Series([dt.datetime(2024, 1, 31, 9), None, dt.datetime(2024, 6, 1)]).dt.replace_time_zone("UTC")
              .dt.cast_time_unit("ns"),
    })
    assert sluice_task.write_table("t", frame) == 3
    table = read_back(task_env["SLUICE_TABLE_T"])
    assert dict(zip(table.schema.names, table.schema.types)) == SLUICE_TYPES
    assert table.column("name").to_pylist() == ["ünï", None, "b"]


def test_nanoseconds_that_would_be_lost_are_refused(task_env: Dict[str, Path]) -> None:
    frame = pd.DataFrame({"at": pd.to_datetime(["2024-01-01T00:00:00.000000001Z"])})
    with pytest.raises(SluiceTaskError, match="table 't'"):
        sluice_task.write_table("t", frame)


def test_a_type_sluice_has_no_column_for_is_named(task_env: Dict[str, Path]) -> None:
    with pytest.raises(SluiceTaskError, match="column 'xs': Arrow type list<item: int64>"):
        sluice_task.write_table("t", pa.table({"xs": [[1, 2]]}))


def test_without_pyarrow_rows_are_written_as_csv_with_nulls_apart_from_empty_strings(
        task_env: Dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_tables, "_pyarrow", lambda: None)
    rows = [
        {"id": 1, "name": "", "at": dt.datetime(2024, 1, 31, 9, tzinfo=dt.timezone.utc), "ok": True, "x": 0.1},
        {"id": None, "name": None, "at": None, "ok": None, "x": None},
        {"id": 3, "name": 'a,"b"', "at": None, "ok": False, "x": 2.0},
    ]
    assert sluice_task.write_table("t", rows) == 3
    assert task_env["SLUICE_TABLE_T"].read_text(encoding="utf-8").splitlines() == [
        "id,name,at,ok,x",
        '1,"",2024-01-31T09:00:00Z,true,0.1',
        ",,,,",
        '3,"a,""b""",,false,2.0',
    ]


def test_without_pyarrow_a_pandas_frame_is_written_as_csv(
        task_env: Dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_tables, "_pyarrow", lambda: None)
    frame = pd.DataFrame({"id": pd.array([1, None], dtype="Int64"), "name": ["a", None]})
    assert sluice_task.write_table("t", frame) == 2
    assert task_env["SLUICE_TABLE_T"].read_text(encoding="utf-8").splitlines() == ["id,name", "1,a", ","]


def test_rows_of_the_wrong_shape_are_refused(task_env: Dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_tables, "_pyarrow", lambda: None)
    with pytest.raises(SluiceTaskError, match="row 2 lacks column"):
        sluice_task.write_table("t", [{"a": 1}, {"b": 2}])
    with pytest.raises(SluiceTaskError, match="not a dict"):
        sluice_task.write_table("t", {"a": [1]})


@pytest.mark.parametrize("kind", ["pandas", "polars", "arrow"])
def test_read_table_returns_the_kind_asked_for(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "t.arrow"
    table = pa.table({"id": pa.array([1, None], pa.int64()), "name": ["ünï", None]})
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    result = sluice_task.read_table(str(path), as_=kind)  # type: ignore[arg-type]
    if kind == "pandas":
        assert isinstance(result, pd.DataFrame)
        assert result["name"].tolist()[0] == "ünï"
    elif kind == "polars":
        assert isinstance(result, pl.DataFrame)
        assert result["id"].to_list() == [1, None]
    else:
        assert result.equals(table)


def test_read_table_reads_a_stream_and_a_json_list_of_paths(tmp_path: Path) -> None:
    table = pa.table({"id": [1, 2]})
    paths = []
    for index in range(2):
        path = tmp_path / f"t{index}.arrow"
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        paths.append(str(path))
    combined = sluice_task.read_table('["' + paths[0] + '","' + paths[1] + '"]', as_="arrow")
    assert combined.column("id").to_pylist() == [1, 2, 1, 2]


def test_read_table_names_a_missing_file_and_a_bad_kind(tmp_path: Path) -> None:
    with pytest.raises(SluiceTaskError, match="table file not found"):
        sluice_task.read_table(str(tmp_path / "nope.arrow"))
    (tmp_path / "t.csv").write_text("a\n1\n")
    with pytest.raises(SluiceTaskError, match="as_ must be"):
        sluice_task.read_table(str(tmp_path / "t.csv"), as_="excel")  # type: ignore[arg-type]
