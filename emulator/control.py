"""The control API under /_emulator/: JSON in and out, no auth, never faulted or logged."""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator import control_cloud, control_server, faults, requestlog
from emulator.control_common import body_of, ok
from emulator.httpcore import Request, Response, Router

if TYPE_CHECKING:
    from emulator.app import Emulator


def reset(app: Emulator, request: Request) -> Response:
    app.reset()
    return ok({"reset": True, "seed": app.seed_name})


def add_fault(app: Emulator, request: Request) -> Response:
    fault = faults.parse_fault(body_of(request))
    app.state.faults.append(fault)
    return ok(faults.fault_summary(fault), 201)


def list_faults(app: Emulator, request: Request) -> Response:
    return ok([faults.fault_summary(fault) for fault in app.state.faults])


def clear_faults(app: Emulator, request: Request) -> Response:
    app.state.faults.clear()
    return Response.empty(204)


def list_requests(app: Emulator, request: Request) -> Response:
    return ok(requestlog.select(app.state, request.arg("path"), request.arg("method")))


def clear_requests(app: Emulator, request: Request) -> Response:
    app.state.requests.clear()
    return Response.empty(204)


def summary(app: Emulator, request: Request) -> Response:
    state = app.state
    settings = state.settings
    return ok({
        "urls": {"cloud_web": settings.cloud_url, "cloud_api": settings.cloud_url,
                 "server": settings.server_url, "server_links": settings.server_link_base},
        "settings": {
            "server_version": settings.server_version,
            "misconfigured_base_url": settings.misconfigured_base_url,
            "cloud_access_token_ttl": settings.cloud_access_token_ttl,
            "server_access_token_ttl": settings.server_access_token_ttl,
            "app_passwords_disabled": settings.app_passwords_disabled,
        },
        "cloud": {
            "users": list(state.cloud_users),
            "workspaces": {slug: ws.members for slug, ws in state.workspaces.items()},
            "repositories": {name: {"hooks": len(r.hooks), "branches": sorted(r.git.branches),
                                    "pullrequests": sorted(r.pullrequests), "issues": sorted(r.issues)}
                             for name, r in state.cloud_repos.items()},
            "consumers": list(state.consumers),
            "tokens": len(state.cloud_tokens),
        },
        "server": {
            "users": list(state.server_users),
            "projects": [key for key in state.projects if not key.startswith("~")],
            "repositories": {f"{key}/{slug}": {"webhooks": len(r.webhooks), "branches": sorted(r.git.branches),
                                               "pull_requests": sorted(r.pull_requests)}
                             for (key, slug), r in state.server_repos.items()},
            "oauth_clients": list(state.oauth_clients),
            "tokens": len(state.server_tokens),
        },
        "faults": [faults.fault_summary(fault) for fault in state.faults],
        "requests": len(state.requests),
        "deliveries": state.deliveries[-50:],
    })


def register(router: Router) -> None:
    router.add("POST", "/reset", reset)
    router.add("GET", "/state", summary)
    router.add("POST", "/faults", add_fault)
    router.add("GET", "/faults", list_faults)
    router.add("DELETE", "/faults", clear_faults)
    router.add("GET", "/requests", list_requests)
    router.add("DELETE", "/requests", clear_requests)

    router.add("POST", "/cloud/users", control_cloud.create_user)
    router.add("POST", "/cloud/workspaces", control_cloud.create_workspace)
    router.add("POST", "/cloud/repositories", control_cloud.create_repository)
    router.add("POST", "/cloud/consumers", control_cloud.create_consumer)
    router.add("POST", "/cloud/tokens", control_cloud.create_token)
    router.add("POST", "/cloud/tokens/revoke", control_cloud.revoke_token)
    router.add("POST", "/cloud/tokens/expire", control_cloud.expire_token)
    router.add("POST", "/cloud/settings", control_cloud.update_settings)
    router.add("POST", "/cloud/events", control_cloud.trigger_event, locked=False)
    router.add("GET", "/cloud/hooks", control_cloud.list_hooks)
    router.add("DELETE", "/cloud/hooks", control_cloud.delete_hooks)

    router.add("POST", "/server/settings", control_server.update_settings)
    router.add("POST", "/server/users", control_server.create_user)
    router.add("POST", "/server/projects", control_server.create_project)
    router.add("POST", "/server/repositories", control_server.create_repository)
    router.add("POST", "/server/oauth-clients", control_server.create_oauth_client)
    router.add("POST", "/server/tokens", control_server.create_token)
    router.add("POST", "/server/tokens/revoke", control_server.revoke_token)
    router.add("POST", "/server/tokens/expire", control_server.expire_token)
    router.add("POST", "/server/events", control_server.trigger_event, locked=False)
    router.add("GET", "/server/hooks", control_server.list_hooks)
    router.add("DELETE", "/server/hooks", control_server.delete_hooks)
