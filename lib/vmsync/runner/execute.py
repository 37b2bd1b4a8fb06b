"""Run one notebook with papermill, in this process, and say how it ended.

One kernel per notebook, shut down with ``shutdown_kernel='immediate'`` (no 3.4 s shutdown stalls), a
per-cell timeout, and a retry when the kernel fails to start. Every way a notebook can end is turned into a
``NotebookOutcome``: a cell error (papermill's ``PapermillExecutionError``; the error class comes from the
figures the step recorded), a cell timeout (nbclient's ``CellTimeoutError``, which papermill does not mark),
a dead kernel (``DeadKernelError``; also how a step killed by the watchdog ends). The partial notebook is
always saved, with the error anchor at the top.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import papermill as pm
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from papermill.exceptions import PapermillExecutionError

from ..errors import ErrorClass
from ..figures import SCRAP, read_scrap
from . import artifact
from .kernel import kernel_manager_class

log = logging.getLogger("vmsync.runner")

START_ATTEMPTS = 3
START_TIMEOUT = 60


@dataclass
class NotebookOutcome:
    succeeded: bool
    duration_s: float
    error_class: str | None = None
    error_message: str | None = None
    figures: dict | None = None
    start_attempts: int = 1


@dataclass
class Limits:
    """How long a notebook may take: per cell (nbclient) and in all (the runner's watchdog)."""

    cell_timeout: float | None = None
    step_timeout: float | None = None
    start_timeout: float = START_TIMEOUT
    start_attempts: int = START_ATTEMPTS


class StepDeadline:
    """Set by the watchdog when it killed a step's kernel for overrunning ``step_timeout``."""

    def __init__(self) -> None:
        self.expired = False


def _cell_count(path: Path, parameters: dict) -> int:
    return len(artifact.read(path).cells) + (1 if parameters else 0)


def execute(notebook: Path, output: Path, parameters: dict, *, env: dict[str, str], tag: str,
            limits: Limits = Limits(), deadline: StepDeadline | None = None,
            on_cell: Callable[[int, int], None] | None = None) -> NotebookOutcome:
    """Execute ``notebook`` into ``output`` with ``parameters``; kernels get ``env``; never raises for a
    notebook that fails (only for a runner bug)."""
    total = _cell_count(notebook, parameters)
    clock = time.monotonic()
    current: dict[str, int | None] = {"cell": None}  # the cell running now, in papermill's numbering

    def cell_started(cell, cell_index: int) -> None:
        current["cell"] = cell_index
        if on_cell:
            on_cell(cell_index + 1, total)

    for attempt in range(1, limits.start_attempts + 1):
        current["cell"] = None
        try:
            pm.execute_notebook(
                str(notebook), str(output), parameters=parameters, progress_bar=False, log_output=False,
                kernel_manager_class=kernel_manager_class(env, tag), shutdown_kernel="immediate",
                execution_timeout=limits.cell_timeout, start_timeout=limits.start_timeout,
                on_cell_start=cell_started,
            )
            return _outcome(True, clock, output, attempt)
        except PapermillExecutionError as exc:
            figures = _figures(output)
            error_class = (figures or {}).get("error_class") or ErrorClass.UNKNOWN
            message = (figures or {}).get("error_message") or f"{exc.ename}: {exc.evalue}"
            return _outcome(False, clock, output, attempt, str(error_class), message)
        except CellTimeoutError as exc:
            text = f"a cell ran longer than the cell timeout ({limits.cell_timeout:g} s)"
            artifact.mark_stopped(output, current["cell"], "CellTimeoutError", text)
            log.debug("cell timeout: %s", exc)
            return _outcome(False, clock, output, attempt, ErrorClass.TIMEOUT, text)
        except DeadKernelError:
            if deadline is not None and deadline.expired:
                error_class = ErrorClass.TIMEOUT
                text = f"the step ran longer than the step timeout ({limits.step_timeout:g} s); its kernel was stopped"
            else:
                error_class = ErrorClass.UNKNOWN
                text = "the kernel died (killed, or out of memory?) while running the notebook"
            artifact.mark_stopped(output, current["cell"], "DeadKernelError", text)
            return _outcome(False, clock, output, attempt, error_class, text)
        except Exception as exc:  # a kernel that never ran a cell failed to start: try again
            expired = deadline is not None and deadline.expired
            if current["cell"] is None and attempt < limits.start_attempts and not expired:
                log.warning("%s: the kernel failed to start (%s: %s); trying again", tag, type(exc).__name__, exc)
                time.sleep(0.5 * attempt)
                continue
            text = f"{type(exc).__name__}: {exc}"
            if current["cell"] is None:
                text = f"the kernel failed to start {attempt} times; last: {text}"
            if output.exists():
                artifact.mark_stopped(output, current["cell"], type(exc).__name__, text)
            return _outcome(False, clock, output, attempt, ErrorClass.UNKNOWN, text)
    raise AssertionError("unreachable: the last attempt always returns")


def _outcome(succeeded: bool, clock: float, output: Path, attempts: int, error_class: str | None = None,
             message: str | None = None) -> NotebookOutcome:
    figures = _figures(output) if output.exists() else None
    return NotebookOutcome(succeeded, time.monotonic() - clock, None if succeeded else str(error_class),
                           message, figures, attempts)


def _figures(output: Path) -> dict | None:
    """The figures the step glued in its executed notebook; None when it glued none or is unreadable."""
    try:
        return read_scrap(output, SCRAP)
    except (OSError, ValueError):
        return None
