"""Opening a spreadsheet source: a local ``.xlsx`` or ``.csv`` file, or the ``https://`` URL of a sheet.

Whatever the source, the result is the same ``Sheet``: its cells as the file holds them (text, numbers, dates
from a workbook; text from a CSV), every row numbered as a spreadsheet shows it. Nothing is interpreted here:
``columns`` finds the header, ``cells`` reads the values. A source that cannot be read raises ``SourceError``,
naming the file and, where there is one, the row and column.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

MAX_PROBLEMS = 30
TIMEOUT_S = 60.0
_GOOGLE_SHEET = re.compile(r"^/spreadsheets/d/([A-Za-z0-9_-]{20,})(?:/(?:edit|view)?.*)?$")
ZIP_MAGIC = b"PK\x03\x04"  # a .xlsx is a zip archive; a published sheet otherwise comes as CSV text


class SourceError(Exception):
    """A source that cannot be imported; ``problems`` says why, each naming the file (and row, column)."""

    def __init__(self, problems: list[str]):
        shown = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            shown.append(f"... and {len(problems) - MAX_PROBLEMS} more problems")
        super().__init__("\n".join(shown))
        self.problems = problems


def where(name: str, row: int | None = None, column: str | None = None) -> str:
    """``file, row 12, column 'Date'``: how every message says where a problem is."""
    parts = [name]
    if row is not None:
        parts.append(f"row {row}")
    if column is not None:
        parts.append(f"column {column!r}")
    return ", ".join(parts)


@dataclass
class Sheet:
    """The rows of a source's first worksheet, blank rows left out, each with its spreadsheet row number."""

    name: str
    rows: list[tuple[int, list[object]]] = field(default_factory=list)
    blank_rows: int = 0


def describe(source: str | Path) -> str:
    """The source as messages name it: the path, or the URL without credentials or query string."""
    text = str(source)
    if not text.lower().startswith(("https://", "http://")):
        return text
    parts = urlsplit(text)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def open_source(source: str | Path, *, ca_bundle: str | None = None) -> Sheet:
    """Read ``source`` (a path or an ``https://`` URL) into a ``Sheet``, or raise ``SourceError``."""
    problems = location_problems(source)
    if problems:
        raise SourceError(problems)
    name, text = describe(source), str(source).strip()
    if urlsplit(text).scheme.lower() == "https":
        data, kind = _fetch(text, name, ca_bundle)
    else:
        data, kind = _read_file(Path(text), name)
    return _parse_xlsx(data, name) if kind == "xlsx" else _parse_csv(data, name)


def location_problems(source: str | Path) -> list[str]:
    """What is wrong with where ``source`` points, found without downloading it: a scheme other than https, a
    file that is missing, not a file, of another kind, or unreadable. Checked before a run writes anything."""
    name, text = describe(source), str(source).strip()
    if not text:
        return ["no source given: pass a .xlsx or .csv file or an https:// URL"]
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme == "https":
        return [] if parts.hostname else [f"{name}: an https:// URL needs a host"]
    if scheme in ("http", "ftp", "file") or "://" in text:
        return [f"{name}: only local files and https:// URLs are read (not {scheme}://)"]
    path = Path(text)
    suffix = path.suffix.lower()
    if not path.exists():
        return [f"{name}: no such file"]
    if not path.is_file():
        return [f"{name}: not a file"]
    if suffix == ".xls":
        return [f"{name}: old-style .xls workbooks cannot be read; save it as .xlsx"]
    if suffix not in (".xlsx", ".xlsm", ".csv"):
        return [f"{name}: not a .xlsx or .csv file"]
    try:
        path.open("rb").close()
    except OSError as exc:
        return [f"{name}: cannot be read ({exc.strerror or exc})"]
    return []


def _read_file(path: Path, name: str) -> tuple[bytes, str]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError([f"{name}: cannot be read ({exc.strerror or exc})"]) from exc
    return data, "csv" if path.suffix.lower() == ".csv" else "xlsx"


def _download_url(url: str) -> str:
    """A Google Sheets editing link becomes its CSV export; any other URL is fetched as it is."""
    parts = urlsplit(url)
    m = _GOOGLE_SHEET.match(parts.path) if parts.hostname == "docs.google.com" else None
    if m and "/pub" not in parts.path and "export" not in parts.path:
        return f"https://docs.google.com/spreadsheets/d/{m.group(1)}/export?format=csv"
    return url


def _fetch(url: str, name: str, ca_bundle: str | None) -> tuple[bytes, str]:
    session = requests.Session()
    try:
        response = session.get(_download_url(url), timeout=TIMEOUT_S, verify=ca_bundle or True)
    except requests.exceptions.SSLError as exc:
        raise SourceError([f"{name}: its TLS certificate is not trusted ({type(exc).__name__}); set "
                           "VMSYNC_PATHFUL_CA_BUNDLE to the CA that signed it"]) from exc
    except requests.RequestException as exc:
        raise SourceError([f"{name}: cannot be reached ({type(exc).__name__})"]) from exc
    finally:
        session.close()
    if response.status_code != 200:
        raise SourceError([f"{name}: the server answered {response.status_code} {response.reason}"])
    content_type = response.headers.get("Content-Type", "").lower()
    if "text/html" in content_type:
        raise SourceError([f"{name}: the server sent a web page, not a sheet; publish the sheet to the web "
                           "as CSV and use that link"])
    return response.content, "xlsx" if response.content.startswith(ZIP_MAGIC) else "csv"


def _parse_xlsx(data: bytes, name: str) -> Sheet:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SourceError([f"{name}: not a readable .xlsx workbook ({type(exc).__name__})"]) from exc
    sheet = Sheet(name)
    try:
        if not book.worksheets:
            return sheet
        for number, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            _add(sheet, number, list(values))
    finally:
        book.close()
    return sheet


def _parse_csv(data: bytes, name: str) -> Sheet:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError([_encoding_problem(data, exc, name)]) from exc
    sheet = Sheet(name)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for number, values in enumerate(reader, start=1):
            _add(sheet, number, list(values))
    except csv.Error as exc:
        raise SourceError([f"{where(name, reader.line_num)}: not valid CSV ({exc})"]) from exc
    return sheet


def _add(sheet: Sheet, number: int, values: list[object]) -> None:
    if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
        sheet.blank_rows += 1
    else:
        sheet.rows.append((number, values))


def _encoding_problem(data: bytes, exc: UnicodeDecodeError, name: str) -> str:
    """Where in a CSV the first byte that is not UTF-8 sits: its row and, when the header says, its column."""
    before = data[: exc.start]
    row = before.count(b"\n") + 1
    line_start = before.rfind(b"\n") + 1
    line_end = data.find(b"\n", exc.start)
    line = data[line_start: None if line_end < 0 else line_end].decode("utf-8", errors="replace")
    header_end = data.find(b"\n")
    header = data[: None if header_end < 0 else header_end].decode("utf-8-sig", errors="replace")
    column = None
    try:
        cells = next(csv.reader([line]))
        names = next(csv.reader([header]))
        position = next(i for i, cell in enumerate(cells) if "\ufffd" in cell)
        column = names[position].strip() if position < len(names) and row > 1 else None
    except (StopIteration, csv.Error):
        pass
    byte = data[exc.start]
    return (f"{where(name, row, column)}: not UTF-8 text (byte 0x{byte:02x}); save the file as CSV UTF-8 "
            "and import it again")
