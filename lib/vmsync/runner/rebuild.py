"""``vmsync report [RUN_ID]``: make a run's summary again (the last run by default), and the runs index.

The summary notebook runs as the runner runs it (its own kernel, the database URL in the kernel's environment,
never a parameter), with ``reconcile=False``: a report made again reads what was recorded and never calls
Salesforce. ``run.json`` notes the new summary; the run folder is searched for secrets as after a run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url

from ..errors import UsageError
from ..report.index import write_index
from ..report.runfolder import list_runs, shown_status
from ..report.summary import resolve_database
from . import artifact, render
from .execute import Limits, execute
from .folder import find_run, shown_path
from .plan import summary_notebook
from .record import RunRecord, SummaryRecord
from .secrets import choose_secrets, scan_and_redact

SUMMARY_CELL_TIMEOUT = 600.0


@dataclass
class Rebuilt:
    exit_code: int
    run_id: str
    html: Path | None


def rebuild(run_id: str | None, runs_dir: Path, *, db_url: str | None = None, secrets: list[str] = (),
            notebook: Path | None = None, out: TextIO) -> Rebuilt:
    """Execute the summary of ``run_id`` into its folder, render it, rewrite the index.

    Raises ``UsageError`` for an unknown run, a run still running, or no summary notebook.
    """
    runs_dir = Path(runs_dir).absolute()
    if run_id is None:
        known = list_runs(runs_dir)
        if not known:
            raise UsageError(f"{runs_dir} holds no runs yet: start one with `vmsync run`")
        run_id = known[-1].run_id
    folder = find_run(runs_dir, run_id)
    record = RunRecord.load(folder)
    if shown_status(folder.read()) == "running":
        raise UsageError(f"run {run_id} is still running; its summary is made when it ends")
    source = notebook or summary_notebook()
    if source is None:
        raise UsageError("there is no notebooks/summary.ipynb to make the summary with")

    url, note = resolve_database(db_url, record.database, runs_dir)
    if note:
        print(f"note: {note}", file=out)
    env = {**os.environ, "VMSYNC_DB_URL": url, "VMSYNC_RUNS_DIR": str(runs_dir)}
    output, html = folder.notebook("summary"), folder.html("summary")
    outcome = execute(source, output, {"run_id": run_id, "runs_dir": str(runs_dir), "reconcile": False},
                      env=env, tag=f"{run_id}/summary-report",
                      limits=Limits(cell_timeout=SUMMARY_CELL_TIMEOUT))
    if output.exists():
        artifact.truncate_outputs(output)
        render.notebook_html(output, html, hide_code=True)
    record = RunRecord.load(folder)  # as it is now: nothing else writes a finished run's record, but read it fresh
    record.summary = SummaryRecord.of(output, outcome, html if html.exists() else None)
    record.save(folder)
    parsed = make_url(url)
    db_secrets = choose_secrets({"the --db password": (str(parsed.password or ""),)},
                                (parsed.drivername, parsed.username, parsed.host, parsed.database))[0]
    for leak in scan_and_redact(folder.path, [*secrets, *db_secrets]):
        print(f"secret found and redacted: {leak}", file=out)
    index = write_index(runs_dir)
    if outcome.succeeded:
        print(f"Report: {shown_path(html)}", file=out)
    else:
        print(f"The summary of run {run_id} failed: {outcome.error_class}: {outcome.error_message}", file=out)
        print(f"Partial report: {shown_path(html if html.exists() else output)}", file=out)
    print(f"All runs: {shown_path(index)}", file=out)
    return Rebuilt(0 if outcome.succeeded else 1, run_id, html if html.exists() else None)
