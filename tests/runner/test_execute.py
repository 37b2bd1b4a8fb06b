"""How a notebook can end under the runner, with real kernels: done, cell error, cell timeout, dead kernel,
overrun step (the watchdog), a kernel that fails to start; and what is done to the saved notebook."""

from __future__ import annotations

import json
import os
import threading

import nbformat
import pytest

from vmsync.figures import SCRAP_MEDIA_TYPE, read_scrap
from vmsync.runner import artifact
from vmsync.runner.execute import Limits, execute
from vmsync.runner.watchdog import Watchdog

from .conftest import make_notebook

ENV = {"VMSYNC_TEST_VALUE": "from-the-runner"}


def _run(tmp_path, *sources, limits=Limits(), deadline=None, env=ENV, **kw):
    source = make_notebook(tmp_path / "in.ipynb", *sources)
    output = tmp_path / "out.ipynb"
    cells = []
    outcome = execute(source, output, {"run_id": "r1"}, env=env, tag="t", limits=limits, deadline=deadline,
                      on_cell=lambda i, n: cells.append((i, n)), **kw)
    return outcome, output, cells


def _banner_first(output) -> nbformat.NotebookNode:
    nb = nbformat.read(output, as_version=4)
    assert "papermill-error-cell-tag" in nb.cells[0].metadata.get("tags", [])
    assert nb.metadata.papermill.exception is True
    return nb


def _statuses(nb) -> list[str]:
    return [c.metadata.papermill.get("status") for c in nb.cells if c.cell_type == "code"]


def test_notebook_gets_parameters_environment_and_reports_cells(tmp_path):
    outcome, output, cells = _run(tmp_path, "import os\nprint(run_id, os.environ['VMSYNC_TEST_VALUE'])",
                                  "import scrapbook as sb\nsb.glue('vmsync_step', {'new': 3, 'api_calls': 2})")
    assert outcome.succeeded and outcome.error_class is None
    nb = nbformat.read(output, as_version=4)
    assert nb.cells[2].outputs[0].text == "r1 from-the-runner\n"
    assert outcome.figures == {"new": 3, "api_calls": 2}
    assert cells == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_cell_error_fails_with_the_recorded_error_class(tmp_path):
    outcome, output, _ = _run(
        tmp_path, "import scrapbook as sb\nsb.glue('vmsync_step', {'status': 'failed', 'error_class': 'NETWORK',"
                  " 'error_message': 'NETWORK: login failed'})\nraise RuntimeError('boom')", "print('never')")
    assert not outcome.succeeded
    assert (outcome.error_class, outcome.error_message) == ("NETWORK", "NETWORK: login failed")
    nb = _banner_first(output)
    assert _statuses(nb) == ["completed", "completed", "failed", "pending"]


def test_cell_error_without_figures_is_unknown(tmp_path):
    outcome, _, _ = _run(tmp_path, "1 / 0")
    assert outcome.error_class == "UNKNOWN" and "ZeroDivisionError" in outcome.error_message


def test_cell_timeout_fails_as_timeout_with_the_anchor_at_the_stopped_cell(tmp_path):
    outcome, output, _ = _run(tmp_path, "print('before')", "import time\ntime.sleep(60)", "print('after')",
                              limits=Limits(cell_timeout=2))
    assert not outcome.succeeded and outcome.error_class == "TIMEOUT"
    assert "cell timeout (2 s)" in outcome.error_message
    nb = _banner_first(output)
    assert _statuses(nb) == ["completed", "completed", "completed", "failed", "pending"]
    anchor = next(i for i, c in enumerate(nb.cells) if 'id="papermill-error-cell"' in c.source)
    assert "time.sleep(60)" in nb.cells[anchor + 1].source
    assert nb.cells[anchor + 1].outputs[-1].ename == "CellTimeoutError"


def test_dead_kernel_fails_the_step_and_marks_the_notebook(tmp_path):
    outcome, output, _ = _run(tmp_path, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "print('after')")
    assert not outcome.succeeded and outcome.error_class == "UNKNOWN"
    assert "kernel died" in outcome.error_message
    assert _statuses(_banner_first(output))[-2:] == ["failed", "pending"]


def test_watchdog_stops_a_step_past_its_deadline(tmp_path):
    limits = Limits(step_timeout=2)
    with Watchdog(limits.step_timeout, every=0.2) as watchdog:
        deadline = watchdog.watch("t")
        outcome, output, _ = _run(tmp_path, "import time\ntime.sleep(60)", limits=limits, deadline=deadline)
        watchdog.forget("t")
    assert not outcome.succeeded and outcome.error_class == "TIMEOUT"
    assert "step timeout (2 s)" in outcome.error_message
    _banner_first(output)


def test_kernel_that_fails_to_start_is_tried_again(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    marker = tmp_path / "first-start"
    (site / "sitecustomize.py").write_text(
        "import os\n"
        f"if os.environ.get('JPY_PARENT_PID') and not os.path.exists({str(marker)!r}):\n"
        f"    open({str(marker)!r}, 'w').close()\n"
        "    os._exit(3)\n")
    env = {**ENV, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    outcome, _, _ = _run(tmp_path, "print('ok')", env=env)
    assert marker.exists()
    assert outcome.succeeded and outcome.start_attempts == 2


def test_kernel_that_never_starts_fails_after_the_attempts(tmp_path):
    env = {**ENV, "PYTHONHOME": str(tmp_path / "nowhere")}
    outcome, _, _ = _run(tmp_path, "print('ok')", env=env, limits=Limits(start_attempts=2, start_timeout=20))
    assert not outcome.succeeded and outcome.error_class == "UNKNOWN"
    assert "failed to start 2 times" in outcome.error_message


def test_long_outputs_are_cut_and_oversized_rich_outputs_dropped(tmp_path):
    path = make_notebook(tmp_path / "big.ipynb", "x")
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="line\n" * 50_000),
        nbformat.v4.new_output("display_data", data={"text/html": "<p>" + "x" * 500_000 + "</p>",
                                                     "text/plain": "a frame"}),
        nbformat.v4.new_output("display_data", data={SCRAP_MEDIA_TYPE: {"name": "s", "data": [1] * 9}}),
    ]
    nbformat.write(nb, path)
    assert artifact.truncate_outputs(path) == 2
    outputs = nbformat.read(path, as_version=4).cells[1].outputs
    assert len(outputs[0].text) < artifact.MAX_TEXT_CHARS + 200 and "characters cut by vmsync" in outputs[0].text
    assert outputs[0].text.endswith("line\n")
    assert "text/html" not in outputs[1].data and outputs[1].data["text/plain"] == "a frame"
    assert outputs[2].data[SCRAP_MEDIA_TYPE]["data"] == [1] * 9
    assert path.stat().st_size < 100_000  # from about 1.3 MB


@pytest.mark.parametrize("scraps", [[], [{"n": 1}], [{"n": 1}, {"n": 2}]])
def test_read_scrap_returns_the_last_value_glued(tmp_path, scraps):
    path = make_notebook(tmp_path / "s.ipynb", "x")
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].outputs = [nbformat.v4.new_output("display_data", data={
        SCRAP_MEDIA_TYPE: {"name": "vmsync_step", "data": value, "encoder": "json", "version": 1}})
        for value in scraps]
    nbformat.write(nb, path)
    assert read_scrap(path, "vmsync_step") == (scraps[-1] if scraps else None)
    assert json.loads(path.read_text())["cells"]


def test_kernels_started_side_by_side_do_not_clash(tmp_path):
    source = make_notebook(tmp_path / "in.ipynb", "import os\nprint(run_id, os.environ['VMSYNC_TEST_VALUE'])")
    outcomes: dict[int, object] = {}

    def one(i: int) -> None:
        outcomes[i] = execute(source, tmp_path / f"out-{i}.ipynb", {"run_id": f"r{i}"},
                              env={"VMSYNC_TEST_VALUE": f"env-{i}"}, tag=f"t{i}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(outcomes[i].succeeded and outcomes[i].start_attempts == 1 for i in range(4))
    for i in range(4):
        nb = nbformat.read(tmp_path / f"out-{i}.ipynb", as_version=4)
        assert nb.cells[2].outputs[0].text == f"r{i} env-{i}\n"
