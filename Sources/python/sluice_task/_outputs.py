from __future__ import annotations

import json
import math
import os
import re
from typing import Any, Dict

from ._errors import SluiceTaskError, task_variable

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _output_text(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise SluiceTaskError(f"output {name!r}: {value!r} is not a number a float output can hold")
        return repr(value)
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, (list, tuple, dict)):
        # list[T] and json outputs: typed JSON, so 1 stays a number and "1" a string.
        try:
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False, sort_keys=True)
        except ValueError as error:
            raise SluiceTaskError(f"output {name!r}: {error}") from None
    raise SluiceTaskError(
        f"output {name!r}: cannot write a {type(value).__name__}; give a str, int, float, bool, list or dict")


def set_output(name: str, value: Any) -> None:
    """Appends the scalar output ``name`` to ``$SLUICE_OUTPUTS``.

    ``bool`` is written ``true``/``false``, ``int`` and ``float`` as their
    literal text, ``str`` verbatim, ``list``/``tuple``/``dict``/``None`` as
    compact JSON with sorted keys (for ``list[T]`` and ``json`` outputs;
    Airflow's XCom sorts them too, so both runs give the same bytes). A value spanning lines
    goes in a ``name<<DELIM`` block. A later write of the same name wins.
    """
    if not _NAME.match(name):
        raise SluiceTaskError(f"output name {name!r} is not a valid name (letters, digits, _; not starting with a digit)")
    path = task_variable("SLUICE_OUTPUTS", f"set_output({name!r})")
    text = _output_text(name, value)
    if "\n" in text or "\r" in text:
        delimiter = "SLUICE_EOF"
        lines = set(text.splitlines())
        while delimiter in lines:
            delimiter += "_"
        record = f"{name}<<{delimiter}\n{text}\n{delimiter}\n"
    else:
        record = f"{name}={text}\n"
    with open(path, "a", encoding="utf-8", newline="") as handle:
        handle.write(record)


def file_output_path(name: str) -> str:
    """The staging path of the ``file`` output ``name``; the executor moves it into place."""
    return task_variable(f"SLUICE_FILE_{name.upper()}", f"file_output_path({name!r})")


def item() -> Any:
    """The item of a mapped (``foreach``) instance, decoded from ``$SLUICE_ITEM``'s JSON.

    A table item is its path. Outside a mapped instance this raises.
    """
    text = task_variable("SLUICE_ITEM", "item() (only a foreach task has an item)")
    return json.loads(text)


def params() -> Dict[str, Any]:
    """Not available: the executor does not hand a task the pipeline's params.

    Params can hold secrets, so each task gets only the ones it names: pass
    them with ``{{ params.x }}`` in ``run`` (an argument) or in ``env``.
    """
    raise SluiceTaskError(
        "params() is not available: Sluice passes a task only the params it names; "
        "pass them as arguments ({{ params.x }} in run) or environment variables (env: {X: \"{{ params.x }}\"})")


