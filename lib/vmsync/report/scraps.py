"""A step's figures as the summary reads them: with scrapbook first, and with ``vmsync.figures`` (nbformat
alone) when it cannot (scrapbook has had no release since 2022), saying why when there are none."""

from __future__ import annotations

import logging
from pathlib import Path

from ..figures import SCRAP, read_scrap

log = logging.getLogger("vmsync.report")


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
