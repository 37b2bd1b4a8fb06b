"""The seam between a sync step and Salesforce: the few calls a step makes of a connected client.

A step streams a query's pages (REST, or Bulk 2.0 for a large full extract), counts records to choose between
them, asks which records were deleted since the last run, checks the org it is connected to and meters the API
calls it spent. ``SalesforceClient`` is the real source; anything with these members can stand in for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Protocol, runtime_checkable

from .client import DeletedRecords


@runtime_checkable
class SalesforceSource(Protocol):
    """What a sync step asks of a connected Salesforce client."""

    @property
    def org_id(self) -> str:
        """The org's 18-character Id."""
        ...

    @property
    def api_calls(self) -> int:
        """HTTP requests sent so far."""
        ...

    def api_usage(self) -> tuple[int, int] | None:
        """(used, max) daily API requests, when the org has said."""
        ...

    def count(self, soql: str, *, include_deleted: bool = False) -> int:
        """The ``totalSize`` of a ``SELECT COUNT() FROM ...`` query."""
        ...

    def query_pages(self, soql: str, *, include_deleted: bool = False, page_size: int = 2000) \
            -> Iterator[list[dict]]:
        """Pages of flat records over REST query (queryAll with ``include_deleted``)."""
        ...

    def bulk_pages(self, soql: str, *, include_deleted: bool = False, max_records: int = 50000) \
            -> Iterator[list[dict]]:
        """Pages of flat records over a Bulk 2.0 query job."""
        ...

    def describe_since(self, object_name: str, known: dict | None, *, ask: bool = True) -> dict:
        """The object's (trimmed) describe, fetched only when it changed since ``known`` was (and not asked
        for when ``ask`` is false)."""
        ...

    def deleted(self, object_name: str, start: datetime, end: datetime) -> DeletedRecords:
        """Records of ``object_name`` deleted in [start, end) (getDeleted)."""
        ...
