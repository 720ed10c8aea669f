"""The portal under ASGI (gunicorn with uvicorn workers, see gunicorn.conf.py; `make demo` runs uvicorn).

The runner agents' long poll is served by an async handler that holds no thread while an agent
waits (runners/agent_api/longpoll.py); everything else is the Django application as under WSGI.
"""

import asyncio
import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django_application = get_asgi_application()

from django.conf import settings  # noqa: E402  (after Django is set up)

from runners import pulse, wakeup  # noqa: E402
from runners.agent_api import longpoll  # noqa: E402


def _freeze_what_boot_loaded() -> None:
    """Exempt the code loaded at boot from the garbage collector's full passes.

    A full collection walks every tracked object: Django, its apps and their modules are hundreds of
    thousands, so each pass paused the event loop for 100-150 ms, under every long poll of the process
    (the two slowest job round trips of the benchmark were exactly that). They never become garbage;
    frozen, a full pass walks only what requests created. The URL configuration is loaded first, so
    the views it imports are frozen too.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    gc.collect()
    gc.freeze()


_freeze_what_boot_loaded()


async def _lifespan(receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            # The last pulses go to the database; the listener's connection closes.
            try:
                await asyncio.get_running_loop().run_in_executor(None, pulse.flush)
            finally:
                wakeup.hub.stop()
                await send({"type": "lifespan.shutdown.complete"})
            return


async def application(scope, receive, send):
    if scope["type"] == "lifespan":
        return await _lifespan(receive, send)
    if scope["type"] == "http" and not settings.RUNNER_CHANNEL_LEGACY_POLLING:
        if scope["path"] == longpoll.PATH:
            return await longpoll.long_poll(scope, receive, send)
        if scope["path"] == longpoll.HEARTBEAT_PATH:
            return await longpoll.heartbeat(scope, receive, send)
        answer = longpoll.RESULT_PATH.match(scope["path"])
        if answer is not None:
            return await longpoll.job_result(scope, receive, send, int(answer["job_id"]))
    return await django_application(scope, receive, send)
