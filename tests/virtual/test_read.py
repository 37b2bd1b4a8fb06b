"""Reading session reports: cells, names, headers, modes, and every bad input refused with file, row and
column.

These need no database: a report is read and validated before anything is written.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from vmsync.virtual import cells
from vmsync.virtual.columns import SESSION_REPORT, locate
from vmsync.virtual.match import People
from vmsync.virtual.modes import cutoff
from vmsync.virtual.names import acronym, fold, parse_name, person_key, school_keys
from vmsync.virtual.read import read_report
from vmsync.virtual.source import SourceError, open_source

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
HEADER = ["Session ID", "Title", "Date", "Status", "Duration", "User Auth Id", "SignUp Role", "Name",
          "School", "District or Company", "Partner", "Registered Student Count", "Attended Student Count",
          "Attended Educator Count", "Career Cluster"]


def row(sid="1001", title="Career Talk", when="2026-01-15 10:00:00", status="Completed", duration="60",
        user="", role="Educator", name="Jane Educator", school="", district="", partner="PREP-KC",
        registered="", attended="", aec="1", cluster=""):
    return [sid, title, when, status, duration, user, role, name, school, district, partner, registered,
            attended, aec, cluster]


def csv_bytes(rows, header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for r in ([header] if header else []) + rows:
        writer.writerow(r)
    return out.getvalue().encode()


def write(tmp_path, rows, name="report.csv", header=HEADER):
    path = tmp_path / name
    if name.endswith(".xlsx"):
        from openpyxl import Workbook

        book = Workbook()
        for r in ([header] if header else []) + rows:
            book.active.append(r)
        book.save(path)
    else:
        path.write_bytes(csv_bytes(rows, header))
    return path


def read(path, now=NOW, mode="full", zone=CHICAGO, custom=None):
    table = locate(open_source(path), SESSION_REPORT)
    return read_report(table, zone=zone, now=now, cutoff=cutoff(mode, now, zone, custom))


def refused(path, **kw) -> str:
    with pytest.raises(SourceError) as exc:
        read(path, **kw)
    return str(exc.value)


# --- cells and names ---------------------------------------------------------------------------------------

def test_ids_are_text_and_blanks_are_null():
    ids = (12345, 12345.0, "12345.0", " 012345 ", "sess-001", "", None, "nan")
    assert [cells.identifier(v) for v in ids] == ["12345"] * 3 + ["012345", "sess-001", None, None, None]
    texts = ("  x ", "NaN", "None", "", float("nan"), 3.5)
    assert [cells.text(v) for v in texts] == ["x", None, None, None, None, "3.5"]
    counts = ("12", "12.0", 7, 7.0, "n/a", "NA", "", None)
    assert [cells.whole(v) for v in counts] == [12, 12, 7, 7, None, None, None, None]
    for bad in ("-3", "ten", 2.5, "1e3"):
        with pytest.raises(cells.CellError):
            cells.whole(bad)


def test_dates_are_the_organisations_wall_clock_stored_in_utc():
    winter = cells.moment("2026-01-15 10:00:00", CHICAGO)
    summer = cells.moment("07/15/2026 10:00 AM", CHICAGO)
    assert (winter, summer) == (datetime(2026, 1, 15, 16, tzinfo=UTC), datetime(2026, 7, 15, 15, tzinfo=UTC))
    assert cells.moment(datetime(2026, 1, 15, 10), ZoneInfo("America/New_York")) == \
        datetime(2026, 1, 15, 15, tzinfo=UTC)
    assert cells.moment("2026-01-15T10:00:00+00:00", CHICAGO) == datetime(2026, 1, 15, 10, tzinfo=UTC)
    assert cells.moment(date(2026, 3, 2), CHICAGO) == datetime(2026, 3, 2, 6, tzinfo=UTC)
    assert cells.moment("NaT", CHICAGO) is None
    for bad in ("2026-13-45", "next tuesday", 46037.5):
        with pytest.raises(cells.CellError):
            cells.moment(bad, CHICAGO)


def test_names_split_and_fold_as_the_vms_does():
    assert [parse_name(n) for n in ("John Smith", "Catalina Velarde Duarte", "Maria De La Cruz",
                                    "Dr. Mary Viveros", "Madonna", "", None)] == [
        ("John", "Smith"), ("Catalina", "Velarde Duarte"), ("Maria", "De La Cruz"), ("Mary", "Viveros"),
        ("", "Madonna"), ("", ""), ("", "")]
    assert person_key(*parse_name("  MS. José  O'Brien-Smith ")) == "jose obrien smith"
    assert fold("Prep-KC, Inc.") == "prep kc inc" and fold("H&R Block") == "h and r block"
    assert school_keys("Wyandotte High School") == ("wyandotte high school", "wyandotte high")
    assert school_keys("Hale Cook Elem") == ("hale cook elementary",)
    assert acronym("Kansas City, KS (KCKPS) Public Schools") == "KCKPS" and acronym("Grandview") is None


def test_people_match_whole_surname_words_never_guess():
    people = People([(1, "Catalina", "Velarde", None), (2, "Sarah", "Williams", 7), (3, "Jo", "Clay", None),
                     (4, "Sam", "Lee", 1), (5, "Sam", "Lee", 2), (6, None, "Madonna", None)])
    assert people.find("Catalina", "Velarde Duarte").id == 1
    assert people.find("Sarah", "Jean Williams").id == 2
    assert people.find("Jo", "Clayton").outcome == "unmatched"
    assert people.find("Sam", "Lee").outcome == "ambiguous" and people.find("Sam", "Lee").candidates == 2
    assert people.find("Sam", "Lee", place=2).id == 5
    assert people.find("", "Madonna").id == 6


def test_modes_cut_off_at_local_midnight():
    assert cutoff("full", NOW, CHICAGO) is None
    assert cutoff("semester", NOW, CHICAGO) == cutoff("incremental", NOW, CHICAGO) == \
        datetime(2026, 8, 1, 5, tzinfo=UTC)
    july = datetime(2026, 7, 31, 12, tzinfo=UTC)
    assert cutoff("semester", july, CHICAGO) == datetime(2026, 1, 1, 6, tzinfo=UTC)
    assert cutoff("six_month", NOW, CHICAGO) == datetime(2026, 5, 24, 18, tzinfo=UTC)
    assert cutoff("custom", NOW, CHICAGO, date(2026, 2, 1)) == datetime(2026, 2, 1, 6, tzinfo=UTC)


# --- reading a report
# ----------------------------------------------------------------------------------------

def test_headers_are_matched_whatever_their_case_and_spacing(tmp_path):
    header = ["session id", "TITLE", " Date ", "status", "Duration", "UserAuthId", "Sign Up Role", "name",
              "School", "district  or company", "partner", "Registered Student Count",
              "Attended Student Count", "attended educator count", "Career Cluster"]
    report = read(write(tmp_path, [row()], header=header))
    assert list(report.sessions) == ["1001"]


def test_partner_and_role_filters_and_what_is_set_aside(tmp_path):
    report = read(write(tmp_path, [
        row(),
        row(role="Student", name="Kid One"), row(role="parent", name="Pat Parent"),
        row(sid="1002", partner="OTHER-PARTNER"), row(sid="1003", partner="prep-kc", role="Professional",
                                                      name="Bob Presenter", aec="n/a"),
        row(sid="1004", when="", status="Draft"), row(sid="1005", when="", status="Requested"),
        row(sid="", name="Nobody Known"), row(sid="1006", name=""), row(sid="1007", role="Observer"),
        row(sid="1001", name="Jane Educator"),  # the same person again: one educator
    ]))
    assert sorted(report.sessions) == ["1001", "1003", "1006", "1007"]
    set_aside = (report.student_or_parent, report.other_partner, report.draft_undated, report.undated)
    assert set_aside == (2, 1, 1, 1)
    assert list(report.sessions["1001"].educators) == ["jane educator"]
    assert list(report.sessions["1003"].presenters) == ["bob presenter"]
    codes = sorted((f.code, f.kind) for f in report.found)
    assert codes == [("MISSING_NAME", "rejected"), ("MISSING_SESSION_ID", "rejected"), ("NO_DATE", "warning"),
                     ("UNKNOWN_ROLE", "warning")]


def test_workbook_ids_and_blanks(tmp_path):
    rows = [row(sid=210001, when=datetime(2026, 1, 15, 10), duration=60, aec=1),
            row(sid=210001.0, when=datetime(2026, 1, 15, 10), role="Professional", name="Bob Presenter",
                school="nan", aec=None),
            row(sid="0042", when=datetime(2026, 2, 3, 9), duration=None, cluster=None)]
    report = read(write(tmp_path, rows, name="report.xlsx"))
    assert sorted(report.sessions) == ["0042", "210001"]
    s = report.sessions["210001"]
    assert s.start == datetime(2026, 1, 15, 16, tzinfo=UTC) and s.duration == 60
    assert s.presenters["bob presenter"].school is None and report.sessions["0042"].career_cluster is None


# --- bad input: refused, naming file, row and column -----------------------------------------------------

def test_a_missing_file_and_files_that_are_not_reports(tmp_path):
    assert refused(tmp_path / "gone.xlsx") == f"{tmp_path / 'gone.xlsx'}: no such file"
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    assert "save it as .xlsx" in refused(tmp_path / "old.xls")
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    assert "not a readable .xlsx workbook" in refused(tmp_path / "broken.xlsx")
    (tmp_path / "empty.csv").write_bytes(b"")
    assert "empty.csv: the file is empty" in refused(tmp_path / "empty.csv")


def test_a_sheet_without_a_header_row(tmp_path):
    message = refused(write(tmp_path, [row(), row(sid="1002")], header=None))
    assert "report.csv, row 1: no header row" in message and "'1001'" in message


def test_missing_required_columns_are_named(tmp_path):
    header = [h for h in HEADER if h not in ("Date", "Partner")]
    rows = [[v for h, v in zip(HEADER, row(), strict=True) if h in header]]
    assert "report.csv, row 1: missing required columns Date, Partner" in refused(write(tmp_path, rows,
                                                                                        header=header))


def test_a_csv_in_another_encoding_is_refused_at_its_row_and_column(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(csv_bytes([row(), row(sid="1002", name="José Núñez")]).decode().encode("latin-1"))
    message = refused(path)
    assert "latin1.csv, row 3, column 'Name': not UTF-8 text (byte 0xe9)" in message


def test_one_session_id_for_two_sessions(tmp_path):
    message = refused(write(tmp_path, [row(), row(title="Something else", name="Other Teacher"),
                                       row(when="2026-01-16 10:00:00", name="Third Teacher")]))
    assert "report.csv, row 3, column 'Title': Session ID 1001 is used twice" in message
    assert "report.csv, row 4, column 'Date': Session ID 1001 is used twice" in message


def test_unreadable_and_implausible_values_all_reported_at_once(tmp_path):
    message = refused(write(tmp_path, [
        row(when="2026-13-45 10:00"), row(sid="1002", when="someday"),
        row(sid="1003", when="2029-01-15 10:00:00", status="Published"),
        row(sid="1004", when="2026-12-15 10:00:00", status="Completed"),
        row(sid="1005", duration="an hour"), row(sid="1006", attended="-3"), row(sid="1007", duration="2000"),
    ]))
    for expected in ("row 2, column 'Date': '2026-13-45 10:00' is not a date",
                     "row 3, column 'Date': 'someday' is not a date",
                     "row 4, column 'Date': 2029-01-15 is more than a year ahead",
                     "row 5, column 'Date': session 1004 is 'Completed' but dated 2026-12-15, in the future",
                     "row 6, column 'Duration': 'an hour' is not a whole number",
                     "row 7, column 'Attended Student Count': -3 is negative",
                     "row 8, column 'Duration': 2000 minutes is longer than a day"):
        assert f"report.csv, {expected}" in message


# --- an https:// source
# ----------------------------------------------------------------------------------------

def test_a_published_sheet_is_read_from_its_https_url(https, tmp_path):
    base, ca, routes = https
    routes["/pub?output=csv"] = (200, "text/csv; charset=utf-8", csv_bytes([row(), row(sid="1002")]))
    workbook = write(tmp_path, [row(sid=3003, when=datetime(2026, 1, 15, 10))], name="r.xlsx")
    routes["/report.xlsx"] = (200, "application/octet-stream", workbook.read_bytes())
    assert len(open_source(f"{base}/pub?output=csv", ca_bundle=ca).rows) == 3
    table = locate(open_source(f"{base}/report.xlsx", ca_bundle=ca), SESSION_REPORT)
    assert list(read_report(table, zone=CHICAGO, now=NOW, cutoff=None).sessions) == ["3003"]


def test_an_unreachable_or_wrong_url_is_refused(https):
    base, ca, routes = https
    routes["/login"] = (200, "text/html", b"<html>sign in</html>")

    def message(url, **kw):
        with pytest.raises(SourceError) as exc:
            open_source(url, **kw)
        return str(exc.value)

    missing = f"{base}/missing.csv"
    assert message(missing, ca_bundle=ca) == f"{missing}: the server answered 404 Not Found"
    assert "sent a web page, not a sheet" in message(f"{base}/login", ca_bundle=ca)
    assert "TLS certificate is not trusted" in message(f"{base}/login")
    closed = socket_port()
    assert message(f"https://127.0.0.1:{closed}/r.csv") == \
        f"https://127.0.0.1:{closed}/r.csv: cannot be reached (ConnectionError)"
    assert "only local files and https:// URLs" in message("http://127.0.0.1/r.csv")


def socket_port() -> int:
    """A port nothing listens on."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

