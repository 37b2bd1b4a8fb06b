"""The data dictionary, written from the tables themselves so it cannot drift from them.

``python -m vmsync.entities.dictionary > docs/data-dictionary.md`` regenerates the page; a test fails when the
committed page and the tables disagree. Meanings come from each table's and column's ``comment``; which
streams read each raw mirror table, from the entities catalog.
"""

from __future__ import annotations

from sqlalchemy import Table

from ..store import model, register_raw_tables, tables
from .catalog import READ_PER_STREAM, Catalog

BOOKKEEPING = {
    "id": "surrogate key the VMS application joins on; never changes for a record, even when its kind changes",
    "salesforce_id": "unique: the Salesforce record Id, or for rows that are not Salesforce records a key derived "
                     "from one (`<contact Id>:email:<address>`, `skill:<name>`, `pathful:<session id>`)",
    "created_at": "when vmsync first wrote the row",
    "updated_at": "when vmsync last changed a value in it (an unchanged reload leaves it alone)",
    "deleted_at": "NULL while the record lives in Salesforce and in this entity; set when it was deleted or purged, "
                  "left the entity's filter (a contact whose type changed) or, for owned rows, left its parent",
    "run_id": "the run that last changed the row",
}

MODEL_ORDER = ["places", "people", "activity", "virtual"]

INTRO = """# vmsync data dictionary

Every table vmsync writes, in three layers: the **raw mirror** (what Salesforce returned), the **VMS model** (what
the VMS application reads) and the **run records** (what vmsync did). Times are stored in UTC: naive UTC on
SQLite, `timestamptz` on PostgreSQL. This page is generated from the table definitions
(`python -m vmsync.entities.dictionary > docs/data-dictionary.md`); a test keeps it true.
"""


def _columns(table: Table, skip: set[str]) -> list[str]:
    lines = ["| column | type | null | meaning |", "|---|---|---|---|"]
    for c in table.columns:
        if c.name in skip:
            continue
        try:
            kind = str(c.type).lower()
        except Exception:  # a dialect-specific variant: say what it holds
            kind = "json"
        meaning = (c.comment or "").replace("|", "\\|")
        if c.foreign_keys:
            target = next(iter(c.foreign_keys)).column.table.name
            meaning = f"-> `{target}`: {meaning}" if meaning else f"-> `{target}`"
        lines.append(f"| `{c.name}` | {kind} | {'yes' if c.nullable else 'no'} | {meaning} |")
    return lines


def _section(title: str, items: list[Table], skip: set[str]) -> list[str]:
    out = [f"### {title}", ""]
    for table in items:
        out += [f"**`{table.name}`**: {table.comment or ''}", ""] + _columns(table, skip) + [""]
    return out


def _tables_of(module) -> list[Table]:
    return [v for v in vars(module).values() if isinstance(v, Table)]


def render(catalog: Catalog) -> str:
    """The whole page, in Markdown: every table, the raw mirror of every object ``catalog`` reads included."""
    register_raw_tables(catalog.raw_fields)
    out = [INTRO, "## Columns every model table has", "", "| column | meaning |", "|---|---|"]
    out += [f"| `{k}` | {v} |" for k, v in BOOKKEEPING.items()] + [""]
    out += ["## VMS model", ""]
    modules = {n: m for n, m in vars(model).items() if getattr(m, "__name__", "").startswith(model.__name__ + ".")}
    for name in sorted(modules, key=lambda n: (MODEL_ORDER.index(n) if n in MODEL_ORDER else len(MODEL_ORDER), n)):
        doc = (modules[name].__doc__ or "").strip().splitlines()[0]
        out += _section(f"{name.capitalize()} (`store/model/{name}.py`): {doc}", _tables_of(modules[name]),
                        set(BOOKKEEPING))
    out += ["## Run records", ""]
    out += _section("What vmsync did (`store/tables.py`)", [tables.sync_run, tables.sync_step, tables.sync_watermark,
                                                            tables.sync_issue, tables.sync_meta], set())
    out += ["## Raw mirror", "",
            "One table per Salesforce object, one column per field any entity selects from it, named exactly as "
            "Salesforce names it, plus `run_id`, `synced_at` and `read_by` (the stream that last wrote the row). "
            "A table marked **whole** is read whole by every stream of its object, whichever fields it maps: a "
            "row is the whole mirrored record as Salesforce has it, and NULL means Salesforce holds nothing "
            "there. A table marked **per stream** is not (the union costs too much): a row holds the fields of "
            "the stream its `read_by` names, listed below the table, and any other field of it is *not read*, "
            "never to be taken for NULL. A row written before vmsync recorded `read_by` has it NULL: it holds "
            "only its stream's fields, until a full sync or a change of the record rewrites it. A deleted record "
            "keeps its row with `IsDeleted` true. Mappings read this layer, so a mapping can be fixed and replayed "
            "without calling Salesforce again; it is also where held-back records wait to be mapped again. A "
            "stream whose spec mirrors all fields (`mirror_all`; none as shipped) adds a column for every other "
            "field its object has in the org, as the field appears: such columns are not listed here.", "",
            "| table | read by | read | fields |", "|---|---|---|---|"]
    per_stream = []
    for sf_object in sorted(catalog.readers, key=tables.raw_table_name):
        name, streams = tables.raw_table_name(sf_object), catalog.readers[sf_object]
        fields = [c.name for c in tables.metadata.tables[name].columns if c.name not in tables.RAW_BOOKKEEPING]
        whole = sf_object not in READ_PER_STREAM
        out.append(f"| `{name}` | {', '.join(streams)} | {'whole' if whole else 'per stream'} | {', '.join(fields)} |")
        if not whole:
            per_stream += [f"* `{name}` read by `{key}`: {', '.join(own)}"
                           for key, own in zip(streams, catalog.raw_fields[sf_object], strict=True)]
    out += ["", "The fields each stream reads of a table read per stream:", "", *per_stream]
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    from . import CATALOG

    print(render(CATALOG), end="")
