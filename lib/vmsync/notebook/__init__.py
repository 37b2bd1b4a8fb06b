"""What an entity notebook calls: run the step, show what it did, record its figures for the summary.

Credentials are read here, inside the kernel, from the environment; they are never notebook parameters and
never shown. The figures are glued in scrapbook's format under one fixed name, ``vmsync_step``, so the summary
(or anyone, with scrapbook) can read every step of a run back from the executed notebooks. Nothing here
imports pandas: a kernel starts in a fraction of the time, and the tables are ``display.Table``s.

``virtual`` is what the virtual sessions notebook calls; ``template`` makes the entity notebooks themselves.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TypeVar

from IPython.display import HTML, Markdown, display
from sqlalchemy import select

from ..config import load_settings
from ..display import Table
from ..entities import get as get_entity
from ..figures import SCRAP, glue
from ..store import tables as t
from ..store.database import open_engine
from ..sync.params import StepParams, manual_run_id
from ..sync.step import StepResult, run_step
from .manual import ManualRun

R = TypeVar("R")


def sync(entity: str, *, run_id: str | None = None, db_url: str | None = None, **params) -> StepResult:
    """Run ``entity``'s step with the notebook's parameters and record its figures, also when it fails.

    Without a ``run_id`` (a notebook run by hand) the step is a manual run of its own (``manual``).
    """
    step_params = StepParams(run_id=manual_run_id() if run_id is None else run_id, db_url=db_url, **params)
    settings = load_settings()
    manual = None if run_id is not None else ManualRun(
        step_params.run_id, entity, step_params.mode, step_params.db_url or settings.db_url.reveal(),
        settings.runs_dir)
    return recorded(lambda: run_step(entity, step_params, settings), manual)


def recorded(step: Callable[[], R], manual: ManualRun | None = None) -> R:
    """Run ``step`` and record its figures for the summary, also when it fails (the failure carries them);
    a ``manual`` run is opened before and closed after."""
    result = None
    if manual is not None:
        manual.open()
    try:
        result = step()
        return result
    except Exception as exc:
        result = getattr(exc, "result", None)
        raise
    finally:
        figures = result.figures() if result is not None else None
        if figures is not None:
            glue(SCRAP, figures)
        if manual is not None:
            manual.close(figures)


def describe(entity: str) -> None:
    """A short paragraph on what the entity syncs, from its spec."""
    spec = get_entity(entity)
    lines = [f"**{spec.title}.** {spec.description}"]
    for s in spec.streams:
        lines.append(f"- `{s.object}` where `{s.where or 'all'}` -> " + ", ".join(f"`{tb.name}`" for tb in s.tables))
    if spec.depends_on:
        lines.append(f"\nRuns after: {', '.join(spec.depends_on)}.")
    display(Markdown("\n".join(lines)))


def show(result: StepResult) -> Table:
    """The step's figures as a one-line-per-stream table, with a sentence on the outcome."""
    f = result.figures()
    verdict = "succeeded" if result.status == "succeeded" else f"**{result.status}** ({result.error_class})"
    display(Markdown(
        f"Step **{result.entity}** {verdict} in {f['duration_s']:.1f} s "
        f"({'dry run, nothing written' if result.dry_run else result.mode}); "
        f"{f['api_calls']} API calls" + (f", {f['api_used']}/{f['api_max']} of the daily allocation used."
                                         if f["api_max"] else ".")
    ))
    columns = ["stream", "full", "extracted", "new", "updated", "unchanged", "deleted", "rejected", "orphaned",
               "healed", "watermark_before", "watermark_after"]
    return Table(columns, [[s[c] for c in columns] for s in f["streams"]])


def problems(result: StepResult, db_url: str | None = None, limit: int = 10) -> Table:
    """A sample of this entity's open issues (rejected records, orphans, warnings) with their reasons."""
    engine = open_engine(db_url or load_settings(need_salesforce=False).db_url.reveal())
    i = t.sync_issue
    q = (select(i.c.record_id, i.c.kind, i.c.code, i.c.field, i.c.message, i.c.attempts)
         .where(i.c.entity == result.entity, i.c.resolved_at.is_(None))
         .order_by(i.c.last_seen_at.desc(), i.c.id).limit(limit))
    with engine.connect() as conn:
        table = Table(["record_id", "kind", "code", "field", "message", "attempts"], conn.execute(q).all())
    engine.dispose()
    return table


BAR_COLOURS = {"new": "#2b8a3e", "updated": "#1971c2", "unchanged": "#adb5bd", "deleted": "#868e96",
               "rejected": "#c92a2a", "orphaned": "#e67700"}


def chart(result: StepResult) -> HTML:
    """A small bar chart of what happened to the extracted records (plain HTML: light in the kernel and the file)."""
    f = result.figures()
    widest = max([f[name] for name in BAR_COLOURS] + [1])
    rows = "".join(
        f'<tr><td style="text-align:right;padding-right:6px">{name}</td><td style="width:320px">'
        f'<div style="background:{colour};height:12px;width:{max(f[name] / widest * 300, 1 if f[name] else 0):.0f}px">'
        f'</div></td><td style="padding-left:6px">{f[name]:,}</td></tr>'
        for name, colour in BAR_COLOURS.items()
    )
    return HTML(f"<p><b>{html.escape(result.entity)}</b>: {f['extracted']:,} records extracted</p>"
                f'<table style="border-collapse:collapse;font-size:12px">{rows}</table>')
