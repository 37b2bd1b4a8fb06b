"""The figures a step records in its executed notebook: the contract between kernels, the runner and the summary.

A step records its figures (a JSON-ready dict, ``StepResult.figures()``) as one scrapbook scrap named ``SCRAP``:
a display output whose media type is ``SCRAP_MEDIA_TYPE`` holding ``{"name", "data", "encoder", "version"}``.
``glue`` writes it as ``scrapbook.glue`` does and ``read_scrap`` reads it back with nbformat, so a kernel never
imports scrapbook (and pandas and papermill with it) and a run folder stays readable whatever becomes of
scrapbook. ``COUNTS`` are the figures that count records, which the runner and the summary take from them.
"""

from __future__ import annotations

import json
from pathlib import Path

SCRAP = "vmsync_step"  # the name every step glues its figures under
SCRAP_MEDIA_PREFIX = "application/scrapbook.scrap."
SCRAP_MEDIA_TYPE = f"{SCRAP_MEDIA_PREFIX}json+json"
COUNTS = ("extracted", "new", "updated", "unchanged", "deleted", "rejected", "orphaned", "healed")


def glue(name: str, data) -> None:
    """Record ``data`` (JSON-ready) in the running notebook under ``name``, as ``scrapbook.glue`` would."""
    from IPython.display import display  # only inside a kernel

    payload = {"name": name, "data": json.loads(json.dumps(data)), "encoder": "json", "version": 1}
    display({SCRAP_MEDIA_TYPE: payload}, metadata={"scrapbook": {"name": name, "data": True, "display": False}},
            raw=True)


def read_scrap(path: Path, name: str):
    """The last value glued under ``name`` in the notebook at ``path`` (json and text encoders), or None.

    Raises ``OSError`` or ``ValueError`` for a file that is not a readable notebook.
    """
    import nbformat  # not at the top: a kernel that only glues never needs it

    nb = nbformat.read(str(path), as_version=4)
    found = None
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for mime, scrap in output.get("data", {}).items():
                if not mime.startswith(SCRAP_MEDIA_PREFIX) or not isinstance(scrap, dict):
                    continue
                if scrap.get("name") == name and scrap.get("encoder", "json") in ("json", "text"):
                    found = scrap.get("data")
    return found
