"""One sandbox per state folder: a second one would share its ``org.db`` and end in "database is locked".

The serving sandbox holds an exclusive ``flock`` on ``<state_dir>/serving.lock`` for as long as it runs; the
kernel drops it when the process ends, however it ends, so a crashed sandbox never leaves the folder taken.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import IO

LOCK_FILE = "serving.lock"


class StateFolderInUse(OSError):
    """Another sandbox serves from this state folder."""


def hold_state_folder(state_dir: Path) -> IO[str]:
    """The open lock file of ``state_dir``, locked for this process; close it to let go.

    Raises ``StateFolderInUse`` (naming the other sandbox's pid and URL when its connection says them).
    """
    lock = open(Path(state_dir) / LOCK_FILE, "a+")  # noqa: SIM115 - held open while the sandbox serves
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise StateFolderInUse(f"the sandbox state folder {state_dir} is in use by another sandbox"
                               f"{_who(state_dir)}: stop it, or use another state folder") from None
    lock.seek(0)
    lock.truncate()
    lock.write(f"{os.getpid()}\n")
    lock.flush()
    return lock


def _who(state_dir: Path) -> str:
    try:
        connection = json.loads((Path(state_dir) / "connection.json").read_text())
        return f" (pid {connection['pid']}, serving at {connection['instance_url']})"
    except (OSError, ValueError, KeyError, TypeError):
        return ""
