"""A PEP 517 build backend in the standard library alone.

`pip install ./Sources/python` must work offline. setuptools builds wheels only
with the separate `wheel` package (before setuptools 70.1), which a fresh venv
lacks, and an isolated build would fetch it from PyPI. A pure-Python package
with no compiled parts is one zip file, so this writes it directly.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import tarfile
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "sluice_task"
DISTRIBUTION = "sluice_task"  # the normalised name of `sluice-task` in file names


def _version() -> str:
    text = (ROOT / PACKAGE / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"$', text, re.MULTILINE)
    if found is None:
        raise RuntimeError("sluice_task/__init__.py has no __version__")
    return found.group(1)


def _metadata() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [
        "Metadata-Version: 2.1",
        "Name: sluice-task",
        f"Version: {_version()}",
        "Summary: Helpers for Sluice task scripts: outputs, tables (pandas, polars, pyarrow), the foreach item",
        "Requires-Python: >=3.9",
        "Provides-Extra: arrow",
        "Requires-Dist: pyarrow>=12; extra == \"arrow\"",
        "Provides-Extra: pandas",
        "Requires-Dist: pandas>=1.5; extra == \"pandas\"",
        "Requires-Dist: pyarrow>=12; extra == \"pandas\"",
        "Provides-Extra: polars",
        "Requires-Dist: polars>=0.20; extra == \"polars\"",
        "Description-Content-Type: text/markdown",
    ]
    return "\n".join(lines) + "\n\n" + readme


def _package_files() -> List[Tuple[str, bytes]]:
    files = []
    for path in sorted((ROOT / PACKAGE).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            files.append((path.relative_to(ROOT).as_posix(), path.read_bytes()))
    return files


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return f"{name},sha256={digest},{len(data)}"


def get_requires_for_build_wheel(config_settings: Optional[Dict[str, str]] = None) -> List[str]:
    return []


def get_requires_for_build_sdist(config_settings: Optional[Dict[str, str]] = None) -> List[str]:
    return []


def build_wheel(wheel_directory: str, config_settings: Optional[Dict[str, str]] = None,
                metadata_directory: Optional[str] = None) -> str:
    version = _version()
    name = f"{DISTRIBUTION}-{version}-py3-none-any.whl"
    info = f"{DISTRIBUTION}-{version}.dist-info"
    entries = _package_files() + [
        (f"{info}/METADATA", _metadata().encode("utf-8")),
        (f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: sluice_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
    ]
    record = "\n".join([_record_line(n, d) for n, d in entries] + [f"{info}/RECORD,,"]) + "\n"
    with zipfile.ZipFile(Path(wheel_directory) / name, "w", zipfile.ZIP_DEFLATED) as wheel:
        for entry, data in entries + [(f"{info}/RECORD", record.encode("utf-8"))]:
            wheel.writestr(entry, data)
    return name


def build_sdist(sdist_directory: str, config_settings: Optional[Dict[str, str]] = None) -> str:
    base = f"{DISTRIBUTION}-{_version()}"
    name = f"{base}.tar.gz"
    files = _package_files() + [
        (p, (ROOT / p).read_bytes()) for p in ("pyproject.toml", "README.md", "_build/sluice_build.py")
    ] + [("PKG-INFO", _metadata().encode("utf-8"))]
    with tarfile.open(Path(sdist_directory) / name, "w:gz") as archive:
        for entry, data in files:
            member = tarfile.TarInfo(f"{base}/{entry}")
            member.size = len(data)
            member.mode = 0o644
            archive.addfile(member, io.BytesIO(data))
    return name
