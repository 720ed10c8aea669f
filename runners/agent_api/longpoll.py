"""`GET /api/runner/v1/jobs/next` served asynchronously: a waiting agent holds no thread and costs no query.

portal/asgi.py routes this path (and the agent's `POST heartbeat` and `POST jobs/{id}/result`) here
under uvicorn workers; every other URL, and these under WSGI (runserver, the test live server), go to Django, where
`views.NextJobView` and `views.JobResultView` keep the same wire behaviour holding a thread. Same
protocol either way: 200 with the job, 204 when `wait` ran out, errors in the portal's JSON shape.

An agent's wait is a `runners.wakeup` waiter on its runner: the notification that a job was created
(from any process) wakes it, then one claim query runs. Database work runs in a small bounded thread
pool (RUNNER_CHANNEL_DB_THREADS), so a thousand waiting agents need neither a thousand threads nor a
thousand connections. Authentication comes from the credential cache, and the poll's sign of life
is batched (runners.pulse): an idle agent's poll costs no query at all, and a re-poll from a known address
not even a trip to those threads.
"""

from __future__ import annotations

import asyncio
import functools
import io
import json
import logging
import random
import re
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.db import DatabaseError, connections
from rest_framework import exceptions as drf_exceptions

from portal.errors import ApplicationError, api_exception_handler, error_body
from portal.numbers import finite_float
from portal.security_events import client_address, runner_address_known_here, runner_seen_from
from portal.services import hash_token
from runners import credential_cache, pulse, services, wakeup
from runners.agent_api import serializers as s
from runners.agent_api.jobs import claim_job_body
from runners.selectors import runner_for_credential

logger = logging.getLogger(__name__)

PATH = "/api/runner/v1/jobs/next"
HEARTBEAT_PATH = "/api/runner/v1/heartbeat"
RESULT_PATH = re.compile(r"^/api/runner/v1/jobs/(?P<job_id>[0-9]{1,18})/result$")
_pool: ThreadPoolExecutor | None = None
# A wait ends somewhere in its last quarter. Agents that connected together (a deploy, a network blip, a
# fleet started at once) would otherwise come back together every `wait` seconds, for ever; spread, the
# waves dissolve in a few rounds. The agent only sees its 204 a little early ("no work yet").
_SPREAD = 0.25


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=settings.RUNNER_CHANNEL_DB_THREADS, thread_name_prefix="runner-db")
    return _pool


def _in_thread(func, *args):
    try:
        return func(*args)
    except DatabaseError:
        connections.close_all()  # a broken connection must not stay with this pool thread
        raise


async def _db(func, *args):
    return await asyncio.get_running_loop().run_in_executor(_executor(), functools.partial(_in_thread, func, *args))


async def _send(send, status: int, body: dict | None = None, headers: list | None = None) -> None:
    raw = json.dumps(body, separators=(",", ":")).encode() if body is not None else b""
    head = [(b"x-content-type-options", b"nosniff"), (b"cache-control", b"no-store"), *(headers or [])]
    if body is not None:
        head += [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": raw})


async def _error(send, status: int, code: str, message: str, fields: dict | None = None, headers=None) -> None:
    await _send(send, status, error_body(code, message, fields), headers)


async def _authenticate(header: str):
    """(runner, "") or (None, why). A cached credential needs no query and stays on the event loop."""
    scheme, _, value = header.partition(" ")
    if scheme != "Runner":
        return None, "Authentication credentials were not provided."
    credential = value.strip()
    runner = credential_cache.get(hash_token(credential)) if credential else None
    if runner is None:
        runner = await _db(runner_for_credential, credential)
    if runner is None:
        return None, "Invalid runner credential. Register the agent again."
    return runner, ""


def _arrive(request, runner, look: bool):
    """The poll's sign of life (batched), the address trail, and a first look for work when there may be some."""
    services.runner_seen(runner=runner)
    runner_seen_from(runner, client_address(request))
    return claim_job_body(runner) if look else None


def _arrived_in_memory(request, runner) -> bool:
    """`_arrive` without a look, when it needs no I/O: a re-poll (most polls) then stays on the event loop.

    A fleet's 204s come back together (agents that started together, a restart), and every re-poll
    queued for the database threads delayed the one poll in the crowd with a job to claim."""
    return pulse.buffered(runner.pk) and runner_address_known_here(runner.pk, client_address(request))


async def _wait_for_disconnect(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _prelude(scope, send, method: str):
    """The checks Django's middleware makes, for these routes: (request, runner), or None once answered."""
    request = ASGIRequest(scope, io.BytesIO())
    if scope["method"] != method:
        await _error(send, 405, "method_not_allowed", f'Method "{scope["method"]}" not allowed.',
                     headers=[(b"allow", method.encode())])
        return None
    try:
        request.get_host()
    except DisallowedHost:
        await _error(send, 400, "bad_request", "Bad Request.")
        return None
    if settings.SECURE_SSL_REDIRECT and not request.is_secure():
        location = f"https://{request.get_host()}{request.get_full_path()}".encode("latin-1")
        await _send(send, 301, None, [(b"location", location)])
        return None
    if "\x00" in request.get_full_path() or any("\x00" in v for vs in request.GET.lists() for v in vs[1]):
        await _error(send, 400, "invalid", "The request contains a NUL character, which no field accepts.")
        return None
    runner, problem = await _authenticate(request.headers.get("Authorization", ""))
    if runner is None:
        await _error(send, 401, "not_authenticated", problem, headers=[(b"www-authenticate", b"Runner")])
        return None
    return request, runner


async def long_poll(scope, receive, send) -> None:
    cap = settings.RUNNER_LONG_POLL_SECONDS
    try:
        raw_wait = ASGIRequest(scope, io.BytesIO()).GET.get("wait")
        wait = min(finite_float(raw_wait, name="wait", default=0.0, minimum=0.0, maximum=cap), cap)
    except ApplicationError as exc:
        wait = exc
    prelude = await _prelude(scope, send, "GET")
    if prelude is None:
        return
    request, runner = prelude
    if isinstance(wait, ApplicationError):
        return await _error(send, wait.http_status, wait.code, wait.message, wait.fields)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + (wait * random.uniform(1 - _SPREAD, 1.0) if wait >= 1 else wait)

    # Waiting starts before the first look, so a job announced in between is not missed.
    waiter = wakeup.hub.add(wakeup.JOB, runner.pk, loop=loop)
    disconnected = asyncio.ensure_future(_wait_for_disconnect(receive))
    try:
        look = wait == 0 or wakeup.hub.take_hint(runner.pk) or not wakeup.hub.listening
        if look or not _arrived_in_memory(request, runner):
            body = await _db(_arrive, request, runner, look)
        else:
            body = None
        while body is None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return await _send(send, 204)
            done, _ = await asyncio.wait({waiter.future, disconnected}, timeout=remaining,
                                         return_when=asyncio.FIRST_COMPLETED)
            if disconnected in done:
                return  # the agent went away: nothing to answer, its waiter goes below
            if waiter.future in done:
                waiter.rearm()
                body = await _db(claim_job_body, runner)
        await _send(send, 200, body)
    finally:
        wakeup.hub.remove(waiter)
        disconnected.cancel()


def _json_body(raw: bytes, content_type: str) -> dict:
    if not content_type.startswith("application/json"):
        raise drf_exceptions.UnsupportedMediaType(content_type or "none")
    try:
        return json.loads(raw) if raw else {}
    except ValueError as exc:
        raise drf_exceptions.ParseError(f"JSON parse error - {exc}") from None


def _answered(func):
    """Run `func` in a pool thread's terms: (status, body), every error through the API's one handler."""
    @functools.wraps(func)
    def wrapper(*args):
        try:
            return func(*args)
        except Exception as exc:  # noqa: BLE001 - the API's handler maps (and logs) everything
            response = api_exception_handler(exc, {"view": None})
            return response.status_code, response.data
    return wrapper


@_answered
def _finish(request, runner, job_id: int, raw: bytes, content_type: str) -> tuple[int, dict | None]:
    """`POST jobs/{id}/result` as views.JobResultView answers it."""
    answer = s.JobResultSerializer(data=_json_body(raw, content_type))
    answer.is_valid(raise_exception=True)
    services.runner_seen(runner=runner)
    services.runner_job_finish(runner=runner, job_id=job_id, ok=answer.validated_data["ok"],
                               result=answer.validated_data.get("result"),
                               error=answer.validated_data.get("error", ""))
    runner_seen_from(runner, client_address(request))
    return 204, None


@_answered
def _heartbeat(request, runner, raw: bytes, content_type: str) -> tuple[int, dict | None]:
    """`POST heartbeat` as views.HeartbeatView answers it (a thousand agents' heartbeats share the pool)."""
    data = s.HeartbeatSerializer(data=_json_body(raw, content_type))
    data.is_valid(raise_exception=True)
    services.runner_seen(runner=runner, agent_version=data.validated_data.get("agent_version"),
                         opens_suites=data.validated_data.get("opens_suites"))
    runner_seen_from(runner, client_address(request))
    return 200, dict(s.AgentRunnerSerializer(runner).data)


async def _read_body(receive, send) -> bytes | None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2**31
    raw = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        raw += message.get("body", b"")
        if len(raw) > limit:
            await _error(send, 413, "too_large", "The request body is larger than this portal accepts.")
            return None
        if not message.get("more_body"):
            return raw


async def job_result(scope, receive, send, job_id: int) -> None:
    """The agent's answer, on the event loop too: it travels on the same keep-alive connection as its poll,
    and a Django request per answer would cost a thread of its own and a fresh database connection."""
    prelude = await _prelude(scope, send, "POST")
    if prelude is None:
        return
    request, runner = prelude
    raw = await _read_body(receive, send)
    if raw is None:
        return
    status, body = await _db(_finish, request, runner, job_id, raw, request.headers.get("Content-Type", ""))
    await _send(send, status, body)


async def heartbeat(scope, receive, send) -> None:
    """Heartbeats too: under Django each would take a thread and a connection of its own, and a fleet's
    agents (re)connecting together exhausted PostgreSQL's connections."""
    prelude = await _prelude(scope, send, "POST")
    if prelude is None:
        return
    request, runner = prelude
    raw = await _read_body(receive, send)
    if raw is None:
        return
    status, body = await _db(_heartbeat, request, runner, raw, request.headers.get("Content-Type", ""))
    await _send(send, status, body)
