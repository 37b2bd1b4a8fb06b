"""Calling Salesforce again when a failure is transient, and giving up in a classified way when it is not.

Transient failures (``errors.is_transient``) are retried with exponential backoff and jitter, never sooner
than the server's ``Retry-After``, within a bound on attempts and on total time. An expired session is
answered by a new login and an immediate retry. Whatever is finally raised is a ``SyncError`` with its class.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import tenacity
from simple_salesforce.exceptions import SalesforceExpiredSession

from ..errors import as_sync_error, describe, is_transient

log = logging.getLogger("vmsync.salesforce")
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: at most ``attempts`` tries within ``total_seconds``; waits grow from
    ``initial_wait`` doubling up to ``max_wait``, plus up to ``jitter`` random seconds."""

    attempts: int = 5
    total_seconds: float = 120.0
    initial_wait: float = 1.0
    max_wait: float = 30.0
    jitter: float = 1.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.total_seconds <= 0:
            raise ValueError("a retry policy needs at least one attempt and some time")


class _Wait(tenacity.wait.wait_base):
    """Backoff with jitter, but no sooner than Retry-After; no wait at all before a new login."""

    def __init__(self, policy: RetryPolicy, retry_after: Callable[[], float | None]):
        self._backoff = tenacity.wait_exponential_jitter(multiplier=policy.initial_wait, max=policy.max_wait,
                                                         jitter=policy.jitter)
        self._retry_after = retry_after

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        if isinstance(retry_state.outcome.exception(), SalesforceExpiredSession):
            return 0.0
        return max(self._backoff(retry_state), self._retry_after() or 0.0)


def call_with_retries(
    fn: Callable[[], T],
    *,
    doing: str,
    policy: RetryPolicy,
    retry_after: Callable[[], float | None] = lambda: None,
    relogin: Callable[[], None] | None = None,
    on_retry: Callable[[BaseException], None] = lambda exc: None,
) -> T:
    """``fn()``, retried while its failures are transient; a final failure is raised as ``SyncError``.

    ``doing`` names the call in messages ("query page 3 of Contact"). ``retry_after`` reads the wait the
    last answer asked for. ``relogin`` makes a new session; without it an expired session is final.
    ``on_retry`` is told of every failure that will be retried.
    """
    needs_login = False

    def attempt() -> T:
        nonlocal needs_login
        if needs_login:
            relogin()
            needs_login = False
        try:
            return fn()
        except SalesforceExpiredSession:
            needs_login = relogin is not None
            raise

    def worth_retrying(exc: BaseException) -> bool:
        if isinstance(exc, SalesforceExpiredSession) and relogin is None:
            return False
        return is_transient(exc)

    def before_sleep(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception()
        on_retry(exc)
        log.warning("%s: %s (attempt %d of %d); retrying in %.1f s", doing, describe(exc),
                    state.attempt_number, policy.attempts, state.upcoming_sleep)

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(policy.attempts) | tenacity.stop_before_delay(policy.total_seconds),
        wait=_Wait(policy, retry_after),
        retry=tenacity.retry_if_exception(worth_retrying),
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        return retrying(attempt)
    except Exception as exc:
        tries = retrying.statistics.get("attempt_number", 1)
        raise as_sync_error(exc, doing if tries == 1 else f"{doing} (after {tries} attempts)") from exc
