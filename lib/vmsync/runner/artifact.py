"""What the runner does to an executed notebook after papermill: error anchors, sizes, recorded figures.

* papermill marks a cell error with a red banner at the top and an anchor before the failing cell, but not a
  cell timeout or a dead kernel, after which every cell claims ``completed`` (docs/sync-rules.md#timeouts). The
  runner marks those itself, the same way, and sets the statuses right.
* Long outputs are cut (head and tail kept) so an executed notebook opens in a browser at any data volume.
* The figures a step recorded with scrapbook are read back with nbformat alone, so an old run folder stays
  readable whatever becomes of scrapbook.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from papermill.execute import ERROR_ANCHOR_MSG, ERROR_MARKER_TAG, ERROR_MESSAGE_TEMPLATE

from ..figures import SCRAP_MEDIA_TYPE

MAX_TEXT_CHARS = 20_000
MAX_DATA_CHARS = 400_000  # a rich output (an image, an HTML table) larger than this is dropped
_KEEP_TAIL = 2_000


def read(path: Path):
    return nbformat.read(str(path), as_version=4)


def write(nb, path: Path) -> None:
    nbformat.write(nb, str(path))


def _marker(source: str):
    cell = nbformat.v4.new_markdown_cell(source)
    cell.metadata["tags"] = [ERROR_MARKER_TAG]
    return cell


def mark_stopped(path: Path, cell_index: int | None, ename: str, evalue: str) -> None:
    """Mark a notebook stopped by a timeout or a dead kernel at ``cell_index`` (papermill's numbering).

    The cell gets a failed status and an error output, the cells after it ``pending``, and the notebook the
    same red banner and anchor papermill adds for a cell error.
    """
    nb = read(path)
    nb.cells = [c for c in nb.cells if ERROR_MARKER_TAG not in c.metadata.get("tags", [])]
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    if cell_index is None or cell_index >= len(nb.cells):
        cell_index = code[0] if code else 0
    for i, cell in enumerate(nb.cells):
        status = cell.metadata.setdefault("papermill", {})
        if i == cell_index:
            status["status"] = "failed"
            status["exception"] = True
            if cell.cell_type == "code":
                cell.outputs.append(nbformat.v4.new_output("error", ename=ename, evalue=evalue,
                                                           traceback=[f"{ename}: {evalue}"]))
        elif i > cell_index:
            status["status"] = "pending"
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
    count = nb.cells[cell_index].get("execution_count") if cell_index < len(nb.cells) else None
    nb.cells.insert(cell_index, _marker(ERROR_ANCHOR_MSG))
    nb.cells.insert(0, _marker(ERROR_MESSAGE_TEMPLATE % (count if count is not None else "?")))
    nb.metadata.setdefault("papermill", {})["exception"] = True
    write(nb, path)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = limit - _KEEP_TAIL
    return (text[:head] + f"\n... [{len(text) - limit:,} characters cut by vmsync to keep the notebook small] ...\n"
            + text[-_KEEP_TAIL:])


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def truncate_outputs(path: Path, *, max_text: int = MAX_TEXT_CHARS, max_data: int = MAX_DATA_CHARS) -> int:
    """Cut long stream and text outputs and drop oversized rich ones; returns how many outputs changed."""
    nb = read(path)
    changed = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                text = _text(output.text)
                if len(text) > max_text:
                    output.text = _cut(text, max_text)
                    changed += 1
            elif output.output_type in ("display_data", "execute_result"):
                changed += _trim_data(output.data, max_text, max_data)
            elif output.output_type == "error" and sum(len(line) for line in output.traceback) > max_text:
                output.traceback = [_cut("\n".join(output.traceback), max_text)]
                changed += 1
    if changed:
        write(nb, path)
    return changed


def _trim_data(data: dict, max_text: int, max_data: int) -> int:
    changed = 0
    for mime in list(data):
        if mime == SCRAP_MEDIA_TYPE:
            continue
        value = data[mime]
        size = len(_text(value)) if isinstance(value, str | list) else 0
        if mime == "text/plain" and size > max_text:
            data[mime] = _cut(_text(value), max_text)
            changed += 1
        elif mime != "text/plain" and size > max_data:
            del data[mime]
            data.setdefault("text/plain", f"[{mime} output of {size:,} characters dropped by vmsync]")
            changed += 1
    return changed
