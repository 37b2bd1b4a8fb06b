"""The kernels the runner starts: their environment, their transport, and a registry to stop them all.

* **Environment**: each kernel gets the runner's environment plus the run's settings (``SF_*`` for a sandbox
  run, ``VMSYNC_DB_URL``), so credentials reach the kernel without ever being notebook parameters, and the
  runner's own ``os.environ`` is left alone.
* **Transport**: IPC (Unix sockets in a private folder) instead of TCP, so parallel kernels never race for a
  port (papermill#511) and ipykernel does not warn about unencrypted TCP.
* **Registry**: the runner can kill every live kernel when it is interrupted or a step overruns its deadline;
  nbclient then ends the step with ``DeadKernelError``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import uuid

from jupyter_client.manager import AsyncKernelManager
from traitlets import default

_live: dict[str, AsyncKernelManager] = {}
_live_lock = threading.Lock()
_socket_dir: str | None = None


def _sockets() -> str:
    """A private folder for the kernels' sockets, short enough for the 107-byte Unix socket path limit."""
    global _socket_dir
    with _live_lock:
        if _socket_dir is None or not os.path.isdir(_socket_dir):
            _socket_dir = tempfile.mkdtemp(prefix="vmsync-k-")
        return _socket_dir


class RunnerKernelManager(AsyncKernelManager):
    """An ipykernel over IPC with extra environment; subclassed per run by ``kernel_manager_class``."""

    kernel_env: dict[str, str] = {}
    tag: str = ""

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    async def start_kernel(self, **kw):
        self.ip = os.path.join(_sockets(), uuid.uuid4().hex[:12])
        kw["env"] = {**os.environ, **kw.get("env", {}), **self.kernel_env}
        await super().start_kernel(**kw)
        with _live_lock:
            _live[self.ip] = self

    async def shutdown_kernel(self, now: bool = False, restart: bool = False):
        try:
            await super().shutdown_kernel(now=now, restart=restart)
        finally:
            self._forget()

    async def cleanup_resources(self, restart: bool = False):
        try:
            await super().cleanup_resources(restart=restart)
        finally:
            self._forget()

    def _forget(self) -> None:
        with _live_lock:
            _live.pop(self.ip, None)


def kernel_manager_class(env: dict[str, str], tag: str) -> type[RunnerKernelManager]:
    """A kernel manager class whose kernels get ``env``; ``tag`` names the step, for ``kill_kernels``."""
    return type("StepKernelManager", (RunnerKernelManager,), {"kernel_env": dict(env), "tag": tag})


def kill_kernels(*tags: str) -> int:
    """Kill the live kernels of the steps ``tags``; returns how many were signalled."""
    with _live_lock:
        chosen = [km for km in _live.values() if km.tag in tags]
    killed = 0
    for km in chosen:
        process = getattr(km.provisioner, "process", None) if km.provisioner else None
        if process is not None and process.poll() is None:
            process.kill()
            killed += 1
    return killed


def remove_socket_dir() -> None:
    """Remove the sockets folder once no kernel runs (the kernels remove their own sockets)."""
    global _socket_dir
    with _live_lock:
        if _socket_dir and not _live:
            shutil.rmtree(_socket_dir, ignore_errors=True)
            _socket_dir = None
