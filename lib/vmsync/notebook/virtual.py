"""What ``notebooks/virtual_sessions.ipynb`` calls: the step with the notebook's parameters, and its tables.

Parameters left as None come from the environment (``options``), so the notebook runs by hand with its
defaults, and the figures are recorded under the same scrapbook name as every other step's.
"""

from __future__ import annotations

from IPython.display import Markdown, display

from ..config import load_settings
from ..display import Table
from ..entities.virtual_sessions import ENTITY
from ..sync.params import manual_run_id
from ..virtual.options import DEFAULT_PARTNER, DEFAULT_TIMEZONE, VirtualParams, environment
from ..virtual.step import VirtualResult, run
from . import recorded
from . import show as show_step
from .manual import ManualRun

HELD = {"rows": "data rows in the file", "blank_rows": "blank rows",
        "other_partner": "rows of other partners", "student_or_parent": "student and parent rows",
        "draft_undated": "undated drafts (skipped)", "undated": "undated rows (waiting for a date)",
        "historic": "rows before the cutoff", "rejected_rows": "rows rejected",
        "sessions": "sessions imported",
        "remapped": "earlier sessions mapped again (people they name arrived)"}


def describe() -> None:
    display(Markdown(f"**{ENTITY.title}.** {ENTITY.description}\n\n"
                     f"Runs after: {', '.join(ENTITY.depends_on)}."))


def sync(*, source: str | None = None, mode: str = "incremental", cutoff=None, user_report: str | None = None,
         school_levels: str | None = None, partner: str = DEFAULT_PARTNER, timezone: str | None = None,
         run_id: str | None = None, db_url: str | None = None, dry_run: bool = False) -> VirtualResult:
    """Import the reports and record the step's figures, also when it fails or has nothing to import."""
    env = environment()
    params = VirtualParams(
        run_id=manual_run_id() if run_id is None else run_id, source=source or env.get("source"), mode=mode,
        cutoff=cutoff, user_report=user_report or env.get("user_report"),
        school_levels=school_levels or env.get("school_levels"), partner=partner,
        timezone=timezone or env.get("timezone", DEFAULT_TIMEZONE), ca_bundle=env.get("ca_bundle"),
        db_url=db_url, dry_run=dry_run)
    manual = None
    if run_id is None:
        settings = load_settings(need_salesforce=False)
        manual = ManualRun(params.run_id, ENTITY.name, mode, db_url or settings.db_url.reveal(), settings.runs_dir)
    return recorded(lambda: run(params), manual)


def show(result: VirtualResult) -> Table | None:
    """The step's figures (as an entity notebook shows them), or why it was skipped."""
    if result.status == "skipped":
        display(Markdown(f"Step **{result.entity}** skipped: {result.skip_reason}."))
        return None
    display(Markdown(f"Source: `{result.source}`; cutoff: {result.report.get('cutoff') or 'none (full)'}."))
    return show_step(result)


def held(result: VirtualResult) -> Table:
    """What the session report held and what became of its rows, and the model tables the step changed."""
    rows = [(HELD[k], result.report[k]) for k in HELD if k in result.report]
    rows += [(f"rows changed in {name}", n) for name, n in result.tables_changed.items()]
    return Table(["", "count"], rows)
