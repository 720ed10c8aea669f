"""What the agent does with each kind of job (runners.protocol.jobs). An unknown kind is an error, never a guess."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from runners.agent import AGENT_VERSION, environment
from runners.agent import prebuild as prebuild_job
from runners.agent.state import AgentState
from runners.protocol import jobs as protocol
from runners.protocol.jobs import (
    JobKind,
    OAuthTokenPayload,
    OAuthTokenResult,
    PingPayload,
    PingResult,
    SecretCheckPayload,
    SecretCheckResult,
)
from runners.protocol.sealing import ClientSecretDocument, SealedBlob, SealError, open_client_secret

logger = logging.getLogger("runners.agent")

TOKEN_TIMEOUT = 10.0
MAX_TOKEN_RESPONSE = 64 * 1024
# A compromised portal must not turn the sealed secret into other grants (e.g. client_credentials).
ALLOWED_GRANTS = frozenset({"authorization_code", "refresh_token"})
GRANT_FIELDS = frozenset({"grant_type", "code", "redirect_uri", "code_verifier", "refresh_token", "scope"})


class JobError(Exception):
    """A job failed for a reason worth telling the portal (the message holds no secrets)."""


# (state, typed payload) -> typed result; raise JobError for a failure worth telling the portal.
Handler = Callable[[AgentState, Any], Any]


def ping(state: AgentState, payload: PingPayload) -> PingResult:
    return PingResult(pong=True, agent_version=AGENT_VERSION, time=time.time())


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


REENTER = protocol.SECRET_UNUSABLE


def _open_secret(state: AgentState, blob: SealedBlob, payload: OAuthTokenPayload | SecretCheckPayload
                 ) -> ClientSecretDocument:
    try:
        document = open_client_secret(state.keys, blob, runner_id=state.runner_id,
                                      integration_id=payload.integration_id, integration_key=payload.integration_key)
    except SealError as exc:
        raise JobError(f"Cannot open the client secret: {exc} {REENTER}") from None
    if blob.integration_key:
        # Sealed outside the portal (a browser, an API client): the portal could not look inside, so the
        # document must name the token URL and client the portal expects, or the secret goes nowhere.
        if document.token_url != payload.token_url:
            raise JobError(f"Cannot use the client secret: it was sealed for another token URL. {REENTER}")
        if document.client_id != payload.client_id:
            raise JobError(f"Cannot use the client secret: it was sealed with another client ID. {REENTER}")
    return document


def secret_check(state: AgentState, payload: SecretCheckPayload) -> SecretCheckResult:
    try:
        blob = SealedBlob.from_text(payload.sealed)
        _open_secret(state, blob, payload)
    except SealError:
        return SecretCheckResult(opens=False, reason=f"The sealed secret is not a sealed blob. {REENTER}")
    except JobError as exc:
        return SecretCheckResult(opens=False, reason=str(exc))
    logger.info("secret.check for integration %s: opens", payload.integration_id)
    return SecretCheckResult(opens=True)


def oauth_token(state: AgentState, payload: OAuthTokenPayload, *,
                transport: httpx.BaseTransport | None = None) -> OAuthTokenResult:
    try:
        blob = SealedBlob.from_text(payload.sealed)
    except SealError:
        raise JobError("Malformed oauth.token job: sealed is not a sealed blob.") from None
    integration_id, grant = payload.integration_id, payload.grant
    if grant.get("grant_type") not in ALLOWED_GRANTS:
        raise JobError(f"Refused grant type; allowed: {', '.join(sorted(ALLOWED_GRANTS))}.")
    unknown = set(grant) - GRANT_FIELDS
    if unknown:
        raise JobError(f"Refused grant fields: {', '.join(sorted(unknown))}.")
    document = _open_secret(state, blob, payload)
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
    return OAuthTokenResult(status=response.status_code, body=_parse_body(response, raw))


HANDLERS: dict[JobKind, Handler] = {JobKind.PING: ping, JobKind.OAUTH_TOKEN: oauth_token,
                                    JobKind.SECRET_CHECK: secret_check, JobKind.ENVIRONMENT: environment.run,
                                    JobKind.PREBUILD: prebuild_job.run}
# Long work runs on its own thread, so the agent keeps answering quick jobs (an OAuth refresh) meanwhile.
BACKGROUND_KINDS = frozenset({JobKind.PREBUILD})


def execute(state: AgentState, job: dict) -> tuple[bool, dict | None, str]:
    """Run one job; returns (ok, result, error). Never raises for a job's own failure."""
    kind = str(job.get("kind"))
    handler = HANDLERS.get(kind)  # a StrEnum key matches its plain string
    if handler is None:
        return False, None, f"Unknown job kind {kind!r}; this agent ({AGENT_VERSION}) handles " \
                            f"{', '.join(sorted(HANDLERS))}."
    try:
        payload = protocol.decode_payload(kind, job.get("payload") or {})
    except protocol.ProtocolError as exc:
        return False, None, f"Malformed {kind} job: {exc}"
    try:
        return True, protocol.encode(handler(state, payload)), ""
    except (JobError, prebuild_job.JobError) as exc:
        return False, None, str(exc)
    except Exception as exc:  # a bug in a handler must not kill the agent or leak locals into the portal
        logger.exception("Job %s (%s) crashed", job.get("id"), job.get("kind"))
        return False, None, f"The agent failed on this job: {type(exc).__name__}."
