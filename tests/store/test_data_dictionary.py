"""docs/data-dictionary.md is the tables' own description: it must say what the code defines."""

from pathlib import Path

from vmsync.entities import CATALOG
from vmsync.entities.dictionary import render
from vmsync.store.tables import metadata

PAGE = Path(__file__).resolve().parents[2] / "docs" / "data-dictionary.md"


def test_the_committed_page_matches_the_tables():
    assert PAGE.read_text() == render(CATALOG), (
        "docs/data-dictionary.md is out of date: run `.venv/bin/python -m vmsync.entities.dictionary > "
        "docs/data-dictionary.md`")


def test_every_model_and_run_table_and_column_is_described():
    bookkeeping = {"id", "salesforce_id", "created_at", "updated_at", "deleted_at", "run_id"}
    undescribed = [f"{t.name}.{c.name}" for t in metadata.sorted_tables if not t.name.startswith("sf_")
                   for c in t.columns if not c.comment and c.name not in bookkeeping]
    untitled = [t.name for t in metadata.sorted_tables if not t.name.startswith("sf_") and not t.comment]
    assert (undescribed, untitled) == ([], [])
