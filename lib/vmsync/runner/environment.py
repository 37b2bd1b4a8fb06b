"""Where a run's settings come from: the environment and ``.env``, or a sandbox org started for the run.

For a sandbox run the ``SF_*`` settings come from the sandbox's connection and reach the kernels through
their environment, never through notebook parameters; the runner's own ``os.environ`` is not changed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path

from ..config import ConfigError, Settings, load_settings
from ..errors import UsageError

SANDBOX_DB_URL = "sqlite:///sandbox.db"


def sandbox_environment(connection: dict) -> dict[str, str]:
    """The ``SF_*`` settings that point a kernel at a sandbox org (SOAP login, the sandbox's CA), and its Pathful
    session report as the virtual sessions' source."""
    return {"SF_USERNAME": connection["username"], "SF_PASSWORD": connection["password"],
            "SF_SECURITY_TOKEN": connection["security_token"], "SF_LOGIN_URL": connection["login_url"],
            "SF_CA_BUNDLE": str(connection["ca_bundle"]), "SF_CONSUMER_KEY": "", "SF_CONSUMER_SECRET": "",
            "VMSYNC_PATHFUL_SOURCE": connection.get("pathful_report", "")}


def settings_from(environ: Mapping[str, str] | None, env_file: str | None, *, need_salesforce: bool = True) -> Settings:
    """``load_settings`` whose problems become one ``UsageError`` listing them all."""
    try:
        return load_settings(environ, env_file, need_salesforce=need_salesforce)
    except ConfigError as exc:
        raise UsageError("the configuration is not usable:\n  " + "\n  ".join(exc.problems)) from None


def start_sandbox(preset: str, state_dir: Path, stack: contextlib.ExitStack) -> dict:
    """Start a sandbox org in this process, stopped when ``stack`` closes; returns its connection."""
    from ..sandbox import Sandbox, SandboxError

    try:
        sandbox = Sandbox.start(preset=preset, state_dir=state_dir)
    except (SandboxError, OSError, ValueError) as exc:
        raise UsageError(f"cannot start the sandbox org ({preset} in {state_dir}): {exc}") from None
    stack.callback(sandbox.stop)
    return sandbox.connection
