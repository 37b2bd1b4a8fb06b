"""The run record, ``run.json``: what ran, with what, against what, and how each step ended.

The runner keeps it as a ``RunRecord`` and saves it as plain JSON so that anyone (a script, the summary,
``jq``) can read it::

    run_id, status (running | succeeded | failed | interrupted), started_at, finished_at, duration_s,
    mode, org_id, database (URL without password), parameters, versions, git_commit, host, pid,
    attempts [{started_at, finished_at, pid, host, status}],
    steps [{index, entity, depends_on, notebook, html, status, started_at, finished_at, duration_s,
            counts {extracted, new, ...}, api_calls, error_class, error_message, reason, attempts,
            configured, tables_changed (once the step has ended), progress {stream, pages, records} (while
            it runs),
            earlier [{attempt, status, started_at, finished_at, error_class, error_message, notebook, html}]
            (the step's attempts before a resume ran it again; their notebooks stay in the folder)}],
    summary {notebook, html, status, duration_s, error_class, error_message} | null,
    secrets_found [...] (files where a secret was found and redacted),
    error (what stopped the run before any step, such as an unreachable org) | null

``run.json`` is saved (atomically: a temporary file renamed over it) every time a step starts or ends, so a
runner killed outright leaves a record of what had finished, which ``--resume`` completes.
"""

from __future__ import annotations

import os
import platform
import socket
import subprocess
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from ..figures import COUNTS
from ..report.live import write_live
from ..report.runfolder import RunFolder, write_record
from .execute import NotebookOutcome
from .plan import Step

# step states: a step is "pending" until it starts; the last four are final
PENDING, RUNNING, SUCCEEDED, FAILED, SKIPPED, INTERRUPTED = (
    "pending", "running", "succeeded", "failed", "skipped", "interrupted")
TO_RERUN = (PENDING, RUNNING, FAILED, SKIPPED, INTERRUPTED)
PACKAGES = ("vmsync", "papermill", "nbclient", "nbformat", "nbconvert", "ipykernel", "jupyter_client", "scrapbook",
            "simple-salesforce", "SQLAlchemy", "psycopg", "pandas")


def now_utc() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else None


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def git_commit(where: Path) -> str | None:
    """The commit of the checkout holding ``where`` (the notebooks), or None outside a git checkout."""
    try:
        done = subprocess.run(["git", "-C", str(where), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and commit else None


def counts_of(figures: dict | None) -> dict | None:
    if not figures:
        return None
    return {k: figures.get(k, 0) for k in COUNTS}


@dataclass
class StepRecord:
    """One step of the run, as ``run.json`` lists it."""

    index: int
    entity: str
    depends_on: list[str]
    notebook: str | None = None
    html: str | None = None
    status: str = PENDING
    started_at: str | None = None
    finished_at: str | None = None
    duration_s: float | None = None
    counts: dict | None = None
    api_calls: int | None = None
    error_class: str | None = None
    error_message: str | None = None
    reason: str | None = None
    attempts: int = 0
    configured: bool | None = None
    tables_changed: dict | None = None
    earlier: list[dict] = field(default_factory=list)
    progress: dict | None = None
    """While the step runs: what its kernel reported so far (``stream``, ``pages``, ``records``)."""
    ended: bool = False
    """Whether the step ever ended: from then on ``run.json`` carries its ``tables_changed``."""

    @property
    def unconfigured(self) -> bool:
        """Skipped because its source is not configured: nothing to do, so neither a failure nor a block."""
        return self.status == SKIPPED and self.configured is False

    def start(self, notebook: str) -> None:
        self.status, self.started_at, self.finished_at, self.duration_s = RUNNING, iso(now_utc()), None, None
        self.progress = None
        self.error_class = self.error_message = None
        self.attempts += 1
        self.notebook = notebook

    def set_aside(self) -> tuple[str, str] | None:
        """Keep the last attempt of a step about to run again: its outcome goes to ``earlier``; returns its
        notebook's name and the name it is kept under (``NN-entity.attempt1.ipynb``), None if it never ran."""
        if not self.notebook:
            return None
        kept = f"{Path(self.notebook).stem}.attempt{self.attempts}"
        self.earlier.append({"attempt": self.attempts, "status": self.status, "started_at": self.started_at,
                             "finished_at": self.finished_at, "error_class": self.error_class,
                             "error_message": self.error_message, "notebook": f"{kept}.ipynb",
                             "html": f"{kept}.html"})
        current, self.notebook, self.html = self.notebook, None, None
        return current, f"{kept}.ipynb"

    def skip(self, reason: str, *, configured: bool | None = None) -> None:
        """Skipped for ``reason``; ``configured=False`` when its source is not configured."""
        self.status, self.reason, self.configured = SKIPPED, reason, configured

    def end(self, status: str, outcome: NotebookOutcome, counts: dict | None, api_calls: int | None) -> None:
        """The step ended as ``outcome`` says; its rendering is noted once made."""
        self.status, self.finished_at, self.duration_s = status, iso(now_utc()), round(outcome.duration_s, 2)
        self.progress = None
        self.counts, self.api_calls, self.html = counts, api_calls, None
        self.tables_changed, self.ended = (outcome.figures or {}).get("tables_changed"), True
        self.error_class, self.error_message = outcome.error_class, outcome.error_message

    def to_json(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "ended"}
        if not self.ended:
            del data["tables_changed"]
        return data

    @classmethod
    def from_json(cls, data: dict) -> StepRecord:
        names = {f.name for f in fields(cls)} - {"ended"}
        return cls(**{k: v for k, v in data.items() if k in names}, ended="tables_changed" in data)


@dataclass
class Attempt:
    """One start (or resume) of the run."""

    started_at: str | None
    finished_at: str | None
    pid: int
    host: str
    status: str


@dataclass
class SummaryRecord:
    """How the summary notebook ended."""

    notebook: str
    html: str | None
    status: str
    duration_s: float
    error_class: str | None
    error_message: str | None

    @classmethod
    def of(cls, notebook: Path, outcome: NotebookOutcome, html: Path | None = None) -> SummaryRecord:
        return cls(notebook.name, html.name if html else None, SUCCEEDED if outcome.succeeded else FAILED,
                   round(outcome.duration_s, 2), outcome.error_class, outcome.error_message)


@dataclass
class RunRecord:
    """The whole run; its fields in ``run.json``'s order."""

    run_id: str
    status: str
    started_at: str | None
    finished_at: str | None
    duration_s: float | None
    mode: str
    org_id: str | None
    database: str
    parameters: dict
    versions: dict[str, str]
    git_commit: str | None
    host: str
    pid: int
    attempts: list[Attempt]
    steps: list[StepRecord]
    summary: SummaryRecord | None = None
    secrets_found: list[str] = field(default_factory=list)
    error: str | None = None
    manual: bool = False
    """A notebook run by hand (``vmsync.notebook.manual``), not by ``vmsync run``."""

    @classmethod
    def new(cls, run_id: str, plan: list[Step], *, mode: str, database: str, parameters: dict,
            notebooks_dir: Path, now: datetime) -> RunRecord:
        return cls(run_id, RUNNING, iso(now), None, None, mode, None, database, parameters, versions(),
                   git_commit(notebooks_dir), socket.gethostname(), os.getpid(), [],
                   [StepRecord(s.index, s.entity, list(s.depends_on)) for s in plan])

    @classmethod
    def from_json(cls, data: dict) -> RunRecord:
        """The record a ``run.json`` holds; ``ValueError`` when it holds something else."""
        try:
            values = {f.name: data[f.name] for f in fields(cls) if f.name != "manual"}
            values["manual"] = bool(data.get("manual"))
            values["attempts"] = [Attempt(**a) for a in data["attempts"]]
            values["steps"] = [StepRecord.from_json(s) for s in data["steps"]]
            values["summary"] = SummaryRecord(**data["summary"]) if data["summary"] else None
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a run record: {exc!r}") from None
        return cls(**values)

    @classmethod
    def load(cls, folder: RunFolder) -> RunRecord:
        return cls.from_json(folder.read())

    def to_json(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["attempts"] = [asdict(a) for a in self.attempts]
        data["steps"] = [s.to_json() for s in self.steps]
        data["summary"] = asdict(self.summary) if self.summary else None
        return data

    def save(self, folder: RunFolder) -> None:
        """``run.json`` and the live page made from it (``report.live``)."""
        data = self.to_json()
        write_record(folder, data)
        write_live(folder, data)

    def plan(self, notebooks_dir: Path) -> list[Step]:
        """The steps of the recorded run, to resume it with the same numbering."""
        return [Step(s.index, s.entity, tuple(s.depends_on), notebooks_dir / f"{s.entity}.ipynb")
                for s in self.steps]

    def begin_attempt(self, now: datetime) -> list[tuple[str, str]]:
        """Start (or resume) the run: every step not succeeded goes back to pending, its last attempt set
        aside; returns the notebooks to keep under another name: ``(name, kept as)``."""
        self.status, self.finished_at, self.pid, self.host = RUNNING, None, os.getpid(), socket.gethostname()
        self.attempts.append(Attempt(iso(now), None, os.getpid(), socket.gethostname(), RUNNING))
        kept = []
        for step in self.steps:
            if step.status in TO_RERUN:
                kept.append(step.set_aside())
                step.status, step.reason, step.configured = PENDING, None, None
        self.secrets_found = []
        return [k for k in kept if k]

    def end_attempt(self, status: str, now: datetime) -> None:
        self.status = status
        self.finished_at = iso(now)
        attempt = self.attempts[-1]
        attempt.finished_at, attempt.status = iso(now), status
        self.duration_s = round(sum(
            (datetime.fromisoformat(a.finished_at) - datetime.fromisoformat(a.started_at)).total_seconds()
            for a in self.attempts if a.finished_at), 1)

    def final_status(self, interrupted: bool) -> str:
        """succeeded when every step (and the summary) did; interrupted when stopped; failed otherwise."""
        if interrupted:
            return INTERRUPTED
        steps_ok = all(s.status == SUCCEEDED or s.unconfigured for s in self.steps)
        summary_ok = self.summary is None or self.summary.status == SUCCEEDED
        return SUCCEEDED if steps_ok and summary_ok and not self.secrets_found else FAILED
