"""HTML for people: a rendering of every executed notebook (``runs/index.html`` is ``vmsync.report.index``).

Entity notebooks keep their code cells (they are the audit record of what ran); the summary hides them.
Renderings are made by a ``Renderer`` in a worker process while the next steps run: nbconvert is a slow
import and CPU work that would otherwise hold up the next step and compete for this process's GIL.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cache
from pathlib import Path

PARENT_POLL = 0.5


def _is_scrap(output) -> bool:
    data = output.get("data")
    return bool(data) and all(mime.startswith("application/scrapbook.") for mime in data)


def _without_scraps(nb):
    """The notebook without its scrapbook outputs: hidden data, which HTML cannot show (and warns about)."""
    for cell in nb.cells:
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs if not _is_scrap(o)]
    return nb


@cache
def _exporter(hide_code: bool):
    """One HTML exporter per kind, kept: a new one compiles its Jinja templates again, half of a rendering."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="lab", exclude_input=hide_code, exclude_input_prompt=hide_code,
                        exclude_output_prompt=hide_code)


def notebook_html(notebook: Path, target: Path, *, hide_code: bool = False) -> None:
    """Render ``notebook`` to ``target`` with nbconvert's HTML exporter."""
    import nbformat

    body, _ = _exporter(hide_code).from_notebook_node(_without_scraps(nbformat.read(str(notebook), as_version=4)))
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, target)


def _warm_up() -> None:
    _exporter(False)


def _exit_with(parent: int) -> None:
    """In the worker: end it when the runner is gone (killed outright, it cannot stop its workers); leave
    Ctrl-C to the runner, which decides what stops."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL)
        os._exit(0)

    threading.Thread(target=watch, name="vmsync-render-parent", daemon=True).start()


class Renderer:
    """Renders notebooks to HTML in one worker process, in the order they are submitted."""

    def __init__(self) -> None:
        self._pool = self._start()
        self._jobs: dict[Path, Future] = {}
        self._pool.submit(_warm_up)  # the import overlaps the first steps

    @staticmethod
    def _start() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=_exit_with,
                                   initargs=(os.getpid(),))

    def submit(self, notebook: Path, target: Path, *, hide_code: bool = False) -> None:
        try:
            job = self._pool.submit(notebook_html, notebook, target, hide_code=hide_code)
        except BrokenProcessPool:  # the worker died (killed, out of memory): start another once
            self._pool.shutdown(wait=False)
            self._pool = self._start()
            job = self._pool.submit(notebook_html, notebook, target, hide_code=hide_code)
        self._jobs[target] = job

    def pending(self, target: Path) -> bool:
        return target in self._jobs

    def wait(self) -> dict[Path, str]:
        """Wait for every rendering; returns the ones that failed, with the reason."""
        failed = {}
        for target, job in self._jobs.items():
            try:
                job.result()
            except Exception as exc:  # the notebook itself is the record; a missing rendering is reported
                failed[target] = f"{type(exc).__name__}: {exc}"
        self._jobs.clear()
        return failed

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
