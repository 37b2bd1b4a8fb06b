"""Making the schema, on SQLite and PostgreSQL: every table on a new database, the columns a database made by an
older vmsync lacks added, and on a database already made, nothing but a look (every step calls it)."""

from __future__ import annotations

import sqlalchemy as sa

from vmsync.entities import CATALOG, create_schema
from vmsync.store import raw_column_kinds, schema_fingerprint
from vmsync.store import tables as t


def statements(engine, action) -> list[str]:
    """The SQL ``action()`` sends through ``engine``."""
    sent: list[str] = []

    def seen(conn, cursor, statement, *args):
        sent.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        action()
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    return sent


def test_a_new_database_gets_every_table_and_records_its_schema(db_engine):
    assert set(t.metadata.tables) <= set(sa.inspect(db_engine).get_table_names())
    with db_engine.connect() as conn:
        recorded = conn.execute(sa.select(t.sync_meta.c.value).where(t.sync_meta.c.key == "schema")).scalar()
    assert recorded == schema_fingerprint()


def test_a_database_already_made_is_only_looked_at(db_engine):
    sent = statements(db_engine, lambda: create_schema(db_engine))
    assert not [s for s in sent if s.lstrip().upper().startswith(("CREATE", "ALTER", "INSERT", "UPDATE"))]
    assert len(sent) <= 3, sent


def test_a_column_an_older_vmsync_did_not_make_is_added_and_rows_are_kept(db_engine):
    with db_engine.begin() as conn:
        conn.execute(sa.text('ALTER TABLE "sf_contact" DROP COLUMN "Department"'))
        conn.execute(sa.text("""INSERT INTO "sf_contact" ("Id", "IsDeleted", run_id, synced_at)
                                VALUES ('003000000000001AAA', false, 'old', CURRENT_TIMESTAMP)"""))
        conn.execute(sa.text("UPDATE sync_meta SET value = 'made by an older vmsync' WHERE key = 'schema'"))
    create_schema(db_engine)
    columns = {c["name"] for c in sa.inspect(db_engine).get_columns("sf_contact")}
    with db_engine.connect() as conn:
        kept = conn.execute(sa.text('SELECT "Id", "Department" FROM "sf_contact"')).all()
    assert "Department" in columns and kept == [("003000000000001AAA", None)]


def test_a_table_gone_is_made_again_even_with_the_schema_recorded(db_engine):
    with db_engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE sync_watermark"))
    create_schema(db_engine)
    assert "sync_watermark" in sa.inspect(db_engine).get_table_names()


def test_a_raw_mirror_s_column_kinds_are_read_back_as_vmsync_makes_them(db_engine):
    with db_engine.connect() as conn:
        kinds = raw_column_kinds(conn, "Contact")
        assert raw_column_kinds(conn, "No_Such_Object__c") == {}
    assert {f: kinds[f] for f in CATALOG.mirrored["Contact"]} == dict(CATALOG.mirrored["Contact"])
    assert set(CATALOG.mirrored["Contact"].values()) >= {"text", "bool", "number", "date", "datetime"}
