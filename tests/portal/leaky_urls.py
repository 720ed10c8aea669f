"""A URLconf with deliberately broken views: the walker's own tests prove it catches them."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, re_path

from portal.models import Membership, Organization, Role
from portal.selectors import org_for_user


def dashboard_without_tenancy_check(request, org_slug: str):
    return HttpResponse(Organization.objects.get(slug=org_slug).name)


def remove_without_org_filter(request, org_slug: str, membership_id: int):
    org, _ = org_for_user(request.user, org_slug, min_role=Role.OWNER)
    Membership.objects.filter(pk=membership_id).delete()  # forgot organization=org
    return redirect("/")


def correct_member_view(request, org_slug: str, membership_id: int):
    org, _ = org_for_user(request.user, org_slug)
    member = get_object_or_404(Membership, pk=membership_id, organization=org)
    return HttpResponse(member.user.email)


urlpatterns = [
    path("orgs/<slug:org_slug>/", dashboard_without_tenancy_check, name="leaky_dashboard"),
    path("orgs/<slug:org_slug>/members/<int:membership_id>/remove/", remove_without_org_filter,
         name="leaky_remove"),
    re_path(r"^legacy/(?P<org_slug>[-a-z0-9]+)/m/(?P<membership_id>[0-9]+)\.json$", correct_member_view,
            name="legacy_member"),
]


def receiver_that_trusts_the_url(request, project_uuid):
    """Gitpod's old mistake: the webhook URL itself treated as the credential."""
    from integrations.projects.models import Project

    project = Project.objects.get(uuid=project_uuid)
    Project.objects.filter(pk=project.pk).update(last_push_ref="refs/heads/pwned")
    return HttpResponse(project.organization.name, status=202)


class LeakyReceiverUrls:
    """A webhook receiver that skips the signature check."""

    urlpatterns = [
        path("hooks/bitbucket/<uuid:project_uuid>/", receiver_that_trusts_the_url, name="webhook_receiver"),
    ]


class UnknownParameterUrls:
    """A URLconf (a class works as one) with a parameter nobody registered."""

    urlpatterns = [
        path("orgs/<slug:org_slug>/widgets/<int:widget_id>/", correct_member_view, name="widget_detail"),
    ]
