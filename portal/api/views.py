"""Organizations, members and invitations over REST. Same selectors and services as the web views."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from portal import services
from portal.api import serializers as s
from portal.models import Invitation, Membership, Role
from portal.selectors import members_of, org_for_user, organizations_for_user, pending_invitations


class OrganizationListView(GenericAPIView):
    serializer_class = s.OrganizationSerializer

    def get_queryset(self):
        return organizations_for_user(self.request.user).annotate(my_role=F("memberships__role"))

    @extend_schema(responses=s.OrganizationSerializer(many=True), operation_id="orgs_list")
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.OrganizationSerializer(page, many=True).data)

    @extend_schema(request=s.OrganizationCreateSerializer, responses={201: s.OrganizationSerializer})
    def post(self, request):
        data = s.OrganizationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        org = services.organization_create(user=request.user, **data.validated_data)
        org.my_role = Role.OWNER
        return Response(s.OrganizationSerializer(org).data, status=status.HTTP_201_CREATED)


class OrganizationDetailView(GenericAPIView):
    serializer_class = s.OrganizationSerializer

    def _org(self, min_role=Role.MEMBER):
        org, membership = org_for_user(self.request.user, self.kwargs["org_slug"], min_role=min_role)
        org.my_role = membership.role
        return org

    def get(self, request, org_slug: str):
        return Response(s.OrganizationSerializer(self._org()).data)

    @extend_schema(request=s.OrganizationUpdateSerializer, responses=s.OrganizationSerializer)
    def patch(self, request, org_slug: str):
        org, membership = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
        data = s.OrganizationUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            if "name" in data.validated_data:
                services.organization_update(org=org, actor=request.user, name=data.validated_data["name"])
            if "require_mfa" in data.validated_data:
                org = services.organization_set_require_mfa(org=org, actor_membership=membership,
                                                            required=data.validated_data["require_mfa"])
        org.refresh_from_db()
        org.my_role = membership.role
        return Response(s.OrganizationSerializer(org).data)

    @extend_schema(responses={204: None})
    def delete(self, request, org_slug: str):
        services.organization_delete(org=self._org(Role.OWNER), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberListView(GenericAPIView):
    serializer_class = s.MembershipSerializer

    @extend_schema(responses=s.MembershipSerializer(many=True), operation_id="orgs_members_list")
    def get(self, request, org_slug: str):
        org, _ = org_for_user(request.user, org_slug)
        page = self.paginate_queryset(members_of(org))
        return self.get_paginated_response(s.MembershipSerializer(page, many=True).data)


class MemberDetailView(GenericAPIView):
    serializer_class = s.MembershipSerializer

    def _target(self, org):
        return get_object_or_404(Membership.objects.select_related("user"), pk=self.kwargs["membership_id"],
                                 organization=org)

    def get(self, request, org_slug: str, membership_id: int):
        org, _ = org_for_user(request.user, org_slug)
        return Response(s.MembershipSerializer(self._target(org)).data)

    @extend_schema(request=s.RoleSerializer, responses=s.MembershipSerializer)
    def patch(self, request, org_slug: str, membership_id: int):
        org, actor = org_for_user(request.user, org_slug, min_role=Role.OWNER)
        target = self._target(org)
        data = s.RoleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.membership_change_role(membership=target, actor_membership=actor, role=data.validated_data["role"])
        return Response(s.MembershipSerializer(target).data)

    @extend_schema(responses={204: None})
    def delete(self, request, org_slug: str, membership_id: int):
        org, actor = org_for_user(request.user, org_slug)
        services.membership_remove(membership=self._target(org), actor_membership=actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationListView(GenericAPIView):
    serializer_class = s.InvitationSerializer

    @extend_schema(responses=s.InvitationSerializer(many=True), operation_id="orgs_invitations_list")
    def get(self, request, org_slug: str):
        org, _ = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
        page = self.paginate_queryset(pending_invitations(org))
        return self.get_paginated_response(s.InvitationSerializer(page, many=True).data)

    @extend_schema(request=s.InvitationCreateSerializer, responses={201: s.InvitationSerializer})
    def post(self, request, org_slug: str):
        org, _ = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
        data = s.InvitationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.invitation_create(org=org, actor=request.user, **data.validated_data)
        return Response(s.InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationDetailView(GenericAPIView):
    serializer_class = s.InvitationSerializer

    @extend_schema(responses={204: None})
    def delete(self, request, org_slug: str, invitation_id: int):
        org, _ = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
        invitation = get_object_or_404(Invitation, pk=invitation_id, organization=org)
        services.invitation_revoke(invitation=invitation, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
