"""Connections over REST: /api/v1/orgs/{org}/connections/. The serializer checks and documents the JSON types;
the rules are TokenConnectionForm's (the Connections page's own form); the services check and store.
Never a token in an answer."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from integrations.api.serializers import StrictBooleanField
from integrations.connections import selectors, services
from integrations.connections.token_form import ALL_KINDS, TokenConnectionForm, token_submit
from integrations.connections.tokens import ProviderUnreachable
from integrations.models import Connection
from portal.errors import Forbidden, ValidationFailed
from portal.models import Role
from portal.selectors import org_for_user

TAG = ["connections"]


def owner_name(connection: Connection) -> str:
    user = connection.user
    return (user.get_full_name() or "").strip() or user.get_username().split("@")[0]


class ConnectionSerializer(serializers.ModelSerializer):
    integration = serializers.IntegerField(source="integration_id", read_only=True)
    provider = serializers.CharField(source="integration.provider", read_only=True)
    owner = serializers.SerializerMethodField(help_text="Whose connection it is (a name only).")
    # Plain strings in the schema: other components' `status` enums would collide with these.
    method = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True, help_text="active, expiring, expired, revoked, "
                                   "insufficient-scopes, unreachable or pending")

    class Meta:
        model = Connection
        fields = ["id", "integration", "provider", "method", "status", "username", "display_name",
                  "git_author_name", "git_author_email", "granted_scopes", "missing_scopes", "expires_at", "shared",
                  "warnings", "resource", "reported_kind", "owner", "last_verified_at", "last_error"]
        read_only_fields = fields

    def get_owner(self, connection: Connection) -> str:
        return owner_name(connection)

    def to_representation(self, connection: Connection) -> dict:
        data = super().to_representation(connection)
        viewer = self.context.get("viewer")
        if connection.shared and viewer is not None and not self.context.get("is_admin"):
            # Members see whose shared credential it is, by name, and nothing about the account behind it.
            for name in ("username", "display_name", "git_author_name", "git_author_email"):
                data[name] = ""
        return data


class TokenConnectionCreateSerializer(serializers.Serializer):
    integration = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    method = serializers.ChoiceField(choices=sorted(ALL_KINDS))
    login = serializers.CharField(required=False, allow_blank=True, max_length=255, trim_whitespace=False,
                                  help_text="The Atlassian email (api-token), username (app-password), what an "
                                            "access token belongs to (access-token), or a user slug.")
    token = serializers.CharField(max_length=2048, write_only=True, trim_whitespace=False)
    shared = StrictBooleanField(required=False, default=False)

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields)) if isinstance(self.initial_data, dict) else []
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return attrs


def _context(request, is_admin: bool) -> dict:
    return {"viewer": request.user, "is_admin": is_admin}


class ConnectionListView(GenericAPIView):
    serializer_class = ConnectionSerializer

    @extend_schema(tags=TAG, responses=ConnectionSerializer(many=True), operation_id="orgs_connections_list",
                   parameters=[OpenApiParameter("user", int, description="Admins: one member's connections.")])
    def get(self, request, org_slug: str):
        org, membership = org_for_user(request.user, org_slug)
        is_admin = membership.has_role(Role.ADMIN)
        raw = request.query_params.get("user")
        user_id = None
        if raw is not None:
            if not raw.isdigit() or len(raw) > 10:
                raise ValidationFailed("user: Must be a user id.", fields={"user": ["Must be a user id."]})
            if not is_admin:
                raise Forbidden("Only org admins may list another member's connections.")
            user_id = int(raw)
        qs = selectors.connection_list_visible(org=org, user=request.user, is_admin=is_admin, user_id=user_id)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ConnectionSerializer(page, many=True,
                                                                context=_context(request, is_admin)).data)

    @extend_schema(tags=TAG, request=TokenConnectionCreateSerializer, responses={201: ConnectionSerializer},
                   description="Checks the token with the provider first; a refused token is not stored (400, "
                               "code token_rejected, the reason under fields.token). 503 provider_unreachable "
                               "when the provider cannot answer.")
    def post(self, request, org_slug: str):
        org, membership = org_for_user(request.user, org_slug)
        is_admin = membership.has_role(Role.ADMIN)
        serializer = TokenConnectionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        form = TokenConnectionForm(dict(serializer.validated_data), org=org, user=request.user, is_admin=is_admin)
        connection = token_submit(form=form, actor=request.user)
        return Response(ConnectionSerializer(connection, context=_context(request, is_admin)).data,
                        status=status.HTTP_201_CREATED)


class ConnectionDetailView(GenericAPIView):
    serializer_class = ConnectionSerializer

    def _load(self, request, org_slug: str, connection_id: int):
        org, membership = org_for_user(request.user, org_slug)
        is_admin = membership.has_role(Role.ADMIN)
        connection = selectors.connection_get_visible(org=org, user=request.user, is_admin=is_admin,
                                                      connection_id=connection_id)
        return connection, is_admin

    @extend_schema(tags=TAG, responses=ConnectionSerializer)
    def get(self, request, org_slug: str, connection_id: int):
        connection, is_admin = self._load(request, org_slug, connection_id)
        return Response(ConnectionSerializer(connection, context=_context(request, is_admin)).data)

    @extend_schema(tags=TAG, responses={204: None})
    def delete(self, request, org_slug: str, connection_id: int):
        connection, is_admin = self._load(request, org_slug, connection_id)
        own = connection.user_id == request.user.pk and not connection.shared
        if not own and not is_admin:
            raise Forbidden("Only org admins may remove a shared connection.")
        services.connection_disconnect(connection=connection, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConnectionVerifyView(GenericAPIView):
    serializer_class = ConnectionSerializer

    @extend_schema(tags=TAG, request=None, responses=ConnectionSerializer,
                   description="Checks the connection with its provider now. 503 provider_unreachable when it "
                               "cannot answer (the connection keeps its status).")
    def post(self, request, org_slug: str, connection_id: int):
        org, membership = org_for_user(request.user, org_slug)
        is_admin = membership.has_role(Role.ADMIN)
        connection = selectors.connection_get_visible(org=org, user=request.user, is_admin=is_admin,
                                                      connection_id=connection_id)
        try:
            connection = services.connection_verify(connection_id=connection.pk)
        except services.ConnectionTransientError as exc:
            raise ProviderUnreachable(exc.message) from None
        connection = selectors.connection_get_visible(org=org, user=request.user, is_admin=is_admin,
                                                      connection_id=connection.pk)
        return Response(ConnectionSerializer(connection, context=_context(request, is_admin)).data)
