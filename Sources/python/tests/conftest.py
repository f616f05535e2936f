from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Iterator

import pytest


@pytest.fixture
def task_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Dict[str, Path]]:
    """The variables the executor sets for a task with a table output T and a file output F."""
    for key in list(os.environ):
        if key.startswith("SLUICE_"):
            monkeypatch.delenv(key)
    paths = {
        "SLUICE_OUTPUTS": tmp_path / "outputs",
        "SLUICE_TABLE_T": tmp_path / "table.t",
        "SLUICE_FILE_F": tmp_path / "file.f",
    }
    for key, path in paths.items():
        monkeypatch.setenv(key, str(path))
    monkeypatch.setenv("SLUICE_TASK", "t")
    yield paths


@pytest.fixture
def no_sluice_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("SLUICE_"):
            monkeypatch.delenv(key)
