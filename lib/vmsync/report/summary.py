"""Everything the summary of one run shows, gathered from the run folder and the database.

Three sources, each allowed to be missing: ``run.json`` (what the runner planned and how each step ended), the
figures each executed notebook recorded (``scraps``), and the run records in the database (``records``). A
step's figures are its notebook's; the database's row stands in when the notebook recorded none. Whatever is
missing or does not fit (a notebook gone, damaged or from another run, a step that recorded nothing, a
database with no history) becomes a note saying so, and the rest is still shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from ..config import DEFAULT_DB_URL, environment, project_db_url, project_dir
from ..entities import ENTITIES
from ..figures import COUNTS
from ..store.database import open_engine
from . import reconciliation, records
from .runfolder import ERROR_ANCHOR, RunFolder, default_runs_dir, list_runs
from .scraps import read_figures

NOT_DONE = ("failed", "interrupted")
FIGURE_KEYS = (*COUNTS, "duration_s", "watermark_before", "watermark_after", "api_calls", "api_used",
               "api_max", "peak_memory_mb")
TREND_RUNS = 30


@dataclass
class StepReport:
    index: int | None
    entity: str
    status: str
    notebook: str | None = None
    html: str | None = None
    figures: dict | None = None
    source: str = "none"  # where the figures come from: notebook | database | none
    duration_s: float | None = None
    error_class: str | None = None
    error_message: str | None = None
    reason: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status in NOT_DONE

    @property
    def error_link(self) -> str | None:
        """The step's HTML at the error banner papermill put above the failing cell."""
        return f"{self.html}#{ERROR_ANCHOR}" if self.failed and self.html else None

    def count(self, name: str) -> int:
        return int((self.figures or {}).get(name) or 0)


@dataclass
class RunSummary:
    run_id: str | None
    runs_dir: Path
    record: dict = field(default_factory=dict)
    run_row: dict | None = None
    database: str | None = None
    steps: list[StepReport] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)
    resolutions: dict = field(default_factory=dict)
    samples: list[dict] = field(default_factory=list)
    oldest_orphan: datetime | None = None
    new_problems: dict[str, int] = field(default_factory=dict)
    api: dict | None = None
    reconciliation: dict | None = None
    org_shape: list[dict] = field(default_factory=list)
    """Changes in the org's fields: open, or resolved by this run (``records.org_shape``)."""
    history_runs: list[dict] = field(default_factory=list)
    history_steps: list[dict] = field(default_factory=list)
    period_steps: list[dict] = field(default_factory=list)
    open_problems: list[dict] = field(default_factory=list)
    made_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    has_history: bool = False
    latest: bool = True
    notes: list[str] = field(default_factory=list)

    @property
    def folder(self) -> Path | None:
        return self.runs_dir / self.run_id if self.run_id else None

    @property
    def status(self) -> str:
        """The run's outcome; while the runner is still finishing (it runs the summary last), the outcome
        its steps give."""
        status = self.record.get("status") or (self.run_row or {}).get("status") or "unknown"
        if status != "running" or not self.steps:
            return status
        states = {s.status for s in self.steps}
        if states & {"pending", "running"}:
            return "running"
        if "interrupted" in states:
            return "interrupted"
        return "succeeded" if states == {"succeeded"} else "failed"

    @property
    def duration_s(self) -> float | None:
        if self.record.get("duration_s") is not None:
            return float(self.record["duration_s"])
        total = 0.0
        for attempt in self.record.get("attempts") or []:
            try:
                start = datetime.fromisoformat(attempt["started_at"])
                end = datetime.fromisoformat(attempt["finished_at"]) if attempt.get("finished_at") \
                    else datetime.now(UTC)
            except (KeyError, TypeError, ValueError):
                continue
            total += (end - start).total_seconds()
        if total:
            return round(total, 1)
        row = self.run_row or {}
        if row.get("started_at") and row.get("finished_at"):
            return round((row["finished_at"] - row["started_at"]).total_seconds(), 1)
        return None

    @property
    def failed_steps(self) -> list[StepReport]:
        return [s for s in self.steps if s.failed]

    @property
    def skipped_steps(self) -> list[StepReport]:
        return [s for s in self.steps if s.status == "skipped"]

    def total(self, name: str) -> int:
        return sum(s.count(name) for s in self.steps)


def resolve_database(given: str | None, recorded: str | None, runs_dir: Path,
                     environ: dict[str, str] | None = None,
                     env_file: str | None = ".env") -> tuple[str, str | None]:
    """The database to read for a run, and a note when it may not be the run's own.

    ``given`` wins; then ``VMSYNC_DB_URL`` when it is the database the run recorded (``run.json`` keeps the
    URL without its password); then the recorded URL itself (a relative SQLite file is looked for here, in the
    project folder and next to the runs folder); then ``VMSYNC_DB_URL`` or the default, with a note.
    """
    if given:
        return given, None
    configured = environment(environ, env_file).get("VMSYNC_DB_URL", "").strip() or None
    configured = project_db_url(configured, environ) if configured else None
    if configured and (recorded is None or _shown(configured) == recorded):
        return configured, None
    if recorded and "***" not in recorded:
        url = make_url(recorded)
        if url.get_backend_name() != "sqlite" or not url.database or Path(url.database).is_absolute():
            return recorded, None
        for base in (Path.cwd(), project_dir(environ), Path(runs_dir).absolute().parent):
            if (base / url.database).is_file():
                return url.set(database=str(base / url.database)).render_as_string(hide_password=False), None
    fallback = configured or project_db_url(DEFAULT_DB_URL, environ)
    if recorded:
        return fallback, (f"the run used the database {recorded}, which was not found here; reading "
                          f"{_shown(fallback)} instead (pass db_url to choose)")
    return fallback, None


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _open(url: str) -> tuple[Engine | None, str | None]:
    """An engine on ``url``, or None and why: a SQLite file that does not exist is never created."""
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).is_file():
            return None, f"the database {_shown(url)} does not exist: no run records to show"
        engine = open_engine(url)
        with engine.connect() as conn:
            if not records.has_run_records(conn):
                engine.dispose()
                return None, f"the database {_shown(url)} holds no run records yet"
        return engine, None
    except Exception as exc:  # a report shows what it can: an unreadable database is one more note
        text = str(getattr(exc, "orig", exc)).strip()
        reason = text.splitlines()[0] if text else type(exc).__name__
        return None, f"the database {_shown(url)} could not be read ({reason[:160]})"


def load(run_id: str | None = None, runs_dir: str | Path | None = None, db_url: str | None = None, *,
         reconcile: bool = False, now: datetime | None = None) -> RunSummary:
    """The summary of ``run_id`` (default: the last run in ``runs_dir``, else in the database).

    ``runs_dir`` defaults to ``VMSYNC_RUNS_DIR`` (or ``runs``), ``db_url`` to the run's database (see
    ``resolve_database``). With ``reconcile``, a ``--full`` run that has no Id comparison yet gets one
    (Salesforce credentials from the environment); the result is kept, so it is made once.
    """
    runs_dir = Path(runs_dir) if runs_dir else default_runs_dir()
    folders = [f.run_id for f in list_runs(runs_dir)]
    summary = RunSummary(run_id or (folders[-1] if folders else None), runs_dir)
    _read_folder(summary, folders)
    url, note = resolve_database(db_url, summary.record.get("database"), runs_dir)
    summary.database = _shown(url)
    if note:
        summary.notes.append(note)
    engine, problem = _open(url)
    if problem:
        summary.notes.append(problem)
    try:
        if engine is not None:
            _read_database(summary, engine, now or datetime.now(UTC))
            if reconcile:
                _reconcile(summary, engine)
    except SQLAlchemyError as exc:
        summary.notes.append(f"the database could not be read completely ({str(exc).splitlines()[0][:160]})")
    finally:
        if engine is not None:
            engine.dispose()
    for step in summary.steps:
        _settle(step)
    summary.steps.sort(key=lambda s: (not s.failed, s.index if s.index is not None else 999, s.entity))
    if not summary.steps and summary.run_id:
        summary.notes.append("no step of this run is recorded, neither in run.json nor in the database")
    return summary


def _read_folder(summary: RunSummary, folders: list[str]) -> None:
    if summary.run_id is None:
        summary.notes.append(f"{summary.runs_dir} holds no run folder yet")
        return
    folder = summary.folder
    if summary.run_id not in folders:
        summary.notes.append(f"no run folder {folder} (or no run.json in it): only the database is shown")
        return
    try:
        summary.record = RunFolder(summary.runs_dir, summary.run_id).read()
    except (OSError, ValueError) as exc:
        summary.notes.append(f"{folder}/run.json cannot be read ({exc}): only the database is shown")
        return
    known = set()
    for entry in sorted(summary.record.get("steps") or [], key=lambda s: s.get("index") or 0):
        if not isinstance(entry, dict) or not entry.get("entity"):
            continue
        step = StepReport(entry.get("index"), entry["entity"], entry.get("status") or "pending",
                          notebook=entry.get("notebook"), html=entry.get("html"),
                          duration_s=entry.get("duration_s"), error_class=entry.get("error_class"),
                          error_message=entry.get("error_message"), reason=entry.get("reason"))
        known |= {e.get("notebook") for e in entry.get("earlier") or [] if isinstance(e, dict)}
        if step.notebook:
            known.add(step.notebook)
            _read_notebook(step, folder, summary.run_id)
            _find_html(step, folder, finishing=summary.record.get("status") == "running")
        summary.steps.append(step)
    summary_nb = (summary.record.get("summary") or {}).get("notebook") or "summary.ipynb"
    foreign = sorted(p.name for p in folder.glob("*.ipynb") if p.name not in known and p.name != summary_nb)
    if foreign:
        summary.notes.append(f"notebooks in the run folder that are not steps of this run, left out: "
                             f"{', '.join(foreign)}")


def _find_html(step: StepReport, folder: Path, *, finishing: bool) -> None:
    """The step's HTML rendering. The runner renders a run's notebooks after its summary is made, so while the
    run is finishing the rendering-to-be is linked; after that, only one that exists."""
    step.html = step.html or Path(step.notebook).with_suffix(".html").name
    if not finishing and not (folder / step.html).is_file():
        step.notes.append(f"its rendering {step.html} is missing")
        step.html = None


def _read_notebook(step: StepReport, folder: Path, run_id: str) -> None:
    figures, problem = read_figures(folder / step.notebook)
    if problem:
        step.notes.append(problem)
        return
    if figures.get("run_id") != run_id or figures.get("entity") != step.entity:
        step.notes.append(f"{step.notebook} holds the figures of {figures.get('entity')!r} in run "
                          f"{figures.get('run_id')!r}, not of this step: left out")
        return
    step.figures, step.source = figures, "notebook"


def _read_database(summary: RunSummary, engine: Engine, now: datetime) -> None:
    with engine.connect() as conn:
        if summary.run_id is None:
            summary.run_id = records.last_run_id(conn)
            if summary.run_id is None:
                summary.notes.append("the database holds no run yet")
        last = records.last_run_id(conn)
        summary.has_history = last is not None
        if summary.run_id is None:
            return
        summary.latest = last == summary.run_id
        summary.run_row = records.run_row(conn, summary.run_id)
        if summary.run_row is None:
            summary.notes.append(f"the database {summary.database} has no record of run {summary.run_id}")
        _merge_step_rows(summary, records.step_rows(conn, summary.run_id))
        summary.issues = records.issue_counts(conn, summary.run_id)
        summary.resolutions = records.resolutions(conn, summary.run_id)
        summary.samples = records.issue_samples(conn, summary.run_id, summary.issues)
        summary.oldest_orphan = records.oldest_open_orphan(conn)
        summary.new_problems = records.new_open_issues(conn, summary.run_id)
        summary.org_shape = records.org_shape(conn, summary.run_id)
        summary.reconciliation = reconciliation.load(conn, summary.run_id)
        summary.history_runs = records.recent_runs(conn, TREND_RUNS)
        summary.history_steps = records.steps_of_runs(conn, [r["run_id"] for r in summary.history_runs])
        summary.period_steps = records.steps_since(conn, records.aggregate_window(now))
        summary.open_problems = records.open_problems(conn, summary.history_runs)
    summary.made_at = now
    summary.api = _api_budget(summary)


def _merge_step_rows(summary: RunSummary, rows: dict[str, dict]) -> None:
    by_entity = {s.entity: s for s in summary.steps}
    for entity, row in rows.items():
        step = by_entity.get(entity)
        if step is None:  # known to the database, not to run.json (no folder, or a notebook run by hand)
            step = StepReport(None, entity, row["status"], duration_s=row["duration_s"],
                              error_class=row["error_class"], error_message=row["error_message"])
            summary.steps.append(step)
        figures = {k: row[k] for k in FIGURE_KEYS}
        figures["watermark_before"] = _iso(row["watermark_before"])
        figures["watermark_after"] = _iso(row["watermark_after"])
        figures["streams"] = (row.get("details") or {}).get("streams", [])
        if step.figures is None:
            step.figures, step.source = figures, "database"
            continue
        differ = [k for k in COUNTS if int(step.figures.get(k) or 0) != int(row[k] or 0)]
        if differ:
            step.notes.append("the notebook and the database disagree on " + ", ".join(
                f"{k} ({step.figures.get(k)} / {row[k]})" for k in differ) + "; the notebook's are shown")
        for key in ("peak_memory_mb", "api_used", "api_max"):
            if step.figures.get(key) is None:
                step.figures[key] = row[key]


def _settle(step: StepReport) -> None:
    """Fill what the figures say and note what nothing says."""
    figures = step.figures or {}
    if figures.get("duration_s") is not None:
        step.duration_s = figures["duration_s"]
    step.error_class = step.error_class or figures.get("error_class")
    step.error_message = step.error_message or figures.get("error_message")
    if step.figures is None and step.status not in ("skipped", "pending"):
        step.notes.append("no figures recorded for this step, in its notebook or in the database")


def _api_budget(summary: RunSummary) -> dict | None:
    """Calls the run made, and the org's daily allocation as its last step saw it."""
    steps = [s for s in summary.steps if s.figures]
    if not steps:
        return None
    calls = sum(s.count("api_calls") for s in steps)
    seen = [s.figures for s in steps if s.figures.get("api_max")]
    last = max(seen, key=lambda f: f.get("api_used") or 0) if seen else None
    if last is None:
        return {"calls": calls, "used": None, "max": None, "remaining": None}
    used, maximum = int(last["api_used"] or 0), int(last["api_max"])
    return {"calls": calls, "used": used, "max": maximum, "remaining": maximum - used}


def _reconcile(summary: RunSummary, engine: Engine) -> None:
    """Make the Id comparison of a finished ``--full`` run that has none yet."""
    if summary.reconciliation is not None or summary.record.get("mode") != "full" or not summary.run_id:
        return
    names = [s.entity for s in summary.steps if s.status == "succeeded" and s.entity in ENTITIES]
    if summary.status == "running" or not names:
        return
    from ..config import load_settings
    from ..salesforce import connect

    try:
        client = connect(load_settings())
        summary.reconciliation = reconciliation.compare_and_save(engine, client, summary.run_id, names,
                                                                 source="the run's summary")
    except Exception as exc:  # the report goes on without it, and says why
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        summary.notes.append(f"the org could not be compared with the database ({reason[:200]}); "
                             "`vmsync check --reconcile` does it later")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
