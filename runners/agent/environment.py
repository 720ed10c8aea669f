"""The `environment` job: open the sealed clone credential, run the runner's environment command for the
resolved repository and commit, and tell the portal whether the environment started (or why not).

The command is the runner's own (`run --environment-command`); it gets the work in ENVIRONMENT_* variables,
the credential among them, and should start the environment and return (it is stopped after
COMMAND_TIMEOUT seconds). The default one reads the commit through the provider's API with the credential.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from runners.agent.client import PortalClient, PortalError, PortalUnreachable
from runners.agent.clone_credential import OpenedCloneCredential, open_clone_credential
from runners.agent.state import AgentState
from runners.protocol.jobs import EnvironmentPayload, EnvironmentResult
from runners.protocol.sealing import SealedBlob, SealError

logger = logging.getLogger("runners.agent")

COMMAND_TIMEOUT = 120.0
REASON_LIMIT = 1000
AGENT_ROOT = str(Path(__file__).resolve().parents[2])  # the directory holding the `runners` package


def default_command() -> str:
    return f"{shlex.quote(sys.executable)} -m runners.agent.environment_check"


def _mask(text: str, secrets: list[str]) -> str:
    for secret in sorted({s for value in secrets if value for s in (value, quote(value, safe=""))},
                         key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def _variables(payload: EnvironmentPayload, credential: OpenedCloneCredential) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ENVIRONMENT_")}
    env.update({
        "ENVIRONMENT_REQUEST_ID": str(payload.environment_request_id), "ENVIRONMENT_PROVIDER": payload.provider,
        "ENVIRONMENT_REPOSITORY": payload.repository, "ENVIRONMENT_CLONE_URL": payload.clone_url,
        "ENVIRONMENT_REF": payload.ref, "ENVIRONMENT_REF_TYPE": payload.ref_type, "ENVIRONMENT_COMMIT": payload.commit,
        "ENVIRONMENT_COMMIT_API_URL": payload.commit_api_url, "ENVIRONMENT_API_AUTH": payload.api_auth,
        "ENVIRONMENT_PULL_REQUEST": str(payload.pull_request or ""),
        "ENVIRONMENT_SUGGESTED_BRANCH": payload.suggested_branch,
        "GIT_AUTHOR_NAME": payload.git_author_name, "GIT_AUTHOR_EMAIL": payload.git_author_email,
        "GIT_COMMITTER_NAME": payload.git_author_name, "GIT_COMMITTER_EMAIL": payload.git_author_email,
        "ENVIRONMENT_GIT_USERNAME": credential.username, "ENVIRONMENT_GIT_PASSWORD": credential.password,
        "PYTHONPATH": os.pathsep.join(filter(None, [AGENT_ROOT, os.environ.get("PYTHONPATH", "")])),
    })
    return env


def _last_lines(text: str, count: int = 5) -> str:
    return "\n".join(line for line in text.strip().splitlines()[-count:])[-REASON_LIMIT:]


def run_command(command: str, payload: EnvironmentPayload,
                credential: OpenedCloneCredential) -> tuple[str, str, str]:
    """(state, reason, detail): the command's exit status decides; its output is masked before it leaves."""
    secrets = [credential.password]
    try:
        # The command is the runner operator's own (a command-line option), never the portal's.
        done = subprocess.run(  # noqa: S603
            shlex.split(command), env=_variables(payload, credential), capture_output=True, text=True,
            timeout=COMMAND_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return "failed", f"The environment command did not finish within {COMMAND_TIMEOUT:g} seconds.", ""
    except (OSError, ValueError) as exc:
        return "failed", f"The environment command could not run: {type(exc).__name__}: {exc}", ""
    stdout, stderr = _mask(done.stdout, secrets), _mask(done.stderr, secrets)
    if done.returncode != 0:
        said = _last_lines(stderr) or _last_lines(stdout) or "no output"
        return "failed", f"The environment command exited with status {done.returncode}: {said}", ""
    return "started", "", _last_lines(stdout)


def run(state: AgentState, payload: EnvironmentPayload) -> EnvironmentResult:
    command = state.environment_command or default_command()
    try:
        credential = open_clone_credential(state.keys, SealedBlob.from_text(payload.sealed_credential),
                                           runner_id=state.runner_id, purpose=payload.purpose)
    except SealError as exc:
        outcome = ("failed", f"Cannot open the clone credential: {exc}", "")
    else:
        outcome = run_command(command, payload, credential)
    env_state, reason, detail = outcome
    if payload.report_path:
        try:
            with PortalClient(state.portal, state.credential) as client:
                client._call("POST", payload.report_path, json={"state": env_state, "reason": reason,
                                                                 "detail": detail})
        except (PortalError, PortalUnreachable) as exc:
            # The job's own result still carries the outcome.
            logger.warning("Could not report environment %s: %s", payload.environment_request_id, exc)
    logger.info("Environment %s %s", payload.environment_request_id, env_state)
    return EnvironmentResult(environment_request_id=payload.environment_request_id, state=env_state, reason=reason)
