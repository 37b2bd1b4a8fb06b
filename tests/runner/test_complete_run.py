"""One run of the whole suite against the tiny sandbox: the run folder, the index, run.json, no secrets, and
``vmsync status`` / ``vmsync check`` (with ``--reconcile``) reading what it left."""

from __future__ import annotations

import io
import json
import shutil

import nbformat
import sqlalchemy as sa

from vmsync.entities import ordered
from vmsync.runner.check import CheckOptions, run_check
from vmsync.runner.status import show_run, show_runs
from vmsync.store.tables import sync_run

from ..conftest import environ, private_key_lines


def test_every_entity_ran_in_dependency_order_and_succeeded(completed_run):
    assert completed_run.result.exit_code == 0, completed_run.report
    record = completed_run.result.record
    assert [s["entity"] for s in record["steps"]] == [e.name for e in ordered()]
    assert all(s["status"] == "succeeded" for s in record["steps"])
    finished = {s["entity"]: s["finished_at"] for s in record["steps"]}
    for step, spec in zip(record["steps"], ordered(), strict=True):
        for parent in spec.depends_on:
            assert finished[parent] <= step["started_at"], f"{spec.name} started before {parent} ended"


def test_run_folder_holds_executed_notebooks_html_and_run_json(completed_run):
    folder = completed_run.result.folder
    record = json.loads((folder / "run.json").read_text())
    assert record["status"] == "succeeded"
    assert record["org_id"] == completed_run.result.record["org_id"] and len(record["org_id"]) == 18
    assert record["database"] == completed_run.db_url
    assert {"python", "vmsync", "papermill", "nbclient"} <= set(record["versions"])
    assert record["git_commit"] and len(record["git_commit"]) == 40
    assert record["parameters"]["notebook_parameters"] == {"run_id": record["run_id"], "mode": "incremental"}
    for index, step in enumerate(record["steps"], start=1):
        stem = f"{index:02d}-{step['entity']}"
        assert step["notebook"] == f"{stem}.ipynb" and step["html"] == f"{stem}.html"
        nb = nbformat.read(folder / step["notebook"], as_version=4)
        assert nb.metadata.papermill.parameters == {"run_id": record["run_id"], "mode": "incremental"}
        assert "papermill-error-cell-tag" not in json.dumps(nb.cells)
        assert (folder / step["html"]).read_text().startswith("<!DOCTYPE html>")
        assert step["counts"]["extracted"] > 0 and step["duration_s"] > 0
    assert (folder / f"{record['steps'][0]['notebook']}").stat().st_size < 200_000


def test_index_lists_the_run_with_links_to_its_steps(completed_run):
    index = (completed_run.runs_dir / "index.html").read_text()
    run_id = completed_run.result.run_id
    assert run_id in index
    for step in completed_run.result.record["steps"]:
        assert f'href="{run_id}/{step["html"]}"' in index


def test_database_records_the_run(completed_run):
    engine = sa.create_engine(completed_run.db_url)
    with engine.connect() as conn:
        row = conn.execute(sa.select(sync_run).where(sync_run.c.run_id == completed_run.result.run_id)).one()
        lock = conn.execute(sa.text("SELECT value FROM sync_meta WHERE key = 'run_lock'")).scalar()
    engine.dispose()
    assert row.status == "succeeded" and row.org_id == completed_run.result.record["org_id"]
    assert lock is None, "the lock is released when the run ends"


def test_no_secret_or_session_id_in_any_file_of_the_runs_folder(completed_run, sandbox):
    connection = sandbox.connection
    session_prefix = connection["org_id"][:15] + "!"
    forbidden = [connection["password"], connection["security_token"], connection["admin_token"], session_prefix,
                 *private_key_lines(connection)]
    files = [p for p in completed_run.runs_dir.rglob("*") if p.is_file()]
    assert len(files) > 2 * len(ordered())
    for path in files:
        text = path.read_text(errors="replace")
        for value in forbidden:
            assert value not in text, f"{path.name} holds a secret"
    assert completed_run.result.record["secrets_found"] == []


def test_status_shows_the_run_and_the_last_runs(completed_run):
    out = io.StringIO()
    assert show_run(completed_run.runs_dir, completed_run.result.run_id, out) == 0
    text = out.getvalue()
    assert "succeeded" in text and all(e.name in text for e in ordered())
    out = io.StringIO()
    assert show_runs(completed_run.runs_dir, out) == 0
    assert completed_run.result.run_id in out.getvalue()


def test_check_reports_login_and_budget_and_a_matching_database(completed_run, sandbox):
    out = io.StringIO()
    code = run_check(CheckOptions(connection=sandbox.connection, db_url=completed_run.db_url, env_file=None,
                                  reconcile=True), out)
    text = out.getvalue()
    assert code == 0, text
    assert f"org {completed_run.result.record['org_id']}" in text
    assert "daily API calls left; a run needs about" in text
    assert "reconcile: database matches the org" in text
    assert f"as {sandbox.connection['username']}" in text and "SOAP login()" not in text, "the sandbox uses JWT"


def test_check_warns_that_soap_login_stops_working_in_summer_27(completed_run, sandbox, monkeypatch):
    for name, value in environ(sandbox, completed_run.db_url).items():
        monkeypatch.setenv(name, value)
    out = io.StringIO()
    code = run_check(CheckOptions(env_file=None), out)
    text = out.getvalue()
    assert code == 0, text
    assert "  warn  SOAP login() (SF_USERNAME + SF_PASSWORD) stops working in every API version with " \
           "Salesforce's Summer '27 release" in text


def test_reconcile_finds_a_record_missing_from_the_database(completed_run, sandbox, tmp_path):
    copy = tmp_path / "copy.db"
    shutil.copy(completed_run.db_path, copy)
    engine = sa.create_engine(f"sqlite:///{copy}")
    with engine.begin() as conn:
        gone = conn.execute(sa.text("SELECT salesforce_id FROM school WHERE deleted_at IS NULL LIMIT 1")).scalar()
        conn.execute(sa.text("DELETE FROM school WHERE salesforce_id = :id"), {"id": gone})
    engine.dispose()
    out = io.StringIO()
    code = run_check(CheckOptions(connection=sandbox.connection, db_url=f"sqlite:///{copy}", env_file=None,
                                  reconcile=True), out)
    assert code == 1
    assert f"missing, e.g. {gone}" in out.getvalue()

