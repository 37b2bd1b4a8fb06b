"""Where a run's settings come from: the environment and ``.env``, or a sandbox org started for the run.

For a sandbox run the ``SF_*`` settings come from the sandbox's connection and reach the kernels through
their environment, never through notebook parameters; the runner's own ``os.environ`` is not changed.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from ..config import ConfigError, Settings, load_settings
from ..errors import UsageError
from ..virtual.options import setting_problems

SANDBOX_DB_URL = "sqlite:///sandbox.db"

SandboxOpener = Callable[[str, Path], contextlib.AbstractContextManager[dict]]
"""Starts a sandbox org of a preset in a state folder; the context gives its connection and stops it after."""


def sandbox_environment(connection: dict) -> dict[str, str]:
    """The ``SF_*`` settings that point a kernel at a sandbox org, and its Pathful session report as the
    virtual sessions' source.

    The login is the JWT bearer flow with the sandbox's own key pair: the flow the README recommends, at the
    default (current) API version, so that ``make run`` exercises what an operator runs. SOAP login is gone
    from API 65.0 and only serves orgs that still allow it; the sandbox still answers it at 64.0 and below.
    """
    return {"SF_USERNAME": connection["username"], "SF_CONSUMER_KEY": connection["consumer_key"],
            "SF_PRIVATE_KEY_FILE": connection["private_key_file"], "SF_PASSWORD": "", "SF_SECURITY_TOKEN": "",
            "SF_CONSUMER_SECRET": "", "SF_LOGIN_URL": connection["login_url"],
            "SF_CA_BUNDLE": str(connection["ca_bundle"]),
            "VMSYNC_PATHFUL_SOURCE": connection.get("pathful_report", "")}


def settings_from(environ: Mapping[str, str] | None, env_file: str | None, *, need_salesforce: bool = True) -> Settings:
    """``load_settings`` whose problems become one ``UsageError`` listing them all."""
    try:
        return load_settings(environ, env_file, need_salesforce=need_salesforce)
    except ConfigError as exc:
        raise _unusable(exc.problems) from None


def check_step_settings(environ: Mapping[str, str], env_file: str | None) -> None:
    """Refuse the settings a step would fail on (the virtual sessions' source and time zone) before a run
    writes anything: one ``UsageError`` listing them all."""
    problems = setting_problems(environ, env_file)
    if problems:
        raise _unusable(problems)


def _unusable(problems: list[str]) -> UsageError:
    return UsageError("the configuration is not usable:\n  " + "\n  ".join(problems))


def start_sandbox(opener: SandboxOpener | None, preset: str, state_dir: Path, stack: contextlib.ExitStack) -> dict:
    """Start a sandbox org with ``opener`` (the command line hands in the sandbox package's), stopped when
    ``stack`` closes; returns its connection. The runner itself never imports the sandbox."""
    if opener is None:
        raise UsageError("--sandbox needs a sandbox org to start: run it with `vmsync run --sandbox`, or pass "
                         "the connection of a running one")
    return stack.enter_context(opener(preset, state_dir))


def org_settings(options, overrides: Mapping[str, str], stack: contextlib.ExitStack
                 ) -> tuple[Settings, dict[str, str], dict | None]:
    """What a run or a check uses with its org: the kernels' environment (``overrides`` and, for a sandbox org,
    its settings over ``os.environ``), the settings read from it, and the sandbox's connection (started now when
    ``options.sandbox`` asks for one and none was given). The steps' own settings are checked too."""
    connection = options.connection
    if options.sandbox and connection is None:
        connection = start_sandbox(options.open_sandbox, options.sandbox_preset, options.sandbox_dir, stack)
    env = {**os.environ, **overrides, **(sandbox_environment(connection) if connection else {})}
    settings = settings_from(env, options.env_file)
    check_step_settings(env, options.env_file)
    return settings, env, connection
