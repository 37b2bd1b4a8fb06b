"""Which notebooks a run executes, in which order, and which steps each one waits for.

Every entity module with an ``ENTITY`` joins the plan by its spec alone: its notebook is
``notebooks/<entity>.ipynb`` and its place comes from ``depends_on``. ``--only`` and ``--exclude`` narrow the
plan; a dependency left out of the plan is not waited for (the user asked for that step alone).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import entities
from ..errors import UsageError

SUMMARY_NOTEBOOK = "summary.ipynb"


def default_notebooks_dir() -> Path:
    """The repository's ``notebooks/`` (the package is installed from ``lib/``, next to it)."""
    return Path(__file__).resolve().parents[3] / "notebooks"


@dataclass(frozen=True)
class Step:
    index: int
    entity: str
    depends_on: tuple[str, ...]
    notebook: Path

    @property
    def name(self) -> str:
        """The file name stem in the run folder: ``NN-<entity>``."""
        return f"{self.index:02d}-{self.entity}"


def parse_names(text: str | None) -> list[str]:
    """``a,b , c`` -> ``["a", "b", "c"]``; None or blank -> ``[]``."""
    return [n.strip() for n in (text or "").split(",") if n.strip()]


def build_plan(only: list[str] | None = None, exclude: list[str] | None = None,
               notebooks_dir: Path | None = None) -> list[Step]:
    """The steps of a run in dependency order; unknown names or missing notebooks raise ``UsageError``."""
    known = list(entities.ENTITIES)
    unknown = [n for n in [*(only or []), *(exclude or [])] if n not in known]
    if unknown:
        raise UsageError(f"unknown entit{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; "
                         f"known: {', '.join(known)}")
    chosen = [n for n in (only or known) if n not in set(exclude or [])]
    if not chosen:
        raise UsageError("--only and --exclude leave no entity to run")
    folder = notebooks_dir or default_notebooks_dir()
    ordered = entities.ordered(chosen)
    missing = [e.name for e in ordered if not (folder / f"{e.name}.ipynb").is_file()]
    if missing:
        raise UsageError(f"no notebook for {', '.join(missing)} in {folder}: add notebooks/<entity>.ipynb "
                         "(copy an existing one) or leave the entity out with --exclude")
    in_plan = {e.name for e in ordered}
    return [Step(i, e.name, tuple(d for d in e.depends_on if d in in_plan), folder / f"{e.name}.ipynb")
            for i, e in enumerate(ordered, start=1)]


def summary_notebook(notebooks_dir: Path | None = None) -> Path | None:
    """``notebooks/summary.ipynb`` when it exists: it runs last, after failed steps too."""
    path = (notebooks_dir or default_notebooks_dir()) / SUMMARY_NOTEBOOK
    return path if path.is_file() else None
