from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from portal import services
from portal.audit_display import activity_rows
from portal.context_processors import remember_org
from portal.errors import ApplicationError
from portal.forms import ActivityFilterForm, OrganizationCreateForm, OrganizationDeleteForm, OrganizationRenameForm
from portal.models import Role
from portal.selectors import admins_without_mfa, audit_events_for, org_for_user, organizations_for_user
from portal.views.helpers import paginate, report


@login_required
def home(request):
    org = organizations_for_user(request.user).first()
    if org is None:
        return redirect("org_create")
    return redirect("org_dashboard", org_slug=org.slug)


@login_required
def org_create(request):
    form = OrganizationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organization_create(user=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            report(request, exc, form)
        else:
            messages.success(request, f"Created {org.name}.")
            return redirect("org_dashboard", org_slug=org.slug)
    return render(request, "portal/org_create.html", {"form": form})


@login_required
def org_dashboard(request, org_slug: str):
    org, membership = org_for_user(request.user, org_slug)
    remember_org(request, org.slug)
    return render(request, "portal/org_dashboard.html", {"org": org, "membership": membership})


@login_required
def org_settings(request, org_slug: str):
    org, membership = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
    form = OrganizationRenameForm(request.POST or None, initial={"name": org.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(org=org, actor=request.user, name=form.cleaned_data["name"])
        except ApplicationError as exc:
            report(request, exc, form)
        else:
            messages.success(request, "Saved.")
            return redirect("org_settings", org_slug=org.slug)
    context = {"org": org, "membership": membership, "form": form}
    if membership.has_role(Role.OWNER):
        context["without_mfa"] = admins_without_mfa(org)
    return render(request, "portal/org_settings.html", context)


@login_required
@require_POST
def org_require_mfa(request, org_slug: str):
    org, membership = org_for_user(request.user, org_slug, min_role=Role.OWNER)
    required = request.POST.get("require_mfa") == "on"
    try:
        services.organization_set_require_mfa(org=org, actor_membership=membership, required=required)
    except ApplicationError as exc:
        report(request, exc)
    else:
        messages.success(request, "Owners and admins must now use two-factor authentication." if required
                         else "Two-factor authentication is no longer required.")
    return redirect("org_settings", org_slug=org.slug)


@login_required
def org_delete(request, org_slug: str):
    org, membership = org_for_user(request.user, org_slug, min_role=Role.OWNER)
    form = OrganizationDeleteForm(request.POST or None, org=org)
    if request.method == "POST" and form.is_valid():
        name = org.name
        services.organization_delete(org=org, actor=request.user)
        messages.success(request, f"Deleted {name}.")
        return redirect("home")
    return render(request, "portal/org_delete.html", {"org": org, "membership": membership, "form": form})


@login_required
def org_activity(request, org_slug: str):
    org, membership = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
    form = ActivityFilterForm(request.GET, org=org)
    # An unknown value (a stale link, a hand-edited address) shows its error and filters nothing.
    page = paginate(request, audit_events_for(org, **(form.filters() if form.is_valid() else {})))
    rows = activity_rows(page)
    return render(request, "portal/org_activity.html",
                  {"org": org, "membership": membership, "page": page, "rows": rows, "form": form,
                   "filtered": any(request.GET.get(name) for name in form.fields)})


@login_required
@require_POST
def org_switch(request):
    slug = request.POST.get("org", "")
    if "\x00" in slug:  # PostgreSQL refuses NUL in a query parameter; no slug has one anyway
        raise Http404("No such organization.")
    org, _ = org_for_user(request.user, slug)
    return redirect("org_dashboard", org_slug=org.slug)
