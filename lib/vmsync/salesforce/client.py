"""The Salesforce client the sync calls: every call retried and classified, every request counted.

It wraps a logged-in ``simple_salesforce.Salesforce`` (``.sf``). Records are streamed a page at a time
(``query_pages`` over REST, ``bulk_pages`` over Bulk 2.0; see ``extract``); ``deleted`` and ``updated``
read the replication windows; ``count``, ``limits``, ``org_id`` and the API figures serve reports.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TypeVar

from simple_salesforce import Salesforce
from simple_salesforce.util import exception_handler

from ..errors import ErrorClass, SyncError, error_code
from . import extract
from .describe import DescribeCache, trimmed
from .records import Column, parse_datetime
from .retry import RetryPolicy, call_with_retries
from .soql import SelectShape, is_count_query
from .transport import MeteredAdapter

log = logging.getLogger("vmsync.salesforce")
T = TypeVar("T")

DELETED_WINDOW = timedelta(days=15)  # getDeleted reaches back at most this far (docs/salesforce.md#replication)
UPDATED_WINDOW = timedelta(days=30)
WINDOW_MARGIN = timedelta(minutes=2)  # keeps a clamped start inside the window while the request travels
SMALLEST_SPLIT = timedelta(minutes=2)  # windows are whole minutes; a smaller one cannot be split further
_ORG_ID_RE = re.compile(r"^00D[0-9A-Za-z]{12}$")
_ID_SUFFIX_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


@dataclass(frozen=True)
class DeletedRecord:
    id: str
    deleted_date: datetime


@dataclass(frozen=True)
class DeletedRecords:
    """getDeleted over a window: the records, and how far the answer reaches (None when nothing was asked)."""

    records: list[DeletedRecord]
    earliest_date_available: datetime | None
    latest_date_covered: datetime | None


@dataclass(frozen=True)
class UpdatedIds:
    ids: list[str]
    latest_date_covered: datetime | None


def org_id_18(org_id_15: str) -> str:
    """The 18-character form of a 15-character Salesforce Id (its case-safe checksum suffix)."""
    suffix = ""
    for chunk in range(3):
        bits = sum(1 << i for i, ch in enumerate(org_id_15[chunk * 5:chunk * 5 + 5]) if "A" <= ch <= "Z")
        suffix += _ID_SUFFIX_CHARS[bits]
    return org_id_15 + suffix


def _as_utc(dt: datetime, name: str) -> datetime:
    if dt.tzinfo is None:
        raise ValueError(f"{name} must be an aware datetime, not naive {dt!r}")
    return dt.astimezone(UTC)


def _minute(dt: datetime) -> datetime:
    return dt.replace(second=0, microsecond=0)


class SalesforceClient:
    """One logged-in org connection; not meant to be shared between threads."""

    def __init__(self, sf: Salesforce, adapter: MeteredAdapter, *, policy: RetryPolicy,
                 bulk_poll_wait: float = 0.5):
        self.sf = sf
        self.policy = policy
        self.bulk_poll_wait = bulk_poll_wait
        self.retries = 0  # failed calls that were tried again
        self._adapter = adapter
        self._describes: dict[str, dict] = {}
        self._types = DescribeCache(self.describe)

    # --- calling -------------------------------------------------------------------------------------------

    def call(self, fn: Callable[[], T], doing: str) -> T:
        """``fn()`` under the retry policy, logging in again when the session expired."""
        return call_with_retries(fn, doing=doing, policy=self.policy, retry_after=lambda: self._adapter.retry_after,
                                 relogin=self._relogin, on_retry=self._count_retry)

    def _relogin(self) -> None:
        log.info("Salesforce session expired; logging in again")
        self.sf._refresh_session()

    def _count_retry(self, exc: BaseException) -> None:
        self.retries += 1

    # --- figures ---------------------------------------------------------------------------------------------

    @property
    def api_calls(self) -> int:
        """HTTP requests this client has sent: logins, retries and polls included."""
        return self._adapter.requests_sent

    def api_usage(self) -> tuple[int, int] | None:
        """(used, max) daily API requests as the last ``Sforce-Limit-Info`` header said, if any was seen."""
        return self._adapter.api_usage()

    def limits(self) -> dict:
        return self.call(self.sf.limits, "limits")

    @cached_property
    def org_id(self) -> str:
        """The org's 18-character Id: from the session id's prefix, else from the Organization object."""
        prefix = self.sf.session_id.split("!", 1)[0]
        if _ORG_ID_RE.match(prefix):
            return org_id_18(prefix)
        result = self.call(lambda: self.sf.query("SELECT Id FROM Organization"), "query of Organization")
        return result["records"][0]["Id"]

    # --- metadata --------------------------------------------------------------------------------------------

    def describe(self, object_name: str) -> dict:
        """The object's describe, fetched once per client."""
        key = object_name.lower()
        if key not in self._describes:
            self._describes[key] = self.call(lambda: self.sf.restful(f"sobjects/{object_name}/describe"),
                                             f"describe of {object_name}")
        return self._describes[key]

    def describe_since(self, object_name: str, known: dict | None, *, ask: bool = True) -> dict:
        """The object's describe as ``describe.trimmed`` keeps it, asking the org only whether it changed since
        ``known`` was fetched (``If-Modified-Since``; 304 gives ``known`` back), and not at all when ``ask`` is
        false and ``known`` is given. It is what this client types the object's records by from then on."""
        def fetch() -> dict:
            headers = dict(self.sf.headers)
            if known and known.get("lastModified"):
                headers["If-Modified-Since"] = known["lastModified"]
            response = self.sf.session.get(f"{self.sf.base_url}sobjects/{object_name}/describe", headers=headers)
            if response.status_code == 304 and known:
                return known
            if response.status_code >= 300:
                exception_handler(response, object_name)
            return trimmed(response.json(), response.headers.get("Last-Modified"))

        described = known if known and not ask else self.call(fetch, f"describe of {object_name}")
        self._describes[object_name.lower()] = described
        self._types.learn(described)
        return described

    def columns(self, shape: SelectShape) -> list[Column]:
        """The typed columns of a SELECT; a path the describes do not know is a VALIDATION error."""
        try:
            return self._types.columns(shape.object_name, shape.paths)
        except ValueError as exc:
            raise SyncError(ErrorClass.VALIDATION, f"columns of {shape.object_name}: {exc}") from exc

    # --- records ---------------------------------------------------------------------------------------------

    def query_pages(self, soql: str, *, include_deleted: bool = False, page_size: int = 2000) \
            -> Iterator[list[dict]]:
        """Pages of flat records over REST query (queryAll with ``include_deleted``); see ``extract``."""
        return extract.rest_pages(self, soql, include_deleted=include_deleted, page_size=page_size)

    def bulk_pages(self, soql: str, *, include_deleted: bool = False, max_records: int = 50000) \
            -> Iterator[list[dict]]:
        """Pages of flat records over a Bulk 2.0 query job; see ``extract``."""
        return extract.bulk_pages(self, soql, include_deleted=include_deleted, max_records=max_records)

    def count(self, soql: str, *, include_deleted: bool = False) -> int:
        """The ``totalSize`` of a ``SELECT COUNT() FROM ...`` query."""
        if not is_count_query(soql):
            raise ValueError(f"count() takes SELECT COUNT() FROM ..., not {soql[:60]!r}")
        result = self.call(lambda: self.sf.query(soql, include_deleted=include_deleted), f"count: {soql[:60]}")
        return int(result["totalSize"])

    # --- replication windows -------------------------------------------------------------------------------

    def deleted(self, object_name: str, start: datetime, end: datetime) -> DeletedRecords:
        """Records of ``object_name`` deleted in [start, end), start clamped to the 15 days Salesforce keeps.

        A window with too many Ids for one answer is split in halves until each fits.
        """
        answers = self._replication(object_name, "deleted", start, end, DELETED_WINDOW)
        if not answers:
            return DeletedRecords([], None, None)
        records = [DeletedRecord(r["id"], parse_datetime(r["deletedDate"]))
                   for answer in answers for r in answer["deletedRecords"]]
        return DeletedRecords(records, parse_datetime(answers[0]["earliestDateAvailable"]),
                              parse_datetime(answers[-1]["latestDateCovered"]))

    def updated(self, object_name: str, start: datetime, end: datetime) -> UpdatedIds:
        """Ids of ``object_name`` records changed in [start, end), start clamped to the last 30 days."""
        answers = self._replication(object_name, "updated", start, end, UPDATED_WINDOW)
        if not answers:
            return UpdatedIds([], None)
        return UpdatedIds([i for answer in answers for i in answer["ids"]],
                          parse_datetime(answers[-1]["latestDateCovered"]))

    def _replication(self, object_name: str, kind: str, start: datetime, end: datetime,
                     window: timedelta) -> list[dict]:
        """The getUpdated / getDeleted answers covering [start, end), in order; [] when the window is empty.

        Salesforce counts windows in whole minutes and refuses a start older than ``window`` by its own
        clock, which the Date header of its last answer tells.
        """
        start, end = _as_utc(start, "start"), _as_utc(end, "end")
        server_now = self._adapter.server_time or datetime.now(UTC)
        start = _minute(max(start, server_now - window + WINDOW_MARGIN))
        end = _minute(end)
        if start >= end or start > server_now:
            return []
        return self._replication_split(object_name, kind, start, end)

    def _replication_split(self, object_name: str, kind: str, start: datetime, end: datetime) -> list[dict]:
        params = {"start": start.strftime("%Y-%m-%dT%H:%M:%S+00:00"), "end": end.strftime("%Y-%m-%dT%H:%M:%S+00:00")}
        try:
            return [self.call(lambda: self.sf.restful(f"sobjects/{object_name}/{kind}/", params=params),
                              f"get {kind} of {object_name} from {params['start']} to {params['end']}")]
        except SyncError as err:
            if error_code(err.__cause__) != "EXCEEDED_ID_LIMIT" or end - start < SMALLEST_SPLIT:
                raise
        middle = _minute(start + (end - start) / 2)
        log.info("get %s of %s: too many Ids from %s to %s; splitting at %s", kind, object_name, start, end, middle)
        return (self._replication_split(object_name, kind, start, middle)
                + self._replication_split(object_name, kind, middle, end))
