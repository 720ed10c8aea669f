"""Prebuilds over REST: /api/v1/orgs/{org}/projects/{id}/prebuilds/. Same selectors, form and services as
the pages. Members read; admins cancel, re-run and change the settings."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from integrations.prebuilds import selectors, services
from integrations.prebuilds.api import serializers as s
from integrations.prebuilds.forms import PrebuildSettingsForm
from integrations.projects import selectors as project_selectors
from portal.errors import ValidationFailed
from portal.models import Role
from portal.selectors import org_for_user

TAG = ["prebuilds"]
_SETTINGS_TYPES = {"prebuilds": bool, "prebuild_branches": str, "prebuild_pull_requests": bool}


def _project(request, org_slug: str, project_id: int, role: str = Role.MEMBER):
    org, _ = org_for_user(request.user, org_slug, min_role=role)
    return project_selectors.project_get(org=org, project_id=project_id)


def _settings(project) -> dict:
    return {"prebuilds": project.prebuilds, "prebuild_branches": project.prebuild_branches,
            "prebuild_pull_requests": project.prebuild_pull_requests, "default_branch": project.default_branch}


class PrebuildListView(GenericAPIView):
    serializer_class = s.PrebuildSerializer

    @extend_schema(tags=TAG, responses=s.PrebuildSerializer(many=True), operation_id="orgs_projects_prebuilds_list",
                   description="Newest first.")
    def get(self, request, org_slug: str, project_id: int):
        project = _project(request, org_slug, project_id)
        page = self.paginate_queryset(selectors.prebuild_list(project=project))
        return self.get_paginated_response(s.PrebuildSerializer(page, many=True).data)


class PrebuildDetailView(GenericAPIView):
    serializer_class = s.PrebuildDetailSerializer

    @extend_schema(tags=TAG, responses=s.PrebuildDetailSerializer)
    def get(self, request, org_slug: str, project_id: int, prebuild_id: int):
        prebuild = selectors.prebuild_get(project=_project(request, org_slug, project_id), prebuild_id=prebuild_id)
        return Response(s.PrebuildDetailSerializer(prebuild).data)


class PrebuildCancelView(GenericAPIView):
    serializer_class = s.PrebuildDetailSerializer

    @extend_schema(tags=TAG, request=None, responses={202: s.PrebuildDetailSerializer},
                   description="Queued: cancelled at once. Running: the agent stops the command at its next report. "
                               "409 when it has finished.")
    def post(self, request, org_slug: str, project_id: int, prebuild_id: int):
        project = _project(request, org_slug, project_id, Role.ADMIN)
        prebuild = services.prebuild_cancel(prebuild=selectors.prebuild_get(project=project, prebuild_id=prebuild_id),
                                            actor=request.user)
        return Response(s.PrebuildDetailSerializer(prebuild).data, status=status.HTTP_202_ACCEPTED)


class PrebuildRerunView(GenericAPIView):
    serializer_class = s.PrebuildDetailSerializer

    @extend_schema(tags=TAG, request=None, responses={202: s.PrebuildDetailSerializer},
                   description="Queues a finished prebuild again (same commit, next attempt). 409 while it runs.")
    def post(self, request, org_slug: str, project_id: int, prebuild_id: int):
        project = _project(request, org_slug, project_id, Role.ADMIN)
        prebuild = services.prebuild_rerun(prebuild=selectors.prebuild_get(project=project, prebuild_id=prebuild_id),
                                           actor=request.user)
        return Response(s.PrebuildDetailSerializer(prebuild).data, status=status.HTTP_202_ACCEPTED)


class PrebuildSettingsView(GenericAPIView):
    serializer_class = s.PrebuildSettingsSerializer

    @extend_schema(tags=TAG, responses=s.PrebuildSettingsSerializer)
    def get(self, request, org_slug: str, project_id: int):
        return Response(_settings(_project(request, org_slug, project_id)))

    @extend_schema(tags=TAG, request=s.PrebuildSettingsSerializer, responses=s.PrebuildSettingsSerializer,
                   description="Changes the fields it sends.")
    def patch(self, request, org_slug: str, project_id: int):
        project = _project(request, org_slug, project_id, Role.ADMIN)
        payload = request.data
        if not isinstance(payload, dict):
            raise ValidationFailed("Send a JSON object.")
        unknown = sorted(set(payload) - set(_SETTINGS_TYPES))
        if unknown:
            raise ValidationFailed(f"{unknown[0]}: Unknown field.", fields={k: ["Unknown field."] for k in unknown})
        for name, value in payload.items():
            if not isinstance(value, _SETTINGS_TYPES[name]):
                words = "true or false" if _SETTINGS_TYPES[name] is bool else "a string"
                raise ValidationFailed(f"{name}: Must be {words}.", fields={name: [f"Must be {words}."]})
        merged = {**_settings(project), **payload}
        form = PrebuildSettingsForm({k: v for k, v in merged.items() if v is not False})
        if not form.is_valid():
            raise ValidationFailed.from_form(form)
        project = services.prebuild_settings_update(project=project, actor=request.user,
                                                    enabled=form.cleaned_data["prebuilds"],
                                                    branches=form.cleaned_data["prebuild_branches"],
                                                    pull_requests=form.cleaned_data["prebuild_pull_requests"])
        return Response(_settings(project))
