"""While a run goes, its folder holds ``live.html`` (reloading itself, the steps done, running and waiting
with their figures so far), the runs index links it, and ``vmsync status --watch`` shows the run until it ends;
after the run the page stops reloading and links the summary."""

from __future__ import annotations

import io
import json
import re
import threading

from vmsync.cli import main
from vmsync.runner.status import watch_run

from ..conftest import wait_for
from .conftest import run_in_process

SLOW_SECOND_PAGE = {"kind": "next_page", "effect": "delay", "seconds": 5, "times": 1}  # affiliations: 3 pages
AFFILIATIONS = ["organizations", "schools", "classes", "volunteers", "students", "teachers", "affiliations"]
SO_FAR = re.compile(r"page (\d+) \((\d+) records written\)")


def _running_record(runs):
    for path in runs.glob("*/run.json") if runs.is_dir() else []:
        try:
            record = json.loads(path.read_text())
        except ValueError:
            continue
        if any(s["status"] == "running" for s in record["steps"]):
            return path.parent, record
    return None


def test_a_live_page_and_status_watch_follow_a_run_until_it_ends(clean_sandbox, tmp_path, capsys):
    clean_sandbox.control.add_fault(SLOW_SECOND_PAGE)
    runs = tmp_path / "runs"
    result = {}
    runner = threading.Thread(target=lambda: result.update(done=run_in_process(
        clean_sandbox, tmp_path, only=AFFILIATIONS, parallel=1)))
    runner.start()
    try:
        folder, record = wait_for(lambda: _running_record(runs), "a running step")
        page = (folder / "live.html").read_text()
        assert 'http-equiv="refresh"' in page and ">running<" in page and ">waiting<" in page
        assert f'href="{folder.name}/live.html"' in (runs / "index.html").read_text()
        # a step waiting for its second page shows the page it wrote, on the page and in status
        live = wait_for(lambda: SO_FAR.search((folder / "live.html").read_text()), "the pages written so far")
        assert int(live[1]) >= 1 and int(live[2]) > 0
        watched = io.StringIO()
        assert watch_run(runs, None, watched, interval=0.2, clear=False) == 0
    finally:
        runner.join(timeout=300)
    shown = watched.getvalue()
    assert shown.count(f"Run {folder.name}: running") >= 1 and shown.rstrip().count(f"Run {folder.name}: ") >= 2
    assert shown.rsplit(f"Run {folder.name}: ", 1)[1].startswith("succeeded")
    page = (folder / "live.html").read_text()
    assert 'http-equiv="refresh"' not in page and 'href="summary.html"' in page
    assert page.count(">done<") == len(AFFILIATIONS) and "new" in page and not SO_FAR.search(page)
    assert SO_FAR.search(shown), "status --watch showed the pages so far"
    assert result["done"][0].exit_code == 0
    assert main(["status", "--watch", "--runs-dir", str(runs)]) == 0  # an ended run: shown once
    assert capsys.readouterr().out.count("Run ") == 1
    assert main(["status", "--watch", "--interval", "0", "--runs-dir", str(runs)]) == 2
