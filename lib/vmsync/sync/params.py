"""The parameters of a step, checked before anything is written."""

from __future__ import annotations

import re
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import make_url

from ..config import ConfigError

MODES = ("incremental", "full")
APIS = ("auto", "rest", "bulk")
_RUN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


def manual_run_id() -> str:
    """The run id of a notebook run by hand, outside ``vmsync run``: two started the same second differ."""
    return "manual-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


@dataclass(frozen=True)
class StepParams:
    run_id: str
    mode: str = "incremental"
    db_url: str | None = None
    lookback_minutes: float = 10.0
    page_size: int = 2000
    dry_run: bool = False
    api: str = "auto"
    bulk_threshold: int = 200_000
    allow_other_org: bool = False

    def __post_init__(self) -> None:
        problems = shared_problems(self)
        if self.mode not in MODES:
            problems.append(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.api not in APIS:
            problems.append(f"api must be one of {', '.join(APIS)}, not {self.api!r}")
        if not _number(self.lookback_minutes) or not 0 <= self.lookback_minutes <= 60 * 24 * 30:
            problems.append(f"lookback_minutes must be a number from 0 to 43200, not {self.lookback_minutes!r}")
        if not _whole(self.page_size) or not 200 <= self.page_size <= 2000:
            problems.append(f"page_size must be a whole number from 200 to 2000, not {self.page_size!r}")
        if not _whole(self.bulk_threshold) or self.bulk_threshold < 0:
            problems.append(f"bulk_threshold must be a whole number >= 0, not {self.bulk_threshold!r}")
        if not isinstance(self.allow_other_org, bool):
            problems.append(f"allow_other_org must be True or False, not {self.allow_other_org!r}")
        if problems:
            raise ConfigError(problems)

    def public(self) -> dict:
        """The parameters as they may be shown and stored: the database password masked."""
        return public(self)


def shared_problems(params) -> list[str]:
    """What is wrong with the parameters every step has (``run_id``, ``db_url``, ``dry_run``)."""
    problems = []
    if not isinstance(params.run_id, str) or not _RUN_ID_RE.match(params.run_id):
        problems.append(f"run_id must be 1-40 letters, digits, '_', '.' or '-', not {params.run_id!r}")
    if not isinstance(params.dry_run, bool):
        problems.append(f"dry_run must be True or False, not {params.dry_run!r}")
    if params.db_url is not None:
        from ..store.database import check_url

        try:
            check_url(params.db_url)
        except ConfigError as exc:
            problems += [f"db_url: {p}" for p in exc.problems]
    return problems


def public(params) -> dict:
    """A step's parameters as they may be shown and stored: the database password masked."""
    values = asdict(params)
    if params.db_url:
        values["db_url"] = make_url(params.db_url).render_as_string(hide_password=True)
    return values


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
