"""The backstop for a step that never returns: past its deadline, its kernel is killed.

nbclient already ends a step whose kernel died (it polls the kernel every second) and a cell that overruns
the cell timeout. What it cannot end is a hang outside a cell or in nbclient itself (papermill#125, #705):
the watchdog kills the kernel of any step running longer than ``step_timeout``, which makes nbclient raise
``DeadKernelError`` and the step end as a TIMEOUT failure.
"""

from __future__ import annotations

import logging
import threading
import time

from .execute import StepDeadline
from .kernel import kill_kernels

log = logging.getLogger("vmsync.runner")


class Watchdog:
    def __init__(self, step_timeout: float | None, every: float = 1.0):
        self.step_timeout = step_timeout
        self.every = every
        self._steps: dict[str, tuple[float, StepDeadline]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Watchdog:
        if self.step_timeout:
            self._thread = threading.Thread(target=self._watch, name="vmsync-watchdog", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def watch(self, tag: str) -> StepDeadline:
        """Start the clock of the step whose kernels carry ``tag``."""
        deadline = StepDeadline()
        if self.step_timeout:
            with self._lock:
                self._steps[tag] = (time.monotonic() + self.step_timeout, deadline)
        return deadline

    def forget(self, tag: str) -> None:
        with self._lock:
            self._steps.pop(tag, None)

    def _watch(self) -> None:
        while not self._stop.wait(self.every):
            now = time.monotonic()
            with self._lock:
                late = [(tag, d) for tag, (due, d) in self._steps.items() if now > due]
            for tag, deadline in late:  # killed again every round until the step ends (a kernel still starting)
                if not deadline.expired:
                    deadline.expired = True
                    log.warning("%s ran past the step timeout (%g s): stopping its kernel", tag, self.step_timeout)
                kill_kernels(tag)
