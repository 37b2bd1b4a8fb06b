"""What a sandbox handler answers: a status, headers and body bytes, and Salesforce's error shapes.

Every REST and Bulk error is the JSON list ``[{"message", "errorCode"}]`` (a dict body crashes the client's
401 handling, docs/salesforce.md#sessions); handlers raise ``ApiError`` and the server renders it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

JSON_TYPE = "application/json;charset=UTF-8"
CSV_TYPE = "text/csv; charset=UTF-8"
XML_TYPE = "text/xml; charset=UTF-8"


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    """A Salesforce error answer: HTTP ``status`` with one ``[{"message", "errorCode"}]`` entry."""

    def __init__(self, status: int, error_code: str, message: str, fields: list[str] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(f"{status} {error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = fields
        self.headers = headers or {}

    def response(self) -> Response:
        entry: dict = {"message": self.message, "errorCode": self.error_code}
        if self.fields:
            entry["fields"] = list(self.fields)
        return json_response([entry], self.status, dict(self.headers))


def json_response(payload, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(status, body, JSON_TYPE, headers or {})


def not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def parse_json_body(body: bytes):
    """The request body as JSON, or the 400 ``JSON_PARSER_ERROR`` Salesforce answers for malformed JSON."""
    try:
        return json.loads(body.decode("utf-8")) if body.strip() else None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, "JSON_PARSER_ERROR", f"Unexpected character in request body: {exc}") from exc


def json_object_body(body: bytes) -> dict:
    """A request body that must be one JSON object (sObject create / update, job create)."""
    data = parse_json_body(body)
    if not isinstance(data, dict):
        kind = "START_ARRAY" if isinstance(data, list) else "VALUE" if data is not None else "EOF"
        raise ApiError(400, "JSON_PARSER_ERROR", f"Cannot deserialize instance of SObject out of {kind} token")
    return data
