from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from portal import services
from portal.errors import ApplicationError
from portal.forms import InvitationForm, RoleForm
from portal.models import Invitation, Membership, Role
from portal.selectors import members_of, org_for_user, pending_invitations
from portal.views.helpers import paginate, report


@login_required
def member_list(request, org_slug: str):
    org, membership = org_for_user(request.user, org_slug)
    form = InvitationForm(request.POST or None)
    if request.method == "POST":
        if not membership.has_role(Role.ADMIN):
            messages.error(request, "Only admins and owners can invite members.")
            return redirect("member_list", org_slug=org.slug)
        if form.is_valid():
            try:
                invitation = services.invitation_create(org=org, actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                report(request, exc, form)
            else:
                messages.success(request, f"Invitation sent to {invitation.email}.")
                return redirect("member_list", org_slug=org.slug)
    context = {
        "org": org,
        "membership": membership,
        "page": paginate(request, members_of(org)),
        "invitations": pending_invitations(org) if membership.has_role(Role.ADMIN) else [],
        "form": form,
        "roles": Role.choices,
        # An admin may invite admins and members; only an owner invites (or un-invites) an owner.
        "invite_roles": Role.choices if membership.has_role(Role.OWNER)
        else [(value, label) for value, label in Role.choices if value != Role.OWNER],
    }
    return render(request, "portal/member_list.html", context)


@login_required
@require_POST
def member_role(request, org_slug: str, membership_id: int):
    org, actor = org_for_user(request.user, org_slug, min_role=Role.OWNER)
    target = get_object_or_404(Membership.objects.select_related("user"), pk=membership_id, organization=org)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid role.")
    else:
        try:
            services.membership_change_role(membership=target, actor_membership=actor, role=form.cleaned_data["role"])
        except ApplicationError as exc:
            report(request, exc)
        else:
            messages.success(request, f"{target.user.email} is now {target.get_role_display().lower()}.")
    return redirect("member_list", org_slug=org.slug)


@login_required
def member_remove(request, org_slug: str, membership_id: int):
    org, actor = org_for_user(request.user, org_slug)
    target = get_object_or_404(Membership.objects.select_related("user"), pk=membership_id, organization=org)
    leaving = target.pk == actor.pk
    if not leaving and not actor.has_role(Role.ADMIN):
        raise PermissionDenied("Only admins and owners can remove members.")
    if request.method == "POST":
        try:
            services.membership_remove(membership=target, actor_membership=actor)
        except ApplicationError as exc:
            report(request, exc)
            return redirect("member_list", org_slug=org.slug)
        if leaving:
            messages.success(request, f"You left {org.name}.")
            return redirect("home")
        messages.success(request, f"Removed {target.user.email}.")
        return redirect("member_list", org_slug=org.slug)
    return render(request, "portal/member_remove.html",
                  {"org": org, "membership": actor, "target": target, "leaving": leaving})


@login_required
@require_POST
def invitation_revoke(request, org_slug: str, invitation_id: int):
    org, _ = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
    invitation = get_object_or_404(Invitation, pk=invitation_id, organization=org)
    services.invitation_revoke(invitation=invitation, actor=request.user)
    messages.success(request, f"Revoked the invitation of {invitation.email}.")
    return redirect("member_list", org_slug=org.slug)


def _pending_invitation(request, org_slug: str, invitation_id: int):
    org, _ = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
    return org, get_object_or_404(Invitation, pk=invitation_id, organization=org, accepted_at__isnull=True)


@login_required
@require_POST
def invitation_resend(request, org_slug: str, invitation_id: int):
    org, invitation = _pending_invitation(request, org_slug, invitation_id)
    try:
        services.invitation_resend(invitation=invitation, actor=request.user)
    except ApplicationError as exc:
        report(request, exc)
    else:
        messages.success(request, f"Sent {invitation.email} a new link. The earlier link no longer works.")
    return redirect("member_list", org_slug=org.slug)


@login_required
@require_POST
def invitation_role(request, org_slug: str, invitation_id: int):
    org, invitation = _pending_invitation(request, org_slug, invitation_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid role.")
        return redirect("member_list", org_slug=org.slug)
    try:
        changed = services.invitation_change_role(invitation=invitation, actor=request.user,
                                                  role=form.cleaned_data["role"])
    except ApplicationError as exc:
        report(request, exc)
    else:
        messages.success(request, f"{changed.email} will join as {changed.get_role_display().lower()}. "
                                  "The link already sent still works.")
    return redirect("member_list", org_slug=org.slug)


@login_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    invitation = services.invitation_for_token(token)
    if request.method == "POST":
        try:
            membership = services.invitation_accept(token=token, user=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Welcome to {membership.organization.name}.")
            return redirect("org_dashboard", org_slug=membership.organization.slug)
    return render(request, "portal/invitation_accept.html", {"invitation": invitation})
