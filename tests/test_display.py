"""The light tables notebooks show: HTML that escapes what Salesforce sends, text that lines up, and pandas on
request; and a step's kernel that never imports pandas or scrapbook."""

from __future__ import annotations

import subprocess
import sys

from vmsync.display import Table


def test_html_escapes_values_and_formats_numbers():
    table = Table(["record_id", "message", "attempts"], [["003A", "<b>Smith & Co</b>", 12345], ["003B", None, 1]])
    html = table._repr_html_()
    assert "&lt;b&gt;Smith &amp; Co&lt;/b&gt;" in html and "<b>" not in html
    assert "<td>12,345</td>" in html and html.count("<tr>") == 3
    assert "<td></td>" in html  # None shows empty, not "None"


def test_text_lines_up_under_the_column_names():
    lines = repr(Table(["stream", "new"], [["schools", 3], ["districts", 12]])).splitlines()
    assert lines == ["stream     new", "schools    3", "districts  12"]


def test_to_pandas_gives_the_same_rows():
    frame = Table(["a", "b"], [[1, "x"], [2, "y"]]).to_pandas()
    assert list(frame.columns) == ["a", "b"] and frame.to_dict("records") == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]


def test_a_step_kernel_imports_none_of_what_only_readers_of_runs_need():
    code = ("import sys, vmsync.notebook, vmsync.notebook.virtual; "
            "print(sorted(m for m in ('pandas', 'scrapbook', 'psycopg', 'papermill', 'nbformat') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
