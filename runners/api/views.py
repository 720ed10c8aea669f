"""Runners over REST: /api/v1/orgs/{org}/runners/. Same selectors and services as the web pages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from portal.models import Role
from portal.selectors import org_for_user
from runners import services
from runners.api import serializers as s
from runners.selectors import agent_commands, runner_for_org, runners_for_org

TAG = ["runners"]


def _token_fields(runner, token: str) -> dict:
    commands = agent_commands(token)
    return {"registration_token": token, "registration_token_expires_at": runner.registration_token_expires_at,
            "register_command": commands["register"], "run_command": commands["run"]}


class RunnerListView(GenericAPIView):
    serializer_class = s.RunnerSerializer

    @extend_schema(tags=TAG, responses=s.RunnerSerializer(many=True))
    def get(self, request, org_slug: str):
        org, _ = org_for_user(request.user, org_slug)
        page = self.paginate_queryset(runners_for_org(org))
        return self.get_paginated_response(s.RunnerSerializer(page, many=True).data)

    @extend_schema(tags=TAG, request=s.RunnerWriteSerializer, responses={201: s.RunnerCreatedSerializer},
                   description="Creates a runner. The response holds its one-time registration token.")
    def post(self, request, org_slug: str):
        org, _ = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
        data = s.RunnerWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        runner, token = services.runner_create(org=org, actor=request.user, **data.validated_data)
        body = {**s.RunnerSerializer(runner).data, **_token_fields(runner, token)}
        response = Response(body, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response


class RunnerDetailView(GenericAPIView):
    serializer_class = s.RunnerSerializer

    @extend_schema(tags=TAG)
    def get(self, request, org_slug: str, runner_id: int):
        org, _ = org_for_user(request.user, org_slug)
        return Response(s.RunnerSerializer(runner_for_org(org, runner_id)).data)

    def _update(self, request, org_slug: str, runner_id: int, *, partial: bool):
        org, _ = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
        runner = runner_for_org(org, runner_id)
        data = s.RunnerWriteSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        services.runner_update(runner=runner, actor=request.user, **data.validated_data)
        return Response(s.RunnerSerializer(runner).data)

    @extend_schema(tags=TAG, request=s.RunnerWriteSerializer, responses=s.RunnerSerializer)
    def put(self, request, org_slug: str, runner_id: int):
        return self._update(request, org_slug, runner_id, partial=False)

    @extend_schema(tags=TAG, request=s.RunnerWriteSerializer(partial=True), responses=s.RunnerSerializer)
    def patch(self, request, org_slug: str, runner_id: int):
        return self._update(request, org_slug, runner_id, partial=True)

    @extend_schema(tags=TAG, responses={204: None})
    def delete(self, request, org_slug: str, runner_id: int):
        org, _ = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
        services.runner_delete(runner=runner_for_org(org, runner_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RunnerRegistrationTokenView(GenericAPIView):
    serializer_class = s.RegistrationTokenSerializer

    @extend_schema(tags=TAG, request=None, responses={201: s.RegistrationTokenSerializer},
                   description="A new one-time registration token; any unused one stops working.")
    def post(self, request, org_slug: str, runner_id: int):
        org, _ = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
        runner = runner_for_org(org, runner_id)
        token = services.runner_registration_token_regenerate(runner=runner, actor=request.user)
        response = Response(_token_fields(runner, token), status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response
