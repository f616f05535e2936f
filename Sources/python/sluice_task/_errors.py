from __future__ import annotations

import os


class SluiceTaskError(RuntimeError):
    """A task script used sluice_task wrongly, or outside a Sluice task."""


def task_variable(name: str, what: str) -> str:
    """The value of a ``SLUICE_*`` variable the executor sets, or a clear error."""
    value = os.environ.get(name)
    if value:
        return value
    if not any(key.startswith("SLUICE_") for key in os.environ):
        raise SluiceTaskError(
            f"{what} needs ${name}, and no SLUICE_* variable is set: this is not running as a Sluice task "
            f"(run it with `sluice run` or `sluice task-run`, or set {name} by hand to try it)")
    raise SluiceTaskError(f"{what} needs ${name}, which this task does not have")
