"""Project pages: the list, the repository picker, a project with its webhook and delivery log.

Thin: selectors read, services write, `org_for_user` decides who may. Members see projects and their
webhook state; org admins create, reinstall, delete and read deliveries.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integrations.projects import demo, repositories, selectors, services
from integrations.projects.forms import ProjectCreateForm
from integrations.projects.models import Project, WebhookDelivery
from portal.celery import app as celery_app
from portal.errors import ApplicationError
from portal.models import Role
from portal.selectors import org_for_user
from portal.views.helpers import paginate, report

DELIVERIES_PER_PAGE = 25


@login_required
@require_GET
def project_list(request, org_slug: str):
    org, membership = org_for_user(request.user, org_slug)
    page = paginate(request, selectors.project_list(org=org), per_page=50)
    return render(request, "projects/project_list.html", {
        "org": org, "membership": membership, "page": page, "is_admin": membership.has_role(Role.ADMIN),
    })


def _int_param(request, name: str, default: int = 1) -> int:
    try:
        return max(1, min(int(request.GET.get(name, default)), 10_000))
    except (TypeError, ValueError):
        return default


@login_required
@require_http_methods(["GET", "POST"])
def project_new(request, org_slug: str):
    """The repository picker: connection -> workspace or project -> search, page -> Create."""
    org, membership = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
    connections = list(selectors.connection_list_for_projects(org=org, user=request.user))
    form = ProjectCreateForm(request.POST or None, org=org, user=request.user,
                             initial={"prebuilds": True})
    if request.method == "POST":
        if form.is_valid():
            try:
                project = services.project_create(org=org, actor=request.user,
                                                  connection=form.cleaned_data["connection"],
                                                  repository=form.cleaned_data["repository"],
                                                  prebuilds=form.cleaned_data["prebuilds"])
            except ApplicationError as exc:
                report(request, exc, form)
            else:
                messages.success(request, f"Project {project.repository} created. Installing its webhook…")
                return redirect("project_detail", org.slug, project.pk)
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)

    picked = _picked_connection(request, connections)
    context = {"org": org, "membership": membership, "connections": connections, "connection": picked,
               "form": form, "sources": [], "source": "", "query": "", "listing": None, "error": "",
               "rows": [], "without_projects": selectors.connection_providers_without_projects(org=org,
                                                                                              user=request.user)}
    if picked is not None:
        context["label"] = picked.integration.spec.label
        context["support"] = picked.integration.scm_provider.projects
        try:
            context["sources"] = repositories.repository_sources(picked)
            source = request.GET.get("source") or (context["sources"][0].key if context["sources"] else "")
            context["source"] = source
            context["query"] = (request.GET.get("q") or "").strip()[: repositories.MAX_QUERY_CHARS]
            if source:
                listing = repositories.repository_page(picked, source, query=context["query"],
                                                       page=_int_param(request, "page"))
                context["listing"] = listing
                names = [item.full_name for item in listing.items]
                existing = dict(Project.objects.filter(
                    integration=picked.integration, repository__in=names).values_list("repository", "pk"))
                context["rows"] = [{"repo": item, "project_id": existing.get(item.full_name)}
                                   for item in listing.items]
        except repositories.PickerUnavailable as exc:
            context["error"] = str(exc)
    if request.headers.get("HX-Request") and request.GET.get("partial") == "repositories":
        return render(request, "projects/_repository_list.html", context)
    return render(request, "projects/project_new.html", context)


def _picked_connection(request, connections):
    wanted = request.GET.get("connection") or request.POST.get("connection")
    if wanted:
        return next((c for c in connections if str(c.pk) == str(wanted)), None)
    return connections[0] if len(connections) == 1 else None


@login_required
@require_GET
def project_detail(request, org_slug: str, project_id: int):
    org, membership = org_for_user(request.user, org_slug)
    project = selectors.project_get(org=org, project_id=project_id)
    is_admin = membership.has_role(Role.ADMIN)
    deliveries = paginate(request, selectors.webhook_delivery_list(project=project), per_page=DELIVERIES_PER_PAGE) \
        if is_admin else None
    return render(request, "projects/project_detail.html", {
        "org": org, "membership": membership, "project": project, "is_admin": is_admin, "page": deliveries,
        "label": project.integration.spec.label, "demo": demo.enabled(),
        "own_connection": selectors.connection_get_own_for_project(org=org, user=request.user, project=project)
        if is_admin else None,
    })


def _admin_project(request, org_slug: str, project_id: int) -> tuple:
    org, _ = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
    return org, selectors.project_get(org=org, project_id=project_id)


@login_required
@require_POST
def project_reinstall(request, org_slug: str, project_id: int):
    org, project = _admin_project(request, org_slug, project_id)
    own = selectors.connection_get_own_for_project(org=org, user=request.user, project=project)
    # Keep the installer's connection while it exists; a project whose connection is gone adopts yours.
    connection = own if project.connection is None else None
    project = services.project_webhook_reinstall(project=project, actor=request.user, connection=connection)
    _say_state(request, project, "Reinstall")
    return redirect("project_detail", org.slug, project.pk)


@login_required
@require_POST
def project_check(request, org_slug: str, project_id: int):
    org, project = _admin_project(request, org_slug, project_id)
    project = services.project_webhook_check(project=project, actor=request.user)
    _say_state(request, project, "Check")
    return redirect("project_detail", org.slug, project.pk)


def _say_state(request, project: Project, what: str) -> None:
    if not celery_app.conf.task_always_eager:
        messages.info(request, f"{what} queued: the webhook state updates in a moment (reload the page).")
    elif project.webhook_state == "active":
        messages.success(request, f"{what} done: the webhook is active.")
    elif project.webhook_state == "installing":
        messages.info(request, f"{what} queued: the webhook state updates when the task has run.")
    else:
        messages.error(request, f"{what} done: {project.webhook_error or project.get_webhook_state_display()}")


@login_required
@require_http_methods(["GET", "POST"])
def project_delete(request, org_slug: str, project_id: int):
    org, project = _admin_project(request, org_slug, project_id)
    if request.method == "POST":
        services.project_delete(project=project, actor=request.user)
        messages.success(request, f"Project {project.repository} deleted; its webhook is being removed from "
                                  f"{project.integration.spec.label}.")
        return redirect("project_list", org.slug)
    return render(request, "projects/project_delete.html", {"org": org, "project": project,
                                                            "label": project.integration.spec.label})


@login_required
@require_GET
def delivery_detail(request, org_slug: str, project_id: int, delivery_id: int):
    org, project = _admin_project(request, org_slug, project_id)
    delivery = selectors.webhook_delivery_get(project=project, delivery_id=delivery_id)
    return render(request, "projects/delivery_detail.html", {
        "org": org, "project": project, "delivery": delivery, "payload": _pretty(delivery),
        "event": json.dumps(delivery.event, indent=2) if delivery.event else "",
    })


def _pretty(delivery: WebhookDelivery) -> str:
    try:
        return json.dumps(json.loads(delivery.body), indent=2, ensure_ascii=False)
    except ValueError:
        return delivery.body


@login_required
@require_POST
def delivery_redeliver(request, org_slug: str, project_id: int, delivery_id: int):
    org, project = _admin_project(request, org_slug, project_id)
    delivery = selectors.webhook_delivery_get(project=project, delivery_id=delivery_id)
    delivery = services.webhook_delivery_redeliver(delivery=delivery, actor=request.user)
    messages.success(request, f"Delivery {delivery.delivery_id} redelivered: {delivery.get_status_display()}.")
    return redirect("project_detail", org.slug, project.pk)


@login_required
@require_POST
def project_demo_event(request, org_slug: str, project_id: int):
    """Demo only (DEMO_EMULATOR_URL set): make the emulator push, or delete the hook there."""
    if not demo.enabled():
        raise Http404("Not a demo.")
    org, project = _admin_project(request, org_slug, project_id)
    action = request.POST.get("action")
    try:
        message = demo.delete_hook(project) if action == "delete-hook" else demo.push(project)
    except demo.DemoError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, message)
    return redirect("project_detail", org.slug, project.pk)
