"""The ``sfsandbox`` command: ``sfsandbox serve`` runs an org in the foreground until Ctrl-C.

Other programs put the same ``serve`` command under their own (``vmsync sandbox serve``) with
:func:`add_serve_command`. Exit codes: 0 stopped cleanly, 2 a usage error or a server that cannot start.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from .faults import FaultRuleError, load_rules
from .org import PRESETS
from .server import open_sandbox
from .sessions import DEFAULT_SESSION_TTL
from .usage import DEFAULT_DAILY_LIMIT

USAGE_ERROR = 2


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text}")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number (0-65535): {text}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0: {text}")
    return value


def add_serve_command(actions, prog: str) -> argparse.ArgumentParser:
    """Add ``serve`` to the sub-parsers ``actions``; its defaults carry ``run(args) -> int``."""
    serve = actions.add_parser(
        "serve", help="run the sandbox org in the foreground (Ctrl-C stops it)",
        description="Serve a generated VMS org over HTTPS on 127.0.0.1 and write DIR/connection.json "
                    "(login_url, instance_url, username, password, security_token, ca_bundle, ...).",
    )
    serve.add_argument("--preset", choices=PRESETS, default="tiny", help="size of the generated org (tiny)")
    serve.add_argument("--seed", type=_non_negative, default=1, help="generator seed (1)")
    serve.add_argument("--port", type=_port, default=0, help="port on 127.0.0.1; 0 picks a free one (0)")
    serve.add_argument("--state-dir", type=Path, default=Path(".sandbox"),
                       help="where the org, certificates and connection.json live (.sandbox)")
    serve.add_argument("--faults", type=Path, help="JSON file with a list of fault rules to start with")
    serve.add_argument("--daily-api-limit", type=_non_negative, default=DEFAULT_DAILY_LIMIT,
                       help=f"daily API request allocation ({DEFAULT_DAILY_LIMIT})")
    serve.add_argument("--session-ttl", type=_positive_float, default=DEFAULT_SESSION_TTL,
                       help=f"seconds a session lives without use ({DEFAULT_SESSION_TTL:g})")
    serve.add_argument("--cache-dir", type=Path, help="where generated orgs are cached")
    serve.add_argument("-v", "--verbose", action="store_true", help="log every request")
    serve.set_defaults(run=lambda args: serve_forever(args, prog), command_parser=serve)
    return serve


def serve_forever(args: argparse.Namespace, prog: str = "sfsandbox serve") -> int:
    """Serve the org ``args`` describe until SIGINT or SIGTERM."""
    rules = []
    if args.faults is not None:
        try:
            rules = load_rules(args.faults)
        except OSError as exc:
            args.command_parser.error(f"--faults: cannot read {args.faults}: {exc.strerror}")
        except FaultRuleError as exc:
            args.command_parser.error(f"--faults: {exc}")
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        server = open_sandbox(args.state_dir, args.preset, args.seed, port=args.port, faults=rules,
                              daily_limit=args.daily_api_limit, session_ttl=args.session_ttl,
                              cache_dir=args.cache_dir)
    except OSError as exc:
        print(f"{prog}: cannot start: {exc}", file=sys.stderr)
        return USAGE_ERROR
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.start_thread()
        print(f"Sandbox org ({args.preset}, seed {args.seed}) serving at {server.base_url}", flush=True)
        print(f"Connection details: {server.connection_path}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        stop.wait()
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("Sandbox org stopped.", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sfsandbox", description="A local Salesforce org for simple-salesforce.")
    actions = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_serve_command(actions, "sfsandbox serve")
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
