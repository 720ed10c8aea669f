"""python -m runners.agent {register,run,rotate-key,status} --state-dir DIR; seal (for API users)"""

from __future__ import annotations

import argparse
import json
import logging
import socket
import sys
from pathlib import Path

from runners.agent import AGENT_VERSION, seal_cmd
from runners.agent.client import PortalClient, PortalError, PortalUnreachable
from runners.agent.hybrid_key import HybridPrivateKey
from runners.agent.state import (
    StateError,
    commit_new_key,
    discard_staged,
    is_registered,
    load,
    save_registration,
    stage_new_key,
)
from runners.agent.worker import Worker
from runners.protocol.sealing import (
    HYBRID_SUITE_NAME,
    SUITE_NAME,
    generate_private_key,
    key_fingerprint,
    public_key_b64,
)

logger = logging.getLogger("runners.agent")
DEFAULT_STATE_DIR = "~/.scm-runner"


def cmd_register(args) -> int:
    directory = Path(args.state_dir).expanduser()
    if is_registered(directory) and not args.force:
        print(f"{directory} already holds a registration. Use --force to replace it.", file=sys.stderr)
        return 1
    if not args.portal.startswith(("https://", "http://")):
        print("--portal must be an http(s) URL.", file=sys.stderr)
        return 1
    private_key, hybrid_key = _new_keys(args.suite)
    with PortalClient(args.portal) as client:
        registered = client.register(token=args.token, public_key=public_key_b64(private_key), suite=SUITE_NAME,
                                     hostname=args.hostname or socket.gethostname(), **_hybrid_fields(hybrid_key))
    save_registration(directory, private_key=private_key, portal=args.portal, registered=registered,
                      hybrid_key=hybrid_key)
    print(f"Registered runner {registered['runner_name']} (#{registered['runner_id']}) of "
          f"{registered['organization']}. Key fingerprint {registered['key_fingerprint']}.")
    if hybrid_key is not None:
        print(f"Post-quantum hybrid key ({HYBRID_SUITE_NAME}) fingerprint "
              f"{registered.get('hybrid_key_fingerprint') or key_fingerprint(hybrid_key.public_key_b64())}: "
              "the portal seals with it.")
    print(f"Start it with: python -m runners.agent run --state-dir {args.state_dir}")
    return 0


def cmd_run(args) -> int:
    state = load(Path(args.state_dir))
    state.prebuild_command = args.prebuild_command or ""
    state.prebuild_timeout = args.prebuild_timeout
    state.environment_command = args.environment_command
    worker = Worker(state, wait=args.wait)
    worker.install_signal_handlers()
    return worker.run(once=args.once)


def _new_keys(suite: str) -> tuple:
    """A new X25519 key always (browsers seal to it, and old portals know only it), plus a hybrid one."""
    return generate_private_key(), (HybridPrivateKey.generate() if suite == "hybrid" else None)


def _hybrid_fields(hybrid_key: HybridPrivateKey | None) -> dict:
    if hybrid_key is None:
        return {}
    return {"hybrid_public_key": hybrid_key.public_key_b64(), "hybrid_suite": HYBRID_SUITE_NAME}


def cmd_rotate_key(args) -> int:
    state = load(Path(args.state_dir))
    private_key, hybrid_key = _new_keys(args.suite)
    public_key = public_key_b64(private_key)
    staged = stage_new_key(state, private_key, hybrid_key)
    with PortalClient(state.portal, state.credential) as client:
        try:
            answer = client.rotate_key(public_key=public_key, suite=SUITE_NAME, **_hybrid_fields(hybrid_key))
        except BaseException:
            discard_staged(staged)  # the portal keeps the old keys; so do we
            raise
    commit_new_key(state, staged, private_key, answer.get("key_fingerprint", key_fingerprint(public_key)),
                   hybrid_key)
    suite = f"{HYBRID_SUITE_NAME} (post-quantum hybrid)" if hybrid_key else SUITE_NAME
    print(f"New keys registered, fingerprint {answer.get('key_fingerprint')}; the portal now seals with {suite}. "
          "Client secrets sealed to the old key must be entered again in the portal.")
    return 0


def cmd_status(args) -> int:
    state = load(Path(args.state_dir))
    local = {"runner_id": state.runner_id, "runner_name": state.runner_name, "organization": state.organization,
             "portal": state.portal, "key_fingerprint": key_fingerprint(public_key_b64(state.private_key)),
             "hybrid_key_fingerprint": key_fingerprint(state.hybrid_key.public_key_b64()) if state.hybrid_key else None,
             "agent_version": AGENT_VERSION}
    try:
        with PortalClient(state.portal, state.credential) as client:
            remote = client.me()
        local["portal_status"] = remote.get("status")
        local["key_matches_portal"] = (remote.get("key_fingerprint") == local["key_fingerprint"]
                                       and (remote.get("hybrid_key_fingerprint") or None)
                                       == local["hybrid_key_fingerprint"])
    except (PortalError, PortalUnreachable) as exc:
        local["portal_error"] = str(exc)
    print(json.dumps(local, indent=2))
    return 0 if local.get("key_matches_portal") else 1


SUITE_ARG = ("--suite",)
SUITE_OPTIONS = {"choices": ("hybrid", "x25519"), "default": "hybrid",
                 "help": "hybrid (default): an ML-KEM-768 + X25519 key as well, used for everything the portal "
                         "seals; x25519: the classic key only"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m runners.agent", description="SCM portal runner agent")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    register = sub.add_parser("register", help="generate a key pair and register it with a one-time token")
    register.add_argument("--portal", required=True, help="the portal's base URL")
    register.add_argument("--token", required=True, help="the registration token the portal showed")
    register.add_argument("--hostname", default="", help="reported to the portal (default: this host's name)")
    register.add_argument("--force", action="store_true", help="replace an existing registration")
    register.add_argument(*SUITE_ARG, **SUITE_OPTIONS)
    run = sub.add_parser("run", help="serve the portal's jobs until stopped")
    run.add_argument("--once", action="store_true", help="look for one job without waiting, then exit")
    run.add_argument("--wait", type=float, default=20.0, help="long-poll seconds (the portal caps it)")
    run.add_argument("--prebuild-command", default="",
                     help="shell command each prebuild runs in a fresh work directory, with PREBUILD_* in its "
                          "environment (default: python -m runners.agent.prebuild_report, which reads the "
                          "commit from the provider and writes a short report)")
    run.add_argument("--prebuild-timeout", type=float, default=3600.0,
                     help="seconds before a prebuild command is stopped and the prebuild fails")
    run.add_argument("--environment-command", default="",
                     help="starts an environment from ENVIRONMENT_* variables (default: read the commit through "
                          "the provider's API with the clone credential)")
    rotate = sub.add_parser("rotate-key", help="register new keys (secrets sealed to the old ones need re-entry)")
    rotate.add_argument(*SUITE_ARG, **SUITE_OPTIONS)
    sub.add_parser("status", help="show this agent's registration and what the portal thinks of it")
    for sp in sub.choices.values():
        sp.add_argument("--state-dir", default=DEFAULT_STATE_DIR, help=f"default {DEFAULT_STATE_DIR}")
    seal_cmd.add_parser(sub)  # needs no state dir: it seals with the runner's published key
    return parser


COMMANDS = {"register": cmd_register, "run": cmd_run, "rotate-key": cmd_rotate_key, "status": cmd_status,
            "seal": seal_cmd.cmd_seal}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # httpx logs full URLs at INFO; keep it quiet so nothing but our own words reach the log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    try:
        return COMMANDS[args.command](args)
    except StateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except PortalError as exc:
        print(f"error: the portal refused: {exc.message}", file=sys.stderr)
        return 1
    except PortalUnreachable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
