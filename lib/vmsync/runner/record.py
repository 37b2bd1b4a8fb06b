"""The contents of ``run.json``: what ran, with what, against what, and how each step ended.

A record is a plain JSON dict so that anyone (a script, the summary, ``jq``) can read it::

    run_id, status (running | succeeded | failed | interrupted), started_at, finished_at, duration_s,
    mode, org_id, database (URL without password), parameters, versions, git_commit, host, pid,
    attempts [{started_at, finished_at, pid, host, status}],
    steps [{index, entity, depends_on, notebook, html, status, started_at, finished_at, duration_s,
            counts {extracted, new, ...}, api_calls, error_class, error_message, reason, attempts}],
    summary {notebook, html, status, duration_s, error_class, error_message} | null,
    secrets_found [...] (files where a secret was found and redacted),
    error (what stopped the run before any step, such as an unreachable org) | null
"""

from __future__ import annotations

import os
import platform
import socket
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from ..figures import COUNTS
from .folder import FAILED, INTERRUPTED, PENDING, RUNNING, SKIPPED, SUCCEEDED, iso
from .plan import Step

PACKAGES = ("vmsync", "papermill", "nbclient", "nbformat", "nbconvert", "ipykernel", "jupyter_client", "scrapbook",
            "simple-salesforce", "SQLAlchemy", "psycopg", "pandas")
TO_RERUN = (PENDING, RUNNING, FAILED, SKIPPED, INTERRUPTED)


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


def new_record(run_id: str, plan: list[Step], *, mode: str, database: str, parameters: dict,
               notebooks_dir: Path, now: datetime) -> dict:
    return {
        "run_id": run_id, "status": RUNNING, "started_at": iso(now), "finished_at": None, "duration_s": None,
        "mode": mode, "org_id": None, "database": database, "parameters": parameters,
        "versions": versions(), "git_commit": git_commit(notebooks_dir), "host": socket.gethostname(),
        "pid": os.getpid(), "attempts": [],
        "steps": [{"index": s.index, "entity": s.entity, "depends_on": list(s.depends_on),
                   "notebook": None, "html": None, "status": PENDING, "started_at": None, "finished_at": None,
                   "duration_s": None, "counts": None, "api_calls": None, "error_class": None,
                   "error_message": None, "reason": None, "attempts": 0} for s in plan],
        "summary": None, "secrets_found": [], "error": None,
    }


def plan_of(record: dict, notebooks_dir: Path) -> list[Step]:
    """The steps of a recorded run, to resume it with the same numbering."""
    return [Step(s["index"], s["entity"], tuple(s["depends_on"]), notebooks_dir / f"{s['entity']}.ipynb")
            for s in record["steps"]]


def begin_attempt(record: dict, now: datetime) -> None:
    """Start (or resume) the run: every step not succeeded goes back to pending."""
    record["status"] = RUNNING
    record["finished_at"] = None
    record["pid"] = os.getpid()
    record["host"] = socket.gethostname()
    record["attempts"].append({"started_at": iso(now), "finished_at": None, "pid": os.getpid(),
                               "host": socket.gethostname(), "status": RUNNING})
    for step in record["steps"]:
        if step["status"] in TO_RERUN:
            step.update(status=PENDING, reason=None, configured=None)
    record["secrets_found"] = []


def end_attempt(record: dict, status: str, now: datetime) -> None:
    record["status"] = status
    record["finished_at"] = iso(now)
    attempt = record["attempts"][-1]
    attempt.update(finished_at=iso(now), status=status)
    record["duration_s"] = round(sum(
        (datetime.fromisoformat(a["finished_at"]) - datetime.fromisoformat(a["started_at"])).total_seconds()
        for a in record["attempts"] if a["finished_at"]), 1)


def is_unconfigured(step: dict) -> bool:
    """A step skipped because its source is not configured: nothing to do, so neither a failure nor a block."""
    return step["status"] == SKIPPED and step.get("configured") is False


def run_status(record: dict, interrupted: bool) -> str:
    """succeeded when every step (and the summary) did; interrupted when stopped; failed otherwise."""
    if interrupted:
        return INTERRUPTED
    steps_ok = all(s["status"] == SUCCEEDED or is_unconfigured(s) for s in record["steps"])
    summary_ok = record["summary"] is None or record["summary"]["status"] == SUCCEEDED
    return SUCCEEDED if steps_ok and summary_ok and not record["secrets_found"] else FAILED


def counts_of(figures: dict | None) -> dict | None:
    if not figures:
        return None
    return {k: figures.get(k, 0) for k in COUNTS}


def now_utc() -> datetime:
    return datetime.now(UTC)

