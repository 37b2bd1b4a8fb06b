"""The settings of the virtual-sessions step, from the environment or ``.env``, and its parameters, checked.

A scheduled run finds its sources in the environment: ``VMSYNC_PATHFUL_SOURCE`` (the session report: a .xlsx
or .csv file, or an https:// URL of a published sheet), optionally ``VMSYNC_PATHFUL_USER_REPORT`` and
``VMSYNC_SCHOOL_LEVELS``, ``VMSYNC_PATHFUL_CA_BUNDLE`` for a URL signed by a private CA, and
``VMSYNC_TIMEZONE`` (default ``America/Chicago``) for the wall clock the report's dates are written in.
Without a session report the step is skipped, saying so (``entities.virtual_sessions.skip_reason``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .. import config
from ..config import ConfigError
from ..sync.params import public, shared_problems
from .modes import MODES
from .source import location_problems

DEFAULT_TIMEZONE = "America/Chicago"
DEFAULT_PARTNER = "PREP-KC"
ENV = {"source": "VMSYNC_PATHFUL_SOURCE", "user_report": "VMSYNC_PATHFUL_USER_REPORT",
       "school_levels": "VMSYNC_SCHOOL_LEVELS", "ca_bundle": "VMSYNC_PATHFUL_CA_BUNDLE",
       "timezone": "VMSYNC_TIMEZONE"}


def environment(environ: Mapping[str, str] | None = None, env_file: str | os.PathLike | None = ".env"
                ) -> dict[str, str]:
    """The step's settings that are set: the environment over ``env_file`` (skipped when absent)."""
    env = config.environment(environ, env_file)
    return {name: env[var].strip() for name, var in ENV.items() if env.get(var, "").strip()}


@dataclass(frozen=True)
class VirtualParams:
    """What one import reads and how; checked on creation, every problem reported at once."""

    run_id: str
    source: str | None = None
    mode: str = "incremental"
    cutoff: date | str | None = None
    user_report: str | None = None
    school_levels: str | None = None
    partner: str = DEFAULT_PARTNER
    timezone: str = DEFAULT_TIMEZONE
    ca_bundle: str | None = None
    db_url: str | None = None
    dry_run: bool = False

    def __post_init__(self) -> None:
        problems = shared_problems(self)
        if self.mode not in MODES:
            problems.append(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.mode == "custom":
            try:
                object.__setattr__(self, "cutoff", _as_date(self.cutoff))
            except ValueError:
                problems.append(f"mode custom needs cutoff as a date YYYY-MM-DD, not {self.cutoff!r}")
        elif self.cutoff is not None:
            problems.append(f"cutoff is only for mode custom (mode is {self.mode!r})")
        problems += _timezone_problems(self.timezone)
        if not isinstance(self.partner, str) or not self.partner.strip():
            problems.append("partner must name the Pathful partner whose rows are imported, e.g. PREP-KC")
        if self.ca_bundle and not Path(self.ca_bundle).is_file():
            problems.append(f"ca_bundle (VMSYNC_PATHFUL_CA_BUNDLE) {self.ca_bundle} is not a file")
        if problems:
            raise ConfigError(problems)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def public(self) -> dict:
        """The parameters as they may be shown and stored: the database password masked, dates as text."""
        values = public(self)
        if isinstance(self.cutoff, date):
            values["cutoff"] = self.cutoff.isoformat()
        return values


def setting_problems(environ: Mapping[str, str] | None = None, env_file: str | os.PathLike | None = ".env"
                     ) -> list[str]:
    """What in the step's settings would fail it, each naming the setting: found by the pre-flight, before a run
    writes anything, rather than by the step after every other step has written."""
    values = environment(environ, env_file)
    problems = [f"{ENV[name]}: {problem}" for name in ("source", "user_report") if name in values
                for problem in location_problems(values[name])]
    problems += _timezone_problems(values.get("timezone", DEFAULT_TIMEZONE))
    if "ca_bundle" in values and not Path(values["ca_bundle"]).is_file():
        problems.append(f"VMSYNC_PATHFUL_CA_BUNDLE {values['ca_bundle']} is not a file")
    return problems


def _timezone_problems(timezone: object) -> list[str]:
    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        return [f"timezone (VMSYNC_TIMEZONE) must be an IANA time zone such as {DEFAULT_TIMEZONE}, not "
                f"{timezone!r}"]
    return []


def _as_date(value: object) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value.strip())
    raise ValueError(value)
