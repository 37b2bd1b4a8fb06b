"""The summary notebook's sections as HTML: small tables, a chart, and plain sentences.

Each ``show_*`` displays one section of a ``RunSummary`` (``summary.load``). The HTML is self-contained and
small (tables cut to their head, one SVG chart), so ``summary.html`` opens quickly anywhere.
"""

from __future__ import annotations

import html
import re
from datetime import datetime

from IPython.display import HTML, display

from . import advice, trends
from .runfolder import ERROR_ANCHOR, earlier_attempts, resumed_at
from .summary import RunSummary, StepReport

STYLE = """<style>
.vm table { border-collapse: collapse; margin: .4em 0 1em; font-size: 13px; }
.vm table th, .vm table td { padding: .25em .6em; border-bottom: 1px solid #e3e3e3; text-align: right;
  vertical-align: top; }
.vm table th { background: #f6f7f8; font-weight: 600; }
.vm table td.l, .vm table th.l { text-align: left; }
.vm .muted { color: #868e96; } .vm .num0 { color: #adb5bd; }
.vm .succeeded { color: #2b8a3e; font-weight: 600; }
.vm .failed, .vm .interrupted { color: #c92a2a; font-weight: 700; }
.vm .skipped, .vm .pending { color: #868e96; font-weight: 600; }
.vm .running { color: #1971c2; font-weight: 600; }
.vm .box { padding: .6em .9em; margin: .6em 0; border-radius: 4px; }
.vm .bad { background: #fff5f5; border-left: 4px solid #c92a2a; }
.vm .warn { background: #fff9db; border-left: 4px solid #f08c00; }
.vm .good { background: #ebfbee; border-left: 4px solid #2b8a3e; }
.vm .verdict { font-size: 1.15em; margin: .3em 0 .6em; }
.vm ul { margin: .3em 0; } .vm .t { white-space: nowrap; }
.vm td .msg { display: inline-block; max-width: 26em; overflow-wrap: anywhere; }
</style>"""

STEP_COLUMNS = ("new", "updated", "unchanged", "deleted", "rejected", "orphaned", "healed")


def e(value) -> str:
    return html.escape("" if value is None else str(value))


def code(text: str) -> str:
    """Escaped text with its `quoted` parts as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", e(text))


def num(value) -> str:
    if value is None:
        return '<span class="muted">–</span>'
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return '<span class="num0">0</span>' if value == 0 else f"{int(value):,}"


def when(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A time as ``2026-11-28 23:20`` (UTC), from a datetime or an ISO string."""
    if not value:
        return '<span class="muted">–</span>'
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return e(value)
    return f'<span class="t">{moment.strftime(fmt)}</span>'


def seconds(value) -> str:
    if value is None:
        return '<span class="muted">–</span>'
    value = float(value)
    if value < 120:
        return f"{value:.1f} s"
    minutes, secs = divmod(int(round(value)), 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min {secs:02d} s"


def status(value: str | None) -> str:
    return f'<span class="{e(value)}">{e(value)}</span>'


def table(headers: list[str] | None, rows: list[list[str]], left: int = 1) -> str:
    """An HTML table of already escaped cells; the first ``left`` columns are text, the rest numbers."""
    def cells(tag: str, values: list[str]) -> str:
        return "".join(f'<{tag}{" class=l" if i < left else ""}>{v}</{tag}>' for i, v in enumerate(values))

    head = f"<tr>{cells('th', headers)}</tr>" if headers else ""
    return "<table>" + head + "".join(f"<tr>{cells('td', row)}</tr>" for row in rows) + "</table>"


def _show(*parts: str) -> None:
    display(HTML('<div class="vm">' + "".join(parts) + "</div>"))


def _link(href: str | None, text: str) -> str:
    return f'<a href="{e(href)}">{e(text)}</a>' if href else e(text)


def _notes(notes: list[str], kind: str = "warn") -> str:
    if not notes:
        return ""
    return f'<div class="box {kind}"><b>Missing or left out</b><ul>' + "".join(
        f"<li>{e(n)}</li>" for n in notes) + "</ul></div>"


def verdict(s: RunSummary) -> str:
    """One sentence on the run."""
    if not s.steps:
        return "Nothing to show: no step of this run is recorded."
    tally: dict[str, int] = {}
    for step in s.steps:
        tally[step.status] = tally.get(step.status, 0) + 1
    moved = (f"{s.total('extracted'):,} records read: {s.total('new'):,} new, "
             f"{s.total('updated'):,} updated, {s.total('deleted'):,} deleted")
    if tally.get("succeeded") == len(s.steps):
        return f"All {len(s.steps)} steps succeeded. {moved}."
    order = ("failed", "interrupted", "skipped", "running", "pending", "succeeded")
    parts = [f"{tally[k]} {k}" for k in sorted(tally, key=lambda k: order.index(k) if k in order else 9)]
    return f"{len(s.steps)} steps: {', '.join(parts)}. {moved}."


def show_run(s: RunSummary) -> None:
    """The run's status, times, org, database and parameters; the failed steps; what to do next."""
    r, row = s.record, s.run_row or {}
    params = {k: v for k, v in (r.get("parameters") or row.get("parameters") or {}).items()
              if k != "notebook_parameters" and v not in (None, [], "")}
    facts = [
        ("run", e(s.run_id or "–")), ("status", status(s.status)),
        ("started", when(r.get("started_at") or row.get("started_at")) + " UTC"),
        ("finished", _finished(s)),
        ("took", seconds(s.duration_s)), ("mode", e(r.get("mode") or row.get("mode"))),
        ("org", e(r.get("org_id") or row.get("org_id") or "–")), ("database", e(s.database or "–")),
        ("parameters", e(", ".join(f"{k}={v}" for k, v in params.items()) or "–")),
        ("ran", e(" · ".join(filter(None, [
            f"vmsync {(r.get('versions') or {}).get('vmsync') or row.get('vmsync_version') or '?'}",
            r.get("git_commit") and f"commit {r['git_commit'][:10]}",
            (r.get("host") or row.get("host")) and f"on {r.get('host') or row.get('host')}"])))),
    ]
    parts = [STYLE, f'<div class="verdict">{status(s.status)} · {e(verdict(s))}</div>',
             table(None, [[f"<b>{k}</b>", v] for k, v in facts], left=2)]
    parts.append(_failed_box(s.failed_steps))
    parts.append(_resumed_box(s.record))
    todo = advice.next_steps(s.run_id, r, s.failed_steps, s.skipped_steps, sum(s.new_problems.values()))
    if todo:
        kind = "bad" if s.failed_steps or r.get("error") else "warn"
        parts.append(f'<div class="box {kind}"><b>What to do next</b><ul>'
                     + "".join(f"<li>{code(t)}</li>" for t in todo) + "</ul></div>")
    elif s.status == "succeeded":
        parts.append('<div class="box good">Nothing to do: every step succeeded and no new problem '
                     "appeared.</div>")
    parts.append(_notes(s.notes))
    _show(*parts)


def _finished(s: RunSummary) -> str:
    finished = s.record.get("finished_at") or (s.run_row or {}).get("finished_at")
    if not finished and s.record.get("status") == "running" and s.status != "running":
        return "as this report was made"  # the runner makes the summary as the run ends
    return when(finished)


def _resumed_box(record: dict) -> str:
    """A resumed run: when, and what failed in the attempts before, each with its kept notebook."""
    resumed = resumed_at(record)
    if not resumed:
        return ""
    items = []
    for entity, attempt in earlier_attempts(record):
        html = attempt.get("html")
        link = f' — <a href="{e(html)}#{ERROR_ANCHOR}">open its notebook at the error</a>' if html else ""
        items.append(f"<li><b>{e(entity)}</b> attempt {e(attempt.get('attempt'))} "
                     f"{status(attempt.get('status'))} at {when(attempt.get('finished_at'))} with "
                     f"<b>{e(attempt.get('error_class') or '?')}</b>: "
                     f"{e((attempt.get('error_message') or '')[:400])}{link}</li>")
    head = (f"This run was resumed ({len(resumed)} time(s): "
            f"{', '.join(when(w) + ' UTC' for w in resumed)}).")
    return (f'<div class="box warn"><b>{head}</b>'
            + (f" What failed before:<ul>{''.join(items)}</ul>" if items else "") + "</div>")


def _failed_box(failed: list[StepReport]) -> str:
    if not failed:
        return ""
    items = []
    for step in failed:
        link = (f' — <a href="{e(step.error_link)}">open the error in its notebook</a>' if step.error_link
                else ' — <span class="muted">no rendering of its notebook to link to</span>')
        items.append(f"<li><b>{e(step.entity)}</b> {status(step.status)} with "
                     f"<b>{e(step.error_class or '?')}</b>: {e((step.error_message or '')[:400])}{link}</li>")
    return '<div class="box bad"><b>Failed steps</b><ul>' + "".join(items) + "</ul></div>"


def show_steps(s: RunSummary) -> None:
    """A row per step, failed ones first: status, time, counts, watermarks, API calls, peak memory."""
    if not s.steps:
        _show('<p class="muted">No steps recorded.</p>')
        return
    headers = ["#", "step", "status", "time", *STEP_COLUMNS, "watermark before → after (UTC)", "API calls",
               "peak MB"]
    rows, notes = [], []
    for step in s.steps:
        f = step.figures or {}
        name = _link(step.html, step.entity)
        if step.error_link:
            name += f' <a href="{e(step.error_link)}" title="the error in its notebook">(error)</a>'
        state = status(step.status) + (f" <small>{e(step.error_class)}</small>" if step.error_class else "")
        if step.reason:
            state += f' <small class="muted">{e(step.reason)}</small>'
        counts = [num(f.get(c)) if step.figures else num(None) for c in STEP_COLUMNS]
        marks = (f"{when(f.get('watermark_before'))} → {when(f.get('watermark_after'))}"
                 if step.figures else "")
        rows.append([e(step.index if step.index is not None else ""), name, state, seconds(step.duration_s),
                     *counts, marks, num(f.get("api_calls")), num(f.get("peak_memory_mb"))])
        notes += [f"{step.entity}: {n}" for n in step.notes]
    source = {st.source for st in s.steps if st.figures}
    footer = ('<p class="muted">Figures as each step\'s notebook recorded them'
              + (" (the database's where a notebook recorded none)" if "database" in source else "")
              + "; time is the sync's own, without starting the notebook.</p>")
    _show(table(headers, rows, left=3), footer, _notes(notes))


def show_problems(s: RunSummary) -> None:
    """``sync_issue`` by entity, kind and code; orphans waiting and healed; a sample of open issues."""
    if not s.has_history:
        _show('<p class="muted">No run records in the database: no problems to count.</p>')
        return
    open_total = sum(i["open"] for i in s.issues)
    new_total = sum(s.new_problems.values())
    healed = sum(n for (kind, how), n in s.resolutions.items() if kind == "orphan" and how == "linked")
    waiting = sum(i["open"] for i in s.issues if i["kind"] == "orphan")
    resolved = ", ".join(f"{n:,} {how or 'resolved'} ({kind})"
                         for (kind, how), n in sorted(s.resolutions.items()))
    lines = [f"<b>{open_total:,}</b> open issue(s); <b>{new_total:,}</b> first found by this run, still "
             "open.",
             f"Orphans waiting for their parent: <b>{waiting:,}</b>"
             + (f" (the oldest since {when(s.oldest_orphan)})" if waiting and s.oldest_orphan else "")
             + f"; healed by this run: <b>{healed:,}</b>.",
             f"Resolved by this run: {e(resolved) or 'none'}."]
    if not s.latest:
        lines.append('<span class="muted">Open counts are as the database is now, after later runs.</span>')
    parts = ["<p>" + "<br>".join(lines) + "</p>"]
    rows = [[e(i["entity"]), e(i["kind"]), e(i["code"]), num(i["open"]), num(i["new"]), num(i["resolved"])]
            for i in s.issues]
    if rows:
        parts.append(table(["entity", "kind", "code", "open", "new this run", "resolved this run"], rows,
                           left=3))
    if s.samples:
        sample = [[e(x["entity"]), f'<span class="msg">{e(x["record_id"])}</span>', e(x["code"]),
                   f'<span class="msg">{e(x["field"])}</span>',
                   f'<span class="msg">{e((x["message"] or "")[:200])}</span>', num(x["attempts"]),
                   "<b>this run</b>" if x["first_run_id"] == s.run_id
                   else when(x["first_seen_at"], "%Y-%m-%d")]
                  for x in s.samples]
        parts.append(f"<p>A sample of {len(sample)} open issue(s), of every entity, kind and code:</p>")
        parts.append(table(["entity", "record", "code", "field", "message", "seen", "first seen"], sample,
                           left=5))
    _show(*parts)


SHAPE_CHANGES = {"FIELD_MISSING": "gone", "FIELD_RETYPED": "type changed", "FIELD_NEW": "new, not synced"}


def show_org_shape(s: RunSummary) -> None:
    """The org's fields that changed under the specs: gone (synced without, values kept), retyped, new; and
    those back this run (docs/sync-rules.md#org-shape)."""
    if not s.org_shape:
        _show('<p class="muted">No change in the org\'s fields touches what vmsync syncs.</p>')
        return
    new = {}
    for c in s.org_shape:
        if c["code"] == "FIELD_NEW" and not c["resolution"]:
            new.setdefault(c["object"], []).append(c["field"])
    lines = [f"{e(obj)} has {len(fields)} field(s) vmsync does not sync" for obj, fields in new.items()]
    rows = [[e(c["object"]), code(c["field"]), e(SHAPE_CHANGES.get(c["code"], c["code"])),
             f'<span class="msg">{e(c["message"])}</span>',
             "<b>this run</b>" if c["first_run_id"] == s.run_id else when(c["since"], "%Y-%m-%d"),
             e("back: " + c["resolution"]) if c["resolution"] else "open"]
            for c in s.org_shape]
    _show(("<p>" + "<br>".join(lines) + ".</p>") if lines else "",
          table(["object", "field", "change", "what vmsync does", "since", "now"], rows, left=4))


def show_api(s: RunSummary) -> None:
    """Calls this run made, and the org's daily allocation used and left after it."""
    api = s.api
    if not api:
        _show('<p class="muted">No API figures recorded for this run.</p>')
        return
    text = f"This run made <b>{api['calls']:,}</b> Salesforce API call(s)."
    if api["max"]:
        share = 100 * api["used"] / api["max"]
        text += (f" After its last step the org had used <b>{api['used']:,}</b> of its "
                 f"<b>{api['max']:,}</b> daily calls ({share:.0f} %); <b>{api['remaining']:,}</b> were left.")
        if api["calls"] and api["remaining"] < 2 * api["calls"]:
            text = f'<div class="box warn">{text} That is less than two runs like this one.</div>'
    else:
        text += " The org's daily allocation was not reported."
    _show(f"<p>{text}</p>")


def show_reconciliation(s: RunSummary) -> None:
    """The per-stream Id comparison of org and database, when the run has one."""
    kept = s.reconciliation
    if not kept:
        _show('<p class="muted">No Id comparison for this run. A <code>--full</code> run makes one in its '
              "summary; <code>vmsync check --reconcile</code> makes one at any time and files it under the "
              "last run.</p>")
        return
    streams = kept["streams"]
    differ = [r for r in streams if r["missing"] or r["extra"]]
    head = (f"Compared {when(kept['checked_at'])} UTC by {e(kept['source'])}: "
            + (f"<b>{len(differ)}</b> stream(s) differ from the org." if differ
               else "the database holds every live record of the org, and nothing more."))
    rows = [[e(r["entity"]), e(r["stream"]), e(r["object"]), num(r["in_org"]), num(r["in_database"]),
             num(r["held"]), num(r["missing"]), num(r["extra"]),
             e(", ".join((r["missing_sample"] + r["extra_sample"])[:4]))] for r in streams]
    _show(f'<p class="box {"bad" if differ else "good"}">{head}</p>',
          table(["entity", "stream", "object", "in org", "in database", "held (issues)", "missing", "extra",
                 "e.g."], rows, left=3),
          '<p class="muted">missing: live in the org, absent from the database with no issue explaining it; '
          "extra: live in the database but not in the org; held: waiting in sync_issue.</p>")


def show_trends(s: RunSummary) -> None:
    """Charts over the last runs: records changed per entity, sync time per step, failed steps."""
    if not s.history_runs:
        _show('<p class="muted">No run history in the database yet: the charts appear after the first '
              "run.</p>")
        return
    count = len(s.history_runs)
    caption = (f"The last {count} run(s) recorded in the database, oldest first (UTC start times); a bar's "
               "tooltip gives its figures." + (" Trends fill in as runs accumulate." if count < 3 else ""))
    _show(f"<p>{caption}</p>", trends.chart_svg(s.history_runs, s.history_steps),
          trends.open_problems_svg(s.history_runs, s.open_problems))


def show_aggregates(s: RunSummary) -> None:
    """Per period, a chart of the records changed over the last 30 days, 12 weeks and 12 months; under it,
    per step: runs, failed, records changed, mean sync time, for the last three periods."""
    if not s.period_steps:
        _show('<p class="muted">No steps in the database yet: nothing to aggregate.</p>')
        return
    parts = []
    for period in trends.PERIODS:
        wide = trends.aggregate_table(s.period_steps, period)
        shown = wide.apply(lambda column: column.map(lambda v: _cell(v, column.name[1] == "mean s")))
        shown.index.name = None
        parts.append(f"<h4>By {period}</h4>" + trends.period_svg(s.period_steps, period, s.made_at)
                     + shown.to_html(border=0, escape=True))
    _show(*parts, '<p class="muted">runs: runs the step took part in; failed: executions that failed; '
          "records: new + updated + deleted; mean s: mean sync time in seconds. Newest period first; the "
          "database keeps every run, so any other period can be read from <code>sync_step</code>.</p>")


def _cell(value, seconds: bool) -> str:
    if value is None or value != value:  # NA
        return ""
    return f"{value:,.2f}" if seconds else f"{int(value):,}"
