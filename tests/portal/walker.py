"""The tenancy walker: every URL of the project, filled with another org's values.

Routes come from the live URLconf, so a URL added in runners/ or integrations/ is walked the
day it is added. A path parameter the walker cannot fill fails the walk with a message that
names the registry to extend: `OTHER_ORG_OBJECT_BUILDERS` in `tests/factories.py`.

Only the two tables below are hand-kept, and each entry must say why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from portal.models import Organization, User
from tests.factories import OTHER_ORG_OBJECT_BUILDERS, CannotBuild, World, autobuild

# URL prefixes that are not ours to walk (relative to the site root, no leading slash).
SKIPPED_PREFIXES: dict[str, str] = {
    "admin/": "Django admin: staff-only, guarded by the admin site itself",
    "accounts/": "django-allauth: sign-in, sign-up and password pages are public by design",
    "static/": "static files",
    "favicon.ico": "a redirect to the static icon, public like the icon itself",
    "media/": "uploaded files",
    "api/schema/": "the OpenAPI document is public by design",
    "api/docs/": "Swagger UI is public by design",
    "__debug__/": "debug toolbar, development only",
    "api/runner/": "the runner agents' channel: machines authenticate with runner credentials, not users "
    "with orgs; the runners app's own tests must cover who may call it",
}

# Routes (by name) that may show another org's name to whoever holds the link.
# The walker still checks that no method changes the database and none answers 5xx.
VISIBLE_BY_LINK: dict[str, str] = {
    "invitation_accept": "the emailed link shows which org invites you; accepting checks the email "
    "(tests/portal/test_invitations.py::test_invitation_for_another_address_is_refused)",
}

# Routes public by design whose requests carry their own credential (a signature over the body). The
# walker sends them what an attacker can: no valid signature. Every method must then be refused
# (401, 404 or 405, in the one error shape), leak nothing and write nothing but the counters below.
SIGNED_BY_BODY: dict[str, str] = {
    "webhook_receiver": "Bitbucket posts deliveries without a session; the X-Hub-Signature HMAC of the body "
    "with the project's secret is the credential (tests/projects/test_receiver.py covers signed requests)",
}
# What an unsigned delivery may change: the project's count of refused deliveries.
SIGNATURE_COUNTERS = {"refused_deliveries", "last_refused_at"}

# Where the walker looks for changes: every model of these apps is snapshotted around each request.
PROJECT_APPS = ("portal", "runners", "integrations", "projects")
# Fields that legitimately change on a read (the walker's own token, its own sign-in).
VOLATILE_FIELDS = {"last_used_at", "last_login", "last_seen_at", "updated_at"}

METHODS = ("get", "post", "put", "patch", "delete")

_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")
_REGEX_GROUP_START = re.compile(r"\(\?P<(?P<name>\w+)>")


class UnregisteredParameter(Exception):
    pass


@dataclass(frozen=True)
class Route:
    segments: tuple[RoutePattern | RegexPattern, ...]
    name: str | None
    callback: Callable

    @property
    def template(self) -> str:
        return "".join(str(s) if isinstance(s, RoutePattern) else _regex_display(s) for s in self.segments)

    @property
    def label(self) -> str:
        return f"/{self.template}" + (f" ({self.name})" if self.name else "")

    @property
    def params(self) -> tuple[str, ...]:
        names: list[str] = []
        for seg in self.segments:
            if isinstance(seg, RoutePattern):
                names += list(seg.converters)
            else:
                names += list(seg.regex.groupindex)
        return tuple(names)

    @property
    def is_api(self) -> bool:
        return self.template.startswith("api/")

    @property
    def is_org_scoped(self) -> bool:
        return "org_slug" in self.params

    @property
    def object_params(self) -> tuple[str, ...]:
        return tuple(p for p in self.params if p != "org_slug")

    def url(self, values: dict[str, Any]) -> str:
        parts = []
        for seg in self.segments:
            if isinstance(seg, RoutePattern):
                parts.append(_ROUTE_PARAM.sub(
                    lambda m, seg=seg: seg.converters[m["parameter"]].to_url(values[m["parameter"]]), str(seg)))
            else:
                parts.append(_fill_regex(str(seg.regex.pattern), values))
        return "/" + "".join(parts)


def _regex_display(seg: RegexPattern) -> str:
    return str(seg.regex.pattern).lstrip("^").rstrip("$")


def _fill_regex(pattern: str, values: dict[str, Any]) -> str:
    """Replace each `(?P<name>...)` group (nested parentheses allowed) by its value."""
    out, i = [], 0
    pattern = pattern.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    while True:
        m = _REGEX_GROUP_START.search(pattern, i)
        if m is None:
            out.append(pattern[i:])
            break
        out.append(pattern[i:m.start()])
        depth, j = 1, m.end()
        while depth and j < len(pattern):
            depth += {"(": 1, ")": -1}.get(pattern[j], 0) if pattern[j - 1] != "\\" else 0
            j += 1
        out.append(str(values[m["name"]]))
        i = j
    return re.sub(r"\\(.)", r"\1", "".join(out))


def collect_routes(patterns=None, prefix: tuple = ()) -> list[Route]:
    """Every URLPattern of the project, flattened, in URLconf order."""
    routes: list[Route] = []
    for p in get_resolver().url_patterns if patterns is None else patterns:
        segments = (*prefix, p.pattern)
        if isinstance(p, URLResolver):
            routes += collect_routes(p.url_patterns, segments)
        elif isinstance(p, URLPattern):
            routes.append(Route(segments=segments, name=p.name, callback=p.callback))
    return routes


def skip_reason(route: Route) -> str | None:
    for prefix, reason in SKIPPED_PREFIXES.items():
        if route.template.startswith(prefix):
            return reason
    return None


def walked_routes() -> list[Route]:
    return [r for r in collect_routes() if skip_reason(r) is None]


def _view_model(callback) -> type[models.Model] | None:
    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view is None:
        return None
    model = getattr(view, "model", None)
    queryset = getattr(view, "queryset", None)
    return model or (queryset.model if queryset is not None else None)


def _register_hint(route: Route, param: str) -> str:
    return (
        f"{route.label} has the path parameter <{param}>, which the tenancy walker cannot fill. "
        f"Register how to build an object of ANOTHER org for it in tests/factories.py:\n"
        f"    OTHER_ORG_OBJECT_BUILDERS[{param!r}] = lambda world: YourFactory(organization=world.other.org)\n"
        f"(or under {f'{route.name}:{param}'!r} for this route only), "
        f"or, if the route is public by design, add it to tests/portal/walker.py with the reason."
    )


def builder_for(route: Route, param: str) -> Callable[[World], Any]:
    for key in (f"{route.name}:{param}", param):
        if key in OTHER_ORG_OBJECT_BUILDERS:
            return OTHER_ORG_OBJECT_BUILDERS[key]
    if param == "pk":
        model = _view_model(route.callback)
        if model is None:
            raise UnregisteredParameter(_register_hint(route, param) + "\n(its view names no model or queryset.)")
        named = OTHER_ORG_OBJECT_BUILDERS.get(f"{model._meta.model_name}_id")
        return named or (lambda world: autobuild(model, world))
    raise UnregisteredParameter(_register_hint(route, param))


def unregistered_parameters(routes: list[Route]) -> list[str]:
    problems = []
    for route in routes:
        for param in route.object_params:
            try:
                builder_for(route, param)
            except UnregisteredParameter as exc:
                problems.append(str(exc))
    return problems


def other_org_values(route: Route, world: World, *, org_slug: str) -> dict[str, Any]:
    """Path values: `org_slug` as given, every other parameter an object of the other org."""
    values: dict[str, Any] = {}
    for param in route.params:
        if param == "org_slug":
            values[param] = org_slug
            continue
        try:
            obj = builder_for(route, param)(world)
        except CannotBuild as exc:
            raise UnregisteredParameter(f"{route.label}: {exc}") from exc
        value = obj.pk if isinstance(obj, models.Model) else obj
        if value in (None, ""):
            raise UnregisteredParameter(f"{route.label}: the builder for <{param}> returned {value!r}")
        values[param] = value
    return values


def snapshot(ignore: frozenset[str] | set[str] = frozenset()) -> dict[str, list[tuple]]:
    state: dict[str, list[tuple]] = {}
    for label in PROJECT_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            fields = [f.attname for f in model._meta.concrete_fields
                      if f.name not in VOLATILE_FIELDS and f.name not in ignore]
            state[model._meta.label] = list(model.objects.order_by("pk").values_list(*fields))
    return state


def check_signed_by_body(client, route: Route, url: str, world: World) -> list[str]:
    """Problems found when anyone (signed in or not) sends every method, unsigned, to a SIGNED_BY_BODY route."""
    problems = []
    markers = leak_markers(world)
    body = json.dumps({"push": {"changes": []}, "repository": {"full_name": world.other.org.slug + "/x"}})
    for method in METHODS:
        before = snapshot(SIGNATURE_COUNTERS)
        call = getattr(client, method)
        response = call(url) if method == "get" else call(url, data=body, content_type="application/json",
                                                          HTTP_X_EVENT_KEY="repo:push",
                                                          HTTP_X_REQUEST_UUID="{walker}")
        where = f"{method.upper()} {url} [{route.label}]"
        if changed := describe_change(before, snapshot(SIGNATURE_COUNTERS)):
            problems.append(f"{where} changed the database without a signature: {changed}")
        if response.status_code not in (401, 404, 405):
            problems.append(f"{where} answered {response.status_code} to an unsigned request; expected 401/404/405")
            continue
        text = response.content.decode(errors="replace")
        if leaked := [m for m in markers if m in text]:
            problems.append(f"{where} showed the other org's data: {leaked}")
        if response.status_code != 405 and (shape := error_shape_problem(response)):
            problems.append(f"{where}: {shape}")
    return problems


def other_org_snapshot(world: World) -> dict[str, list[tuple]]:
    """The rows that belong to the other org or its people (what a global route must never touch)."""
    org, users = world.other.org, [world.other.owner, world.other.admin, world.other.member]
    state: dict[str, list[tuple]] = {}
    for label in PROJECT_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            if model is Organization:
                scope = Q(pk=org.pk)
            elif model is User:
                scope = Q(pk__in=[u.pk for u in users])
            else:
                scope = Q()
                for f in model._meta.concrete_fields:
                    if f.is_relation and f.related_model is Organization:
                        scope |= Q(**{f.name: org})
                    elif f.is_relation and f.related_model is User:
                        scope |= Q(**{f"{f.name}__in": users})
                if not scope:
                    continue
            fields = [f.attname for f in model._meta.concrete_fields if f.name not in VOLATILE_FIELDS]
            state[model._meta.label] = list(model.objects.filter(scope).order_by("pk").values_list(*fields))
    return state


def describe_change(before: dict, after: dict) -> str:
    changed = []
    for label in sorted(set(before) | set(after)):
        b, a = before.get(label, []), after.get(label, [])
        if b != a:
            changed.append(f"{label}: {len(b)} -> {len(a)} rows"
                           + ("" if len(b) != len(a) else " (a row was modified)"))
    return "; ".join(changed)


def attack_payload(world: World) -> dict[str, str]:
    """A body that would succeed against a view that forgot the tenancy check."""
    return {
        "name": "pwned", "role": "owner", "email": "attacker@evil.example", "org": world.other.org.slug,
        "confirm": world.other.org.slug,
    }


def leak_markers(world: World) -> list[str]:
    side = world.other
    return [side.org.name, side.owner.email, side.admin.email, side.member.email]


def error_shape_problem(response) -> str | None:
    """None when the body is `{"error": {"code", "message", "fields"}}`, else what is wrong."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"body is not JSON: {response.content[:120]!r}"
    if not isinstance(body, dict) or set(body) != {"error"} or not isinstance(body["error"], dict):
        return f"body is not the error shape: {body!r:.200}"
    error = body["error"]
    if set(error) != {"code", "message", "fields"}:
        return f"error keys are {sorted(error)}, not code/message/fields"
    if not (isinstance(error["code"], str) and isinstance(error["message"], str)
            and isinstance(error["fields"], dict)):
        return f"error values have the wrong types: {error!r:.200}"
    return None


def send(client, method: str, url: str, payload: dict, *, api: bool):
    call = getattr(client, method)
    if method == "get":
        return call(url)
    if api:
        return call(url, data=json.dumps(payload), content_type="application/json")
    if method == "post":
        return call(url, data=payload)
    return call(url, data="&".join(f"{k}={v}" for k, v in payload.items()),
                content_type="application/x-www-form-urlencoded")


DENIED = {403, 404, 405}


def check_outsider(client, route: Route, url: str, world: World, login_url: str, *, api: bool) -> list[str]:
    """Problems found when a signed-in outsider sends every method to `url`."""
    problems = []
    payload, markers = attack_payload(world), leak_markers(world)
    is_global = not (route.is_org_scoped or route.object_params)
    # A global route may change the caller's own rows (a new token, a new org); never the other org's.
    state = (lambda: other_org_snapshot(world)) if is_global else snapshot
    for method in METHODS:
        before = state()
        response = send(client, method, url, payload, api=api)
        where = f"{method.upper()} {url} [{route.label}]"
        changed = describe_change(before, state())
        if changed:
            problems.append(f"{where} changed the database: {changed}")
        if response.status_code >= 500:
            problems.append(f"{where} answered {response.status_code}")
            continue
        body = response.content.decode(errors="replace")
        leaked = [m for m in markers if m in body]
        visible_by_link = route.name in VISIBLE_BY_LINK
        if leaked and not visible_by_link:
            problems.append(f"{where} answered {response.status_code} showing the other org's data: {leaked}")
        if is_global or visible_by_link:
            # A global route (home, /orgs/new/) may answer; it just must not lead into the other org.
            location = response.get("Location", "")
            if f"/orgs/{world.other.org.slug}/" in location:
                problems.append(f"{where} redirected into the other org: {location}")
            continue
        redirect_to_login = response.status_code == 302 and response["Location"].startswith(login_url)
        if response.status_code not in DENIED and not redirect_to_login:
            problems.append(f"{where} answered {response.status_code}; expected 403/404/405 or a login redirect")
        elif api and response.status_code in DENIED and (shape := error_shape_problem(response)):
            problems.append(f"{where}: {shape}")
    return problems


def check_anonymous(client, route: Route, url: str, login_url: str, *, api: bool) -> list[str]:
    problems = []
    for method in METHODS:
        before = snapshot()
        response = send(client, method, url, {"name": "pwned", "role": "owner"}, api=api)
        where = f"anonymous {method.upper()} {url} [{route.label}]"
        if changed := describe_change(before, snapshot()):
            problems.append(f"{where} changed the database: {changed}")
        if api:
            if response.status_code not in (401, 403):
                problems.append(f"{where} answered {response.status_code}; expected 401 or 403")
            elif shape := error_shape_problem(response):
                problems.append(f"{where}: {shape}")
        elif not (response.status_code == 302 and response["Location"].startswith(login_url)):
            problems.append(f"{where} answered {response.status_code} "
                            f"{response.get('Location', '')}; expected a redirect to {login_url}")
    return problems
