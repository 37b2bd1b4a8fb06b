"""Light tables for notebooks: what a step shows, as HTML and text, without pandas in the kernel.

Importing pandas costs an entity notebook's kernel more than its whole incremental sync, and the tables a
step shows are a few lines long. ``Table`` renders the same in Jupyter, in the executed notebook and in its
HTML; ``to_pandas()`` hands an analyst a DataFrame when they want one.
"""

from __future__ import annotations

import html
from collections.abc import Sequence


class Table:
    """Rows under named columns, shown as an HTML table in a notebook and as aligned text elsewhere."""

    def __init__(self, columns: Sequence[str], rows: Sequence[Sequence]):
        self.columns = list(columns)
        self.rows = [list(row) for row in rows]

    def __len__(self) -> int:
        return len(self.rows)

    def to_pandas(self):
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in self.rows)
        return f'<table class="dataframe"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'

    def __repr__(self) -> str:
        cells = [[str(c) for c in self.columns]] + [["" if v is None else str(v) for v in row] for row in self.rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.columns))]
        return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,}"
    return html.escape(str(value))
