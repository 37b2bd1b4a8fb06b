"""Streaming a query's records a page at a time, over REST or Bulk API 2.0, each page retried on its own.

Only one page is held at a time, and a page that fails is fetched again from the same place: over REST the
same ``nextRecordsUrl``, over Bulk 2.0 the same job and result locator (after a new login if the session
expired, which Bulk 2.0 never does by itself, docs/salesforce.md#sessions). So nothing is lost or repeated. That
is why the Bulk path drives the client's job steps (create, wait, read one page) rather than its
``query()`` generator, which cannot resume after a failed page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from functools import partial
from typing import Protocol, TypeVar

from simple_salesforce import Salesforce
from simple_salesforce.bulk2 import Operation

from ..errors import ErrorClass, IncompleteResponse, SyncError
from .records import Column, flat_from_csv, flat_from_json
from .soql import SelectShape, select_shape

T = TypeVar("T")
MIN_BATCH, MAX_BATCH = 200, 2000  # the range Sforce-Query-Options batchSize accepts


class QueryClient(Protocol):
    """The client as paging uses it (``SalesforceClient`` is one): its session, its retrying ``call`` and the
    typed columns of a SELECT. Declared here, not imported, so client and extract do not import each other."""

    sf: Salesforce
    bulk_poll_wait: float

    def call(self, fn: Callable[[], T], doing: str) -> T: ...

    def columns(self, shape: SelectShape) -> list[Column]: ...


def _shape(soql: str):
    try:
        return select_shape(soql)
    except ValueError as exc:
        raise SyncError(ErrorClass.VALIDATION, str(exc)) from exc


def _repeated(where: str, what: str, marker: str) -> SyncError:
    return SyncError(ErrorClass.UNKNOWN, f"{what}: the server sent {where} {marker} twice; stopped paging")


def rest_pages(client: QueryClient, soql: str, *, include_deleted: bool, page_size: int) \
        -> Iterator[list[dict]]:
    """Pages of flat records from REST query / queryAll, following ``nextRecordsUrl``."""
    if not MIN_BATCH <= page_size <= MAX_BATCH:
        raise ValueError(f"page_size must be between {MIN_BATCH} and {MAX_BATCH}, not {page_size}")
    shape = _shape(soql)
    what = f"{'queryAll' if include_deleted else 'query'} of {shape.object_name}"
    headers = {"Sforce-Query-Options": f"batchSize={page_size}"}
    sf = client.sf
    result = client.call(partial(sf.query, soql, include_deleted=include_deleted, headers=headers),
                         f"{what}, page 1")
    columns = client.columns(shape)
    seen: set[str] = set()
    while True:
        records = [flat_from_json(r, columns) for r in result["records"]]
        next_url = None if result["done"] else result["nextRecordsUrl"]
        del result
        yield records
        del records
        if next_url is None:
            return
        if next_url in seen:
            raise _repeated("nextRecordsUrl", what, next_url)
        seen.add(next_url)
        result = client.call(partial(sf.query_more, next_url, identifier_is_url=True, headers=headers),
                             f"{what}, page {len(seen) + 1}")


def bulk_pages(client: QueryClient, soql: str, *, include_deleted: bool, max_records: int) \
        -> Iterator[list[dict]]:
    """Pages of flat records from a Bulk 2.0 query (queryAll) job, ``max_records`` rows at most each."""
    if max_records < 1:
        raise ValueError(f"max_records must be positive, not {max_records}")
    shape = _shape(soql)
    operation = Operation.query_all if include_deleted else Operation.query
    what = f"Bulk 2.0 {operation.value} of {shape.object_name}"

    def jobs():
        """The client's Bulk 2.0 job steps, under the current session (it changes when we log in again)."""
        return getattr(client.sf.bulk2, shape.object_name)._client

    job_id = client.call(lambda: jobs().create_job(operation, soql)["id"], f"{what}: create job")
    client.call(lambda: jobs().wait_for_job(job_id, True, client.bulk_poll_wait), f"{what}: job {job_id}")
    columns = client.columns(shape)
    locator, seen = "", set()
    while True:
        records, locator = client.call(partial(_bulk_page, jobs, job_id, locator, max_records, columns),
                                       f"{what}: job {job_id}, page {len(seen) + 1}")
        yield records
        del records
        if not locator:
            return
        if locator in seen:
            raise _repeated("locator", what, locator)
        seen.add(locator)


def _bulk_page(jobs: Callable, job_id: str, locator: str, max_records: int, columns: list[Column]) \
        -> tuple[list[dict], str]:
    """One result page of a finished job as flat records, and the locator of the next ('' after the last)."""
    result = jobs().get_query_results(job_id, locator, max_records)
    records = flat_from_csv(csv.reader(io.StringIO(result["records"], newline="")), columns)
    if len(records) != result["number_of_records"]:
        raise IncompleteResponse(f"Bulk 2.0 page of job {job_id} has {len(records)} rows but announced "
                                 f"{result['number_of_records']}")
    return records, result["locator"]
