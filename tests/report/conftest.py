"""Report fixtures: a short history of runs against the tiny sandbox, in one runs folder and one database,
with alerts going to a local webhook and a local SMTP server. Made once per session; tests only read it.

1. ``first``: four entities with ``--full`` (events in the tiny org have orphans, rejected records and
   warnings, so the run leaves new problems; its summary compares the org's Ids with the database);
2. ``failed`` (the last): organizations, schools and classes with the schools query refused: schools fails
   (VALIDATION), classes is skipped, organizations succeeds.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from vmsync.runner import RunOptions, run_suite
from vmsync.runner.run import RunResult

from .receivers import SMTPReceiver, WebhookReceiver

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"
BROKEN_QUERY = {"kind": "query", "contains": "Type = 'School')", "effect": "error", "status": 400,
                "error_code": "MALFORMED_QUERY", "message": "unexpected token: broken on purpose"}
SMTP_PASSWORD = "smtp-pa55word-xyz"
FIRST = ["organizations", "schools", "volunteers", "events"]


@dataclass
class History:
    tmp: Path
    runs_dir: Path
    db_url: str
    first: RunResult
    failed: RunResult
    webhook: WebhookReceiver
    smtp: SMTPReceiver
    printed: dict[str, str] = field(default_factory=dict)
    hook_file: Path | None = None

    @property
    def runs(self) -> list[RunResult]:
        """Oldest first."""
        return [self.first, self.failed]


def alert_environment(webhook: WebhookReceiver, smtp: SMTPReceiver) -> dict[str, str]:
    return {"VMSYNC_ALERT_WEBHOOK": webhook.url, "VMSYNC_ALERT_EMAIL": "ops@example.org, data@example.org",
            "VMSYNC_SMTP_HOST": "127.0.0.1", "VMSYNC_SMTP_PORT": str(smtp.port), "VMSYNC_SMTP_USER": "vmsync",
            "VMSYNC_SMTP_PASSWORD": SMTP_PASSWORD, "VMSYNC_SMTP_FROM": "vmsync@example.org"}


@pytest.fixture(scope="session")
def history(sandbox, tmp_path_factory) -> History:
    tmp = tmp_path_factory.mktemp("report-history")
    webhook, smtp = WebhookReceiver(), SMTPReceiver()
    printed = {}
    hook_file = tmp / "hook.txt"

    def run(**options) -> RunResult:
        out = io.StringIO()
        result = run_suite(RunOptions(connection=sandbox.connection, db_url=f"sqlite:///{tmp / 'vms.db'}",
                                      runs_dir=tmp / "runs", live=False, env_file=None, **options),
                           out=out, report=out)
        printed[result.run_id] = out.getvalue()
        return result

    sandbox.control.reset()
    try:
        with pytest.MonkeyPatch.context() as patch:
            for key, value in alert_environment(webhook, smtp).items():
                patch.setenv(key, value)
            first = run(only=FIRST, full=True)
            sandbox.control.add_fault(BROKEN_QUERY)
            failed = run(only=["organizations", "schools", "classes"],
                         on_failure=f'{{ echo "$1 $VMSYNC_ALERT_SUBJECT"; cat; }} > {hook_file}')
    finally:
        sandbox.control.reset()
    history = History(tmp, tmp / "runs", f"sqlite:///{tmp / 'vms.db'}", first, failed, webhook, smtp, printed,
                      hook_file)
    yield history
    webhook.close()
    smtp.close()


class Tables(HTMLParser):
    """Every table of an HTML page as rows of cells; a cell is (text, [hrefs])."""

    def __init__(self, page: str):
        super().__init__()
        self.tables: list[list[list[tuple[str, list[str]]]]] = []
        self._cell: list | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self._cell = ["", []]
        elif tag == "a" and self._cell is not None:
            self._cell[1].append(dict(attrs).get("href"))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append((" ".join(self._cell[0].split()), self._cell[1]))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data

    def find(self, header: str) -> list[list[tuple[str, list[str]]]]:
        """The table whose first row has a cell ``header``."""
        for table in self.tables:
            if table and any(text == header for text, _ in table[0]):
                return table
        raise AssertionError(f"no table with a {header!r} column")
