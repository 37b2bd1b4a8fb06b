"""One sync step: extract an entity's records from Salesforce, mirror them raw, map them into the model.

``run_step`` runs an entity's step with its ``StepParams`` (``build_soql`` is the query it reads with,
``PROGRESS_ENV`` where it reports how far it has come); its ``StepResult`` holds a ``StreamResult`` and
``PageCounts`` per stream, and ``recorded`` keeps any step's record in ``sync_step``, the virtual import's
too. ``PageWriter`` writes pages of records, ``Lookup`` and ``assign`` find the parents that links point at,
the ``issues`` module keeps the records held back, and the ``reconcile`` module compares org and database by
Id (``StreamReconciliation``). The names are loaded when first asked for: importing one module of this package
(``sync.params``, ``sync.issues``) does not load the Salesforce client that a step needs.
"""

from __future__ import annotations

from importlib import import_module

_MODULE_OF = {
    "PROGRESS_ENV": "step", "build_soql": "step", "run_step": "step",
    "StepParams": "params", "manual_run_id": "params",
    "PageCounts": "result", "StepResult": "result", "StreamResult": "result", "recorded": "result",
    "PageWriter": "writer",
    "Lookup": "links", "assign": "links",
    "StreamReconciliation": "reconcile",
}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> object:
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_MODULE_OF[name]}", __name__), name)
