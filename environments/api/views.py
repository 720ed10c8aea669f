"""Context URLs and environment requests over REST."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from environments import selectors, services
from environments.api import serializers as s
from integrations.context.base import ContextUrlError
from integrations.context.known_hosts import known_hosts_list
from integrations.context.parsing import parse_context_url
from portal.errors import ValidationFailed
from portal.selectors import org_for_user
from runners.selectors import runner_for_org


def parse_or_fail(url: str, *, org) -> object:
    """The parsed URL, or a 400 naming the `url` field and what was not understood."""
    try:
        return parse_context_url(url, known_hosts=known_hosts_list(org=org))
    except ContextUrlError as exc:
        raise ValidationFailed(f"url: {exc.message}", fields={"url": [exc.message]}) from None


class ContextUrlParseView(APIView):
    """What the portal understands of a pasted URL, offline (the org's registered hosts count)."""

    @extend_schema(request=s.ContextUrlInputSerializer, responses={200: s.ContextUrlSerializer},
                   operation_id="orgs_context_urls_parse")
    def post(self, request, org_slug: str):
        org, _ = org_for_user(request.user, org_slug)
        data = s.ContextUrlInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        parsed = parse_or_fail(data.validated_data["url"], org=org)
        return Response(s.ContextUrlSerializer(parsed.as_dict()).data)


class EnvironmentRequestListView(GenericAPIView):
    """The caller's own environment requests in the org; POST is "New environment"."""

    serializer_class = s.EnvironmentRequestSerializer

    @extend_schema(responses=s.EnvironmentRequestSerializer(many=True), operation_id="orgs_environments_list")
    def get(self, request, org_slug: str):
        org, _ = org_for_user(request.user, org_slug)
        page = self.paginate_queryset(selectors.environment_request_list(org=org, user=request.user))
        return self.get_paginated_response(s.EnvironmentRequestSerializer(page, many=True).data)

    @extend_schema(request=s.EnvironmentRequestInputSerializer, responses={201: s.EnvironmentRequestSerializer},
                   description="409 `needs_connection`: connect the provider on that runner first, then repeat.")
    def post(self, request, org_slug: str):
        org, _ = org_for_user(request.user, org_slug)
        data = s.EnvironmentRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        runner = runner_for_org(org, data.validated_data["runner"])
        env = services.environment_request_create(runner=runner, user=request.user, url=data.validated_data["url"])
        return Response(s.EnvironmentRequestSerializer(env).data, status=status.HTTP_201_CREATED)


class EnvironmentRequestDetailView(GenericAPIView):
    serializer_class = s.EnvironmentRequestSerializer

    @extend_schema(responses=s.EnvironmentRequestSerializer, operation_id="orgs_environments_retrieve")
    def get(self, request, org_slug: str, environment_id: int):
        org, _ = org_for_user(request.user, org_slug)
        env = selectors.environment_request_get(org=org, user=request.user, request_id=environment_id)
        return Response(s.EnvironmentRequestSerializer(env).data)
