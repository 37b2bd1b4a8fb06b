"""One request as the server hands it to a handler: method, path, query, headers, body and the route's groups."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Message
    body: bytes
    params: dict[str, str]
    base_url: str
    session: str | None = None
    fail_job: str | None = None  # set by a ``fail_job`` fault: the bulk job polled fails with this message

    @property
    def version(self) -> str:
        return self.params["version"]
