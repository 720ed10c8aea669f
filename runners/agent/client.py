"""HTTP calls from the agent to the portal's runner API. Every call has a bounded timeout."""

from __future__ import annotations

import httpx

from runners.agent import AGENT_VERSION
from runners.protocol.sealing import SUITES

API_PREFIX = "/api/runner/v1/"
CONNECT_TIMEOUT = 10.0
REQUEST_TIMEOUT = 15.0
# The portal holds a long poll open up to its own cap; give it that much plus slack before giving up.
LONG_POLL_SLACK = 10.0


class PortalError(Exception):
    """The portal answered with an error (its JSON shape: {"error": {"code", "message"}})."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{message} (HTTP {status}, {code})")
        self.status, self.code, self.message = status, code, message


class CredentialRejected(PortalError):
    """401: this runner's credential is unknown (runner deleted, or registered again elsewhere)."""


class PortalUnreachable(Exception):
    """No answer: network error, timeout, or the portal is down (5xx)."""


def _raise_for(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        error = response.json().get("error", {})
        code, message = str(error.get("code", "error")), str(error.get("message", response.reason_phrase))
    except (ValueError, AttributeError):
        code, message = "error", response.reason_phrase or "error"
    if response.status_code == 401:
        raise CredentialRejected(response.status_code, code, message)
    if response.status_code >= 500:
        raise PortalUnreachable(f"The portal answered {response.status_code}: {message}")
    raise PortalError(response.status_code, code, message)


def _key_extras(hybrid_public_key: str, hybrid_suite: str) -> dict:
    # `opens_suites` tells the portal which suites this agent can open, so it never seals (or lets a
    # browser seal) to one it cannot. Older agents send nothing: the portal then uses only the suite
    # of the key they registered.
    body: dict = {"opens_suites": sorted(SUITES)}
    if hybrid_public_key:
        body.update(hybrid_public_key=hybrid_public_key, hybrid_suite=hybrid_suite)
    return body


class PortalClient:
    def __init__(self, portal: str, credential: str | None = None, *, transport: httpx.BaseTransport | None = None):
        headers = {"User-Agent": f"scm-runner-agent/{AGENT_VERSION}", "Accept": "application/json"}
        if credential:
            headers["Authorization"] = f"Runner {credential}"
        self._http = httpx.Client(
            base_url=portal.rstrip("/") + API_PREFIX, headers=headers, transport=transport,
            timeout=httpx.Timeout(REQUEST_TIMEOUT, connect=CONNECT_TIMEOUT), follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PortalClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _call(self, method: str, path: str, *, timeout: float | None = None, **kwargs) -> httpx.Response:
        try:
            extra = {"timeout": httpx.Timeout(timeout, connect=CONNECT_TIMEOUT)} if timeout else {}
            response = self._http.request(method, path, **kwargs, **extra)
        except httpx.TransportError as exc:
            raise PortalUnreachable(f"Cannot reach the portal: {type(exc).__name__}: {exc}") from None
        _raise_for(response)
        return response

    def register(self, *, token: str, public_key: str, suite: str, hostname: str, hybrid_public_key: str = "",
                 hybrid_suite: str = "") -> dict:
        body = {"registration_token": token, "public_key": public_key, "suite": suite,
                "agent_version": AGENT_VERSION, "hostname": hostname, **_key_extras(hybrid_public_key, hybrid_suite)}
        return self._call("POST", "register", json=body).json()

    def rotate_key(self, *, public_key: str, suite: str, hybrid_public_key: str = "", hybrid_suite: str = "") -> dict:
        body = {"public_key": public_key, "suite": suite, **_key_extras(hybrid_public_key, hybrid_suite)}
        return self._call("POST", "rotate-key", json=body).json()

    def heartbeat(self) -> dict:
        return self._call("POST", "heartbeat", json={"agent_version": AGENT_VERSION,
                                                     "opens_suites": sorted(SUITES)}).json()

    def me(self) -> dict:
        return self._call("GET", "me").json()

    def next_job(self, wait: float) -> dict | None:
        response = self._call("GET", "jobs/next", params={"wait": f"{wait:g}"}, timeout=wait + LONG_POLL_SLACK)
        return None if response.status_code == 204 else response.json()

    def post_result(self, job_id: int, *, ok: bool, result: dict | None = None, error: str = "") -> None:
        body: dict = {"ok": ok}
        if ok:
            body["result"] = result or {}
        else:
            body["error"] = error[:2000]
        self._call("POST", f"jobs/{int(job_id)}/result", json=body)

    # Prebuilds (the job names the prebuild; its work and reports go through these calls).

    def prebuild_start(self, prebuild_id: int) -> dict:
        return self._call("POST", f"prebuilds/{int(prebuild_id)}/start").json()

    def prebuild_progress(self, prebuild_id: int, *, output: str) -> dict:
        return self._call("POST", f"prebuilds/{int(prebuild_id)}/progress", json={"output": output}).json()

    def prebuild_finish(self, prebuild_id: int, *, state: str, output: str, exit_code: int | None,
                        reason: str = "") -> dict:
        body = {"state": state, "output": output, "exit_code": exit_code, "reason": reason[:500]}
        return self._call("POST", f"prebuilds/{int(prebuild_id)}/finish", json=body).json()
