"""A stand-in for a notebook kernel that dies at a chosen database write.

``python kill_at_write.py ENTITY RUN_ID N [param=value ...]`` runs the entity's step (settings from the
environment, as in a kernel) and kills its own process with SIGKILL just after the Nth INSERT / UPDATE /
DELETE was sent, inside whatever transaction was open. N = 0 runs the step to the end and prints how many
writes it made.
"""

from __future__ import annotations

import json
import os
import signal
import sys

from sqlalchemy import Engine, event

WRITES = ("INSERT", "UPDATE", "DELETE")


def main(argv: list[str]) -> int:
    entity, run_id, kill_at = argv[0], argv[1], int(argv[2])
    params = {k: json.loads(v) for k, v in (a.split("=", 1) for a in argv[3:])}
    writes = 0

    @event.listens_for(Engine, "after_cursor_execute")
    def count(conn, cursor, statement, parameters, context, executemany):
        nonlocal writes
        if statement.lstrip().upper().startswith(WRITES):
            writes += 1
            if writes == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

    from vmsync.config import load_settings
    from vmsync.sync.params import StepParams
    from vmsync.sync.step import run_step

    run_step(entity, StepParams(run_id=run_id, **params), load_settings(env_file=None))
    print(json.dumps({"writes": writes}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
