"""What the agent does with each kind of job. An unknown kind is an error, never a guess."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

import httpx

from runners.agent import AGENT_VERSION
from runners.agent import prebuild as prebuild_job
from runners.agent.sealing import SealedBlob, SealError, open_client_secret
from runners.agent.state import AgentState

logger = logging.getLogger("runners.agent")

TOKEN_TIMEOUT = 10.0
MAX_TOKEN_RESPONSE = 64 * 1024
# A compromised portal must not turn the sealed secret into other grants (e.g. client_credentials).
ALLOWED_GRANTS = frozenset({"authorization_code", "refresh_token"})
GRANT_FIELDS = frozenset({"grant_type", "code", "redirect_uri", "code_verifier", "refresh_token", "scope"})


class JobError(Exception):
    """A job failed for a reason worth telling the portal (the message holds no secrets)."""


Handler = Callable[[AgentState, dict], dict]


def ping(state: AgentState, payload: dict) -> dict:
    return {"pong": True, "agent_version": AGENT_VERSION, "time": time.time()}


def _parse_body(response: httpx.Response, raw: bytes) -> dict:
    text = raw.decode("utf-8", errors="replace")
    try:
        # From the bytes already read: a streamed response has no .json() of its own.
        body = json.loads(text) if raw else {}
        if isinstance(body, dict):
            return body
    except ValueError:
        pass
    # Some providers answer form-encoded unless asked nicely (GitHub without Accept: application/json).
    if "application/x-www-form-urlencoded" in response.headers.get("content-type", ""):
        return dict(parse_qsl(text))
    return {"raw": text[:2000]}


def oauth_token(state: AgentState, payload: dict, *, transport: httpx.BaseTransport | None = None) -> dict:
    try:
        blob = SealedBlob.from_text(str(payload["sealed"]))
        integration_id = int(payload["integration_id"])
        grant = payload["grant"]
    except (KeyError, TypeError, ValueError, SealError):
        raise JobError("Malformed oauth.token job: it needs sealed, integration_id and grant.") from None
    if not isinstance(grant, dict) or grant.get("grant_type") not in ALLOWED_GRANTS:
        raise JobError(f"Refused grant type; allowed: {', '.join(sorted(ALLOWED_GRANTS))}.")
    unknown = set(grant) - GRANT_FIELDS
    if unknown:
        raise JobError(f"Refused grant fields: {', '.join(sorted(unknown))}.")
    try:
        document = open_client_secret(state.private_key, blob, runner_id=state.runner_id,
                                      integration_id=integration_id)
    except SealError as exc:
        raise JobError(f"Cannot open the client secret: {exc} Re-enter the secret in the portal.") from None
    # The only URL the secret ever goes to is the one sealed with it.
    parts = urlsplit(document.token_url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise JobError("The sealed token URL is not an http(s) URL.")
    form = {key: str(value) for key, value in grant.items()}
    auth = None
    if document.client_auth == "basic":
        auth = httpx.BasicAuth(document.client_id, document.client_secret)
    else:
        form.update(client_id=document.client_id, client_secret=document.client_secret)
    try:
        with httpx.Client(timeout=TOKEN_TIMEOUT, follow_redirects=False, transport=transport) as http, http.stream(
            "POST", document.token_url, data=form, auth=auth,
            headers={"Accept": "application/json", "User-Agent": f"scm-runner-agent/{AGENT_VERSION}"},
        ) as response:
            raw = b""
            for chunk in response.iter_bytes():
                raw += chunk
                if len(raw) > MAX_TOKEN_RESPONSE:
                    raise JobError(f"The token endpoint answered more than {MAX_TOKEN_RESPONSE} bytes.")
    except httpx.HTTPError as exc:
        raise JobError(f"Cannot reach the token endpoint {parts.hostname}: {type(exc).__name__}.") from None
    logger.info("oauth.token %s for integration %s: HTTP %s", grant["grant_type"], integration_id,
                response.status_code)
    return {"status": response.status_code, "body": _parse_body(response, raw)}


HANDLERS: dict[str, Handler] = {"ping": ping, "oauth.token": oauth_token, "prebuild": prebuild_job.run}
# Long work runs on its own thread, so the agent keeps answering quick jobs (an OAuth refresh) meanwhile.
BACKGROUND_KINDS = frozenset({"prebuild"})


def execute(state: AgentState, job: dict) -> tuple[bool, dict | None, str]:
    """Run one job; returns (ok, result, error). Never raises for a job's own failure."""
    handler = HANDLERS.get(str(job.get("kind")))
    if handler is None:
        return False, None, f"Unknown job kind {job.get('kind')!r}; this agent ({AGENT_VERSION}) handles " \
                            f"{', '.join(sorted(HANDLERS))}."
    try:
        return True, handler(state, job.get("payload") or {}), ""
    except (JobError, prebuild_job.JobError) as exc:
        return False, None, str(exc)
    except Exception as exc:  # a bug in a handler must not kill the agent or leak locals into the portal
        logger.exception("Job %s (%s) crashed", job.get("id"), job.get("kind"))
        return False, None, f"The agent failed on this job: {type(exc).__name__}."
