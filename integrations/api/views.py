"""Repository access over REST. Input is validated by ScmIntegrationForm, the dialog's own form."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from integrations import services
from integrations.api.serializers import (
    IntegrationReplaceSerializer,
    IntegrationSerializer,
    IntegrationWriteSerializer,
)
from integrations.forms import ScmIntegrationForm
from integrations.selectors import integration_in_runner, integrations_of_runner, runner_in_org
from portal.errors import ValidationFailed
from portal.models import Role
from portal.selectors import org_for_user

_TYPES = {
    "provider": str,
    "host": str,
    "client_id": str,
    "client_secret": str,
    "oauth_enabled": bool,
    "pat_enabled": bool,
    "optional_scopes": list,
}


_REPLACE_REQUIRED = ("provider", "oauth_enabled", "pat_enabled")


def _form_data(payload, instance=None) -> dict:
    """JSON body -> form data, refusing unknown fields and wrong types by name."""
    if not isinstance(payload, dict):
        raise ValidationFailed("Send a JSON object.")
    unknown = sorted(set(payload) - set(_TYPES))
    if unknown:
        raise ValidationFailed(f"{unknown[0]}: Unknown field.", fields={k: ["Unknown field."] for k in unknown})
    for name, value in payload.items():
        if not isinstance(value, _TYPES[name]) or (
            name == "optional_scopes" and not all(isinstance(v, str) for v in value)
        ):
            kind = {str: "a string", bool: "true or false", list: "a list of strings"}[_TYPES[name]]
            raise ValidationFailed(f"{name}: Must be {kind}.", fields={name: [f"Must be {kind}."]})
    data: dict = {}
    if instance is not None:
        data = {
            "provider": instance.provider,
            "host": instance.host,
            "oauth_enabled": instance.oauth_enabled,
            "pat_enabled": instance.pat_enabled,
            "client_id": instance.client_id,
            "optional_scopes": list(instance.optional_scopes or []),
        }
    else:
        data = {"oauth_enabled": True, "pat_enabled": True}
    data.update(payload)
    return data


class IntegrationListView(GenericAPIView):
    serializer_class = IntegrationSerializer

    @extend_schema(responses=IntegrationSerializer(many=True), operation_id="orgs_runners_integrations_list")
    def get(self, request, org_slug: str, runner_id: int):
        org, _ = org_for_user(request.user, org_slug)
        runner = runner_in_org(org, runner_id)
        page = self.paginate_queryset(integrations_of_runner(runner))
        return self.get_paginated_response(IntegrationSerializer(page, many=True).data)

    @extend_schema(request=IntegrationWriteSerializer, responses={201: IntegrationSerializer})
    def post(self, request, org_slug: str, runner_id: int):
        org, _ = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
        runner = runner_in_org(org, runner_id)
        form = ScmIntegrationForm(_form_data(request.data), runner=runner)
        integration = services.integration_save(form=form, actor=request.user)
        return Response(IntegrationSerializer(integration).data, status=status.HTTP_201_CREATED)


class IntegrationDetailView(GenericAPIView):
    serializer_class = IntegrationSerializer

    def _load(self, request, org_slug, runner_id, integration_id, role=Role.MEMBER):
        org, _ = org_for_user(request.user, org_slug, min_role=role)
        runner = runner_in_org(org, runner_id)
        return runner, integration_in_runner(runner, integration_id)

    def get(self, request, org_slug: str, runner_id: int, integration_id: int):
        _, integration = self._load(request, org_slug, runner_id, integration_id)
        return Response(IntegrationSerializer(integration).data)

    @extend_schema(request=IntegrationWriteSerializer, responses=IntegrationSerializer)
    def patch(self, request, org_slug: str, runner_id: int, integration_id: int):
        runner, integration = self._load(request, org_slug, runner_id, integration_id, Role.ADMIN)
        form = ScmIntegrationForm(_form_data(request.data, integration), instance=integration, runner=runner)
        integration = services.integration_save(form=form, actor=request.user)
        return Response(IntegrationSerializer(integration).data)

    @extend_schema(request=IntegrationReplaceSerializer, responses=IntegrationSerializer)
    def put(self, request, org_slug: str, runner_id: int, integration_id: int):
        """Replace the setting: a PUT without provider, oauth_enabled and pat_enabled is refused (it once
        behaved as an empty PATCH); fields left out go back to their defaults."""
        runner, integration = self._load(request, org_slug, runner_id, integration_id, Role.ADMIN)
        payload = request.data
        if isinstance(payload, dict):
            missing = [name for name in _REPLACE_REQUIRED if name not in payload]
            if missing:
                message = "This field is required: PUT replaces the whole setting (PATCH changes some fields)."
                raise ValidationFailed(f"{missing[0]}: {message}", fields={name: [message] for name in missing})
            if payload["provider"] != integration.provider:
                message = "A saved integration keeps its provider; remove it and add the other provider."
                raise ValidationFailed(f"provider: {message}", fields={"provider": [message]})
        form = ScmIntegrationForm(_form_data(payload), instance=integration, runner=runner)
        integration = services.integration_save(form=form, actor=request.user)
        return Response(IntegrationSerializer(integration).data)

    @extend_schema(responses={204: None})
    def delete(self, request, org_slug: str, runner_id: int, integration_id: int):
        _, integration = self._load(request, org_slug, runner_id, integration_id, Role.ADMIN)
        services.integration_delete(integration=integration, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
