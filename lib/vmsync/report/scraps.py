"""The figures a step records in its executed notebook: glued in scrapbook's format, read back by the summary.

Entity notebooks record their figures as a scrapbook scrap: a display output whose media type is
``application/scrapbook.scrap.json+json`` holding ``{"name", "data", "encoder", "version"}``. ``glue`` writes
it as ``scrapbook.glue`` does, without importing scrapbook (and pandas and papermill with it) in every
kernel; ``read_figures`` reads it with scrapbook first and with nbformat alone when it cannot (scrapbook has
had no release since 2022), so old run folders stay readable whatever becomes of scrapbook.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

log = logging.getLogger("vmsync.report")

SCRAP = "vmsync_step"  # the name entity notebooks glue their figures under
SCRAP_MEDIA_PREFIX = "application/scrapbook.scrap."
_MISSING = object()


def glue(name: str, data) -> None:
    """Record ``data`` (JSON-ready) in the running notebook under ``name``, as ``scrapbook.glue`` would."""
    from IPython.display import display

    payload = {"name": name, "data": json.loads(json.dumps(data)), "encoder": "json", "version": 1}
    display({f"{SCRAP_MEDIA_PREFIX}json+json": payload},
            metadata={"scrapbook": {"name": name, "data": True, "display": False}}, raw=True)


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


def _with_scrapbook(path: Path, name: str):
    import scrapbook as sb

    scraps = sb.read_notebook(str(path)).scraps
    return scraps[name].data if name in scraps else None


def read_figures(path: Path, name: str = SCRAP) -> tuple[dict | None, str | None]:
    """(figures, None) or (None, why there are none) for the executed notebook at ``path``."""
    if not path.is_file():
        return None, f"{path.name} is missing from the run folder"
    try:
        value = _with_scrapbook(path, name)
    except Exception as exc:  # scrapbook gone, or a notebook it will not read: our own reader decides
        log.debug("scrapbook could not read %s: %s", path, exc)
        try:
            value = read_scrap(path, name)
        except (OSError, ValueError) as err:
            reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            return None, f"{path.name} is not a readable notebook ({reason[:120]})"
    if value is None:
        return None, f"{path.name} recorded no figures (it stopped before its step recorded them)"
    if not isinstance(value, dict):
        return None, f"{path.name} recorded {type(value).__name__} under {name!r}, not the step's figures"
    return value, None
