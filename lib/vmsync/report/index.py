"""``runs/index.html``: every run on one page, newest first, from each run folder's ``run.json``.

One line per run: when it started, its status and duration, the records it read and changed, a link to its
summary and to every step's notebook; a failed step's link lands on the error in that notebook. The runner
rewrites the page whenever a run starts or ends; ``vmsync report`` does too.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from .runfolder import ERROR_ANCHOR, LIVE, earlier_attempts, list_runs, resumed_at, shown_status

INDEX = "index.html"
TOTALS = ("extracted", "new", "updated", "deleted", "rejected", "orphaned")

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; font-size: 14px; }
th, td { padding: .35em .7em; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
th { background: #f6f7f8; } td.n { text-align: right; white-space: nowrap; }
.succeeded { color: #2b8a3e; } .failed, .interrupted { color: #c92a2a; font-weight: bold; }
.skipped, .pending, .abandoned { color: #868e96; } .running { color: #1971c2; }
a.step, span.step { margin-right: .6em; white-space: nowrap; }
small { color: #868e96; white-space: nowrap; }
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _step_link(step: dict, folder: str) -> str:
    status = step.get("status") or "pending"
    title = status + (f" ({step['error_class']})" if step.get("error_class") else "")
    if step.get("reason"):
        title += f": {step['reason']}"
    target = step.get("html") or step.get("notebook")
    label = _e(step.get("entity"))
    if not target:
        return f'<span class="step {_e(status)}" title="{_e(title)}">{label}</span>'
    if status in ("failed", "interrupted") and step.get("html"):
        target += f"#{ERROR_ANCHOR}"
    return f'<a class="step {_e(status)}" title="{_e(title)}" href="{_e(folder)}/{_e(target)}">{label}</a>'


def run_totals(steps: list[dict]) -> str:
    """The records the steps read and changed, summed: ``120 read · 12 new · ...``."""
    sums = {k: 0 for k in TOTALS}
    for step in steps:
        for k in TOTALS:
            value = (step.get("counts") or {}).get(k)
            sums[k] += value if isinstance(value, int) else 0
    return (f"{sums['extracted']:,} read · {sums['new']:,} new · {sums['updated']:,} updated · "
            f"{sums['deleted']:,} deleted" + (f" · {sums['rejected']:,} rejected" if sums["rejected"] else "")
            + (f" · {sums['orphaned']:,} orphaned" if sums["orphaned"] else ""))


def _duration(value) -> str:
    if not isinstance(value, int | float):
        return ""
    minutes, seconds = divmod(int(round(value)), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


def _resumed(record: dict, folder: str) -> str:
    """When the run was resumed, and what failed before, each earlier notebook linked (at its error)."""
    when = resumed_at(record)
    if not when:
        return ""
    before = [_step_link({**attempt, "entity": f"{entity} (attempt {attempt.get('attempt')})"}, folder)
              for entity, attempt in earlier_attempts(record)]
    return (f"<br><small>resumed {_e(', '.join(w[:16].replace('T', ' ') for w in when))}</small>"
            + (f"<br><small>before: </small>{' '.join(before)}" if before else ""))


def run_row(record: dict, folder: str) -> str:
    """One run as a table row; ``folder`` is the run folder's name (links are relative to the runs folder)."""
    steps = [s for s in record.get("steps") or [] if isinstance(s, dict)]
    status = shown_status(record)
    summary = record.get("summary") or {}
    report = summary.get("html") or summary.get("notebook")
    report_link = f'<a href="{_e(folder)}/{_e(report)}">summary</a>' if report else "<small>none</small>"
    if status == "running" and not record.get("manual"):
        report_link = f'<a href="{_e(folder)}/{LIVE}">live</a>'  # report.live writes it while the run goes
    tally = {s: sum(1 for step in steps if step.get("status") == s)
             for s in ("succeeded", "failed", "skipped")}
    started = str(record.get("started_at") or "")
    error = f"<br><small>{_e(record['error'])}</small>" if record.get("error") else ""
    error += _resumed(record, folder)
    return (f"<tr><td>{_e(started[:16].replace('T', ' '))}<br><small><a href=\"{_e(folder)}/run.json\">"
            f"{_e(record.get('run_id') or folder)}</a></small></td>"
            f'<td class="{_e(status.partition(" ")[0])}">{_e(status)}{error}</td>'
            f'<td class="n">{_duration(record.get("duration_s"))}</td>'
            f"<td>{_e(record.get('mode'))}{'<br><small>manual</small>' if record.get('manual') else ''}</td>"
            f"<td class=\"n\">{tally['succeeded']} / {tally['failed']} / {tally['skipped']}</td>"
            f"<td>{run_totals(steps)}</td><td>{report_link}</td>"
            f"<td>{' '.join(_step_link(s, folder) for s in steps)}</td></tr>")


def render_index(runs_dir: Path) -> str:
    rows = []
    for folder in reversed(list_runs(runs_dir)):
        try:
            record = folder.read()
        except (OSError, ValueError):
            continue  # a run.json being replaced this instant, or damaged: list the others
        rows.append(run_row(record, folder.run_id))
    body = "\n".join(rows) if rows else '<tr><td colspan="8"><small>No runs yet.</small></td></tr>'
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>vmsync runs</title>"
            f"<style>{_STYLE}</style></head><body>\n<h1>vmsync runs</h1>\n"
            "<p>Every run of the suite, newest first (times in UTC). The summary says what a run did and "
            "what to do about it; each step opens its executed notebook, a failed one at its error.</p>\n"
            "<table>\n"
            "<tr><th>started</th><th>status</th><th>took</th><th>mode</th><th>ok / failed / skipped</th>"
            "<th>records</th><th>report</th><th>steps</th></tr>\n" + body + "\n</table>\n</body></html>\n")


def write_index(runs_dir: Path) -> Path:
    """(Re)write ``runs_dir/index.html`` from every run's ``run.json``; atomically, so a reader never sees
    half a page."""
    target = Path(runs_dir) / INDEX
    tmp = target.with_name(f".{INDEX}.{os.getpid()}.tmp")
    tmp.write_text(render_index(runs_dir), encoding="utf-8")
    os.replace(tmp, target)
    return target
