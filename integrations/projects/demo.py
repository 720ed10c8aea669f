"""Demo-only buttons on a project page: make the Bitbucket emulator push, or delete the hook there.

Active only when DEMO_EMULATOR_URL is set (`make demo` sets it); in production the buttons and their
view do not exist (404).
"""

from __future__ import annotations

import httpx
from django.conf import settings

from integrations.projects.models import DeliveryStatus, Project, WebhookDelivery
from integrations.projects.relay import wait_for
from integrations.providers.projects import EmulatorHooks


class DemoError(Exception):
    pass


def enabled() -> bool:
    return bool(settings.DEMO_EMULATOR_URL)


def _emulator(project: Project) -> EmulatorHooks:
    support = project.integration.scm_provider.projects
    if support is None:
        raise DemoError(f"{project.integration.spec.name} has no projects in the emulator.")
    return support.emulator


def _control(method: str, path: str, **kwargs) -> dict | list:
    try:
        response = httpx.request(method, f"{settings.DEMO_EMULATOR_URL}/_emulator{path}", timeout=30, **kwargs)
    except httpx.HTTPError as exc:
        raise DemoError(f"The emulator did not answer: {type(exc).__name__}") from None
    if response.status_code >= 400:
        raise DemoError(f"The emulator refused: {response.text[:300]}")
    return response.json()


def push(project: Project) -> str:
    """A commit pushed to the default branch on the emulator, which delivers it to every hook."""
    emulator = _emulator(project)
    flavour, event = emulator.flavour, emulator.push_event
    result = _control("POST", f"/{flavour}/events", json={"event": event, "repository": project.repository,
                                                          "message": "Demo push from the portal\n"})
    deliveries = result.get("deliveries") or []
    ours = [d for d in deliveries if str(d.get("url", "")).rstrip("/") == project.receiver_url.rstrip("/")]
    commit = (result.get("created") or {}).get("commit", "")[:7]
    if not ours:
        return f"Pushed {commit} on the emulator, but no hook of this project was there to deliver it."
    attempt = (ours[0].get("attempts") or [{}])[-1]
    # The relay process picks the delivery up within a fraction of a second: wait for it, briefly.
    done = wait_for(lambda: WebhookDelivery.objects.filter(
        project=project, delivery_id=ours[0].get("delivery_id"), status=DeliveryStatus.PROCESSED).exists(), 5.0)
    state = "processed" if done else "accepted, waiting for the relay (is `webhooks_relay` running?)"
    return (f"Pushed {commit} on the emulator; it delivered the {event} to this project "
            f"(HTTP {attempt.get('status')}), {state}.")


def delete_hook(project: Project) -> str:
    """What a repository admin might do by mistake in Bitbucket: delete the project's hook."""
    emulator = _emulator(project)
    flavour = emulator.flavour
    hooks = _control("GET", f"/{flavour}/hooks", params={"repository": project.repository})
    ours = [h for h in hooks if str(h.get("url", "")).rstrip("/") == project.receiver_url.rstrip("/")]
    if not ours:
        return "The emulator has no hook for this project (already deleted)."
    for hook in ours:
        _control("DELETE", f"/{flavour}/hooks",
                 params={"repository": project.repository, emulator.id_param: str(hook[emulator.id_field])})
    return "Deleted this project's hook on the emulator. The next sweep (or Check now) puts it back."
