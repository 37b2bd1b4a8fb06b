"""What a step did (per page, per stream, in all), and its record in ``sync_step``, kept whatever happens to
the step.

``recorded`` opens the step's row before the work and closes it with the figures after, also when the work
fails: a failure is classified, attached to the result and raised as ``SyncError``. Salesforce steps and the
virtual-sessions import share it, so every step is recorded and reported the same way.
"""

from __future__ import annotations

import logging
import resource
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine

from ..errors import SyncError, classify
from ..store import runs

log = logging.getLogger(__name__)

SAMPLES = 20  # rejected records kept as examples in a step's figures


@dataclass
class PageCounts:
    """What writing records did: of a page, and added up, of a stream and a step."""

    extracted: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    rejected: int = 0
    orphaned: int = 0
    healed: int = 0
    max_modstamp: datetime | None = None
    samples: list[dict] = field(default_factory=list)
    tables: Counter = field(default_factory=Counter)  # model rows inserted, changed or retired, per table

    def add(self, other: PageCounts) -> None:
        for name in ("extracted", "new", "updated", "unchanged", "deleted", "rejected", "orphaned", "healed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.max_modstamp and (self.max_modstamp is None or other.max_modstamp > self.max_modstamp):
            self.max_modstamp = other.max_modstamp
        self.samples.extend(other.samples[: max(0, SAMPLES - len(self.samples))])
        self.tables.update(other.tables)

    def reject(self, record_id: object, code: str, field_: str, message: str) -> None:
        """Count a rejected record, and keep it as an example while there are fewer than ``SAMPLES``."""
        self.rejected += 1
        if len(self.samples) < SAMPLES:
            self.samples.append({"record_id": record_id, "code": code, "field": field_, "message": message})


@dataclass
class StreamResult:
    stream: str
    object: str
    full: bool
    soql: str
    watermark_before: datetime | None
    watermark_after: datetime | None
    counts: PageCounts


@dataclass
class StepResult:
    """What a step did: the figures a notebook shows and records, and the summary reads back."""

    entity: str
    run_id: str
    mode: str
    dry_run: bool
    status: str = "running"
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    duration_s: float = 0.0
    counts: PageCounts = field(default_factory=PageCounts)
    streams: list[StreamResult] = field(default_factory=list)
    api_calls: int = 0
    api_used: int | None = None
    api_max: int | None = None
    peak_memory_mb: float = 0.0
    error_class: str | None = None
    error_message: str | None = None

    @property
    def watermark_before(self) -> datetime | None:
        marks = [s.watermark_before for s in self.streams if s.watermark_before]
        return min(marks) if marks else None

    @property
    def watermark_after(self) -> datetime | None:
        marks = [s.watermark_after for s in self.streams if s.watermark_after]
        return min(marks) if marks else None

    def figures(self) -> dict:
        """A JSON-ready dict of the step's figures, under the fixed names the summary reads."""
        c = self.counts
        return {
            "entity": self.entity, "run_id": self.run_id, "mode": self.mode, "dry_run": self.dry_run,
            "status": self.status, "started_at": iso(self.started_at), "finished_at": iso(self.finished_at),
            "duration_s": round(self.duration_s, 3),
            "extracted": c.extracted, "new": c.new, "updated": c.updated, "unchanged": c.unchanged,
            "deleted": c.deleted, "rejected": c.rejected, "orphaned": c.orphaned, "healed": c.healed,
            "watermark_before": iso(self.watermark_before), "watermark_after": iso(self.watermark_after),
            "api_calls": self.api_calls, "api_used": self.api_used, "api_max": self.api_max,
            "peak_memory_mb": round(self.peak_memory_mb, 1),
            "error_class": self.error_class, "error_message": self.error_message,
            "tables_changed": {name: n for name, n in sorted(c.tables.items()) if n},
            "streams": [
                {"stream": s.stream, "object": s.object, "full": s.full, "watermark_before": iso(s.watermark_before),
                 "watermark_after": iso(s.watermark_after)} | {
                    k: v for k, v in asdict(s.counts).items() if k not in ("samples", "max_modstamp", "tables")}
                for s in self.streams
            ],
        }

    def step_columns(self) -> dict:
        """The ``sync_step`` columns that close the step's row."""
        c = self.counts
        return dict(
            status=self.status, finished_at=self.finished_at, duration_s=self.duration_s,
            extracted=c.extracted, new=c.new, updated=c.updated, unchanged=c.unchanged, deleted=c.deleted,
            rejected=c.rejected, orphaned=c.orphaned, healed=c.healed, api_calls=self.api_calls,
            api_used=self.api_used, api_max=self.api_max, watermark_before=self.watermark_before,
            watermark_after=self.watermark_after, peak_memory_mb=self.peak_memory_mb,
            error_class=self.error_class, error_message=self.error_message,
            details={"streams": self.figures()["streams"], "samples": c.samples},
        )


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@contextmanager
def recorded(engine: Engine, params, result: StepResult):
    """Record the step of ``result`` in ``sync_run`` / ``sync_step`` around the work in the ``with`` block.

    ``params`` (``StepParams`` or alike) give the run and what is stored of the parameters. The block sets
    ``result.status`` when it succeeds; an exception marks the step failed and leaves as ``SyncError``.
    """
    clock = time.monotonic()
    with engine.begin() as conn:
        runs.ensure_run(conn, params.run_id, mode=result.mode, parameters=params.public(), now=result.started_at)
        step_id = runs.start_step(conn, params.run_id, result.entity, mode=result.mode, dry_run=result.dry_run,
                                  now=result.started_at)
    try:
        yield
    except Exception as exc:
        result.status = "failed"
        error = exc if isinstance(exc, SyncError) else SyncError(classify(exc), f"{type(exc).__name__}: {exc}")
        result.error_class, result.error_message = str(error.error_class), error.message
        error.result = result  # the notebook records the failed step's figures too
        raise error from exc
    finally:
        result.finished_at = datetime.now(UTC)
        result.duration_s = time.monotonic() - clock
        result.peak_memory_mb = peak_memory_mb()
        try:
            with engine.begin() as conn:
                runs.finish_step(conn, step_id, **result.step_columns())
        except Exception as exc:  # the database refuses even the record of the step
            if result.status == "failed":  # the step's own error says more: keep it, note this one
                log.warning("could not record the failed %s step: %s", result.entity, exc)
            else:
                raise SyncError(classify(exc), f"the step ran but could not be recorded: {exc}") from exc


def peak_memory_mb() -> float:
    """This process's peak resident memory. Linux's ``VmHWM`` starts afresh in every program; ``ru_maxrss``
    (the fallback elsewhere) carries over the peak of the process that started this one."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
