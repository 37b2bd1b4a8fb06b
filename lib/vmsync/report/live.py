"""``<run folder>/live.html``: the run as it goes, a page that reloads itself until the run ends.

Written from ``run.json`` every time the runner saves it (a step starts or ends, a running step writes a page):
the steps done with their figures, the ones running since when and the pages they wrote so far, the ones
waiting or skipped, and the totals so far. Once the run has
ended the page stops reloading and links the summary. The runs index links it while the run goes; ``vmsync
status --watch`` shows the same in a terminal.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from .index import run_totals
from .runfolder import LIVE, RunFolder, shown_status

REFRESH_S = 5
COLUMNS = ("extracted", "new", "updated", "deleted", "rejected", "orphaned")
_LABEL = {"pending": "waiting", "running": "running", "succeeded": "done", "failed": "failed",
          "skipped": "skipped", "interrupted": "stopped"}

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; font-size: 14px; }
th, td { padding: .35em .7em; border-bottom: 1px solid #ddd; text-align: left; }
th { background: #f6f7f8; } td.n { text-align: right; }
.succeeded { color: #2b8a3e; } .failed, .interrupted { color: #c92a2a; font-weight: bold; }
.skipped, .pending { color: #868e96; } .running { color: #1971c2; font-weight: bold; }
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _step_row(step: dict) -> str:
    status = step.get("status") or "pending"
    counts = step.get("counts") or {}
    if status == "running":
        detail = f"since {_e(str(step.get('started_at') or '')[11:19])} UTC"
        so_far = step.get("progress") or {}
        if so_far.get("pages"):
            records = so_far.get("records") or 0
            detail += f"; {_e(so_far.get('stream'))}: page {_e(so_far['pages'])} ({_e(records)} records written)"
    elif status in ("failed", "interrupted"):
        detail = f"{_e(step.get('error_class'))}: {_e((step.get('error_message') or '')[:200])}"
    else:
        detail = _e(step.get("reason") or "")
    took = f"{step['duration_s']:.1f} s" if isinstance(step.get("duration_s"), int | float) else ""
    target = step.get("html") or step.get("notebook") if status not in ("pending", "running") else None
    name = f'<a href="{_e(target)}">{_e(step.get("entity"))}</a>' if target else _e(step.get("entity"))
    return (f'<tr><td class="n">{_e(step.get("index"))}</td><td>{name}</td>'
            f'<td class="{_e(status)}">{_e(_LABEL.get(status, status))}</td><td class="n">{took}</td>'
            + "".join(f'<td class="n">{_e(counts.get(c, ""))}</td>' for c in COLUMNS) + f"<td>{detail}</td></tr>")


def render_live(record: dict) -> str:
    """The page of ``record`` (a ``run.json``): reloading every few seconds while the run goes."""
    status = shown_status(record)
    steps = [s for s in record.get("steps") or [] if isinstance(s, dict)]
    tally = {label: sum(1 for s in steps if (s.get("status") or "pending") == key) for key, label in _LABEL.items()}
    going = status == "running"
    refresh = f'<meta http-equiv="refresh" content="{REFRESH_S}">' if going else ""
    summary = (record.get("summary") or {}).get("html")
    ending = (f'<p>The run has ended: <a href="{_e(summary)}">its summary</a>.</p>' if summary and not going
              else "" if going else "<p>The run has ended.</p>")
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">" + refresh
            + f"<title>vmsync run {_e(record.get('run_id'))}: {_e(status)}</title><style>{_STYLE}</style></head>"
            f"<body>\n<h1>Run {_e(record.get('run_id'))}: <span class=\"{_e(status.partition(' ')[0])}\">"
            f"{_e(status)}</span></h1>\n"
            f"<p>Started {_e(str(record.get('started_at') or '')[:19].replace('T', ' '))} UTC, {_e(record.get('mode'))}"
            + (f"; this page reloads every {REFRESH_S} s until the run ends" if going else "") + ".</p>\n"
            + "<p>" + " · ".join(f"{n} {label}" for label, n in tally.items() if n) + "</p>\n"
            + f"<p>So far: {run_totals(steps)}.</p>\n{ending}"
            "<table>\n<tr><th></th><th>step</th><th>status</th><th>took</th>"
            + "".join(f"<th>{c}</th>" for c in COLUMNS) + "<th></th></tr>\n"
            + "\n".join(_step_row(s) for s in steps) + "\n</table>\n</body></html>\n")


def write_live(folder: RunFolder, record: dict) -> Path:
    """(Re)write the run's live page, atomically."""
    target = folder.path / LIVE
    tmp = target.with_name(f".{LIVE}.{os.getpid()}.tmp")
    tmp.write_text(render_live(record), encoding="utf-8")
    os.replace(tmp, target)
    return target
