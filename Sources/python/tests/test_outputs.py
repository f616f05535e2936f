from __future__ import annotations

import json
from pathlib import Path
from typing import Dict

import pytest

import sluice_task
from sluice_task import SluiceTaskError


def test_scalar_outputs_are_written_as_typed_lines(task_env: Dict[str, Path]) -> None:
    sluice_task.set_output("n", 3)
    sluice_task.set_output("ratio", 0.1 + 0.2)
    sluice_task.set_output("ok", True)
    sluice_task.set_output("name", "ünï")
    sluice_task.set_output("ids", [1, "2", None])
    sluice_task.set_output("meta", {"a": [1.5]})
    text = task_env["SLUICE_OUTPUTS"].read_text(encoding="utf-8")
    assert text.splitlines() == [
        "n=3", "ratio=0.30000000000000004", "ok=true", "name=ünï", 'ids=[1,"2",null]', 'meta={"a":[1.5]}',
    ]


def test_object_keys_are_written_sorted_so_a_local_run_and_airflow_agree(task_env: Dict[str, Path]) -> None:
    # Airflow's XCom hands a dict back with its keys sorted; writing them sorted
    # here makes the same task give the same bytes in `sluice run` and in Airflow.
    sluice_task.set_output("scores", {"naive": 2, "linear": 1, "nested": {"b": 1, "a": [{"z": 0, "y": 1}]}})
    text = task_env["SLUICE_OUTPUTS"].read_text(encoding="utf-8")
    assert text.splitlines() == ['scores={"linear":1,"naive":2,"nested":{"a":[{"y":1,"z":0}],"b":1}}']


def test_a_multiline_value_goes_in_a_block_whose_delimiter_it_does_not_contain(task_env: Dict[str, Path]) -> None:
    sluice_task.set_output("report", "line one\nSLUICE_EOF\nline three")
    lines = task_env["SLUICE_OUTPUTS"].read_text(encoding="utf-8").splitlines()
    assert lines[0] == "report<<SLUICE_EOF_"
    assert lines[-1] == "SLUICE_EOF_"
    assert lines[1:-1] == ["line one", "SLUICE_EOF", "line three"]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), object()])
def test_values_an_output_cannot_hold_are_refused(task_env: Dict[str, Path], value: object) -> None:
    with pytest.raises(SluiceTaskError, match="output 'x'"):
        sluice_task.set_output("x", value)
    assert not task_env["SLUICE_OUTPUTS"].exists()


def test_a_bad_output_name_is_refused(task_env: Dict[str, Path]) -> None:
    with pytest.raises(SluiceTaskError, match="not a valid name"):
        sluice_task.set_output("a=b", 1)


def test_outside_a_task_every_entry_point_says_so(no_sluice_env: None, tmp_path: Path) -> None:
    calls = [
        lambda: sluice_task.set_output("x", 1),
        lambda: sluice_task.write_table("t", [{"a": 1}]),
        lambda: sluice_task.file_output_path("f"),
        lambda: sluice_task.item(),
    ]
    for call in calls:
        with pytest.raises(SluiceTaskError, match="not running as a Sluice task"):
            call()


def test_a_task_without_that_output_is_told_which_variable_is_missing(task_env: Dict[str, Path]) -> None:
    with pytest.raises(SluiceTaskError, match=r"\$SLUICE_TABLE_OTHER, which this task does not have"):
        sluice_task.write_table("other", [{"a": 1}])


def test_item_decodes_the_json_the_executor_passes(task_env: Dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLUICE_ITEM", json.dumps({"symbol": "ÄBC", "n": 2}))
    assert sluice_task.item() == {"symbol": "ÄBC", "n": 2}


def test_item_outside_a_mapped_task_is_an_error(task_env: Dict[str, Path]) -> None:
    with pytest.raises(SluiceTaskError, match="only a foreach task has an item"):
        sluice_task.item()


def test_params_explains_how_to_pass_them(task_env: Dict[str, Path]) -> None:
    with pytest.raises(SluiceTaskError, match=r"\{\{ params.x \}\}"):
        sluice_task.params()


def test_file_output_path_is_the_staging_path(task_env: Dict[str, Path]) -> None:
    assert sluice_task.file_output_path("f") == str(task_env["SLUICE_FILE_F"])
