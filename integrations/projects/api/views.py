"""Projects over REST: /api/v1/orgs/{org}/projects/. Same form, selectors and services as the web pages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from integrations.projects import selectors, services
from integrations.projects.api import serializers as s
from integrations.projects.forms import ProjectCreateForm
from portal.errors import ValidationFailed
from portal.models import Role
from portal.selectors import org_for_user

TAG = ["projects"]
_CREATE_TYPES = {"runner": int, "connection": int, "repository": str, "prebuilds": bool}


def _form_data(payload) -> dict:
    """JSON body -> form data: unknown fields and wrong types are refused by name."""
    if not isinstance(payload, dict):
        raise ValidationFailed("Send a JSON object.")
    unknown = sorted(set(payload) - set(_CREATE_TYPES))
    if unknown:
        raise ValidationFailed(f"{unknown[0]}: Unknown field.", fields={k: ["Unknown field."] for k in unknown})
    for name, value in payload.items():
        kind = _CREATE_TYPES[name]
        if value is None and name == "runner":
            continue
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            words = {int: "an integer id", str: "a string", bool: "true or false"}[kind]
            raise ValidationFailed(f"{name}: Must be {words}.", fields={name: [f"Must be {words}."]})
    data = {k: v for k, v in payload.items() if v is not None}
    data["prebuilds"] = payload.get("prebuilds", True)
    return data


class ProjectListView(GenericAPIView):
    serializer_class = s.ProjectSerializer

    @extend_schema(tags=TAG, responses=s.ProjectSerializer(many=True), operation_id="orgs_projects_list")
    def get(self, request, org_slug: str):
        org, _ = org_for_user(request.user, org_slug)
        page = self.paginate_queryset(selectors.project_list(org=org))
        return self.get_paginated_response(s.ProjectSerializer(page, many=True).data)

    @extend_schema(tags=TAG, request=s.ProjectCreateSerializer, responses={201: s.ProjectSerializer},
                   description="Creates a project; a task installs its webhook (see webhook.state).")
    def post(self, request, org_slug: str):
        org, _ = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
        form = ProjectCreateForm(_form_data(request.data), org=org, user=request.user)
        if not form.is_valid():
            raise ValidationFailed.from_form(form)
        project = services.project_create(org=org, actor=request.user, connection=form.cleaned_data["connection"],
                                          repository=form.cleaned_data["repository"],
                                          prebuilds=form.cleaned_data["prebuilds"])
        project = selectors.project_get(org=org, project_id=project.pk)
        return Response(s.ProjectSerializer(project).data, status=status.HTTP_201_CREATED)


class ProjectDetailView(GenericAPIView):
    serializer_class = s.ProjectSerializer

    def _project(self, request, org_slug: str, project_id: int, role: str = Role.MEMBER):
        org, _ = org_for_user(request.user, org_slug, min_role=role)
        return selectors.project_get(org=org, project_id=project_id)

    @extend_schema(tags=TAG)
    def get(self, request, org_slug: str, project_id: int):
        return Response(s.ProjectSerializer(self._project(request, org_slug, project_id)).data)

    @extend_schema(tags=TAG, request=s.ProjectUpdateSerializer, responses=s.ProjectSerializer)
    def patch(self, request, org_slug: str, project_id: int):
        project = self._project(request, org_slug, project_id, Role.ADMIN)
        data = s.ProjectUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.project_update(project=project, actor=request.user, prebuilds=data.validated_data["prebuilds"])
        return Response(s.ProjectSerializer(project).data)

    @extend_schema(tags=TAG, responses={204: None},
                   description="Deletes the project; a task removes its webhook at the provider.")
    def delete(self, request, org_slug: str, project_id: int):
        services.project_delete(project=self._project(request, org_slug, project_id, Role.ADMIN), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProjectReinstallView(GenericAPIView):
    serializer_class = s.ProjectSerializer

    @extend_schema(tags=TAG, request=None, responses={202: s.ProjectSerializer},
                   description="Runs the idempotent webhook install task again.")
    def post(self, request, org_slug: str, project_id: int):
        org, _ = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
        project = selectors.project_get(org=org, project_id=project_id)
        own = (selectors.connection_get_own_for_project(org=org, user=request.user, project=project)
               if project.connection_id is None else None)
        project = services.project_webhook_reinstall(project=project, actor=request.user, connection=own)
        return Response(s.ProjectSerializer(selectors.project_get(org=org, project_id=project.pk)).data,
                        status=status.HTTP_202_ACCEPTED)


class DeliveryListView(GenericAPIView):
    serializer_class = s.DeliverySerializer

    @extend_schema(tags=TAG, responses=s.DeliverySerializer(many=True), operation_id="orgs_projects_deliveries_list",
                   description="Newest first.")
    def get(self, request, org_slug: str, project_id: int):
        org, _ = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
        project = selectors.project_get(org=org, project_id=project_id)
        page = self.paginate_queryset(selectors.webhook_delivery_list(project=project))
        return self.get_paginated_response(s.DeliverySerializer(page, many=True).data)


class DeliveryRedeliverView(GenericAPIView):
    serializer_class = s.DeliverySerializer

    @extend_schema(tags=TAG, request=None, responses={202: s.DeliverySerializer},
                   description="Runs processing of a finished delivery again (idempotent).")
    def post(self, request, org_slug: str, project_id: int, delivery_id: int):
        org, _ = org_for_user(request.user, org_slug, min_role=Role.ADMIN)
        project = selectors.project_get(org=org, project_id=project_id)
        delivery = selectors.webhook_delivery_get(project=project, delivery_id=delivery_id)
        delivery = services.webhook_delivery_redeliver(delivery=delivery, actor=request.user)
        return Response(s.DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
