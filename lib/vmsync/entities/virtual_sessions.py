"""Virtual sessions: the Pathful session report, not Salesforce (``vmsync.virtual`` does the work).

It joins the run like any entity; with no report configured (``VMSYNC_PATHFUL_SOURCE``) it is skipped, saying why.
"""

from __future__ import annotations

from ..virtual import about, options
from .spec import Entity

ENTITY = Entity(
    name=about.NAME,
    title=about.TITLE,
    description=about.DESCRIPTION,
    streams=(),
    depends_on=about.DEPENDS_ON,
    skip=options.skip_reason,
    writes=about.MODEL_TABLES,
)
