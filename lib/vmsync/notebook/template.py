"""The Salesforce entities' notebooks, all made from this one template (``vmsync notebooks`` writes them).

Each reads as a short report: a heading and what the entity's records are (its spec's ``title`` and
``intro``), the cell papermill fills (tagged ``parameters``), the step and what changed, a chart, and a sample of
what could not be synced. They are stored without outputs, and a cell's id comes from the entity and the cell's
place, so writing them again gives the same bytes and a notebook edited by hand is found (``--check``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import v4

from ..entities import ordered
from ..entities.spec import Entity

METADATA = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"}}
NBFORMAT_MINOR = 5  # the first with cell ids

HOW_IT_RUNS = ("The nightly run executes this notebook with `vmsync run`; an analyst can open it and run all "
               "cells by hand. Credentials come from the environment (or `.env`), never from here.")

PARAMETERS = """\
mode = "incremental"    # "incremental" (changes since the last run) or "full" (everything, with deletes reconciled)
db_url = None           # None: VMSYNC_DB_URL, default sqlite:///vms.db
run_id = None           # None: a run id of its own ("manual-..."); the runner passes its run's id
lookback_minutes = 10   # re-read this much before the watermark, so nothing on the boundary is missed
page_size = 2000        # records per REST page (200 to 2000)
dry_run = False         # True: compute every figure, write nothing
api = "auto"            # "auto" (Bulk API 2.0 for large full extracts), "rest" or "bulk\""""

WHAT_CHANGED = """\
## What changed

New, updated and unchanged count the extracted records against the raw mirror; deleted counts records that \
left Salesforce (or this entity); rejected and orphaned records are held in `sync_issue` and tried again on \
every run."""

WHAT_WAITS = """\
## What could not be synced

A sample of the open issues of this entity, newest first, with the field and the reason. Fix them in \
Salesforce (or wait for the parent record to sync); they heal on their own."""


@dataclass(frozen=True)
class Cell:
    kind: str  # "markdown" or "code"
    source: str
    tags: tuple[str, ...] = ()


def cells(spec: Entity) -> list[Cell]:
    """The entity's notebook, cell by cell."""
    return [
        Cell("markdown", f"# {spec.title}\n\n{spec.intro} {HOW_IT_RUNS}"),
        Cell("code", PARAMETERS, tags=("parameters",)),
        Cell("code", f'from vmsync import notebook as nb\n\nnb.describe("{spec.name}")'),
        Cell("markdown", WHAT_CHANGED),
        Cell("code", f'result = nb.sync("{spec.name}", mode=mode, db_url=db_url, run_id=run_id, '
                     "lookback_minutes=lookback_minutes,\n"
                     "                 page_size=page_size, dry_run=dry_run, api=api)\n"
                     "nb.show(result)"),
        Cell("code", "nb.chart(result)"),
        Cell("markdown", WHAT_WAITS),
        Cell("code", "nb.problems(result, db_url)"),
    ]


def cell_id(entity: str, position: int) -> str:
    return hashlib.sha256(f"{entity}:{position}".encode()).hexdigest()[:8]


def notebook_text(spec: Entity) -> str:
    """The entity's notebook as its ``.ipynb`` file holds it (nbformat's layout, ending in a newline)."""
    nb = v4.new_notebook(metadata=METADATA, nbformat_minor=NBFORMAT_MINOR)
    for position, cell in enumerate(cells(spec)):
        metadata = {"tags": list(cell.tags)} if cell.tags else {}
        make = v4.new_markdown_cell if cell.kind == "markdown" else v4.new_code_cell
        nb.cells.append(make(cell.source, id=cell_id(spec.name, position), metadata=metadata))
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def entity_notebooks() -> dict[str, str]:
    """File name -> text of every entity notebook the template makes: the entities that read Salesforce."""
    return {f"{spec.name}.ipynb": notebook_text(spec) for spec in ordered() if spec.streams}


def differing(folder: Path) -> list[str]:
    """The entity notebooks in ``folder`` that are missing or not what the template gives."""
    return _differing(folder, entity_notebooks())


def write(folder: Path) -> list[str]:
    """Write into ``folder`` the entity notebooks that differ from the template; their names."""
    notebooks = entity_notebooks()
    changed = _differing(folder, notebooks)
    for name in changed:
        (folder / name).write_bytes(notebooks[name].encode())
    return changed


def _differing(folder: Path, notebooks: dict[str, str]) -> list[str]:
    return [name for name, text in notebooks.items()
            if not (folder / name).is_file() or (folder / name).read_bytes() != text.encode()]
