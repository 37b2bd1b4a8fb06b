"""What to do next when a run did not go well, in words staff can act on, per error class."""

from __future__ import annotations

from ..errors import ErrorClass

BY_CLASS = {
    ErrorClass.AUTH: "Salesforce refused the login or the session: check SF_USERNAME, SF_PASSWORD and "
                     "SF_SECURITY_TOKEN (changing the password resets the token) or the connected app's "
                     "key and secret; `vmsync check` tries the login.",
    ErrorClass.RATE_LIMIT: "The org's daily API allocation ran out, or Salesforce throttled the requests. "
                           "Nothing committed is lost; resume once calls are available again (`vmsync check` "
                           "shows how many are left).",
    ErrorClass.NETWORK: "Salesforce could not be reached reliably (connection refused or reset, DNS, proxy). "
                        "Check the network, then resume.",
    ErrorClass.DATABASE: "The database refused a read or a write (server down, disk full, permissions). "
                         "Check the server and VMSYNC_DB_URL, then resume.",
    ErrorClass.VALIDATION: "Salesforce rejected a query or a record could not be processed (a field renamed "
                           "or removed in the org, a missing permission). Open the step's notebook at the "
                           "error, fix the org or the entity's spec, then resume.",
    ErrorClass.TIMEOUT: "The step ran longer than its time limit. Resume it (it carries on from its "
                        "watermark); for a large first run raise --cell-timeout / --step-timeout.",
    ErrorClass.UNKNOWN: "An unexpected error: open the step's notebook at the error. If it looks like a "
                        "vmsync defect, report it with that notebook.",
}


def for_class(error_class: str | None) -> str:
    try:
        return BY_CLASS[ErrorClass(error_class)]
    except ValueError:
        return BY_CLASS[ErrorClass.UNKNOWN]


def next_steps(run_id: str | None, record: dict, failed: list, skipped: list, new_problems: int) -> list[str]:
    """Sentences, most urgent first; empty when there is nothing to do. ``failed`` and ``skipped`` are
    ``StepReport``-like objects with ``entity``, ``error_class`` and ``reason``."""
    todo = []
    if record.get("error"):
        todo.append(f"The run stopped before any step: {record['error']}. "
                    + for_class(str(record["error"]).split(":", 1)[0]))
    seen = set()
    for step in failed:
        if step.error_class not in seen:
            seen.add(step.error_class)
            names = ", ".join(s.entity for s in failed if s.error_class == step.error_class)
            todo.append(f"{names} failed with {step.error_class or 'an error'}: "
                        f"{for_class(step.error_class)}")
    if skipped:
        todo.append(f"{', '.join(s.entity for s in skipped)} did not run because a step they depend on did "
                    "not succeed; resuming runs them.")
    for leak in record.get("secrets_found") or []:
        todo.append(f"A secret was found in {leak} and redacted: change that credential.")
    if (failed or skipped or record.get("error")) and run_id:
        todo.append(f"Then run `vmsync run --resume {run_id}`: it reruns only what did not succeed.")
    if new_problems:
        todo.append(f"{new_problems} record(s) could not be synced cleanly for the first time (see "
                    "Problems): fix them in Salesforce, or wait for a missing parent record to sync; they "
                    "heal on a later run.")
    return todo
