"""Sandbox throughput: the volunteer import's SOQL read through the sandbox org, side by side with the floor.

At the ``demo`` preset, in one run: records/s through the unmodified simple-salesforce ``query_all_iter``
(REST paging over HTTPS, 2,000 per page), through ``sf.bulk2`` (Bulk 2.0 CSV pages), through ``sf.bulk``
(Bulk API 1.0 as loaders built on the client read it: job, batch, poll, JSON result with epoch dates),
through the sandbox's query engine alone (no HTTP), the client's own parse of the page JSON alone (the ceiling for REST: the
client decodes every page with an ``OrderedDict`` hook), and a raw ``sqlite3`` read of the same rows and
columns underneath; then REST paging of a narrow query over every contact. Each figure is the median of
several repeats. The server runs in its own process, as ``vmsync sandbox serve``. Always at ``demo``: this
measures the sandbox, not the org's size. Aims: REST paging at least 20,000 records/s (issue 2), so that the
sandbox is never what slows a sync (``bench.end_to_end`` shows the extract's share of a step).

    .venv/bin/python -m bench.sandbox_throughput [--preset demo] [--repeats 5] [--in-process]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sqlite3
import statistics
import tempfile
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sfsandbox import Sandbox
from sfsandbox.query import run_query

from . import org
from .harness import Figure, ratio

# The VMS volunteers query (docs/vms-org.md#volunteers), without the delta filter.
VOLUNTEER_FIELDS = (
    "Id, AccountId, FirstName, LastName, MiddleName, Email, npe01__AlternateEmail__c, npe01__HomeEmail__c, "
    "npe01__WorkEmail__c, npe01__Preferred_Email__c, HomePhone, MobilePhone, npe01__WorkPhone__c, Phone, "
    "npe01__PreferredPhone__c, npsp__Primary_Affiliation__c, Title, Department, Gender__c, Birthdate, "
    "Last_Mailchimp_Email_Date__c, Last_Volunteer_Date__c, Last_Email_Message__c, Volunteer_Recruitment_Notes__c, "
    "Volunteer_Skills__c, Volunteer_Skills_Text__c, Volunteer_Interests__c, Number_of_Attended_Volunteer_Sessions__c, "
    "Racial_Ethnic_Background__c, Last_Activity_Date__c, First_Volunteer_Date__c, "
    "Last_Non_Internal_Email_Activity__c, Description, Highest_Level_of_Educational__c, Age_Group__c, DoNotCall, "
    "npsp__Do_Not_Contact__c, HasOptedOutOfEmail, EmailBouncedDate, MailingAddress, npe01__Home_Address__c, "
    "npe01__Work_Address__c, npe01__Other_Address__c, npe01__Primary_Address_Type__c, "
    "npe01__Secondary_Address_Type__c, Connector_Active_Subscription__c, Connector_Active_Subscription_Name__c, "
    "Connector_Affiliations__c, Connector_Industry__c, Connector_Joining_Date__c, Connector_Last_Login_Date_Time__c, "
    "Connector_Last_Update_Date__c, Connector_Profile_Link__c, Connector_Role__c, Connector_SignUp_Role__c, "
    "Connector_User_ID__c, LastModifiedDate"
)
VOLUNTEER_WHERE = "WHERE (Contact_Type__c = 'Volunteer' OR Contact_Type__c = '')"
VOLUNTEER_SOQL = f"SELECT {VOLUNTEER_FIELDS} FROM Contact {VOLUNTEER_WHERE}"
# Bulk 2.0 refuses compound fields: the address comes as its components.
ADDRESS_PARTS = "MailingStreet, MailingCity, MailingState, MailingPostalCode, MailingCountry"
BULK_SOQL = VOLUNTEER_SOQL.replace("MailingAddress", ADDRESS_PARTS)
# Paging capacity on narrow rows: every contact, a few fields, many 2,000-record pages.
NARROW_SOQL = "SELECT Id, LastName, AccountId, SystemModstamp FROM Contact"
RAW_COLUMNS = ", ".join(
    f'"{name.strip()}"' for name in VOLUNTEER_FIELDS.replace("MailingAddress", ADDRESS_PARTS).split(",")
)
RAW_SQL = (f'SELECT {RAW_COLUMNS} FROM "Contact" WHERE ("Contact_Type__c" = \'Volunteer\' '
           f'OR "Contact_Type__c" IS NULL) AND "IsDeleted" = 0')


def rate(read: Callable[[], int], repeats: int) -> tuple[int, float]:
    """(records per read, median records/s over ``repeats`` reads)."""
    rates, count = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        count = read()
        rates.append(count / (time.perf_counter() - started))
    return count, statistics.median(rates)


def measure(sandbox: Sandbox, repeats: int) -> dict[str, tuple[int, float]]:
    sf = sandbox.client()
    db = Path(sandbox.state_dir) / "org.db"

    def rest(soql: str) -> Callable[[], int]:
        return lambda: sum(1 for _ in sf.query_all_iter(soql))

    def bulk() -> int:
        pages = sf.bulk2.Contact.query(BULK_SOQL, wait=0)
        return sum(sum(1 for _ in csv.DictReader(io.StringIO(page))) for page in pages)

    def bulk1() -> int:
        return len(sf.bulk.Contact.query(BULK_SOQL, wait=0))

    def engine() -> int:
        conn = sqlite3.connect(db)
        try:
            result = run_query(conn, VOLUNTEER_SOQL, include_deleted=False, now=datetime.now(UTC))
            for offset in range(0, result.total_size, 2000):
                result.records_json(conn, offset, 2000, "59.0")  # the page text the server sends
            return result.total_size
        finally:
            conn.close()

    http = sandbox.http_session()
    http.headers["Authorization"] = f"Bearer {sf.session_id}"
    first_page = http.get(f"{sandbox.url}/services/data/v59.0/query/", params={"q": VOLUNTEER_SOQL}).content

    def client_parse() -> int:
        return len(json.loads(first_page, object_pairs_hook=OrderedDict)["records"])  # as simple-salesforce parses

    def raw() -> int:
        conn = sqlite3.connect(db)
        try:
            return len(conn.execute(RAW_SQL).fetchall())
        finally:
            conn.close()

    rest(VOLUNTEER_SOQL)()  # warm the caches and the connection once
    return {
        "REST query_all_iter": rate(rest(VOLUNTEER_SOQL), repeats),
        "Bulk 2.0 query": rate(bulk, repeats),
        "Bulk 1.0 query": rate(bulk1, repeats),
        "query engine alone": rate(engine, repeats),
        "client JSON parse alone": rate(client_parse, repeats),
        "raw sqlite3 read": rate(raw, repeats),
        "REST, 4 fields, all": rate(rest(NARROW_SOQL), repeats),
    }


def figures(measured: dict[str, tuple[int, float]]) -> list[Figure]:
    floor = measured["raw sqlite3 read"][1]
    rest, bulk = measured["REST query_all_iter"], measured["Bulk 2.0 query"]
    return [
        Figure("sandbox_rest_records_per_s", rest[1], "records/s", f"REST paging, volunteer SOQL, {rest[0]:,} records",
               (">=", 20_000)),
        Figure("sandbox_bulk_records_per_s", bulk[1], "records/s", "Bulk 2.0, the same records"),
        Figure("sandbox_bulk1_records_per_s", measured["Bulk 1.0 query"][1], "records/s",
               "Bulk 1.0, the same records (JSON)"),
        Figure("sandbox_engine_records_per_s", measured["query engine alone"][1], "records/s",
               "the sandbox's query engine alone (no HTTP)"),
        Figure("sandbox_raw_records_per_s", floor, "records/s", "raw sqlite3 read of the same rows"),
        Figure("sandbox_rest_vs_raw", ratio(rest[1], floor), "x", "REST paging / raw read"),
        Figure("sandbox_bulk_vs_raw", ratio(bulk[1], floor), "x", "Bulk 2.0 / raw read"),
        Figure("sandbox_bulk1_vs_raw", ratio(measured["Bulk 1.0 query"][1], floor), "x", "Bulk 1.0 / raw read"),
        Figure("sandbox_rest_narrow_records_per_s", measured["REST, 4 fields, all"][1], "records/s",
               "REST paging, 4 fields of every contact"),
    ]


def run(preset_name: str | None = None, repeats: int = 5) -> list[Figure]:
    """At ``demo`` whatever ``preset_name`` (see the module's docstring)."""
    with org.sandbox_org("demo") as sandbox:
        return figures(measure(sandbox, repeats))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="demo", choices=("tiny", "demo", "vms"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--in-process", action="store_true", help="serve from a thread of this process")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vmsync-bench-") as state, \
            Sandbox.start(preset=args.preset, seed=1, state_dir=state, in_process=args.in_process) as sandbox:
        measured = measure(sandbox, args.repeats)
    where = "a thread of this process" if args.in_process else "its own process"
    print(f"Volunteer SOQL ({len(VOLUNTEER_FIELDS.split(','))} fields) at preset {args.preset}, server in {where}, "
          f"median of {args.repeats}:")
    floor = measured["raw sqlite3 read"][1]
    for name, (count, per_second) in measured.items():
        share = f"({per_second / floor:.1%} of raw)" if "4 fields" not in name else f"({NARROW_SOQL})"
        print(f"  {name:<24} {count:>7,} records  {per_second:>10,.0f} records/s  {share}")


if __name__ == "__main__":
    main()
