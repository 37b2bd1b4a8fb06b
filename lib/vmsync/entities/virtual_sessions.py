"""Virtual sessions: the Pathful session report, not Salesforce (``vmsync.virtual`` does the work).

It joins the run like any entity; with no report configured (``VMSYNC_PATHFUL_SOURCE``) it is skipped, saying why.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ..config import environment
from .spec import Entity

SOURCE_VARIABLE = "VMSYNC_PATHFUL_SOURCE"


def skip_reason(environ: Mapping[str, str] | None = None, env_file: str | os.PathLike | None = ".env"
                ) -> str | None:
    """Why the step has nothing to do (no session report configured in ``environ`` or, under it, ``env_file``),
    or None when it has."""
    if environment(environ, env_file).get(SOURCE_VARIABLE, "").strip():
        return None
    return (f"no Pathful session report configured: set {SOURCE_VARIABLE} to a .xlsx or .csv file or an "
            "https:// URL of the published sheet")


ENTITY = Entity(
    name="virtual_sessions",
    title="Virtual sessions (Pathful)",
    description=("The Pathful session report (a spreadsheet, or a published Google Sheet) into `event` "
                 "(type VIRTUAL_SESSION) and `virtual_session`, with educators in `event_teacher` linked to "
                 "teachers, presenters in `event_presenter` linked to volunteers and organizations, and "
                 "`event_district`; optionally Pathful users (`pathful_user`) and school levels "
                 "(`school.level`)."),
    streams=(),
    depends_on=("schools", "organizations", "volunteers", "teachers", "events"),
    skip=skip_reason,
    writes=("event", "virtual_session", "event_district", "event_teacher", "event_presenter", "pathful_user",
            "school"),
)
