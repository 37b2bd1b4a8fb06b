"""One running sandbox org: its records and clock, and everything the server keeps between requests.

The records live in ``<state_dir>/org.db``, a working copy of the generated org for (preset, seed); a reset
copies the generated org back in and forgets cursors, Bulk jobs (2.0 and 1.0), faults, usage and the clock's changes.
"""

from __future__ import annotations

import logging
import secrets
import shutil
from pathlib import Path

from . import generate
from .async_jobs import AsyncJobs
from .clock import Clock
from .cursors import Cursors
from .faults import FaultSet
from .jobs import BulkJobs
from .sessions import DEFAULT_SESSION_TTL, ConsumerCertificate, Credentials, Sessions
from .shape import Shape
from .store import Store
from .usage import DEFAULT_DAILY_LIMIT, ApiUsage

log = logging.getLogger(__name__)
PRESETS = ("tiny", "demo", "vms")


class Org:
    def __init__(self, state_dir: Path, preset: str = "tiny", seed: int = 1, *, faults: list[dict] | None = None,
                 daily_limit: int = DEFAULT_DAILY_LIMIT, session_ttl: float = DEFAULT_SESSION_TTL,
                 cache_dir: Path | None = None):
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.preset, self.seed = preset, seed
        self.generated = generate.prepare(preset, seed, cache_dir=cache_dir)
        self.db_path = self.state_dir / "org.db"
        for leftover in (self.db_path.with_name(self.db_path.name + s) for s in ("-wal", "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(self.generated, self.db_path)
        self.clock = Clock()
        self.store = Store(self.db_path, self.clock)
        self.shape = Shape()
        self.store.objects = self.shape.sobject
        self.user = self.store.get("User", self.store.user_id)
        self.organization_name = self.store.get("Organization", self.store.org_id)["Name"]
        self.credentials = Credentials.load_or_create(self.state_dir, self.user["Username"])
        self.consumer_certificate = ConsumerCertificate.load_or_create(self.state_dir)
        self.admin_token = secrets.token_urlsafe(24)
        self.sessions = Sessions(self.store.org_id, session_ttl)
        self.daily_limit = daily_limit
        self.usage = ApiUsage(self.clock.now, daily_limit)
        self.cursors = Cursors(self.clock.now)
        self.jobs = BulkJobs(self.clock.now)
        self.async_jobs = AsyncJobs(self.clock.now)
        self.faults = FaultSet()
        self.initial_faults = list(faults or [])
        self.faults.add_all(self.initial_faults)

    @property
    def org_id(self) -> str:
        return self.store.org_id

    @property
    def user_id(self) -> str:
        return self.store.user_id

    def reset(self) -> None:
        """Back to the generated org: records, fields, clock, cursors, jobs, faults (the start-up ones), usage.

        Sessions stay valid, so connected clients carry on against the fresh data.
        """
        self.clock = Clock()
        self.store.clock = self.clock
        self.store.restore(self.generated)
        self.shape.clear(self.clock.now())
        self.usage = ApiUsage(self.clock.now, self.daily_limit)
        self.cursors = Cursors(self.clock.now)
        self.jobs = BulkJobs(self.clock.now)
        self.async_jobs = AsyncJobs(self.clock.now)
        self.faults = FaultSet()
        self.faults.add_all(self.initial_faults)
        log.info("sandbox org reset to %s seed %s", self.preset, self.seed)

    def close(self) -> None:
        self.store.close()
