"""HTML for people: a rendering of every executed notebook, and ``runs/index.html`` listing every run.

Entity notebooks keep their code cells (they are the audit record of what ran); the summary hides them.
Renderings are made by a ``Renderer`` in a worker process while the next steps run: nbconvert is a slow
import and CPU work that would otherwise hold up the next step and compete for this process's GIL.
"""

from __future__ import annotations

import html
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from .folder import list_runs

INDEX = "index.html"
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


def notebook_html(notebook: Path, target: Path, *, hide_code: bool = False) -> None:
    """Render ``notebook`` to ``target`` with nbconvert's HTML exporter."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", exclude_input=hide_code, exclude_input_prompt=hide_code,
                            exclude_output_prompt=hide_code)
    body, _ = exporter.from_notebook_node(_without_scraps(nbformat.read(str(notebook), as_version=4)))
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, target)


def _warm_up() -> None:
    from nbconvert import HTMLExporter

    HTMLExporter(template_name="lab")


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


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; }
th, td { padding: .35em .8em; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
.succeeded { color: #2b8a3e; } .failed, .interrupted { color: #c92a2a; font-weight: bold; }
.skipped, .pending { color: #868e96; } .running { color: #1971c2; }
a.step { margin-right: .6em; white-space: nowrap; }
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _run_row(record: dict, folder_name: str) -> str:
    steps = record.get("steps", [])
    links = []
    for step in steps:
        label = f"{step['entity']}"
        target = step.get("html") or step.get("notebook")
        status = step.get("status", "pending")
        title = f"{status}" + (f" ({step['error_class']})" if step.get("error_class") else "")
        if target:
            links.append(f'<a class="step {status}" title="{_e(title)}" href="{_e(folder_name)}/{_e(target)}">'
                         f"{_e(label)}</a>")
        else:
            links.append(f'<span class="step {status}" title="{_e(title)}">{_e(label)}</span> ')
    summary = record.get("summary") or {}
    report = summary.get("html") or summary.get("notebook")
    report_link = f'<a href="{_e(folder_name)}/{_e(report)}">summary</a>' if report else ""
    counts = {s: sum(1 for step in steps if step.get("status") == s) for s in ("succeeded", "failed", "skipped")}
    status = record.get("status", "")
    duration = record.get("duration_s")
    return (f"<tr><td><a href=\"{_e(folder_name)}/run.json\">{_e(record.get('run_id'))}</a></td>"
            f"<td>{_e(record.get('started_at'))}</td><td class=\"{_e(status)}\">{_e(status)}</td>"
            f"<td>{'' if duration is None else f'{duration:.0f} s'}</td><td>{_e(record.get('mode'))}</td>"
            f"<td>{counts['succeeded']} / {counts['failed']} / {counts['skipped']}</td>"
            f"<td>{report_link}</td><td>{' '.join(links)}</td></tr>")


def write_index(runs_dir: Path) -> Path:
    """(Re)write ``runs/index.html`` from every run's ``run.json``, newest first."""
    rows = []
    for folder in reversed(list_runs(runs_dir)):
        try:
            record = folder.read()
        except (OSError, ValueError):
            continue  # a run.json being replaced this instant, or damaged: list the others
        rows.append(_run_row(record, folder.run_id))
    page = (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>vmsync runs</title>"
        f"<style>{_STYLE}</style></head><body>\n<h1>vmsync runs</h1>\n"
        "<p>Every run of the suite, newest first. Each step links to its executed notebook; "
        "the summary links to the run's report.</p>\n<table>\n"
        "<tr><th>run</th><th>started (UTC)</th><th>status</th><th>took</th><th>mode</th>"
        "<th>ok / failed / skipped</th><th>report</th><th>steps</th></tr>\n"
        + "\n".join(rows) + "\n</table>\n</body></html>\n"
    )
    target = Path(runs_dir) / INDEX
    tmp = target.with_name(f".{INDEX}.{os.getpid()}.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    return target
