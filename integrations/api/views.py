"""Repository access over REST. The serializer checks and documents the JSON types; the rules are
ScmIntegrationForm's, the dialog's own form; `integration_submit` checks the host and saves."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from integrations import services
from integrations.api.serializers import (
    IntegrationReplaceSerializer,
    IntegrationSerializer,
    IntegrationWriteSerializer,
    SealContextSerializer,
)
from integrations.browser_sealing import browser_seal_context, typed_options
from integrations.forms import ScmIntegrationForm, option_field_name
from integrations.selectors import integration_get, integration_list
from integrations.submit import integration_submit
from portal.errors import ValidationFailed
from portal.models import Role
from portal.selectors import org_for_user
from runners.protocol.sealing import SealError
from runners.selectors import runner_for_org


def _form_data(request, instance=None, *, replace: bool = False) -> dict:
    """The JSON body, its types checked by the serializer, as the form's data: an update starts from
    the saved values (PATCH), a create from both methods on, a replacement (PUT) from nothing, so
    what it leaves out goes back to its default."""
    serializer_class = IntegrationReplaceSerializer if replace else IntegrationWriteSerializer
    serializer = serializer_class(data=request.data, partial=instance is not None and not replace)
    serializer.is_valid(raise_exception=True)
    if replace:
        if serializer.validated_data["provider"] != instance.provider:
            # The form keeps a saved row's provider (the field is disabled): say so rather than ignore it.
            message = "A saved integration keeps its provider; remove it and add the other provider."
            raise ValidationFailed(f"provider: {message}", fields={"provider": [message]})
        # Options left out go back to their defaults too.
        data: dict = {option_field_name(o.key): "" for o in instance.scm_provider.option_fields}
    elif instance is None:
        data = {"oauth_enabled": True, "pat_enabled": True}
    else:
        data = {
            "provider": instance.provider,
            "host": instance.host,
            "oauth_enabled": instance.oauth_enabled,
            "pat_enabled": instance.pat_enabled,
            "client_id": instance.client_id,
            "optional_scopes": list(instance.optional_scopes or []),
            **{option_field_name(k): v for k, v in (instance.options or {}).items()},
        }
    validated = dict(serializer.validated_data)
    options = dict(validated.pop("options", None) or {})
    if "workspace" in validated:
        # The top-level `workspace` of earlier versions: `options.workspace` now; an explicit one wins.
        options.setdefault("workspace", validated.pop("workspace"))
    # Provider options travel as the form's `options.<key>` fields, so errors name them that way.
    for key, value in options.items():
        data[option_field_name(key)] = value
    data.update(validated)
    return data


class IntegrationListView(GenericAPIView):
    serializer_class = IntegrationSerializer

    @extend_schema(responses=IntegrationSerializer(many=True), operation_id="orgs_runners_integrations_list")
    def get(self, request, org_slug: str, runner_id: int):
        org, _ = org_for_user(request.user, org_slug)
        runner = runner_for_org(org, runner_id)
        page = self.paginate_queryset(integration_list(runner=runner))
        return self.get_paginated_response(IntegrationSerializer(page, many=True).data)

    @extend_schema(request=IntegrationWriteSerializer, responses={201: IntegrationSerializer})
    def post(self, request, org_slug: str, runner_id: int):
        org, _ = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
        runner = runner_for_org(org, runner_id)
        form = ScmIntegrationForm(_form_data(request), runner=runner)
        integration = integration_submit(form=form, actor=request.user).integration
        return Response(IntegrationSerializer(integration).data, status=status.HTTP_201_CREATED)


class IntegrationDetailView(GenericAPIView):
    serializer_class = IntegrationSerializer

    def _load(self, request, org_slug, runner_id, integration_id, role=Role.MEMBER):
        org, _ = org_for_user(request.user, org_slug, min_role=role)
        runner = runner_for_org(org, runner_id)
        return runner, integration_get(runner=runner, integration_id=integration_id)

    def get(self, request, org_slug: str, runner_id: int, integration_id: int):
        _, integration = self._load(request, org_slug, runner_id, integration_id)
        return Response(IntegrationSerializer(integration).data)

    @extend_schema(request=IntegrationWriteSerializer, responses=IntegrationSerializer)
    def patch(self, request, org_slug: str, runner_id: int, integration_id: int):
        runner, integration = self._load(request, org_slug, runner_id, integration_id, Role.ADMIN)
        form = ScmIntegrationForm(_form_data(request, integration), instance=integration, runner=runner)
        integration = integration_submit(form=form, actor=request.user).integration
        return Response(IntegrationSerializer(integration).data)

    @extend_schema(request=IntegrationReplaceSerializer, responses=IntegrationSerializer)
    def put(self, request, org_slug: str, runner_id: int, integration_id: int):
        """Replace the setting: a PUT without provider, oauth_enabled and pat_enabled is refused (it once
        behaved as an empty PATCH); fields left out go back to their defaults."""
        runner, integration = self._load(request, org_slug, runner_id, integration_id, Role.ADMIN)
        form = ScmIntegrationForm(_form_data(request, integration, replace=True), instance=integration,
                                  runner=runner)
        integration = integration_submit(form=form, actor=request.user).integration
        return Response(IntegrationSerializer(integration).data)

    @extend_schema(responses={204: None})
    def delete(self, request, org_slug: str, runner_id: int, integration_id: int):
        _, integration = self._load(request, org_slug, runner_id, integration_id, Role.ADMIN)
        services.integration_delete(integration=integration, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SealContextView(GenericAPIView):
    """What a caller needs to seal a client secret itself (`python -m runners.agent seal` does it)."""

    serializer_class = SealContextSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("provider", str, description="The provider of a new integration."),
            OpenApiParameter("host", str, description="Its host, for providers that take one."),
            OpenApiParameter("integration", int, description="An existing integration instead."),
            OpenApiParameter("options.tenant", str, description="Provider options the token URL is built from "
                             "(azure-devops `options.tenant`), as they will be saved; saved values otherwise."),
        ],
        responses=SealContextSerializer,
    )
    def get(self, request, org_slug: str, runner_id: int):
        org, _ = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
        runner = runner_for_org(org, runner_id)
        raw_id = request.query_params.get("integration", "")
        if raw_id and not raw_id.isdigit():
            raise ValidationFailed("integration: Not an integration id.", fields={"integration": ["Not an id."]})
        integration = integration_get(runner=runner, integration_id=int(raw_id)) if raw_id else None
        try:
            context = browser_seal_context(runner=runner, provider_id=request.query_params.get("provider", ""),
                                           raw_host=request.query_params.get("host", ""), integration=integration,
                                           browser=False, raw_options=typed_options(request.query_params))
        except SealError as exc:
            raise ValidationFailed(f"runner: {exc}", fields={"runner": [str(exc)]}) from None
        return Response(SealContextSerializer(context).data)
