"""Open REST query cursors, keyed by the locator in ``nextRecordsUrl``.

A cursor remembers its query (already compiled, so queryAll mode goes with it: the continuation URL says
``/query/`` even for queryAll) and the page size first asked for, and lives two days on the org's clock, as
cursors have since API v56.0 (docs/salesforce.md#cursors). The oldest are dropped beyond ``MAX_CURSORS`` cursors
or ``MAX_CURSOR_ROWS`` snapshot rows in all, to bound memory.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .ids import MAX_COUNTER, make_id

CURSOR_LIFETIME = timedelta(days=2)
MAX_CURSORS = 2_000
MAX_CURSOR_ROWS = 10_000_000


@dataclass
class Cursor:
    result: object  # query.QueryResult
    batch_size: int
    opened: datetime


class Cursors:
    def __init__(self, now: Callable[[], datetime]):
        self._now = now
        self._open: OrderedDict[str, Cursor] = OrderedDict()
        self._rows = 0
        self._lock = threading.Lock()

    def open(self, result, batch_size: int) -> str:
        """Keep ``result`` for paging; returns its locator (an Id-shaped ``01g…`` string)."""
        locator = make_id("01g", secrets.randbelow(MAX_COUNTER))
        with self._lock:
            self._open[locator] = Cursor(result, batch_size, self._now())
            self._rows += result.total_size
            while len(self._open) > 1 and (len(self._open) > MAX_CURSORS or self._rows > MAX_CURSOR_ROWS):
                self._rows -= self._open.popitem(last=False)[1].result.total_size
        return locator

    def get(self, locator: str) -> Cursor | None:
        """The live cursor of ``locator``; None when unknown or expired (an expired one is forgotten)."""
        with self._lock:
            cursor = self._open.get(locator)
            if cursor is not None and self._now() - cursor.opened > CURSOR_LIFETIME:
                del self._open[locator]
                self._rows -= cursor.result.total_size
                return None
            return cursor
